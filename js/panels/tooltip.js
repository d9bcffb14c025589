// The tooltip box: which element it describes, whether it is pinned, where it sits. What it
// says is built by tooltip.js.
import { dimsFor } from "../dims.js";
import { h } from "../dom.js";
import { membersOf } from "../elements.js";
import { BUCKET_NAMES, percentileOf } from "../stats.js";
import { anchorIn, fillTooltip, hintText, intersect, placeTooltip } from "../tooltip.js";
import { chatRoleOf, writerScores, writtenLabel } from "../written.js";

// The first of `toks` with a massive activation at layer L ({dim, value, token}), or null.
function massiveOf(data, toks, L) {
  if (!data.massiveAt) return null;
  for (const t of toks) {
    const m = data.massiveInfo.get(L * data.nTokens + t);
    if (m) return { dim: m[0], value: m[1], token: toks.length > 1 ? data.pieces[t] : "" };
  }
  return null;
}

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
    this.clips = []; // the target's ancestors that clip it (scroll boxes: the text's, the page's)
  }

  /** The element whose tooltip is pinned, or null. */
  get pinnedEl() {
    return this.pinned ? this.target : null;
  }

  show(span, pinned = false) {
    if (!this.view.data || !span || !span.isConnected) return;
    if (this.target && this.target !== span) this.target.classList.remove("afn-pinned");
    if (this.target !== span) {
      this.clips = ancestors(span, (st) => st.overflowX !== "visible" || st.overflowY !== "visible");
    }
    this.target = span;
    this.pinned = pinned;
    span.classList.toggle("afn-pinned", pinned);
    span.setAttribute("aria-describedby", this.el.id);
    const info = describe(this.view, span, pinned);
    this.dimTok = info.dimTok;
    fillTooltip(this.el, info);
    this.el.classList.remove("afn-tt-away"); // position() says again whether it is
    this.el.classList.toggle("afn-tt-pinned", pinned);
    this.el.hidden = false;
    this.position();
    if (this.view.onHover) this.view.onHover(this.view.blocks.unitsAt(span));
  }

  /** Shown again for new numbers (or newly arrived dims), pinned or not as it was. */
  refresh() {
    if (this.target) this.show(this.target, this.pinned);
  }

  // Below (or above) the target. A pinned one whose target has scrolled out of sight waits,
  // whole, at the edge of what is in sight; where it cannot be whole there (a host that clips
  // the target's cell, as JupyterLab does with cells out of sight), it is hidden until its
  // target is back. It stays pinned either way.
  position() {
    const { el, target, win } = this;
    if (!target) return;
    this.checkSoon();
    const rects = target.getClientRects();
    let r = rects.length ? rects[0] : target.getBoundingClientRect();
    let away = false;
    if (this.pinned) ({ rect: r, away } = anchorIn(r, this.inSight()));
    el.style.left = "0px";
    el.style.top = "0px";
    // position: fixed, but an ancestor with a transform would move the origin: measure it.
    const o = el.getBoundingClientRect();
    const room = this.drawable();
    const usable = room.right - room.left > 40 && room.bottom - room.top > 40;
    const [vw, vh] = [win.innerWidth, win.innerHeight];
    const p = placeTooltip(r, { left: 0, top: 0 }, o.width, o.height, vw, vh, 6, usable ? room : null);
    el.style.left = `${Math.round(p.left - o.left)}px`;
    el.style.top = `${Math.round(p.top - o.top)}px`;
    this.placed = { left: Math.round(p.left), top: Math.round(p.top) };
    const whole = usable && p.top >= room.top - 1 && p.top + o.height <= room.bottom + 1;
    el.style.visibility = away && !whole ? "hidden" : "";
    this.markAway(away);
  }

  markAway(away) {
    const el = this.el;
    if (el.classList.contains("afn-tt-away") === away) return;
    el.classList.toggle("afn-tt-away", away);
    const hint = el.querySelector(".afn-tt-hint");
    if (hint) hint.textContent = hintText(this.pinned, away);
  }

  // Placed again if it has moved by itself since: an ancestor that starts or stops containing
  // fixed boxes moves it (JupyterLab's cells are content-visibility: auto, contained once out
  // of sight) after the scroll that caused it, in a later frame.
  checkSoon() {
    if (this.checking) return;
    this.checking = true;
    const { win } = this;
    const frame = (fn) => (win.requestAnimationFrame ? win.requestAnimationFrame(fn) : win.setTimeout(fn, 16));
    frame(() =>
      frame(() => {
        this.checking = false;
        if (!this.target || this.el.hidden || !this.placed) return;
        const b = this.el.getBoundingClientRect();
        if (Math.abs(b.left - this.placed.left) > 1 || Math.abs(b.top - this.placed.top) > 1) this.position();
      }),
    );
  }

  // The part of the viewport the tooltip can be drawn in: ancestors with paint containment clip
  // even a fixed box (JupyterLab's notebook is contain: strict, its cells out of sight
  // contain: content).
  drawable() {
    const { win } = this;
    let area = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
    const walls = ancestors(this.el, (st) => /paint|content|strict/.test(st.contain || ""));
    for (const c of walls) area = intersect(area, c.getBoundingClientRect());
    return area;
  }

  // The part of the viewport the target's scroll boxes let through, from the outermost in; a
  // box scrolled out of sight itself (the text's, say) leaves the area of the box around it.
  inSight() {
    const { win } = this;
    let area = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
    for (let i = this.clips.length - 1; i >= 0; i--) {
      if (!this.clips[i].isConnected) continue;
      const next = intersect(area, this.clips[i].getBoundingClientRect());
      if (!(next.right > next.left && next.bottom > next.top)) break;
      area = next;
    }
    return area;
  }

  /** Hidden, unless pinned (force: even then). */
  hide(force = false) {
    if (this.pinned && !force) return;
    if (this.target) {
      this.target.classList.remove("afn-pinned");
      this.target.removeAttribute("aria-describedby");
    }
    const had = this.target;
    this.target = null;
    this.pinned = false;
    this.dimTok = -1;
    this.el.hidden = true;
    if (had && this.view.onHover) this.view.onHover(null);
  }
}

// The ancestors of `e` whose computed style passes `test`, nearest first: those that clip it
// (overflow other than visible) or that clip even its fixed boxes (paint containment). The
// body's overflow is the viewport's, which the areas start from.
function ancestors(e, test) {
  const doc = e.ownerDocument;
  const win = doc.defaultView;
  const out = [];
  for (let a = e.parentElement; a && a !== doc.body && a !== doc.documentElement; a = a.parentElement) {
    if (test(win.getComputedStyle(a))) out.push(a);
  }
  return out;
}

// What the tooltip says about a text element (see fillTooltip): its strongest unit at the
// current layer, the tokens it covers (as a reader sees them: data.pieces), its values across
// layers and its top hidden dims.
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
    pieces: toks.map((t) => data.pieces[t]),
    score: view.score,
    tas: numbers.values[u],
    layer: L,
    nLayers: data.nLayers,
    rank,
    nEligible: numbers.nEligible,
    percentile: percentileOf(rank, numbers.nEligible),
    bucket: BUCKET_NAMES[numbers.buckets[u]],
    undefinedNote: numbers.note(view.score),
    role: units.roles[u],
    massive: massiveOf(data, toks, L),
    series,
    thresholds: numbers.eligible[u] ? numbers.thresholds() : null,
    dims: dims.dims || [],
    dimsPending: !!dims.pending,
    dimsError: dims.error,
    dimsOf: multi ? data.pieces[dimTok] : "",
    dimTok,
    pinned,
    // a text a decoder wrote: which step wrote it, its chat role, the LM head's other scores
    written: writtenLabel(data.generated, toks),
    chatRole: chatRoleOf(data, toks),
    writer: writerScores(data, units.tokensOf(u), L, view.settings.word_agg, numbers.scoreName),
  };
}
