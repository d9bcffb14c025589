import assert from "node:assert/strict";
import { test } from "node:test";
import { commonPrefix, keptElements } from "../append.js";
import { textElements } from "../elements.js";
import { layoutSpans } from "../spans.js";
import { markWritten } from "../written.js";

// A drawing of `text` cut into words by whitespace (tokens as units), `written` from token w on.
function drawing(text, written = Infinity, pills = []) {
  const ranges = [];
  for (const m of text.matchAll(/\S+/g)) ranges.push([m.index, m.index + m[0].length]);
  for (const at of pills) ranges.splice(at, 0, null);
  const labels = ranges.map((r, u) => (r ? text.slice(r[0], r[1]) : `<pill ${u}>`));
  const units = {
    count: ranges.length,
    ranges,
    special: new Uint8Array(ranges.length),
    roles: ranges.map(() => "content"),
    label: (u) => labels[u],
  };
  const layout = layoutSpans(text, ranges, units.special);
  const els = textElements(layout, units);
  markWritten(els, Uint8Array.from(ranges, (_, u) => (u >= written ? 1 : 0)));
  return { text, units, layout, els };
}

test("commonPrefix: the characters two texts begin with", () => {
  assert.equal(commonPrefix("The cat", "The cat sat"), 7);
  assert.equal(commonPrefix("abc", "abd"), 2);
  assert.equal(commonPrefix("", "x"), 0);
  assert.equal(commonPrefix("same", "same"), 4);
});

test("keptElements: a token written at the end keeps every element before it", () => {
  const a = drawing("The cat sat", 2);
  const b = drawing("The cat sat on", 2);
  assert.equal(keptElements(a, b), 3);
  assert.equal(keptElements(b, b), 4);
});

test("keptElements: a word that grows, a new mark or new text stops what is kept there", () => {
  // the last word completed by the next token: its cluster now ends further on
  assert.equal(keptElements(drawing("The ca"), drawing("The cat")), 1);
  // the same words, the last one now marked as written
  assert.equal(keptElements(drawing("The cat sat"), drawing("The cat sat", 2)), 2);
  // another text from its second word on
  assert.equal(keptElements(drawing("The cat sat"), drawing("The dog sat")), 1);
  // a pill with another label, or where a cluster was
  const withPill = drawing("The cat sat", Infinity, [1]);
  assert.equal(keptElements(withPill, drawing("The cat sat", Infinity, [1])), 4);
  assert.equal(keptElements(drawing("The cat sat"), withPill), 1);
  assert.equal(keptElements(drawing(""), drawing("The")), 0);
});
