// Panes side by side: what one says about the other. Pure (reads the panes' views), unit-tested.

/**
 * The overlap of two panes' HIGH sets at their current settings, in words: how many units are
 * HIGH in both, in each, and their Jaccard index. "" while either has no data. `a`, `b`: views
 * (createView) of the same units, or of units aligned by `match` (b's unit for each of a's,
 * -1 for none; null: the same indices).
 */
export function panesNote(a, b, match = null) {
  if (!a.data || !b.data) return "";
  const [both, na, nb] = highOverlap(a.highUnits(), b.highUnits(), match);
  const union = na + nb - both;
  const jaccard = union ? (both / union).toFixed(2) : "—";
  return `HIGH in both panes: ${both} ${a.noun(both)} (${a.score} ${na}, ${b.score} ${nb}; Jaccard ${jaccard})`;
}

/** [HIGH in both, HIGH in a, HIGH in b] for Sets of units; match maps a's units to b's. */
export function highOverlap(highA, highB, match = null) {
  let both = 0;
  for (const u of highA) {
    const v = match ? match[u] : u;
    if (v >= 0 && highB.has(v)) both++;
  }
  return [both, highA.size, highB.size];
}
