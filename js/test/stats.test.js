import assert from "node:assert/strict";
import { test } from "node:test";
import {
  HIGH,
  INELIGIBLE,
  LOW,
  UNDEFINED,
  bucketize,
  computeRanks,
  domainOf,
  fmt3,
  fmtValue,
  markUndefined,
  percentileOf,
  quantileLinear,
  selectInPlace,
  rankOf,
  thresholdOf,
  topK,
  unitValues,
  wordMembers,
} from "../stats.js";

// Expected values below were computed with numpy 2.4 (float(np.quantile(np.array(v), q)),
// default method "linear") and pasted here as literals.
const NUMPY_QUANTILES = [
  [[1, 2, 3, 4], 0.75, 3.25],
  [[3, 1, 4, 1, 5, 9, 2, 6], 0.3, 2.1],
  [[0.5, 0.25, 10.0, 7.5, 2.0], 0.95, 9.5],
  [[7], 0.75, 7.0],
  [[2, 2, 2], 0.5, 2.0],
  [[-3.0, -1.5, 0.0, 2.5], 0.1, -2.55],
  [[0.1, 0.2, 0.3, 0.7, 1.3], 0.75, 0.7],
  [[1.1, 2.2, 3.3], 1 / 3, 1.8333333333333335],
  [[0.1, 0.7, 0.2, 0.9, 0.3, 0.6], 0.75, 0.6749999999999999],
  [[1.0, 1e-9, 3.7, 2.2, 9.1, 4.4, 0.3], 0.05, 0.0900000007],
  [[5.0, 1.0], 0.999999, 4.999995999999999],
  [[0.3, 0.1, 0.2], 0.55, 0.21000000000000002],
  // Cases where numpy's lerp (b - (b - a) * (1 - t) for t >= 0.5) differs in the last bits
  // from the textbook a + t * (b - a): the textbook formula gives 0.30900000000000005,
  // 7.686200000000001 and 1.8274 here.
  [[9.35, 8.16, 0.03, 8.57, 0.34, 7.3], 0.18, 0.309],
  [[8.48, 1.45, 4.07], 0.91, 7.6862],
  [[4.26, 3.97, 2.02, 9.38, 0.95, 0.05, 3.23, 9.91], 0.26, 1.8274000000000001],
];

test("quantileLinear equals numpy.quantile (method='linear') exactly", () => {
  for (const [v, q, want] of NUMPY_QUANTILES) {
    assert.equal(quantileLinear(v, q), want, `quantile(${JSON.stringify(v)}, ${q})`);
  }
});

test("quantileLinear: empty or NaN -> NaN, input untouched", () => {
  assert.ok(Number.isNaN(quantileLinear([], 0.5)));
  assert.ok(Number.isNaN(quantileLinear([1, NaN, 3], 0.5)));
  const v = [3, 1, 2];
  quantileLinear(v, 0.5);
  assert.deepEqual(v, [3, 1, 2]);
  assert.equal(quantileLinear(Float32Array.from([0.5, 0.25]), 0.5), 0.375);
});

test("threshold, buckets: HIGH iff eligible and value >= threshold", () => {
  const v = Float64Array.from([2, 5, 5, 1, 5, 3, 5]);
  const el = Uint8Array.from([1, 1, 1, 0, 1, 1, 0]);
  const thr = thresholdOf(v, el, 0.75);
  assert.equal(thr, 5.0); // numpy: np.quantile([2, 5, 5, 5, 3], 0.75)
  const b = bucketize(v, el, thr);
  assert.deepEqual(Array.from(b), [LOW, HIGH, HIGH, INELIGIBLE, HIGH, LOW, INELIGIBLE]);
  // no eligible unit: NaN threshold, nothing HIGH
  const none = new Uint8Array(7);
  const t2 = thresholdOf(v, none, 0.75);
  assert.ok(Number.isNaN(t2));
  assert.ok(!Array.from(bucketize(v, none, t2)).includes(HIGH));
});

test("ranks: 1 = strongest eligible, ties by position, ineligible 0", () => {
  const v = Float64Array.from([2, 5, 5, 1, 5, 3, 5]);
  const el = Uint8Array.from([1, 1, 1, 0, 1, 1, 0]);
  // numpy: idx[np.argsort(-v[idx], kind="stable")] -> ranks
  const want = [5, 1, 2, 0, 3, 4, 0];
  assert.deepEqual(Array.from(computeRanks(v, el)), want);
  for (let i = 0; i < v.length; i++) assert.equal(rankOf(v, el, i), want[i]);
  assert.deepEqual(topK(v, el, 3), [1, 2, 4]);
  assert.deepEqual(topK(v, el, 10), [1, 2, 4, 5, 0]);
  const pct = want.map((r) => percentileOf(r, 5));
  assert.deepEqual(pct.filter((x) => !Number.isNaN(x)), [0, 100, 75, 50, 25]);
  assert.ok(Number.isNaN(pct[3]));
  assert.equal(percentileOf(1, 1), 0); // one eligible unit: max(n - 1, 1) guards the division
});

test("ranks: NaN values rank last", () => {
  const v = Float64Array.from([NaN, 1, 2]);
  const el = Uint8Array.from([1, 1, 1]);
  assert.deepEqual(Array.from(computeRanks(v, el)), [3, 2, 1]);
  assert.equal(rankOf(v, el, 0), 3);
});

test("domainOf over eligible values only", () => {
  const v = [10, -2, 3, 99];
  assert.deepEqual(domainOf(v, [1, 1, 1, 0]), [-2, 10]);
  const d = domainOf(v, [0, 0, 0, 0]);
  assert.ok(Number.isNaN(d[0]) && Number.isNaN(d[1]));
});

test("word aggregation: mean and max of the word's tokens, per layer", () => {
  // 2 layers (rows) x 5 tokens; word_of = [0, 1, 1, 1, 2]
  const norms = Float32Array.from([1, 2, 4, 6, 8, 10, 20, 40, 60, 80]);
  const m = wordMembers([0, 1, 1, 1, 2], 3);
  assert.deepEqual(Array.from(m.start), [0, 1, 4, 5]);
  assert.deepEqual(Array.from(m.tokens), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(unitValues(norms, 5, 0, m, "mean")), [1, 4, 8]);
  assert.deepEqual(Array.from(unitValues(norms, 5, 1, m, "mean")), [10, 40, 80]);
  assert.deepEqual(Array.from(unitValues(norms, 5, 1, m, "max")), [10, 60, 80]);
  assert.deepEqual(Array.from(unitValues(norms, 5, 1, null, "mean")), [10, 20, 40, 60, 80]);
  // a word with no tokens is NaN; non-contiguous membership works
  const m2 = wordMembers([1, 0, 1], 3);
  const out = unitValues(norms, 5, 0, m2, "mean");
  assert.equal(out[0], 2);
  assert.equal(out[1], 2.5);
  assert.ok(Number.isNaN(out[2]));
});

test("word mean: float64 sum / n, rounded to float32 as Python stores word values", () => {
  const norms = Float32Array.from([0.1, 0.2, 0.7]);
  const m = wordMembers([0, 0, 0], 1);
  const f = Float32Array.from([0.1, 0.2, 0.7]);
  const v = unitValues(norms, 3, 0, m, "mean")[0];
  assert.equal(v, Math.fround((f[0] + f[1] + f[2]) / 3));
  // numpy: float(np.float32(np.array([0.1, 0.2, 0.7], np.float32).astype(np.float64).sum() / 3))
  assert.equal(v, 0.3333333432674408);
});

test("fmt3 matches Python's f'{x:.3f}' (values from CPython)", () => {
  const cases = [
    [0.0625, "0.062"],
    [0.1875, "0.188"],
    [2.5625, "2.562"],
    [-0.0625, "-0.062"],
    [1.0005, "1.000"],
    [12.3456, "12.346"],
    [0.0005, "0.001"],
    [2.675, "2.675"],
    [1e-7, "0.000"],
    [123.4565, "123.457"],
    [7.9375, "7.938"],
  ];
  for (const [x, s] of cases) assert.equal(fmt3(x), s, String(x));
  assert.equal(fmt3(NaN), "nan");
});

test("quantileLinear by selection equals the sorted array's order statistics", () => {
  // the reference: sort, then numpy's lerp between the two order statistics
  const bySort = (values, q) => {
    const v = Float64Array.from(values).sort();
    const h = (values.length - 1) * q;
    if (h >= values.length - 1) return v[values.length - 1];
    const below = Math.floor(h);
    const [a, b, t] = [v[below], v[below + 1], h - below];
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
  };
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rand() * (trial < 200 ? 60 : 5000));
    const ties = trial % 3 === 0; // few distinct values: runs of equal ones around the pivot
    const values = Array.from({ length: n }, () => (ties ? Math.floor(rand() * 4) : rand() * 100 - 50));
    for (const q of [0.01, 0.25, 0.5, 0.75, 0.9, 0.99, rand()]) {
      assert.equal(quantileLinear(values, q), bySort(values, q), `n=${n} q=${q}`);
    }
  }
  const v = Float64Array.from([5, 1, 4, 1, 3, 9, 2, 6, 5, 3, 5]);
  for (let k = 0; k < v.length; k++) {
    const w = Float64Array.from(v);
    const x = selectInPlace(w, k);
    assert.equal(x, Float64Array.from(v).sort()[k]);
    for (let i = k + 1; i < w.length; i++) assert.ok(w[i] >= x);
  }
});

test("markUndefined: units that would be ranked but have no value; fmtValue says 'undefined'", () => {
  const values = [NaN, 2, NaN, 5];
  const base = Uint8Array.from([1, 1, 0, 1]);
  const buckets = bucketize(values, Uint8Array.from([0, 1, 0, 1]), 3);
  assert.equal(markUndefined(values, base, buckets), 1);
  assert.deepEqual(Array.from(buckets), [UNDEFINED, LOW, INELIGIBLE, HIGH]);
  assert.equal(fmtValue(NaN), "undefined");
  assert.equal(fmtValue(0.0625), fmt3(0.0625));
  assert.equal(fmtValue(-Infinity), "-inf");
});
