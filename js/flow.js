// Sparkline (one unit across layers) and the layer x unit heatmap, as pure functions.
import { LUT, colorIndex, scale01 } from "./colors.js";
import { domainOf } from "./stats.js";

/**
 * SVG path data for a line through values (x: index, y: value), fitted into w x h with pad.
 * NaN values break the line. lo/hi default to the finite min/max of values.
 */
export function sparklinePath(values, w, h, pad = 2, lo, hi) {
  return pathThrough(sparklinePoints(values, w, h, pad, lo, hi));
}

/** SVG path data through points ([x, y], or null where the line breaks). */
export function pathThrough(points) {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (p === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** [min, max] of the finite entries of the arrays ([Infinity, -Infinity] when there are none). */
export function finiteRange(...arrays) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  return [lo, hi];
}

/** [x, y] per value (null for NaN), y grows downwards as in SVG. */
export function sparklinePoints(values, w, h, pad = 2, lo, hi) {
  const n = values.length;
  if (lo === undefined || hi === undefined) [lo, hi] = finiteRange(values);
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    const x = n > 1 ? pad + (i * (w - 2 * pad)) / (n - 1) : w / 2;
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    out.push([x, h - pad - t * (h - 2 * pad)]);
  }
  return out;
}

/**
 * Which units each heatmap column shows: all of `units` when they fit, else bins of
 * consecutive units. Returns column start offsets into `units` (length cols + 1).
 */
export function columnBins(nUnits, maxCols) {
  const cols = Math.max(0, Math.min(nUnits, maxCols));
  const bounds = new Int32Array(cols + 1);
  for (let c = 0; c <= cols; c++) bounds[c] = Math.floor((c * nUnits) / cols) || 0;
  return bounds;
}

/**
 * RGBA pixels (cols x rows) of the layer x unit heatmap. Each row (layer) is coloured on its own
 * min..max over eligible units, the same domain the text uses at that layer, so the row of the
 * current layer matches the text. A binned column shows the max of its eligible units; a column
 * with no eligible unit is neutral grey.
 * rows: array of Float64Array unit values per layer; units: Int32Array of units shown, in order.
 */
export function heatmapRGBA(rows, units, eligible, maxCols) {
  const bounds = columnBins(units.length, maxCols);
  const cols = bounds.length - 1;
  const data = new Uint8ClampedArray(Math.max(cols, 1) * rows.length * 4);
  for (let L = 0; L < rows.length; L++) {
    const v = rows[L];
    const [lo, hi] = domainOf(v, eligible);
    for (let c = 0; c < cols; c++) {
      let m = NaN;
      for (let k = bounds[c]; k < bounds[c + 1]; k++) {
        const u = units[k];
        if (eligible[u] && !(v[u] <= m)) m = v[u];
      }
      const ci = colorIndex(scale01(m, lo, hi));
      const p = (L * cols + c) * 4;
      if (ci < 0) {
        data[p] = data[p + 1] = data[p + 2] = 160;
      } else {
        data[p] = LUT[3 * ci];
        data[p + 1] = LUT[3 * ci + 1];
        data[p + 2] = LUT[3 * ci + 2];
      }
      data[p + 3] = 255;
    }
  }
  return { data, cols, rows: rows.length, bounds };
}
