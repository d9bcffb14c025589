// Build afn_widget/static/widget.css: js/widget.css followed by one class per colour of the
// scale (.afn-c0 ... .afn-c255: background + black/white text). Re-colouring a span is then one
// className write, which browsers restyle much faster than inline style changes.
// Usage: node js/build_css.js OUTFILE
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { CSS, TEXT_CSS } from "./colors.js";

const COPY_HERE = /^( *)\/\* the dark palette: build_css\.js copies .* \*\/$/m;

/**
 * The dark palette is written once, in the rule for hosts that say they are dark; a page that
 * only prefers dark gets the same declarations under a media query: the placeholder comment
 * there is replaced by the declarations of the last rule before that media query.
 */
export function copyDarkPalette(css) {
  const m = COPY_HERE.exec(css);
  if (!m) return css;
  const media = css.lastIndexOf("@media", m.index);
  const close = css.lastIndexOf("}", media);
  const open = css.lastIndexOf("{", close);
  const lines = css.slice(open + 1, close).trim().split("\n");
  const decls = lines.map((l) => m[1] + l.trim()).join("\n");
  return css.slice(0, m.index) + decls + css.slice(m.index + m[0].length);
}

/** The whole stylesheet from js/widget.css's text. */
export function buildCss(base) {
  const rules = CSS.map((bg, i) => `.afn-c${i} { background-color: ${bg}; color: ${TEXT_CSS[i]}; }`);
  return `${copyDarkPalette(base)}\n${rules.join("\n")}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const base = readFileSync(new URL("./widget.css", import.meta.url), "utf8");
  writeFileSync(process.argv[2], buildCss(base));
}
