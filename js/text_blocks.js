// The text box: the text's elements (elements.js) as DOM, drawn and re-coloured in blocks.
//
// Building and colouring a 10k-token text is ~10k elements to create, style and lay out
// (~300 ms): far more than a frame. Long texts are cut into blocks of BLOCK elements; the
// blocks in view are built and coloured at once, the others wait as plain text (or their old
// colours) until background tasks (background.js) bring them up to date, nearest the view first.
// Blocks more than TAIL below the view are not even plain text at first: laying out the whole
// of a 100k-token text cost its first render ~100 ms; the first background task adds them.
import { extendBlocks } from "./append.js";
import { NO_COLOR, colorIndex, scale01 } from "./colors.js";
import { h } from "./dom.js";
import { clusterBucket, membersOf, textElements } from "./elements.js";
import { CLUSTER, GAP } from "./spans.js";
import { HIGH, INELIGIBLE, MASSIVE } from "./stats.js";
import { markWritten } from "./written.js";

const COLOR_CLASS = Array.from({ length: 256 }, (_, i) => ` afn-c${i}`);
// A block is built and re-coloured as a whole.
const BLOCK = 256;
// Texts of at most this many elements are built and re-coloured in one go.
const SYNC_ELEMENTS = 1500;
// A long text's first render places this many blocks below those in view (the text box must
// be able to scroll as far as it was before a new text), the rest later (placeRest).
const TAIL = 2;
// elCode of an element not painted yet.
const UNSET = -32768;
const MASSIVE_CODE = -32767; // painted as set apart (a massive activation)

/**
 * The spans of the text. settings.show_special says which pills are shown; pinnedEl() is the
 * element whose tooltip is pinned (it keeps its afn-pinned class when re-coloured).
 */
export class TextBlocks {
  constructor(doc, scope, settings, pinnedEl) {
    this.doc = doc;
    this.scope = scope;
    this.settings = settings;
    this.pinnedEl = pinnedEl;
    this.marked = new Map();
    this.el = h(doc, "div", "afn-text");
    this.setScoreName("TAS");
    this.range = doc.createRange();
    this.scrollFrac = 0; // the text box's last scroll position, as a fraction of its height
    this.flashEl = null;
    this.rovingEl = null;
    this.visStale = false; // the text box scrolled or resized since visRange was measured
    this.clear();
    // Scrolling or a new width brings other blocks into view: measure again before using them.
    scope.listen(this.el, "scroll", () => this.scrolled(), { passive: true });
    const win = doc.defaultView;
    if (win.ResizeObserver) {
      const ro = new win.ResizeObserver(() => {
        this.visStale = true;
      });
      ro.observe(this.el);
      scope.add(() => ro.disconnect());
    }
  }

  /**
   * The text box says what its colours show. A long text's label follows once the new colours
   * are out: a new label on a box of thousands of spans costs the browser's accessibility tree
   * a few milliseconds (about 8 at 10k tokens), which the re-colouring should not wait for.
   */
  setScoreName(score) {
    const what = score === "TAS" ? "token activation strength (TAS)" : score;
    const label = `text coloured by ${what}`;
    this.label = label;
    const apply = () => {
      if (this.label === label && this.el.getAttribute("aria-label") !== label)
        this.el.setAttribute("aria-label", label);
    };
    if (!this.deferred) return apply();
    const win = this.doc.defaultView;
    win.requestAnimationFrame(() => this.scope.later(apply, 0));
  }

  /** No text. */
  clear() {
    this.el.replaceChildren();
    this.nBlocks = 0;
    this.placed = 0;
    this.navEls = [];
    this.count = 0;
  }

  /** Short texts are drawn in one go; long ones (more than SYNC_ELEMENTS) block by block. */
  get deferred() {
    return this.count > SYNC_ELEMENTS;
  }

  scrolled() {
    this.visStale = true;
    this.noteScroll();
  }

  // The scroll position as a fraction of the text's height: of the whole text only once every
  // block is placed (before, the box is shorter than the text and the fraction would be high).
  noteScroll() {
    const box = this.el;
    if (box.scrollHeight > 0 && this.placed >= this.nBlocks)
      this.scrollFrac = box.scrollTop / box.scrollHeight;
  }

  /**
   * Lay out a new text: its elements for `units`, coloured by `numbers` once they are computed.
   * Blocks in view are built now, the others start as plain text. `extend`: the text may begin
   * as the one drawn (a model writing), whose spans then stay (append.js).
   */
  setText(data, units, layout, numbers, extend = false) {
    const els = textElements(layout, units);
    markWritten(els, units.written); // the tokens a model wrote (units.written: written.js)
    const next = { data, units, layout, numbers, els };
    if (extend && this.els && extendBlocks(this, next, BLOCK, UNSET)) return;
    Object.assign(this, next);
    this.marked = new Map(); // class -> Set of elements (markUnits), kept through repaints
    this.count = els.count;
    this.elCode = new Int16Array(els.count).fill(UNSET); // painted colour * 2 + (HIGH ? 1 : 0)
    this.navEls = new Array(els.count).fill(null); // null while the element's block is plain text
    this.elIndex = new WeakMap(); // element -> its index
    this.flashEl = null;
    this.rovingEl = null;
    const nBlocks = Math.max(1, Math.ceil(els.count / BLOCK));
    this.nBlocks = nBlocks;
    this.blockNodes = new Array(nBlocks).fill(null); // a plain-text block's nodes, else null
    this.blockHead = new Array(nBlocks).fill(null); // a block's first node (to measure its top)
    this.blockGen = new Int32Array(nBlocks).fill(-1); // numbers.gen it was last painted for
    this.visRange = this.deferred ? this.guessVisible() : [0, nBlocks];
    this.placed = this.deferred ? Math.min(nBlocks, this.visRange[1] + TAIL) : nBlocks;
    // Laid out again mid-text (another granularity, new data), the guess from the old scroll
    // position can be a block off: measured before the first paint (one layout of the blocks
    // placed, those down to the view), so nothing in view stays plain text for a frame.
    this.visStale = this.deferred && this.scrollFrac > 0;
    const frag = this.doc.createDocumentFragment();
    for (let k = 0; k < this.placed; k++) {
      if (k >= this.visRange[0] && k < this.visRange[1]) this.appendBlock(frag, k);
      else this.appendPlaceholder(frag, k, k < this.visRange[0]);
    }
    this.el.replaceChildren(frag);
    this.setRoving(this.firstVisible());
  }

  // Blocks [v0, v1) were in view at the text box's last scroll position (its fraction of the
  // height; the new text has no layout yet), one block either side.
  guessVisible() {
    const n = this.nBlocks;
    const k = Math.min(n - 1, Math.floor(this.scrollFrac * n));
    return [Math.max(0, k - 1), Math.min(n, k + 2)];
  }

  blockItems(k) {
    const item = this.els.item;
    const j0 = k === 0 ? 0 : item[k * BLOCK];
    const j1 = k === this.nBlocks - 1 ? this.layout.nItems : item[(k + 1) * BLOCK];
    return [j0, j1];
  }

  makeEl(e) {
    const els = this.els;
    const span = this.doc.createElement("span");
    const k = els.cluster[e];
    if (k >= 0) {
      const { cStart, cEnd } = this.layout;
      if (els.boxed[e]) span.className = els.base[e]; // its chip's width, in a plain-text block too
      span.textContent = this.data.text.slice(cStart[k], cEnd[k]);
      if (els.multi[e]) span.dataset.units = membersOf(els, e).join(",");
    } else {
      // a pill may wait in a plain-text block: it needs its classes (hidden special) from now
      span.className = els.base[e];
      span.textContent = this.units.label(els.firstUnit[e]);
    }
    span.dataset.i = String(els.firstUnit[e]);
    this.elIndex.set(span, e);
    this.navEls[e] = span;
    return span;
  }

  // Block k as its spans and gaps (pills made earlier for its placeholder are reused).
  appendBlock(frag, k) {
    const { itemKind, itemA, itemB } = this.layout;
    const text = this.data.text;
    const [j0, j1] = this.blockItems(k);
    let e = k * BLOCK;
    const first = frag.lastChild;
    for (let j = j0; j < j1; j++) {
      if (itemKind[j] === GAP) frag.appendChild(this.doc.createTextNode(text.slice(itemA[j], itemB[j])));
      else {
        frag.appendChild(this.navEls[e] || this.makeEl(e));
        e++;
      }
    }
    this.blockHead[k] = first ? first.nextSibling : frag.firstChild;
  }

  // Block k as plain text: one text node per run between boxes. It lays out as its spans do
  // (.afn-tok adds no horizontal space) at a fraction of the cost; pills are real elements from
  // the start, as they are boxes of their own. So are punctuation chips (their padding widens
  // a line) in blocks above those in view (`exact`), which must not move what is in view once
  // built; below it the chips come with their block (made up front, a 10k-token text's ~1,500
  // chips doubled the time to its first frame).
  appendPlaceholder(frag, k, exact) {
    const { doc, layout } = this;
    const { itemKind, itemA, itemB, cStart, cEnd } = layout;
    const text = this.data.text;
    const [j0, j1] = this.blockItems(k);
    const nodes = [];
    // gaps and clusters are contiguous text: a run between two boxes is one slice of it
    let from = -1;
    let to = -1;
    const flush = () => {
      if (from >= 0 && to > from) nodes.push(frag.appendChild(doc.createTextNode(text.slice(from, to))));
      from = -1;
    };
    const boxed = this.els.boxed;
    let e = k * BLOCK;
    for (let j = j0; j < j1; j++) {
      const kind = itemKind[j];
      if (kind === GAP || (kind === CLUSTER && !(exact && boxed[e]))) {
        const a = kind === GAP ? itemA[j] : cStart[itemA[j]];
        if (from < 0) from = a;
        to = kind === GAP ? itemB[j] : cEnd[itemA[j]];
        if (kind === CLUSTER) e++;
      } else {
        flush();
        nodes.push(frag.appendChild(this.makeEl(e++)));
      }
    }
    flush();
    this.blockNodes[k] = nodes;
    this.blockHead[k] = nodes.length ? nodes[0] : null;
  }

  // Swap block k's plain text for its spans, coloured before they are inserted (one style pass).
  build(k) {
    const nodes = this.blockNodes[k];
    if (!nodes) return;
    this.blockNodes[k] = null;
    if (!nodes.length) return;
    const next = nodes[nodes.length - 1].nextSibling;
    const frag = this.doc.createDocumentFragment();
    this.appendBlock(frag, k);
    this.blockGen[k] = -1;
    this.paintBlock(k);
    for (const n of nodes) if (n.nodeType === 3) n.remove();
    this.el.insertBefore(frag, next);
  }

  /** The blocks not placed yet, as plain text at the end of the text box (one layout). */
  placeRest() {
    if (this.placed >= this.nBlocks) return;
    const frag = this.doc.createDocumentFragment();
    for (let k = this.placed; k < this.nBlocks; k++) this.appendPlaceholder(frag, k, false);
    this.placed = this.nBlocks;
    this.el.appendChild(frag);
  }

  /** Block k built and coloured for the current numbers. */
  bring(k) {
    if (k >= this.placed) this.placeRest();
    this.build(k);
    this.paintBlock(k);
  }

  /** The element of index e, its block built and coloured first. */
  elementAt(e) {
    this.bring(Math.floor(e / BLOCK));
    return this.navEls[e];
  }

  /** Element index of a span of this text (undefined for anything else). */
  indexOf(span) {
    return this.elIndex.get(span);
  }

  /** The units a text element shows (a cluster's, or its one unit). */
  unitsAt(span) {
    const e = this.elIndex.get(span);
    if (e === undefined) return [];
    const members = membersOf(this.els, e);
    return members ? Array.from(members) : [this.els.firstUnit[e]];
  }

  /**
   * Mark the elements of `units` (unit indices; null or empty: none) with the class `cls`,
   * replacing the units it marked before (the other pane's hovered unit, a pair's differences).
   */
  markUnits(units, cls) {
    if (!this.els) return;
    const next = new Set();
    for (const u of units || []) {
      const e = u >= 0 && u < this.els.unitElem.length ? this.els.unitElem[u] : -1;
      if (e >= 0) next.add(e);
    }
    const prev = this.marked.get(cls);
    if (prev) for (const e of prev) if (!next.has(e) && this.navEls[e]) this.navEls[e].classList.remove(cls);
    for (const e of next) if (this.navEls[e]) this.navEls[e].classList.add(cls);
    if (next.size) this.marked.set(cls, next);
    else this.marked.delete(cls);
  }

  /** The token span an event target is in, or null. */
  tokenOf(target) {
    const t = target && target.closest ? target.closest(".afn-tok") : null;
    return t && this.elIndex.has(t) ? t : null;
  }

  isShown(e) {
    return !(this.settings.show_special === false && this.els.base[e].includes(" afn-special"));
  }

  isVisible(span) {
    const e = this.elIndex.get(span);
    return e !== undefined && this.isShown(e);
  }

  firstVisible() {
    for (let e = 0; e < this.count; e++) if (this.isShown(e)) return this.elementAt(e);
    return null;
  }

  lastVisible() {
    for (let e = this.count - 1; e >= 0; e--) if (this.isShown(e)) return this.elementAt(e);
    return null;
  }

  /** The next shown element after e in direction d (+1 or -1), or null. */
  step(e, d) {
    for (let j = e + d; j >= 0 && j < this.count; j += d) if (this.isShown(j)) return this.elementAt(j);
    return null;
  }

  /** The one element in the tab order (roving tabindex). */
  setRoving(span) {
    if (this.rovingEl === span) return;
    if (this.rovingEl) this.rovingEl.removeAttribute("tabindex");
    this.rovingEl = span;
    if (span) span.tabIndex = 0;
  }

  /** show_special changed: the roving element must stay a shown one. */
  specialsShown() {
    if (this.rovingEl && !this.isVisible(this.rovingEl)) this.setRoving(this.firstVisible());
  }

  // Representative unit of element e: its strongest member (clusters of several units).
  repUnit(e) {
    const els = this.els;
    if (!els.multi[e]) return els.firstUnit[e];
    const k = els.cluster[e];
    return this.numbers.strongestOf(els.clusterUnits, els.clusterStart[k], els.clusterStart[k + 1]);
  }

  // Colour block k for the current numbers, unless done already.
  paintBlock(k) {
    const numbers = this.numbers;
    if (!numbers.ready || this.blockGen[k] === numbers.gen) return;
    this.blockGen[k] = numbers.gen;
    this.paint(k * BLOCK, Math.min(this.count, (k + 1) * BLOCK));
  }

  // One className write per changed span: base classes + colour class + HIGH (+ transient).
  // The bucket is in the class (afn-high) and in the tooltip; a data attribute for it cost
  // one attribute write per span on every layer change.
  paint(e0, e1) {
    const { navEls, elCode, flashEl } = this;
    const { firstUnit, multi, base } = this.els;
    const { values, buckets, lo, hi } = this.numbers;
    const pinned = this.pinnedEl();
    for (let e = e0; e < e1; e++) {
      const span = navEls[e];
      if (!span) continue;
      let u = firstUnit[e];
      let b = buckets[u];
      if (multi[e]) {
        u = this.repUnit(e);
        b = clusterBucket(buckets, this.els, e);
      }
      const ci = b === INELIGIBLE || b === MASSIVE ? NO_COLOR : colorIndex(scale01(values[u], lo, hi));
      const code = b === MASSIVE ? MASSIVE_CODE : ci * 2 + (b === HIGH ? 1 : 0);
      if (code === elCode[e]) continue;
      elCode[e] = code;
      let cls = base[e];
      if (ci >= 0) cls += COLOR_CLASS[ci];
      if (b === HIGH) cls += " afn-high";
      else if (b === MASSIVE) cls += " afn-massive";
      if (span === pinned) cls += " afn-pinned";
      if (span === flashEl) cls += " afn-flash";
      for (const [mark, set] of this.marked) if (set.has(e)) cls += ` ${mark}`;
      span.className = cls;
    }
  }

  /** The blocks in view now (all of a short text); the rest is left to background work. */
  paintVisible() {
    if (this.visStale) this.measureVisible();
    const [v0, v1] = this.deferred ? this.visRange : [0, this.nBlocks];
    for (let k = v0; k < v1; k++) this.bring(k);
  }

  blockDone(k) {
    const numbers = this.numbers;
    return k < this.placed && !this.blockNodes[k] && (!numbers.ready || this.blockGen[k] === numbers.gen);
  }

  /** Some block is not built or not coloured for the current numbers. */
  pending() {
    for (let k = 0; k < this.nBlocks; k++) if (!this.blockDone(k)) return true;
    return false;
  }

  /**
   * Bring blocks up to date while hasTime(): the blocks not placed yet first (the text box's
   * full height, and find-in-page, want the whole text), then those in view, below it, above it.
   */
  workWhile(hasTime) {
    if (this.placed < this.nBlocks) {
      this.placeRest();
      if (!hasTime()) return;
    }
    const n = this.nBlocks;
    const v0 = this.visRange[0];
    const order = (k) => (k < v0 ? n + k : k - v0);
    let best = -1;
    do {
      best = -1;
      for (let k = 0; k < n; k++) {
        if (!this.blockDone(k) && (best < 0 || order(k) < order(best))) best = k;
      }
      if (best >= 0) this.bring(best);
    } while (best >= 0 && hasTime());
  }

  // Top of block k's first line, relative to the viewport (NaN when it draws nothing).
  blockTop(k) {
    const range = this.range;
    for (let n = this.blockHead[k], hops = 0; n && hops < 4; n = n.nextSibling, hops++) {
      let rects;
      if (n.nodeType === 3) {
        if (!n.length) continue;
        range.setStart(n, 0);
        range.setEnd(n, 1);
        rects = range.getClientRects();
      } else rects = n.getClientRects();
      if (rects.length) return rects[0].top;
    }
    return NaN;
  }

  // Blocks overlapping the text box's visible area, by a binary search on their tops.
  measureVisible() {
    this.visStale = false;
    if (!this.deferred) return;
    const textBox = this.el;
    const box = textBox.getBoundingClientRect();
    if (!(box.height > 0)) return;
    this.noteScroll();
    const top = (k) => {
      const t = this.blockTop(k);
      return Number.isNaN(t) ? (k === 0 ? -Infinity : top(k - 1)) : t;
    };
    const n = this.placed;
    let a = 0;
    let b = n - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (top(m) <= box.top) a = m;
      else b = m - 1;
    }
    let v1 = a + 1;
    while (v1 < n && top(v1) < box.bottom) v1++;
    this.visRange = [a, v1];
  }

  /** Scroll unit u's element into view and flash it (focus it too when asked). */
  reveal(u, focus) {
    const e = this.els ? this.els.unitElem[u] : -1;
    if (!(e >= 0) || !this.isShown(e)) return;
    const span = this.elementAt(e);
    span.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (this.flashEl) this.flashEl.classList.remove("afn-flash");
    void span.offsetWidth; // restart the animation
    span.classList.add("afn-flash");
    this.flashEl = span;
    this.scope.later(() => {
      span.classList.remove("afn-flash");
      if (this.flashEl === span) this.flashEl = null;
    }, 1600);
    if (focus) {
      this.setRoving(span);
      span.focus({ preventScroll: true });
    }
  }
}
