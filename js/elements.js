// The text's elements, in text order: one span per cluster (text that one or more units cover)
// and one pill per unit without text of its own. Flat typed arrays, built once per set of
// units; their DOM nodes are made later, block by block (text_blocks.js). Pure, unit-tested.

import { ROLE_CODES } from "./data.js";

/**
 * Elements of a layout (layoutSpans) for `units` (unitsOf), as arrays by element index:
 *   firstUnit  its first unit (a cluster's lowest)
 *   cluster    its cluster's index in layout.clusters, -1 for a pill
 *   item       its index in layout.items
 *   multi      1 when it is a cluster of several units
 *   boxed      1 when it is a box of its own: a pill, or punctuation (drawn as a chip wide
 *              enough to show its colour)
 *   base       its className before colours (with its role's, afn-r-ROLE, when its units share one)
 * and unitElem (each unit's element, -1 for none), clusterStart/clusterUnits (each cluster's
 * units as CSR), count.
 */
export function textElements(layout, units) {
  const { clusterStart, clusterUnits } = clusterMembers(layout.clusters);
  const items = layout.items;
  const reps = [];
  const cl = [];
  const at = [];
  const base = [];
  const box = [];
  const unitElem = new Int32Array(units.count).fill(-1);
  const roles = units.roles || [];
  for (let j = 0; j < items.length; j++) {
    const it = items[j];
    if (it.kind === "gap") continue;
    const e = reps.length;
    if (it.kind === "cluster") {
      const c = layout.clusters[it.index];
      const punct = c.units.every((u) => roles[u] === "punctuation");
      const role = c.units.every((u) => roles[u] === roles[c.units[0]]) ? roles[c.units[0]] : "";
      // colour classes are added when painted; the role's class dims it when filtered out
      base.push((punct ? "afn-tok afn-punct" : "afn-tok") + roleClass(role));
      box.push(punct ? 1 : 0);
      for (const u of c.units) unitElem[u] = e;
      reps.push(c.units[0]);
      cl.push(it.index);
    } else {
      const u = it.unit;
      base.push(
        (units.special[u] ? "afn-tok afn-pill afn-special" : "afn-tok afn-pill") + roleClass(roles[u]),
      );
      box.push(1);
      unitElem[u] = e;
      reps.push(u);
      cl.push(-1);
    }
    at.push(j);
  }
  const count = reps.length;
  const cluster = Int32Array.from(cl);
  const multi = new Uint8Array(count);
  for (let e = 0; e < count; e++) {
    const k = cluster[e];
    if (k >= 0 && clusterStart[k + 1] - clusterStart[k] > 1) multi[e] = 1;
  }
  return {
    count,
    firstUnit: Int32Array.from(reps),
    cluster,
    item: Int32Array.from(at),
    multi,
    boxed: Uint8Array.from(box),
    base,
    unitElem,
    clusterStart,
    clusterUnits,
  };
}

/** The roles a filter can dim (Python's afn_widget.words roles), in their codes' order. */
export const ROLES = ROLE_CODES;

const roleClass = (role) => (ROLES.includes(role) ? ` afn-r-${role}` : "");

/** Each cluster's units as CSR: those of cluster k are clusterUnits[clusterStart[k] .. clusterStart[k + 1]). */
export function clusterMembers(clusters) {
  const nc = clusters.length;
  const clusterStart = new Int32Array(nc + 1);
  for (let k = 0; k < nc; k++) clusterStart[k + 1] = clusterStart[k] + clusters[k].units.length;
  const clusterUnits = new Int32Array(clusterStart[nc]);
  for (let k = 0; k < nc; k++) clusterUnits.set(clusters[k].units, clusterStart[k]);
  return { clusterStart, clusterUnits };
}

/** The units of element e's cluster (a subarray), or null for a pill. */
export function membersOf(els, e) {
  const k = els.cluster[e];
  return k >= 0 ? els.clusterUnits.subarray(els.clusterStart[k], els.clusterStart[k + 1]) : null;
}
