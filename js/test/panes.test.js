import assert from "node:assert/strict";
import { test } from "node:test";
import { highOverlap, panesNote } from "../panes.js";

const pane = (high, score) => ({
  data: {},
  score,
  highUnits: () => new Set(high),
  noun: (n) => (n === 1 ? "word" : "words"),
});

test("panes: the overlap of two HIGH sets, by unit or through a match", () => {
  assert.deepEqual(highOverlap(new Set([1, 2, 5]), new Set([2, 5, 7, 8])), [2, 3, 4]);
  assert.deepEqual(highOverlap(new Set([0, 1]), new Set([3]), [3, -1]), [1, 2, 1]);
  const note = panesNote(pane([1, 2, 5], "TAS"), pane([2, 5, 7, 8], "attention"));
  assert.equal(note, "HIGH in both panes: 2 words (TAS 3, attention 4; Jaccard 0.40)");
  assert.equal(panesNote({ data: null }, pane([], "x")), "");
});
