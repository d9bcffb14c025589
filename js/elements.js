// The text's elements, in text order: one span per cluster (text that one or more units cover)
// and one pill per unit without text of its own. Flat typed arrays, built once per set of
// units; their DOM nodes are made later, block by block (text_blocks.js). Pure, unit-tested.

import { ROLE_CODES } from "./data.js";
import { CLUSTER, GAP } from "./spans.js";
import { HIGH, INELIGIBLE, LOW, MASSIVE } from "./stats.js";

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
  const { cUnitStart: clusterStart, cUnits: clusterUnits, itemKind, itemA } = layout;
  const nItems = layout.nItems;
  let count = 0;
  for (let j = 0; j < nItems; j++) if (itemKind[j] !== GAP) count++;
  const firstUnit = new Int32Array(count);
  const cluster = new Int32Array(count);
  const item = new Int32Array(count);
  const multi = new Uint8Array(count);
  const boxed = new Uint8Array(count);
  const base = new Array(count);
  const unitElem = new Int32Array(units.count).fill(-1);
  const roles = units.roles || [];
  let e = 0;
  for (let j = 0; j < nItems; j++) {
    const kind = itemKind[j];
    if (kind === GAP) continue;
    if (kind === CLUSTER) {
      const k = itemA[j];
      const p0 = clusterStart[k];
      const p1 = clusterStart[k + 1];
      const first = clusterUnits[p0];
      let punct = roles[first] === "punctuation";
      let role = roles[first];
      for (let p = p0 + 1; p < p1; p++) {
        const r = roles[clusterUnits[p]];
        if (r !== "punctuation") punct = false;
        if (r !== role) role = "";
      }
      for (let p = p0; p < p1; p++) unitElem[clusterUnits[p]] = e;
      // colour classes are added when painted; the role's class dims it when filtered out
      base[e] = baseClass(punct ? PUNCT : TOKEN, role);
      boxed[e] = punct ? 1 : 0;
      multi[e] = p1 - p0 > 1 ? 1 : 0;
      firstUnit[e] = first;
      cluster[e] = k;
    } else {
      const u = itemA[j];
      base[e] = baseClass(units.special[u] ? SPECIAL_PILL : PILL_CLASS, roles[u]);
      boxed[e] = 1;
      unitElem[u] = e;
      firstUnit[e] = u;
      cluster[e] = -1;
    }
    item[e++] = j;
  }
  return { count, firstUnit, cluster, item, multi, boxed, base, unitElem, clusterStart, clusterUnits };
}

const TOKEN = 0;
const PUNCT = 1;
const PILL_CLASS = 2;
const SPECIAL_PILL = 3;
const KIND_CLASS = ["afn-tok", "afn-tok afn-punct", "afn-tok afn-pill", "afn-tok afn-pill afn-special"];

// The className of an element before colours: one string per kind and role, made once (a
// string built per element was 100k strings for a long text).
const BASE_CLASS = KIND_CLASS.map(() => new Map());
function baseClass(kind, role) {
  const known = BASE_CLASS[kind];
  let cls = known.get(role);
  if (cls === undefined) {
    cls = KIND_CLASS[kind] + roleClass(role);
    known.set(role, cls);
  }
  return cls;
}

/** The roles a filter can dim (Python's afn_widget.words roles), in their codes' order. */
export const ROLES = ROLE_CODES;

const roleClass = (role) => (ROLES.includes(role) ? ` afn-r-${role}` : "");

/** The units of element e's cluster (a subarray), or null for a pill. */
export function membersOf(els, e) {
  const k = els.cluster[e];
  return k >= 0 ? els.clusterUnits.subarray(els.clusterStart[k], els.clusterStart[k + 1]) : null;
}

// The bucket element e (a cluster of several units) shows: HIGH if any member is, else LOW if any
// is, else MASSIVE if any is.
export function clusterBucket(buckets, els, e) {
  const { clusterStart, clusterUnits } = els;
  const k = els.cluster[e];
  let b = INELIGIBLE;
  for (let p = clusterStart[k]; p < clusterStart[k + 1]; p++) {
    const m = buckets[clusterUnits[p]];
    if (m === HIGH) b = HIGH;
    else if (m === LOW && b !== HIGH) b = LOW;
    else if (m === MASSIVE && b === INELIGIBLE) b = MASSIVE;
  }
  return b;
}
