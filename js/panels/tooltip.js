// The tooltip box: which element it describes, whether it is pinned, where it sits. What it
// says is built by tooltip.js.
import { dimsFor } from "../dims.js";
import { h } from "../dom.js";
import { membersOf } from "../elements.js";
import { percentileOf } from "../stats.js";
import { fillTooltip, placeTooltip } from "../tooltip.js";

const BUCKET_NAME = ["LOW", "HIGH", "SPECIAL"];

/** view: the coordinator (its data, units, numbers, blocks and settings describe the element). */
export class Tooltip {
  constructor(doc, uid, view) {
    this.win = doc.defaultView;
    this.view = view;
    this.el = h(doc, "div", "afn-tooltip");
    this.el.setAttribute("role", "tooltip");
    this.el.id = `afn-tip-${uid}`;
    this.el.hidden = true;
    this.target = null; // the element described
    this.pinned = false;
    this.dimTok = -1; // the token whose hidden dims it shows
  }

  /** The element whose tooltip is pinned, or null. */
  get pinnedEl() {
    return this.pinned ? this.target : null;
  }

  show(span, pinned = false) {
    if (!this.view.data || !span || !span.isConnected) return;
    if (this.target && this.target !== span) this.target.classList.remove("afn-pinned");
    this.target = span;
    this.pinned = pinned;
    span.classList.toggle("afn-pinned", pinned);
    span.setAttribute("aria-describedby", this.el.id);
    const info = describe(this.view, span, pinned);
    this.dimTok = info.dimTok;
    fillTooltip(this.el, info);
    this.el.classList.toggle("afn-tt-pinned", pinned);
    this.el.hidden = false;
    this.position();
  }

  /** Shown again for new numbers (or newly arrived dims), pinned or not as it was. */
  refresh() {
    if (this.target) this.show(this.target, this.pinned);
  }

  position() {
    const { el, target, win } = this;
    if (!target) return;
    const rects = target.getClientRects();
    const r = rects.length ? rects[0] : target.getBoundingClientRect();
    el.style.left = "0px";
    el.style.top = "0px";
    // position: fixed, but an ancestor with a transform would move the origin: measure it.
    const o = el.getBoundingClientRect();
    const p = placeTooltip(r, { left: 0, top: 0 }, o.width, o.height, win.innerWidth, win.innerHeight);
    el.style.left = `${Math.round(p.left - o.left)}px`;
    el.style.top = `${Math.round(p.top - o.top)}px`;
  }

  /** Hidden, unless pinned (force: even then). */
  hide(force = false) {
    if (this.pinned && !force) return;
    if (this.target) {
      this.target.classList.remove("afn-pinned");
      this.target.removeAttribute("aria-describedby");
    }
    this.target = null;
    this.pinned = false;
    this.dimTok = -1;
    this.el.hidden = true;
  }
}

// What the tooltip says about a text element (see fillTooltip): its strongest unit at the
// current layer, the tokens it covers, its values across layers and its top hidden dims.
function describe(view, span, pinned) {
  const { data, units, numbers, blocks } = view;
  const e = blocks.indexOf(span);
  const u = blocks.repUnit(e);
  const L = view.settings.layer;
  const cluster = membersOf(blocks.els, e);
  const toks = [];
  for (const m of cluster ? Array.from(cluster) : [u]) for (const t of units.tokensOf(m)) toks.push(t);
  const rank = numbers.rank(u);
  const series = numbers.series(u);
  // Hidden dims: of the token itself, or of the strongest token of the word.
  const dimTok = numbers.dimToken(u, L);
  const dims = dimsFor(data, view.dimStore, dimTok, L, view.requestDims);
  const multi = units.kind === "word" && units.tokensOf(u).length > 1;
  return {
    text: cluster ? span.textContent : units.surface(u),
    pieces: toks.map((t) => data.tokens[t]),
    tas: numbers.values[u],
    layer: L,
    nLayers: data.nLayers,
    rank,
    nEligible: numbers.nEligible,
    percentile: percentileOf(rank, numbers.nEligible),
    bucket: BUCKET_NAME[numbers.buckets[u]],
    role: units.roles[u],
    series,
    thresholds: numbers.eligible[u] ? numbers.thresholds() : null,
    dims: dims.dims || [],
    dimsPending: !!dims.pending,
    dimsError: dims.error,
    dimsOf: multi ? data.tokens[dimTok] : "",
    dimTok,
    pinned,
  };
}
