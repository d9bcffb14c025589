import assert from "node:assert/strict";
import { test } from "node:test";
import { readData, unitsOf } from "../data.js";
import { UnitNumbers, undefinedNote } from "../numbers.js";
import { HIGH, INELIGIBLE, LOW, MASSIVE, UNDEFINED, quantileLinear } from "../stats.js";
import { columns } from "./columns.js";

// [CLS] ab ##c d [SEP]: words [CLS], "abc" (two tokens), "d", [SEP]; two layers + embeddings.
const NORMS = [
  [50, 1, 2, 3, 60],
  [51, 4, 6, 5, 61],
  [52, 9, 7, 8, 62],
];

// [token, start, end, word] per token; specials have no span.
const PIECES = [
  ["[CLS]", null, null, 0],
  ["ab", 0, 2, 1],
  ["##c", 2, 3, 1],
  ["d", 4, 5, 2],
  ["[SEP]", null, null, 3],
];

function data(extra = {}) {
  const role = (start) => (start === null ? "special" : "content");
  const span = (start, end) => (start === null ? null : [start, end]);
  const tokens = PIECES.map(([tok, start, end, w]) => [tok, span(start, end), role(start), w]);
  const words = [];
  for (const [, start, end, w] of PIECES) {
    if (!words[w]) words[w] = [span(start, end), role(start)];
    if (start !== null) words[w][0][1] = end;
  }
  const s = {
    ...columns("abc d", tokens, words),
    n_layers: NORMS.length - 1,
    norms: Float32Array.from(NORMS.flat()),
    ...extra,
  };
  return readData((k) => s[k]).data;
}

const settings = (over = {}) => ({
  quantile: 0.5,
  include_special: false,
  word_agg: "mean",
  ...over,
});

function numbers(granularity, over) {
  const d = data();
  return new UnitNumbers(d, unitsOf(d, granularity), settings(over));
}

test("tokens: values, threshold, buckets and domain at a layer", () => {
  const N = numbers("token");
  assert.equal(N.ready, false);
  assert.deepEqual(Array.from(N.eligible), [0, 1, 1, 1, 0]);
  assert.equal(N.nEligible, 3);
  N.atLayer(1);
  assert.equal(N.ready, true);
  assert.deepEqual(Array.from(N.values), NORMS[1]);
  assert.equal(N.threshold, quantileLinear([4, 6, 5], 0.5));
  assert.deepEqual(Array.from(N.buckets), [INELIGIBLE, LOW, HIGH, HIGH, INELIGIBLE]);
  assert.deepEqual([N.lo, N.hi], [4, 6]);
  assert.equal(N.nHigh, 2);
  assert.equal(N.rank(2), 1);
  assert.equal(N.rank(0), 0);
  assert.deepEqual(N.top(2), [2, 3]);
  assert.deepEqual(Array.from(N.series(3)), [3, 5, 8]);
  assert.deepEqual(Array.from(N.thresholds()), [2, 5, 8]);
  assert.equal(N.dimToken(3, 1), 3);
});

test("tokens: include_special and quantile change the numbers once asked again", () => {
  const s = settings();
  const d = data();
  const N = new UnitNumbers(d, unitsOf(d, "token"), s);
  N.atLayer(0);
  const gen = N.gen;
  s.include_special = true;
  N.computeEligible();
  N.atLayer(0);
  assert.equal(N.gen, gen + 1);
  assert.equal(N.nEligible, 5);
  assert.deepEqual([N.lo, N.hi], [1, 60]);
  assert.equal(N.threshold, 3);
  const before = N.thresholds()[2];
  s.quantile = 0.25;
  assert.equal(N.thresholds()[2], before, "cached until forgotten");
  N.forgetThresholds();
  assert.equal(N.thresholds()[2], quantileLinear([52, 9, 7, 8, 62], 0.25));
});

test("words: mean or max of their tokens, float32 like Python's", () => {
  const s = settings();
  const d = data();
  const N = new UnitNumbers(d, unitsOf(d, "word"), s);
  assert.deepEqual(Array.from(N.row(2)), [52, Math.fround(8), 8, 62]);
  assert.deepEqual(Array.from(N.row(1)), [51, 5, 5, 61]);
  s.word_agg = "max";
  assert.deepEqual(Array.from(N.row(1)), [51, 5, 5, 61], "cached until forgotten");
  N.forgetRows();
  assert.deepEqual(Array.from(N.row(1)), [51, 6, 5, 61]);
  N.atLayer(2);
  assert.deepEqual(Array.from(N.values), [52, 9, 8, 62]);
  // the word's dims are its strongest token's at that layer
  assert.equal(N.dimToken(1, 2), 1);
  assert.equal(N.dimToken(1, 1), 2);
});

test("strongestOf: eligible first, then the larger value, the first of equals", () => {
  const N = numbers("token");
  N.atLayer(2);
  const list = Int32Array.from([0, 1, 2, 3, 4]);
  assert.equal(N.strongestOf(list, 0, 5), 1); // 0 and 4 are larger but ineligible
  assert.equal(N.strongestOf(list, 2, 4), 3);
  assert.equal(N.strongestOf(Int32Array.from([4, 0]), 0, 2), 4); // none eligible: the larger
  N.values[3] = 9;
  assert.equal(N.strongestOf(list, 1, 4), 1);
});

// attention: undefined at layer 0 (nan), then values of its own
const ATT = [
  [NaN, NaN, NaN, NaN, NaN],
  [9, 1, 3, 2, 8],
  [7, 6, 1, 2, 9],
];

test("scores: another score's values, undefined at layer 0, switched without new data", () => {
  const d = data({ score_names: ["tas", "attention"], score_values: Float32Array.from(ATT.flat()) });
  const s = settings({ score: "attention" });
  const N = new UnitNumbers(d, unitsOf(d, "token"), s);
  assert.equal(N.scoreName, "attention");
  N.atLayer(0);
  assert.equal(N.nEligible, 0, "nothing ranked where the score is undefined");
  assert.ok(Number.isNaN(N.threshold));
  // ordinary tokens are UNDEFINED there, never INELIGIBLE (shown as SPECIAL); specials stay so
  assert.deepEqual(Array.from(N.buckets), [INELIGIBLE, UNDEFINED, UNDEFINED, UNDEFINED, INELIGIBLE]);
  assert.ok(N.undefinedHere);
  assert.deepEqual(N.definedLayers(), [1, 2]);
  assert.equal(
    N.note("attention"),
    "attention is undefined at layer 0 (the embeddings have no attention); pick layer ≥ 1",
  );
  N.atLayer(1);
  assert.ok(!N.undefinedHere);
  assert.equal(N.note("attention"), "");
  assert.deepEqual(Array.from(N.values), ATT[1]);
  assert.equal(N.threshold, quantileLinear([1, 3, 2], 0.5));
  assert.deepEqual(Array.from(N.buckets), [INELIGIBLE, LOW, HIGH, HIGH, INELIGIBLE]);
  // words: the mean of their tokens' attention, as Python aggregates any score
  const W = new UnitNumbers(d, unitsOf(d, "word"), s);
  W.atLayer(2);
  assert.deepEqual(Array.from(W.values), [7, Math.fround((6 + 1) / 2), 2, 9]);
  s.score = "tas";
  N.setScore();
  N.atLayer(1);
  assert.deepEqual(Array.from(N.values), NORMS[1]);
  // a score the data lack is shown as TAS
  s.score = "attn_norm";
  N.setScore();
  assert.equal(N.scoreName, "tas");
});

test("scores: names and sizes are checked", () => {
  const bad = data({ score_names: ["tas", "attention"], score_values: new Float32Array(3) });
  assert.equal(bad, undefined);
  const s = columns("a", [["a", [0, 1], "content", 0]], [[[0, 1], "content"]]);
  Object.assign(s, { n_layers: 0, norms: new Float32Array(1), score_names: ["attention"] });
  assert.match(readData((k) => s[k]).error, /score_names/);
});

test("massive: set apart at their layer for hidden-state scores, not for attention", () => {
  const massive = [[1, 2, 7, 4200.5], [2, 1, 7, -99]];
  const d = data({ massive, score_names: ["tas", "attention"], score_values: Float32Array.from(ATT.flat()) });
  assert.deepEqual(d.massiveInfo.get(1 * 5 + 2), [7, 4200.5]);
  const N = new UnitNumbers(d, unitsOf(d, "token"), settings());
  N.atLayer(1);
  assert.deepEqual(Array.from(N.buckets), [INELIGIBLE, LOW, MASSIVE, HIGH, INELIGIBLE]);
  assert.equal(N.threshold, quantileLinear([4, 5], 0.5));
  assert.equal(N.nMassive, 1);
  assert.equal(N.rank(2), 0);
  assert.deepEqual(Array.from(N.flowEligible), [0, 0, 0, 1, 0], "the heatmap leaves them out");
  // a word with a massive token is set apart
  const W = new UnitNumbers(d, unitsOf(d, "word"), settings());
  W.atLayer(2);
  assert.deepEqual(Array.from(W.buckets), [INELIGIBLE, MASSIVE, HIGH, INELIGIBLE]);
  // attention keeps them
  const A = new UnitNumbers(d, unitsOf(d, "token"), settings({ score: "attention" }));
  A.atLayer(1);
  assert.equal(A.nMassive, 0);
  // include_massive keeps them too
  const I = new UnitNumbers(data({ massive, include_massive: true }), unitsOf(d, "token"), settings());
  I.atLayer(1);
  assert.equal(I.nMassive, 0);
});

test("content share: of HIGH and of the ranked units, as AFNResult.content_share", () => {
  const d = data();
  const U = unitsOf(d, "token");
  U.roles = ["special", "content", "function", "content", "special"];
  const N = new UnitNumbers(d, U, settings());
  N.atLayer(1); // HIGH: ##c (function) and d (content)
  assert.deepEqual(N.contentShare(), [1 / 2, 2 / 3]);
});

test("undefined: a layer where no unit that would be ranked has a value", () => {
  // the specials have values at layer 2, the others none: still undefined there
  const rows = [
    [1, 2, 3, 4, 5],
    [6, 7, 8, 9, 1],
    [3, NaN, NaN, NaN, 4],
  ];
  const d = data({ score_names: ["tas", "cos_change"], score_values: Float32Array.from(rows.flat()) });
  const N = new UnitNumbers(d, unitsOf(d, "word"), settings({ score: "cos_change" }));
  N.atLayer(2);
  assert.ok(N.undefinedHere);
  assert.deepEqual(Array.from(N.buckets), [INELIGIBLE, UNDEFINED, UNDEFINED, INELIGIBLE]);
  assert.equal(N.nEligible, 0);
  assert.ok(Number.isNaN(N.threshold));
  assert.deepEqual(N.top(10), []);
  assert.equal(N.note("cos_change"), "cos_change is undefined at layer 2 (no value there); pick layer ≤ 1");
  // with the specials included they are ranked: the score is defined there, the others not
  const I = new UnitNumbers(d, unitsOf(d, "token"), settings({ score: "cos_change", include_special: true }));
  I.atLayer(2);
  assert.ok(!I.undefinedHere);
  assert.equal(I.nUndefined, 3);
  assert.deepEqual(Array.from(I.buckets), [LOW, UNDEFINED, UNDEFINED, UNDEFINED, HIGH]);
  assert.equal(I.note("cos_change"), "");
  // a unit both massive and without a value is undefined, not massive
  const m = data({
    massive: [[2, 2, 7, 4200.5]],
    score_names: ["tas", "cos_change"],
    score_values: Float32Array.from(rows.flat()),
  });
  const M = new UnitNumbers(m, unitsOf(m, "token"), settings({ score: "cos_change" }));
  M.atLayer(2);
  assert.equal(M.buckets[2], UNDEFINED);
  assert.equal(M.nMassive, 0);
});

test("undefinedNote: the reason at layer 0 and the layers to pick", () => {
  const at0 = (score) => undefinedNote(score, 0, [1, 2, 3], 3).split("; ")[0];
  assert.equal(at0("attn_norm"), "attn_norm is undefined at layer 0 (the embeddings have no attention)");
  assert.equal(at0("delta_norm"), "delta_norm is undefined at layer 0 (the embeddings have no layer before them)");
  assert.equal(at0("constructor"), "constructor is undefined at layer 0 (no value there)");
  const pick = (defined) => undefinedNote("x", 4, defined, 5, "X").split("; ")[1];
  assert.equal(pick([1, 2, 3, 4, 5]), "pick layer ≥ 1");
  assert.equal(pick([0, 1]), "pick layer ≤ 1");
  assert.equal(pick([1, 2]), "pick a layer from 1 to 2");
  assert.equal(pick([3]), "pick layer 3");
  assert.equal(pick([0, 2, 3]), "pick one of layers 0, 2, 3");
  assert.equal(pick([0, 2, 4, 6, 8, 10, 12, 14, 16]), "pick one of layers 0, 2, 4, 6, 8, 10, 12, 14, …");
  assert.equal(pick([]), "it has no value at any layer");
  assert.ok(undefinedNote("x", 4, [], 5, "X").startsWith("X is undefined at layer 4 (no value there)"));
});
