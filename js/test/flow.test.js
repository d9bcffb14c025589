import assert from "node:assert/strict";
import { test } from "node:test";
import { LUT } from "../colors.js";
import {
  columnBins,
  finiteRange,
  heatmapRGBA,
  pathThrough,
  sparklinePath,
  sparklinePoints,
} from "../flow.js";
import { placeTooltip, displayText } from "../tooltip.js";

test("sparkline spans the box and breaks at NaN", () => {
  const pts = sparklinePoints([0, 1, NaN, 2], 100, 20, 0);
  assert.deepEqual(pts[0], [0, 20]);
  assert.equal(pts[2], null);
  assert.deepEqual(pts[3], [100, 0]);
  const d = sparklinePath([0, 1, NaN, 2], 100, 20, 0);
  assert.equal((d.match(/M/g) || []).length, 2);
  // constant series: a flat line in the middle
  assert.deepEqual(sparklinePoints([3, 3], 10, 10, 0).map((p) => p[1]), [5, 5]);
});

test("sparkline path: one move per unbroken run, a point at one decimal", () => {
  assert.equal(pathThrough([]), "");
  assert.equal(pathThrough([null, null]), "");
  assert.equal(pathThrough([[0, 1], [2.25, 3], null, [4, 5]]), "M0.0 1.0L2.3 3.0M4.0 5.0");
  assert.equal(sparklinePath([0, 2], 10, 10, 0), pathThrough(sparklinePoints([0, 2], 10, 10, 0)));
});

test("finiteRange: over several arrays, NaN and infinities left out", () => {
  assert.deepEqual(finiteRange([3, NaN, 1], [Infinity, 2, -Infinity]), [1, 3]);
  assert.deepEqual(finiteRange([-2], [5]), [-2, 5]);
  assert.deepEqual(finiteRange([NaN]), [Infinity, -Infinity]);
  assert.deepEqual(finiteRange(), [Infinity, -Infinity]);
});

test("heatmap: per-row domain, binning, grey for no eligible unit", () => {
  const rows = [Float64Array.from([0, 5, 10]), Float64Array.from([100, 50, 0])];
  const img = heatmapRGBA(rows, Int32Array.from([0, 1, 2]), Uint8Array.from([1, 1, 1]), 10);
  assert.equal(img.cols, 3);
  assert.deepEqual(Array.from(img.data.subarray(0, 3)), Array.from(LUT.subarray(0, 3)));
  assert.deepEqual(Array.from(img.data.subarray(8, 11)), Array.from(LUT.subarray(765, 768)));
  assert.deepEqual(Array.from(img.data.subarray(12, 15)), Array.from(LUT.subarray(765, 768)));
  const none = heatmapRGBA(rows, Int32Array.from([0, 1, 2]), Uint8Array.from([0, 0, 0]), 10);
  assert.deepEqual(Array.from(none.data.subarray(0, 4)), [160, 160, 160, 255]);
  assert.deepEqual(Array.from(columnBins(10, 4)), [0, 2, 5, 7, 10]);
  const binned = heatmapRGBA([Float64Array.from([0, 9, 1, 10])], Int32Array.from([0, 1, 2, 3]), Uint8Array.from([1, 1, 1, 1]), 2);
  assert.equal(binned.cols, 2); // column 0 shows max(0, 9)
  assert.deepEqual(Array.from(binned.data.subarray(0, 3)), Array.from(LUT.subarray(3 * 230, 3 * 230 + 3)));
});

test("tooltip placement: below, flipped above at the bottom, clamped sideways", () => {
  const root = { left: 0, top: 0 };
  assert.deepEqual(placeTooltip({ left: 10, top: 10, bottom: 30 }, root, 100, 50, 800, 600), { left: 10, top: 36 });
  assert.deepEqual(placeTooltip({ left: 10, top: 560, bottom: 580 }, root, 100, 50, 800, 600), { left: 10, top: 504 });
  assert.equal(placeTooltip({ left: 780, top: 10, bottom: 30 }, root, 100, 50, 800, 600).left, 696);
  assert.equal(displayText("a\nb"), "a⏎b");
});
