import assert from "node:assert/strict";
import { test } from "node:test";
import { membersOf, textElements } from "../elements.js";
import { layoutSpans } from "../spans.js";

function units(ranges, special = ranges.map((r) => (r ? 0 : 1))) {
  return { count: ranges.length, ranges, special: Uint8Array.from(special) };
}

test("elements: one per cluster and per pill, in text order", () => {
  // [CLS] "ab" " " "cd" [SEP]; "cd" covered by two units (c, cd)
  const text = "ab cd";
  const U = units([null, [0, 2], [3, 4], [3, 5], null]);
  const lay = layoutSpans(text, U.ranges, U.special);
  const els = textElements(lay, U);
  assert.equal(els.count, 4); // pill, "ab", "cd", pill
  assert.deepEqual(Array.from(els.firstUnit), [0, 1, 2, 4]);
  assert.deepEqual(Array.from(els.unitElem), [0, 1, 2, 2, 3]);
  assert.deepEqual(Array.from(els.multi), [0, 0, 1, 0]);
  assert.equal(els.base[0], "afn-tok afn-pill afn-special");
  assert.equal(els.base[1], "afn-tok");
  assert.deepEqual(Array.from(els.cluster), [-1, 0, 1, -1]);
  assert.deepEqual(Array.from(membersOf(els, 2)), [2, 3]);
  assert.equal(membersOf(els, 0), null);
  // each element's layout item is a cluster or pill, in order
  for (let e = 0; e < els.count; e++) assert.notEqual(lay.items[els.item[e]].kind, "gap");
  assert.ok(els.item.every((j, e) => e === 0 || j > els.item[e - 1]));
});

test("elements: a unit without a span that is not special is a plain pill", () => {
  const U = units([[0, 1], null], [0, 0]);
  const els = textElements(layoutSpans("a", U.ranges, U.special), U);
  assert.equal(els.count, 2);
  assert.equal(els.base[1], "afn-tok afn-pill");
  assert.deepEqual(Array.from(els.clusterStart), [0, 1]);
  assert.deepEqual(Array.from(els.clusterUnits), [0]);
});

test("elements: no units, no elements", () => {
  const U = units([]);
  const els = textElements(layoutSpans("", [], new Uint8Array(0)), U);
  assert.equal(els.count, 0);
  assert.equal(els.unitElem.length, 0);
});

test("elements: punctuation is a box of its own (a chip), as pills are; words are not; each says its role", () => {
  // "W. ***" : W, ".", and three "*" (one of them with a second unit over it)
  const text = "W. ***";
  const U = units([null, [0, 1], [1, 2], [3, 4], [4, 5], [5, 6], [5, 6], null]);
  U.roles = ["special", "content", "punctuation", "punctuation", "punctuation", "punctuation", "punctuation", "special"];
  const els = textElements(layoutSpans(text, U.ranges, U.special), U);
  assert.deepEqual(els.base, [
    "afn-tok afn-pill afn-special afn-r-special",
    "afn-tok afn-r-content",
    "afn-tok afn-punct afn-r-punctuation",
    "afn-tok afn-punct afn-r-punctuation",
    "afn-tok afn-punct afn-r-punctuation",
    "afn-tok afn-punct afn-r-punctuation",
    "afn-tok afn-pill afn-special afn-r-special",
  ]);
  assert.deepEqual(Array.from(els.boxed), [1, 0, 1, 1, 1, 1, 1]);
  // a cluster of punctuation and a word's piece is not punctuation
  U.roles[6] = "content";
  // ... and, of two roles, says neither
  assert.equal(textElements(layoutSpans(text, U.ranges, U.special), U).base[5], "afn-tok");
});
