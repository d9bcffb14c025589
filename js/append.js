// The text box's append path, for new data that begin as the ones drawn (a model writing:
// every token adds to the end). Laying out a whole text again for each token is every span made
// anew and the whole box laid out (~30 ms at 2,000 tokens); here the spans of what both texts
// share stay where they are, drawn, and only the end is laid out again (BENCHMARKS.md).
import { GAP } from "./spans.js";

/** The length of the longest common prefix of strings a and b. */
export function commonPrefix(a, b) {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * How many of the first elements (elements.js) two drawings share: a and b are {text, units,
 * layout, els} (the drawn and the new); element e is shared when it and the items before it are
 * alike: the same place among the items, the same classes, the same characters of the text
 * both begin with and the same units (a cluster), the same unit and label (a pill).
 */
export function keptElements(a, b) {
  const p = commonPrefix(a.text, b.text);
  const n = Math.min(a.els.count, b.els.count);
  const { item: ia, base: ba, multi: ma, cluster: ca, firstUnit: fa } = a.els;
  const { item: ib, base: bb, multi: mb, cluster: cb, firstUnit: fb } = b.els;
  const { cStart: sa, cEnd: ea, cUnitStart: qa, cUnits: ua } = a.layout;
  const { cStart: sb, cEnd: eb, cUnitStart: qb, cUnits: ub } = b.layout;
  for (let e = 0; e < n; e++) {
    if (ia[e] !== ib[e] || ba[e] !== bb[e] || ma[e] !== mb[e]) return e;
    const ka = ca[e];
    const kb = cb[e];
    if (ka < 0 || kb < 0) {
      if (ka !== kb || fa[e] !== fb[e] || a.units.label(fa[e]) !== b.units.label(fb[e])) return e;
      continue;
    }
    if (sa[ka] !== sb[kb] || ea[ka] !== eb[kb] || eb[kb] > p) return e;
    const s = qa[ka];
    const t = qb[kb];
    const m = qa[ka + 1] - s;
    if (qb[kb + 1] - t !== m) return e;
    for (let i = 0; i < m; i++) if (ua[s + i] !== ub[t + i]) return e;
  }
  return n;
}

/**
 * Draw `next` ({data, units, layout, numbers, els}: what TextBlocks.setText is given, and its
 * elements) in `blocks`, a TextBlocks (of BLOCK elements a block, UNSET the code of an element
 * not painted) showing data that `next` may begin as: the elements both share (keptElements)
 * keep their spans and painted colours, untouched; what follows the last of them is laid out
 * again, built (a model writing keeps its end in view): after its span where its block is
 * built, else from the start of its block. Returns false, having changed nothing, where the
 * drawn text cannot be kept so (nothing shared, or that block not placed yet): the caller lays
 * the text out whole.
 */
export function extendBlocks(blocks, next, BLOCK, UNSET) {
  const drawn = { text: blocks.data.text, units: blocks.units, layout: blocks.layout, els: blocks.els };
  const keep = keptElements(drawn, { ...next, text: next.data.text });
  const k0 = Math.floor((keep - 1) / BLOCK);
  if (keep === 0 || k0 >= blocks.placed) return false;
  const last = blocks.blockNodes[k0] ? null : blocks.navEls[keep - 1]; // built: its span
  const from = last ? last.nextSibling : blocks.blockHead[k0];
  if (!(last ? last.parentNode === blocks.el : from && from.parentNode === blocks.el)) return false;
  if (from) {
    const range = blocks.doc.createRange();
    range.setStartBefore(from);
    range.setEndAfter(blocks.el.lastChild);
    range.deleteContents();
  }
  const oldBlocks = blocks.nBlocks;
  const { els } = next;
  const n = els.count;
  const nBlocks = Math.max(1, Math.ceil(n / BLOCK));
  const navEls = new Array(n).fill(null);
  const elCode = new Int16Array(n).fill(UNSET);
  for (let e = 0; e < keep; e++) navEls[e] = blocks.navEls[e];
  elCode.set(blocks.elCode.subarray(0, keep));
  for (const set of blocks.marked.values()) for (const e of set) if (e >= keep) set.delete(e);
  const kept = last ? k0 + 1 : k0; // the blocks whose first nodes stay
  const grow = (old, fill) => Array.from({ length: nBlocks }, (_, k) => (k < kept ? old[k] : fill));
  Object.assign(blocks, next, { navEls, elCode, count: n, nBlocks, placed: nBlocks });
  blocks.blockNodes = grow(blocks.blockNodes, null);
  blocks.blockHead = grow(blocks.blockHead, null);
  blocks.blockGen = new Int32Array(nBlocks).fill(-1); // new numbers: every block to repaint
  const frag = blocks.doc.createDocumentFragment();
  if (last) appendItems(blocks, frag, els.item[keep - 1] + 1, blocks.blockItems(k0)[1], keep);
  for (let k = kept; k < nBlocks; k++) blocks.appendBlock(frag, k);
  blocks.el.appendChild(frag);
  // In view: as before, and the new end if the end was in view (no measuring: that would lay the
  // text out once more than the frame does; a scroll or a resize measures again).
  const [v0, v1] = blocks.visRange;
  const end = v1 >= oldBlocks;
  blocks.visRange = blocks.deferred ? [Math.min(v0, k0), end ? nBlocks : Math.min(v1, nBlocks)] : [0, nBlocks];
  if (blocks.flashEl && !blocks.flashEl.isConnected) blocks.flashEl = null;
  if (!blocks.rovingEl || !blocks.rovingEl.isConnected) {
    blocks.rovingEl = null;
    blocks.setRoving(blocks.firstVisible());
  }
  return true;
}

// Items [j0, j1) of the layout as nodes into frag, the first element among them being e (as
// TextBlocks.appendBlock does for a block's items).
function appendItems(blocks, frag, j0, j1, e) {
  const { itemKind, itemA, itemB } = blocks.layout;
  const text = blocks.data.text;
  let el = e;
  for (let j = j0; j < j1; j++) {
    if (itemKind[j] === GAP) frag.appendChild(blocks.doc.createTextNode(text.slice(itemA[j], itemB[j])));
    else {
      frag.appendChild(blocks.navEls[el] || blocks.makeEl(el));
      el++;
    }
  }
}
