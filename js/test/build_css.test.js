import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { buildCss, copyDarkPalette } from "../build_css.js";

const declsOf = (block) =>
  block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("--") || l.startsWith("color-scheme"));

test("the dark palette is copied under prefers-color-scheme: dark", () => {
  const base = readFileSync(new URL("../widget.css", import.meta.url), "utf8");
  const css = buildCss(base);
  assert.ok(!css.includes("build_css.js copies"), "placeholder left in");
  const hosts = css.slice(css.indexOf('html[theme="dark"] .afn-root,'));
  const dark = hosts.slice(hosts.indexOf("{") + 1, hosts.indexOf("}"));
  const media = css.slice(css.indexOf("@media (prefers-color-scheme: dark)"));
  const copied = media.slice(media.indexOf("{", media.indexOf(".afn-root")) + 1, media.indexOf("}"));
  assert.ok(declsOf(dark).length >= 9);
  assert.ok(declsOf(dark).includes("color-scheme: dark;"));
  assert.deepEqual(declsOf(copied), declsOf(dark));
  assert.ok(css.includes(".afn-c255 { background-color: rgb(253, 231, 37); color: #000; }"));
});

test("copyDarkPalette: indented as its placeholder, other text untouched", () => {
  const css = "a {\n  --x: 1;\n  --y: 2;\n}\n@media (m) {\n  b {\n    /* the dark palette: build_css.js copies it */\n  }\n}\n";
  assert.equal(copyDarkPalette(css), "a {\n  --x: 1;\n  --y: 2;\n}\n@media (m) {\n  b {\n    --x: 1;\n    --y: 2;\n  }\n}\n");
  assert.equal(copyDarkPalette("a { }"), "a { }");
});
