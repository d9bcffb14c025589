// Build afn_widget/static/widget.css: js/widget.css followed by one class per colour of the
// scale (.afn-c0 ... .afn-c255: background + black/white text). Re-colouring a span is then one
// className write, which browsers restyle much faster than inline style changes.
// Usage: node js/build_css.js OUTFILE
import { readFileSync, writeFileSync } from "node:fs";
import { CSS, TEXT_CSS } from "./colors.js";

const out = process.argv[2];
const base = readFileSync(new URL("./widget.css", import.meta.url), "utf8");
const rules = CSS.map((bg, i) => `.afn-c${i} { background-color: ${bg}; color: ${TEXT_CSS[i]}; }`);
writeFileSync(out, `${base}\n${rules.join("\n")}\n`);
