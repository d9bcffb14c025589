import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROLS, quantileMessage } from "../controls.js";

const parse = (name, v) => CONTROLS[name].parse(v);

test("layer: any integer (clamped later), nothing else", () => {
  for (const v of [0, 3, 12, -1, 99]) assert.equal(parse("layer", v), v);
  for (const v of [1.5, "2", NaN, Infinity, null, undefined, true, [1]])
    assert.equal(parse("layer", v), undefined, String(v));
});

test("quantile: strictly between 0 and 1, numeric strings read as numbers", () => {
  assert.equal(parse("quantile", 0.75), 0.75);
  assert.equal(parse("quantile", 0.05), 0.05);
  assert.equal(parse("quantile", 0.95), 0.95);
  assert.equal(parse("quantile", Number.MIN_VALUE), Number.MIN_VALUE);
  assert.equal(parse("quantile", 1 - Number.EPSILON), 1 - Number.EPSILON);
  assert.equal(parse("quantile", "0.5"), 0.5);
  for (const v of [0, 1, -0.5, 1.5, NaN, "", "abc", null, undefined, Infinity])
    assert.equal(parse("quantile", v), undefined, String(v));
});

test("granularity and word_agg: only their names", () => {
  assert.equal(parse("granularity", "token"), "token");
  assert.equal(parse("granularity", "word"), "word");
  assert.equal(parse("word_agg", "mean"), "mean");
  assert.equal(parse("word_agg", "max"), "max");
  for (const v of ["Token", "words", "", null, undefined, 0])
    assert.equal(parse("granularity", v), undefined, String(v));
  for (const v of ["Mean", "min", "sum", "", null, undefined])
    assert.equal(parse("word_agg", v), undefined, String(v));
});

test("show_special and include_special: any value, by truthiness", () => {
  for (const name of ["show_special", "include_special"]) {
    assert.equal(parse(name, true), true);
    assert.equal(parse(name, 1), true);
    assert.equal(parse(name, "no"), true);
    for (const v of [false, 0, "", null, undefined, NaN]) assert.equal(parse(name, v), false);
  }
});

test("quantileMessage: Python's words for what the box refuses, nothing for what it takes", () => {
  const hint = "use e.g. quantile=0.75 for the upper quartile.";
  for (const t of ["0.75", "0.5", "0.999", "0.001", " 0.3 ", "1e-3"]) assert.equal(quantileMessage(t), "", t);
  for (const [t, got] of [["0", "0"], ["1", "1"], ["1.5", "1.5"], ["-0.3", "-0.3"], ["2e3", "2000"]])
    assert.equal(quantileMessage(t), `quantile must lie strictly between 0 and 1 (got ${got}); ${hint}`, t);
  // what the browser could not read as a number arrives as ""
  for (const t of ["", "  ", "abc"])
    assert.equal(quantileMessage(t), `quantile must be a number between 0 and 1 (got str); ${hint}`, t);
  // taken exactly when the setting's parse takes it
  for (const t of ["0.75", "0", "1", "-1", "0.0001"])
    assert.equal(quantileMessage(t) === "", CONTROLS.quantile.parse(Number(t)) !== undefined, t);
});
