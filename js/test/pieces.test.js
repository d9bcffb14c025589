// Tokens as a reader sees them (Python's payload.shown_pieces): what labels and surfaces show.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readData, readPieces, unitsOf } from "../data.js";
import { columns } from "./columns.js";

// "The cat\n" in a byte-level BPE: the line break's token has no text of its own (an empty
// span at its end), so it is labelled by its piece.
function state(over = {}) {
  const norms = new DataView(new ArrayBuffer(2 * 3 * 4));
  const tokens = [
    ["The", [0, 3], "function", 0],
    ["Ġcat", [4, 7], "content", 1],
    ["Ċ", [8, 8], "content", 1],
  ];
  const words = [
    [[0, 3], "function"],
    [[4, 7], "content"],
  ];
  return {
    ...columns("The cat\n", tokens, words),
    pieces: ["The", "␣cat", "⏎"],
    n_layers: 1,
    norms,
    ...over,
  };
}

test("readPieces: one string per token, else the tokens themselves", () => {
  const tokens = ["a", "b"];
  assert.deepEqual(readPieces(["␣a", 7], tokens), ["␣a", "7"]);
  assert.equal(readPieces([], tokens), tokens); // WordPiece: the pieces are the tokens
  assert.equal(readPieces(["x"], tokens), tokens);
  assert.equal(readPieces(undefined, tokens), tokens);
});

test("unitsOf: tokens are labelled by their pieces, their text where they have some", () => {
  const s = state();
  const { data } = readData((k) => s[k]);
  assert.deepEqual(data.tokens, ["The", "Ġcat", "Ċ"]);
  const t = unitsOf(data, "token");
  assert.deepEqual([0, 1, 2].map(t.label), ["The", "␣cat", "⏎"]);
  assert.deepEqual([0, 1, 2].map(t.surface), ["The", "cat", "⏎"]);
});

test("unitsOf: without pieces the tokens are shown", () => {
  const s = state({ pieces: [] });
  const { data } = readData((k) => s[k]);
  assert.deepEqual([0, 1, 2].map(unitsOf(data, "token").label), ["The", "Ġcat", "Ċ"]);
});
