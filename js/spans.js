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

/**
 * @param {string} text
 * @param {Array<[number, number] | null>} ranges  per unit
 * @param {ArrayLike<boolean|number>} isSpecial     per unit (specials never take part in layout)
 * @returns {{
 *   clusters: Array<{start: number, end: number, units: number[]}>,
 *   items: Array<{kind: "gap", text: string} | {kind: "cluster", index: number} |
 *                {kind: "pill", unit: number}>,
 *   unitCluster: Int32Array,   // cluster index per unit, -1 for pills
 * }}
 */
export function layoutSpans(text, ranges, isSpecial) {
  const n = ranges.length;
  const len = text.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const placed = [];
  for (let u = 0; u < n; u++) {
    const r = ranges[u];
    if (isSpecial[u] || !r || r.length < 2) continue;
    let s = Number(r[0]);
    let e = Number(r[1]);
    if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
    s = Math.min(Math.max(Math.trunc(s), 0), len);
    e = Math.min(Math.max(Math.trunc(e), 0), len);
    if (e < s) e = s;
    starts[u] = s;
    ends[u] = e;
    placed.push(u);
  }
  placed.sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b] || a - b);

  const unitCluster = new Int32Array(n).fill(-1);
  let clusters = [];
  let cur = null;
  for (const u of placed) {
    const s = starts[u];
    const e = ends[u];
    const merge =
      cur !== null &&
      (s < cur.end || (s === cur.end && (s === e || cur.start === cur.end)));
    if (merge) {
      if (e > cur.end) cur.end = e;
      cur.units.push(u);
    } else {
      cur = { start: s, end: e, units: [u] };
      clusters.push(cur);
    }
  }
  // Isolated zero-width clusters have no text to show: their units become pills.
  clusters = clusters.filter((c) => c.end > c.start);
  clusters.forEach((c, k) => {
    c.units.sort((a, b) => a - b);
    for (const u of c.units) unitCluster[u] = k;
  });

  // Pills sit after the cluster of the nearest previous unit that has one (or at the start).
  const pillsAfter = new Map(); // cluster index (-1 = start) -> units
  let prevCluster = -1;
  for (let u = 0; u < n; u++) {
    if (unitCluster[u] >= 0) {
      prevCluster = unitCluster[u];
      continue;
    }
    if (!pillsAfter.has(prevCluster)) pillsAfter.set(prevCluster, []);
    pillsAfter.get(prevCluster).push(u);
  }

  const items = [];
  const pushPills = (k) => {
    const list = pillsAfter.get(k);
    if (list) for (const u of list) items.push({ kind: "pill", unit: u });
  };
  pushPills(-1);
  let pos = 0;
  clusters.forEach((c, k) => {
    if (c.start > pos) items.push({ kind: "gap", text: text.slice(pos, c.start) });
    items.push({ kind: "cluster", index: k });
    pushPills(k);
    pos = c.end;
  });
  if (pos < len) items.push({ kind: "gap", text: text.slice(pos) });
  return { clusters, items, unitCluster };
}

/** The text rebuilt from a layout (gaps + cluster texts, pills skipped): equals `text`. */
export function rebuildText(text, layout) {
  let out = "";
  for (const it of layout.items) {
    if (it.kind === "gap") out += it.text;
    else if (it.kind === "cluster") {
      const c = layout.clusters[it.index];
      out += text.slice(c.start, c.end);
    }
  }
  return out;
}
