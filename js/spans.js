// Layout of the original text as a sequence of gaps (plain text) and spans (units).
// Offsets are JS string indices (UTF-16 code units), so text.slice(start, end) is the unit's text.
//
// Rules:
// - Units whose ranges overlap (several byte-level tokens of one emoji, say) merge into one
//   cluster; a cluster is one span on screen.
// - A zero-width range attaches to a cluster it touches; one that touches nothing, a unit
//   without a range (null offsets) and every special unit become "pills": shown as a small
//   label at the position after the previous unit (specials only when asked for).
// - Gaps are exactly the characters no cluster covers, so gaps + cluster texts == text.
//
// The layout is columnar (typed arrays, no object per unit): a 100k-token text made ~300k
// small objects here, whose allocation and collection cost more than the layout itself.

/** Item kinds (layout.itemKind). */
export const GAP = 0;
export const CLUSTER = 1;
export const PILL = 2;

/**
 * Units' ranges as flat int32 pairs, -1 for a unit without one: from an Int32Array of pairs as
 * it is, or from an array of [start, end] | null (hand-built states, tests).
 */
export function flatRanges(ranges) {
  if (ranges instanceof Int32Array) return ranges;
  const n = ranges.length;
  const out = new Int32Array(2 * n).fill(-1);
  for (let u = 0; u < n; u++) {
    const r = ranges[u];
    if (!r || r.length < 2) continue;
    const s = Number(r[0]);
    const e = Number(r[1]);
    if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
    // clamped into [0, 2**31): -1 is kept for "no range" (the text's length clamps later)
    out[2 * u] = Math.max(0, Math.min(Math.trunc(s), 2 ** 31 - 1));
    out[2 * u + 1] = Math.max(0, Math.min(Math.trunc(e), 2 ** 31 - 1));
  }
  return out;
}

/**
 * @param {string} text
 * @param {Int32Array | Array<[number, number] | null>} ranges  per unit (flatRanges)
 * @param {ArrayLike<boolean|number>} isSpecial     per unit (specials never take part in layout)
 * @returns a layout: clusters as columns (cStart, cEnd; their units as CSR cUnitStart /
 *   cUnits, each cluster's sorted), items as columns (itemKind GAP | CLUSTER | PILL; itemA the
 *   gap's start, the cluster's index or the pill's unit; itemB the gap's end), unitCluster
 *   (cluster index per unit, -1 for pills), and `clusters` / `items` as objects on demand.
 */
export function layoutSpans(text, ranges, isSpecial) {
  const flat = flatRanges(ranges);
  const n = flat.length >> 1;
  const len = text.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let placed = new Int32Array(n);
  let np = 0;
  let sorted = true;
  for (let u = 0; u < n; u++) {
    let s = flat[2 * u];
    let e = flat[2 * u + 1];
    if (isSpecial[u] || s < 0) continue;
    s = s > len ? len : s;
    e = e < 0 ? 0 : e > len ? len : e;
    if (e < s) e = s;
    starts[u] = s;
    ends[u] = e;
    if (np && (s < starts[placed[np - 1]] || (s === starts[placed[np - 1]] && e < ends[placed[np - 1]])))
      sorted = false;
    placed[np++] = u;
  }
  placed = placed.subarray(0, np);
  if (!sorted) {
    // rare (offsets out of text order): the general sort, units in order within ties
    placed = Int32Array.from(Array.from(placed).sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b] || a - b));
  }

  // Clusters: runs of `placed` that overlap (or touch at a zero-width range).
  const cStart = new Int32Array(np);
  const cEnd = new Int32Array(np);
  const runStart = new Int32Array(np + 1);
  let nc = 0;
  for (let p = 0; p < np; p++) {
    const u = placed[p];
    const s = starts[u];
    const e = ends[u];
    const merge = nc > 0 && (s < cEnd[nc - 1] || (s === cEnd[nc - 1] && (s === e || cStart[nc - 1] === cEnd[nc - 1])));
    if (merge) {
      if (e > cEnd[nc - 1]) cEnd[nc - 1] = e;
    } else {
      cStart[nc] = s;
      cEnd[nc] = e;
      runStart[nc] = p;
      nc++;
    }
  }
  runStart[nc] = np;
  // Isolated zero-width clusters have no text to show: their units become pills.
  const unitCluster = new Int32Array(n).fill(-1);
  const cUnitStart = new Int32Array(nc + 1);
  const cUnits = new Int32Array(np);
  let k = 0;
  let q = 0;
  for (let c = 0; c < nc; c++) {
    if (cEnd[c] <= cStart[c]) continue;
    cStart[k] = cStart[c];
    cEnd[k] = cEnd[c];
    cUnitStart[k] = q;
    const p0 = runStart[c];
    const p1 = runStart[c + 1];
    for (let p = p0; p < p1; p++) cUnits[q++] = placed[p];
    if (p1 - p0 > 1) cUnits.subarray(cUnitStart[k], q).sort();
    for (let i = cUnitStart[k]; i < q; i++) unitCluster[cUnits[i]] = k;
    k++;
  }
  nc = k;
  cUnitStart[nc] = q;

  // Pills sit after the cluster of the nearest previous unit that has one (or at the start):
  // grouped by that cluster (+1; 0 = the start) as CSR, units in order.
  const pillCount = new Int32Array(nc + 2);
  let prev = -1;
  let nPills = 0;
  for (let u = 0; u < n; u++) {
    if (unitCluster[u] >= 0) prev = unitCluster[u];
    else {
      pillCount[prev + 2]++;
      nPills++;
    }
  }
  for (let c = 1; c < nc + 2; c++) pillCount[c] += pillCount[c - 1];
  const pillUnits = new Int32Array(nPills);
  const fill = pillCount.slice(0, nc + 1);
  prev = -1;
  for (let u = 0; u < n; u++) {
    if (unitCluster[u] >= 0) prev = unitCluster[u];
    else pillUnits[fill[prev + 1]++] = u;
  }

  const cap = 2 * nc + 1 + nPills;
  const itemKind = new Uint8Array(cap);
  const itemA = new Int32Array(cap);
  const itemB = new Int32Array(cap);
  let m = 0;
  const pushPills = (c) => {
    for (let i = pillCount[c + 1]; i < pillCount[c + 2]; i++) {
      itemKind[m] = PILL;
      itemA[m++] = pillUnits[i];
    }
  };
  pushPills(-1);
  let pos = 0;
  for (let c = 0; c < nc; c++) {
    if (cStart[c] > pos) {
      itemKind[m] = GAP;
      itemA[m] = pos;
      itemB[m++] = cStart[c];
    }
    itemKind[m] = CLUSTER;
    itemA[m++] = c;
    if (pillCount[c + 2] > pillCount[c + 1]) pushPills(c);
    pos = cEnd[c];
  }
  if (pos < len) {
    itemKind[m] = GAP;
    itemA[m] = pos;
    itemB[m++] = len;
  }
  return new Layout(text, {
    nClusters: nc,
    cStart: cStart.subarray(0, nc),
    cEnd: cEnd.subarray(0, nc),
    cUnitStart,
    cUnits: cUnits.subarray(0, q),
    nItems: m,
    itemKind: itemKind.subarray(0, m),
    itemA: itemA.subarray(0, m),
    itemB: itemB.subarray(0, m),
    unitCluster,
  });
}

class Layout {
  constructor(text, cols) {
    Object.assign(this, cols);
    this.text = text;
  }

  /** Cluster k's units (a subarray). */
  unitsOf(k) {
    return this.cUnits.subarray(this.cUnitStart[k], this.cUnitStart[k + 1]);
  }

  /** The clusters as objects {start, end, units} (for reading and tests; not drawn from). */
  get clusters() {
    return Array.from({ length: this.nClusters }, (_, k) => ({
      start: this.cStart[k],
      end: this.cEnd[k],
      units: Array.from(this.unitsOf(k)),
    }));
  }

  /** The items as objects {kind: "gap", text} | {kind: "cluster", index} | {kind: "pill", unit}. */
  get items() {
    return Array.from({ length: this.nItems }, (_, j) => {
      const a = this.itemA[j];
      const kind = this.itemKind[j];
      if (kind === GAP) return { kind: "gap", text: this.text.slice(a, this.itemB[j]) };
      return kind === CLUSTER ? { kind: "cluster", index: a } : { kind: "pill", unit: a };
    });
  }
}

/** The text rebuilt from a layout (gaps + cluster texts, pills skipped): equals `text`. */
export function rebuildText(text, layout) {
  let out = "";
  for (let j = 0; j < layout.nItems; j++) {
    const kind = layout.itemKind[j];
    const a = layout.itemA[j];
    if (kind === GAP) out += text.slice(a, layout.itemB[j]);
    else if (kind === CLUSTER) out += text.slice(layout.cStart[a], layout.cEnd[a]);
  }
  return out;
}
