// The view: DOM for one widget instance. Everything lives in this closure (no globals), so any
// number of views can share a page. User and token text only ever goes through textContent or
// createTextNode, never innerHTML.
import { CSS, NO_COLOR, colorIndex, gradientCss, scale01 } from "./colors.js";
import { unitsOf } from "./data.js";
import { dimsFor, dimsStore, storeReply } from "./dims.js";
import { h } from "./dom.js";
import { heatmapRGBA } from "./flow.js";
import { layoutSpans } from "./spans.js";
import {
  HIGH,
  INELIGIBLE,
  LOW,
  bucketize,
  countEligible,
  domainOf,
  fmt3,
  percentileOf,
  rankOf,
  thresholdOf,
  topK,
  unitValues,
} from "./stats.js";
import { displayText, fillTooltip, placeTooltip } from "./tooltip.js";

const BUCKET_NAME = ["LOW", "HIGH", "SPECIAL"];
const COLOR_CLASS = Array.from({ length: 256 }, (_, i) => ` afn-c${i}`);
const TOP_N = 10;
const MAX_FLOW_COLS = 1600;
// Long texts are drawn in blocks of BLOCK elements (see "deferred work"): a block is built and
// re-coloured as a whole, the blocks in view at once and the others in later tasks.
const BLOCK = 256;
// Texts of at most this many elements are built and re-coloured in one go.
const SYNC_ELEMENTS = 1500;
// A background task does blocks until it has run this long (about a frame), then yields to
// input and rendering. Longer slices mean fewer relayouts of the whole paragraph in all.
const SLICE_MS = 16;
// elCode of an element not painted yet.
const UNSET = -32768;

/**
 * Build a view inside `el`.
 * onControl(name, value): called when the user changes a control (trait name, new value).
 * requestDims(token, version): asks for a token's top hidden dims when the data carry none
 * (the answer comes back through setDims); null where nothing can answer (no dims shown).
 * Returns {setData, setMeta, setStatus, setControl, setDims, destroy}.
 */
export function createView(el, { onControl = () => {}, requestDims = null } = {}) {
  const doc = el.ownerDocument;
  const win = doc.defaultView;

  // ---------- state ----------
  const ctl = {
    layer: 0,
    quantile: 0.75,
    granularity: "token",
    show_special: false,
    include_special: false,
    word_agg: "mean",
  };
  let data = null;
  let dataError = "";
  let status = { status: "empty", progress: 0, error: "" };
  let U = null; // units of the current granularity
  let layout = null;
  let clusterStart = null; // CSR of cluster members
  let clusterUnits = null;
  let unitElem = null; // Int32Array: element index per unit, -1 for none
  let navEls = []; // the focusable elements in text order; null while its block is plain text
  let elCount = 0;
  let elCode = null; // Int16Array: painted colour index * 2 + (HIGH ? 1 : 0), UNSET before
  let elItem = null; // Int32Array: index in layout.items per element
  let elUnits = null; // first unit per element
  let elCluster = null; // Int32Array: cluster index per element, -1 for pills
  let elMulti = null; // Uint8Array: 1 when the element holds several units
  let elBase = []; // base className per element
  let elIndex = new WeakMap(); // element -> its index in navEls
  let nBlocks = 0;
  let blockNodes = []; // per block: its placeholder nodes while it is plain text, else null
  let blockHead = []; // per block: its first DOM node (to measure where the block starts)
  let blockGen = null; // Int32Array: colour generation each block was last painted at
  let gen = 0; // colour generation, one per recompute()
  let colourReady = false; // values/buckets belong to the current units
  let visRange = [0, 0]; // blocks [v0, v1) in the text box's visible area
  let visStale = false; // the text box scrolled or resized since visRange was measured
  let busy = false; // deferred work pending (textBox has aria-busy)
  let dead = false;
  let flashEl = null;
  let eligible = null;
  let nEligible = 0;
  let values = null;
  let buckets = null;
  let threshold = NaN;
  let lo = NaN;
  let hi = NaN;
  let nHigh = 0;
  let rowCache = null; // unit values per layer (lazy)
  let thrCache = null; // threshold per layer (lazy)
  let requestedLayer = 0; // the layer asked for, before clamping to the data's range
  let tip = { el: null, pinned: false, dimTok: -1 };
  let dimStore = dimsStore(); // replies to requestDims for the current data
  let rovingEl = null;
  const timers = new Set();
  const cleanups = [];

  const listen = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    cleanups.push(() => target.removeEventListener(type, fn, opts));
  };

  // ---------- skeleton ----------
  const root = h(doc, "div", "afn-root afn-hide-special afn-nodata");
  const header = h(doc, "div", "afn-header");
  const title = h(doc, "div", "afn-title");
  const brand = h(doc, "span", "afn-brand", "TAS");
  brand.title = "Token Activation Strength: L2 norm of each token's hidden state";
  const modelName = h(doc, "span", "afn-model");
  const normTag = h(doc, "span", "afn-tag");
  const note = h(doc, "span", "afn-note");
  title.append(brand, modelName, normTag, note);

  const summary = h(doc, "div", "afn-summary");
  const sumLayer = h(doc, "span", "afn-sum");
  const sumThr = h(doc, "span", "afn-sum");
  const sumHigh = h(doc, "span", "afn-sum");
  summary.append(sumLayer, sumThr, sumHigh);

  const legend = h(doc, "div", "afn-legend");
  const legendBar = h(doc, "div", "afn-legend-bar");
  legendBar.style.backgroundImage = gradientCss();
  const legendTick = h(doc, "div", "afn-legend-tick");
  legendBar.appendChild(legendTick);
  const legendLabels = h(doc, "div", "afn-legend-labels");
  const legendTop = h(doc, "div", "afn-legend-labels afn-legend-top");
  const legMin = h(doc, "span", "afn-legend-min");
  const legThr = h(doc, "span", "afn-legend-thr");
  const legMax = h(doc, "span", "afn-legend-max");
  legendTop.append(legThr); // above the bar, so it never covers min or max
  legendLabels.append(legMin, legMax);
  legend.append(legendTop, legendBar, legendLabels);
  header.append(title, summary, legend);

  const controls = h(doc, "div", "afn-controls");
  const uid = Math.random().toString(36).slice(2, 8);
  const labelled = (text, input) => {
    const l = h(doc, "label", "afn-ctl");
    l.append(h(doc, "span", "afn-ctl-label", text), input);
    return l;
  };
  const layerInput = h(doc, "input", "afn-layer");
  layerInput.type = "range";
  layerInput.min = "0";
  layerInput.step = "1";
  layerInput.setAttribute("aria-label", "layer");
  const layerOut = h(doc, "output", "afn-layer-out");
  const layerLabel = labelled("Layer", layerInput);
  layerLabel.appendChild(layerOut);
  const qInput = h(doc, "input", "afn-quantile");
  qInput.type = "number";
  qInput.min = "0.05";
  qInput.max = "0.95";
  qInput.step = "0.05";
  qInput.setAttribute("aria-label", "quantile for HIGH");
  const qLabel = labelled("Quantile", qInput);
  qLabel.title = "HIGH = value >= this quantile of the eligible values (numpy 'linear')";
  const seg = h(doc, "div", "afn-seg");
  seg.setAttribute("role", "group");
  seg.setAttribute("aria-label", "granularity");
  const segBtns = {};
  for (const [v, t] of [
    ["token", "Tokens"],
    ["word", "Words"],
  ]) {
    const b = h(doc, "button", "afn-seg-btn", t);
    b.type = "button";
    b.dataset.value = v;
    segBtns[v] = b;
    seg.appendChild(b);
  }
  const showSp = h(doc, "input", "afn-show-special");
  showSp.type = "checkbox";
  showSp.id = `afn-ss-${uid}`;
  const inclSp = h(doc, "input", "afn-include-special");
  inclSp.type = "checkbox";
  const showLabel = labelled("show specials", showSp);
  showLabel.classList.add("afn-check");
  const inclLabel = labelled("rank specials", inclSp);
  inclLabel.classList.add("afn-check");
  inclLabel.title = "let special tokens take part in the threshold and ranks";
  controls.append(layerLabel, qLabel, seg, showLabel, inclLabel);

  const statusBox = h(doc, "div", "afn-status");
  const progress = h(doc, "div", "afn-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuemax", "100");
  const progressBar = h(doc, "div", "afn-progress-bar");
  progress.appendChild(progressBar);
  const progressText = h(doc, "div", "afn-progress-text");
  const errorBox = h(doc, "div", "afn-error");
  errorBox.setAttribute("role", "alert");
  const emptyBox = h(doc, "div", "afn-empty", "Nothing analysed yet.");
  statusBox.append(progress, progressText, errorBox, emptyBox);

  const textBox = h(doc, "div", "afn-text");
  textBox.setAttribute("aria-label", "text coloured by token activation strength");

  const lower = h(doc, "div", "afn-lower");
  const flow = h(doc, "div", "afn-flow");
  const flowHead = h(doc, "div", "afn-panel-title", "Layer × token flow");
  const flowWrap = h(doc, "div", "afn-flow-wrap");
  const canvas = h(doc, "canvas", "afn-flow-canvas");
  canvas.title = "click a row to select that layer";
  const flowMarker = h(doc, "div", "afn-flow-marker");
  const flowAxis = h(doc, "div", "afn-flow-axis");
  const axisTop = h(doc, "span", null, "0");
  const axisBottom = h(doc, "span", null, "");
  flowAxis.append(axisTop, axisBottom);
  flowWrap.append(canvas, flowMarker);
  const flowRow = h(doc, "div", "afn-flow-row");
  flowRow.append(flowAxis, flowWrap);
  const flowCaption = h(doc, "div", "afn-caption", "each row scaled to its own min..max");
  flow.append(flowHead, flowRow, flowCaption);
  const ranking = h(doc, "div", "afn-ranking");
  const rankHead = h(doc, "div", "afn-panel-title", "Strongest");
  const rankList = h(doc, "ol", "afn-rank-list");
  ranking.append(rankHead, rankList);
  lower.append(flow, ranking);

  const tipEl = h(doc, "div", "afn-tooltip");
  tipEl.setAttribute("role", "tooltip");
  tipEl.id = `afn-tip-${uid}`;
  tipEl.hidden = true;

  root.append(header, controls, statusBox, textBox, lower, tipEl);
  el.appendChild(root);

  // ---------- helpers ----------
  const later = (fn, ms) => {
    const t = win.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const unitName = (n) =>
    U && U.kind === "word" ? (n === 1 ? "word" : "words") : n === 1 ? "token" : "tokens";

  function row(L) {
    if (!rowCache) rowCache = new Array(data.nLayers + 1).fill(null);
    if (!rowCache[L]) {
      rowCache[L] =
        U.kind === "token"
          ? data.norms.subarray(L * data.nTokens, (L + 1) * data.nTokens)
          : unitValues(data.norms, data.nTokens, L, U.members, ctl.word_agg);
    }
    return rowCache[L];
  }

  function thresholds() {
    if (!thrCache) {
      thrCache = new Float64Array(data.nLayers + 1);
      for (let L = 0; L <= data.nLayers; L++) thrCache[L] = thresholdOf(row(L), eligible, ctl.quantile);
    }
    return thrCache;
  }

  const clampLayer = (L) => (data ? Math.min(Math.max(L, 0), data.nLayers) : Math.max(L, 0));

  // ---------- building the text ----------
  function buildUnits() {
    U = unitsOf(data, ctl.granularity);
    layout = layoutSpans(data.text, U.ranges, U.special);
    rowCache = null;
    thrCache = null;
    // Cluster members as CSR.
    const nc = layout.clusters.length;
    clusterStart = new Int32Array(nc + 1);
    for (let k = 0; k < nc; k++) clusterStart[k + 1] = clusterStart[k] + layout.clusters[k].units.length;
    clusterUnits = new Int32Array(clusterStart[nc]);
    for (let k = 0; k < nc; k++) clusterUnits.set(layout.clusters[k].units, clusterStart[k]);
    values = new Float64Array(U.count);
    buckets = new Uint8Array(U.count);
    computeEligible();
    buildText();
  }

  function computeEligible() {
    eligible = new Uint8Array(U.count);
    for (let u = 0; u < U.count; u++) eligible[u] = !U.special[u] || ctl.include_special ? 1 : 0;
    nEligible = countEligible(eligible);
    thrCache = null;
  }

  // Elements (cluster spans and pills) in text order, as arrays; their DOM nodes are made per
  // block. Blocks in view are built now, the others start as plain text (see "deferred work").
  function buildText() {
    hideTip(true);
    const items = layout.items;
    const reps = [];
    const cl = [];
    const at = [];
    elBase = [];
    unitElem = new Int32Array(U.count).fill(-1);
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      if (it.kind === "gap") continue;
      const e = reps.length;
      if (it.kind === "cluster") {
        const c = layout.clusters[it.index];
        elBase.push("afn-tok"); // className is written by paint()
        for (const u of c.units) unitElem[u] = e;
        reps.push(c.units[0]);
        cl.push(it.index);
      } else {
        const u = it.unit;
        elBase.push(U.special[u] ? "afn-tok afn-pill afn-special" : "afn-tok afn-pill");
        unitElem[u] = e;
        reps.push(u);
        cl.push(-1);
      }
      at.push(j);
    }
    elCount = reps.length;
    elCode = new Int16Array(elCount).fill(UNSET);
    elUnits = Int32Array.from(reps);
    elCluster = Int32Array.from(cl);
    elItem = Int32Array.from(at);
    elMulti = new Uint8Array(elCount);
    for (let e = 0; e < elCount; e++) {
      const k = elCluster[e];
      if (k >= 0 && clusterStart[k + 1] - clusterStart[k] > 1) elMulti[e] = 1;
    }
    navEls = new Array(elCount).fill(null);
    elIndex = new WeakMap();
    flashEl = null;
    rovingEl = null;
    colourReady = false;
    nBlocks = Math.max(1, Math.ceil(elCount / BLOCK));
    blockNodes = new Array(nBlocks).fill(null);
    blockHead = new Array(nBlocks).fill(null);
    blockGen = new Int32Array(nBlocks).fill(-1);
    visRange = elCount <= SYNC_ELEMENTS ? [0, nBlocks] : guessVisible();
    visStale = false;
    const frag = doc.createDocumentFragment();
    for (let k = 0; k < nBlocks; k++) {
      if (k >= visRange[0] && k < visRange[1]) appendBlock(frag, k);
      else appendPlaceholder(frag, k);
    }
    textBox.replaceChildren(frag);
    setRoving(firstVisible());
  }

  // Blocks [v0, v1) were in view at the text box's last scroll position (its fraction of the
  // height; the new text has no layout yet), one block either side.
  function guessVisible() {
    const k = Math.min(nBlocks - 1, Math.floor(scrollFrac * nBlocks));
    return [Math.max(0, k - 1), Math.min(nBlocks, k + 2)];
  }

  function blockItems(k) {
    const j0 = k === 0 ? 0 : elItem[k * BLOCK];
    const j1 = k === nBlocks - 1 ? layout.items.length : elItem[(k + 1) * BLOCK];
    return [j0, j1];
  }

  function makeEl(e) {
    const span = doc.createElement("span");
    const k = elCluster[e];
    if (k >= 0) {
      const c = layout.clusters[k];
      span.textContent = data.text.slice(c.start, c.end);
      if (elMulti[e]) {
        span.dataset.units = clusterUnits.subarray(clusterStart[k], clusterStart[k + 1]).join(",");
      }
    } else {
      // a pill may wait in a plain-text block: it needs its classes (hidden special) from now
      span.className = elBase[e];
      span.textContent = U.label(elUnits[e]);
    }
    span.dataset.i = String(elUnits[e]);
    elIndex.set(span, e);
    navEls[e] = span;
    return span;
  }

  // Block k as its spans and gaps (pills made earlier for its placeholder are reused).
  function appendBlock(frag, k) {
    const items = layout.items;
    const [j0, j1] = blockItems(k);
    let e = k * BLOCK;
    const first = frag.lastChild;
    for (let j = j0; j < j1; j++) {
      const it = items[j];
      if (it.kind === "gap") frag.appendChild(doc.createTextNode(it.text));
      else {
        frag.appendChild(navEls[e] || makeEl(e));
        e++;
      }
    }
    blockHead[k] = first ? first.nextSibling : frag.firstChild;
  }

  // Block k as plain text: one text node per run between pills. It lays out exactly as its
  // spans do (.afn-tok adds no horizontal space) at a fraction of the cost; pills are real
  // elements from the start, as they are boxes of their own.
  function appendPlaceholder(frag, k) {
    const items = layout.items;
    const text = data.text;
    const [j0, j1] = blockItems(k);
    const nodes = [];
    let run = "";
    const flush = () => {
      if (!run) return;
      nodes.push(frag.appendChild(doc.createTextNode(run)));
      run = "";
    };
    let e = k * BLOCK;
    for (let j = j0; j < j1; j++) {
      const it = items[j];
      if (it.kind === "gap") run += it.text;
      else if (it.kind === "cluster") {
        const c = layout.clusters[it.index];
        run += text.slice(c.start, c.end);
        e++;
      } else {
        flush();
        nodes.push(frag.appendChild(makeEl(e++)));
      }
    }
    flush();
    blockNodes[k] = nodes;
    blockHead[k] = nodes.length ? nodes[0] : null;
  }

  // Swap block k's plain text for its spans, coloured before they are inserted (one style pass).
  function build(k) {
    const nodes = blockNodes[k];
    if (!nodes) return;
    blockNodes[k] = null;
    if (!nodes.length) return;
    const next = nodes[nodes.length - 1].nextSibling;
    const frag = doc.createDocumentFragment();
    appendBlock(frag, k);
    blockGen[k] = -1;
    paintBlock(k);
    for (const n of nodes) if (n.nodeType === 3) n.remove();
    textBox.insertBefore(frag, next);
  }

  // The element of index e, its block built and coloured first.
  function elementAt(e) {
    const k = Math.floor(e / BLOCK);
    build(k);
    paintBlock(k);
    return navEls[e];
  }

  const isShown = (e) => !(ctl.show_special === false && elBase[e].endsWith("afn-special"));

  function isVisible(span) {
    const e = elIndex.get(span);
    return e !== undefined && isShown(e);
  }

  function firstVisible() {
    for (let e = 0; e < elCount; e++) if (isShown(e)) return elementAt(e);
    return null;
  }

  function lastVisible() {
    for (let e = elCount - 1; e >= 0; e--) if (isShown(e)) return elementAt(e);
    return null;
  }

  function setRoving(span) {
    if (rovingEl === span) return;
    if (rovingEl) rovingEl.removeAttribute("tabindex");
    rovingEl = span;
    if (span) span.tabIndex = 0;
  }

  // ---------- numbers at the current layer ----------
  function recompute() {
    const L = ctl.layer;
    gen++;
    colourReady = true;
    values = U.kind === "token" ? Float64Array.from(row(L)) : row(L);
    threshold = thresholdOf(values, eligible, ctl.quantile);
    bucketize(values, eligible, threshold, buckets);
    [lo, hi] = domainOf(values, eligible);
    nHigh = 0;
    for (let u = 0; u < U.count; u++) if (buckets[u] === HIGH) nHigh++;
  }

  // Representative unit of element e: its strongest member (clusters of several units).
  function repUnit(e) {
    if (!elMulti[e]) return elUnits[e];
    const k = elCluster[e];
    let best = clusterUnits[clusterStart[k]];
    for (let p = clusterStart[k] + 1; p < clusterStart[k + 1]; p++) {
      const u = clusterUnits[p];
      if (eligible[u] > eligible[best] || (eligible[u] === eligible[best] && values[u] > values[best]))
        best = u;
    }
    return best;
  }

  // Colour block k for the current numbers, unless done already.
  function paintBlock(k) {
    if (!colourReady || blockGen[k] === gen) return;
    blockGen[k] = gen;
    paint(k * BLOCK, Math.min(elCount, (k + 1) * BLOCK));
  }

  // One className write per changed span: base classes + colour class + HIGH (+ transient).
  // The bucket is in the class (afn-high) and in the tooltip; a data attribute for it cost
  // one attribute write per span on every layer change.
  function paint(e0, e1) {
    for (let e = e0; e < e1; e++) {
      const span = navEls[e];
      if (!span) continue;
      let u = elUnits[e];
      let b = buckets[u];
      let v = values[u];
      if (elMulti[e]) {
        u = repUnit(e);
        v = values[u];
        b = INELIGIBLE;
        const k = elCluster[e];
        for (let p = clusterStart[k]; p < clusterStart[k + 1]; p++) {
          const m = buckets[clusterUnits[p]];
          if (m === HIGH) b = HIGH;
          else if (m === LOW && b !== HIGH) b = LOW;
        }
      }
      const ci = b === INELIGIBLE ? NO_COLOR : colorIndex(scale01(v, lo, hi));
      const code = ci * 2 + (b === HIGH ? 1 : 0);
      if (code === elCode[e]) continue;
      elCode[e] = code;
      let cls = elBase[e];
      if (ci >= 0) cls += COLOR_CLASS[ci];
      if (b === HIGH) cls += " afn-high";
      if (span === tip.el && tip.pinned) cls += " afn-pinned";
      if (span === flashEl) cls += " afn-flash";
      span.className = cls;
    }
  }

  // The blocks in view now (all of a short text), the others in later tasks.
  function paintText() {
    if (visStale) measureVisible();
    const [v0, v1] = elCount <= SYNC_ELEMENTS ? [0, nBlocks] : visRange;
    for (let k = v0; k < v1; k++) {
      build(k);
      paintBlock(k);
    }
    schedule(true);
  }

  // ---------- deferred work ----------
  // Building and colouring a 10k-token text is ~10k elements to create, style and lay out
  // (~300 ms): far more than a frame. Blocks out of view wait as plain text or old colours;
  // background tasks bring them up to date, nearest the view first. The text box carries
  // aria-busy until every block is built and coloured for the current numbers.
  // A MessageChannel task, not setTimeout(0), which is clamped to 4 ms when nested.
  const channel = new win.MessageChannel();
  let queued = false;
  channel.port1.onmessage = () => {
    if (!queued) return; // a second wake-up of the same request
    queued = false;
    work();
  };
  const post = () => channel.port2.postMessage(0);
  const range = doc.createRange();
  let scrollFrac = 0;

  const blockDone = (k) => !blockNodes[k] && (!colourReady || blockGen[k] === gen);

  function pending() {
    if (flowDue) return true;
    for (let k = 0; k < nBlocks; k++) if (!blockDone(k)) return true;
    return false;
  }

  function setBusy(b) {
    if (b === busy) return;
    busy = b;
    if (b) textBox.setAttribute("aria-busy", "true");
    else textBox.removeAttribute("aria-busy");
  }

  // afterFrame: start once the next frame is out, so that it shows what was just done without
  // waiting for more (rAF callbacks run before that frame; the timeout covers hidden pages,
  // which get no frames).
  function schedule(afterFrame = false) {
    const p = !dead && !!data && pending();
    setBusy(p);
    if (!p || queued) return;
    queued = true;
    if (afterFrame) {
      win.requestAnimationFrame(post);
      later(post, 250);
    } else post();
  }

  function work() {
    if (dead || !data) return;
    const t0 = win.performance.now();
    if (visStale) measureVisible();
    if (flowDue) {
      flowDue = false;
      paintFlow();
    }
    // in view, then below it, then above it
    const v0 = visRange[0];
    const order = (k) => (k < v0 ? nBlocks + k : k - v0);
    let best = -1;
    do {
      best = -1;
      for (let k = 0; k < nBlocks; k++) {
        if (!blockDone(k) && (best < 0 || order(k) < order(best))) best = k;
      }
      if (best >= 0) {
        build(best);
        paintBlock(best);
      }
    } while (best >= 0 && win.performance.now() - t0 < SLICE_MS);
    schedule();
  }

  // Top of block k's first line, relative to the viewport (NaN when it draws nothing).
  function blockTop(k) {
    for (let n = blockHead[k], hops = 0; n && hops < 4; n = n.nextSibling, hops++) {
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
  function measureVisible() {
    visStale = false;
    if (elCount <= SYNC_ELEMENTS) return;
    const box = textBox.getBoundingClientRect();
    if (!(box.height > 0)) return;
    scrollFrac = textBox.scrollHeight > 0 ? textBox.scrollTop / textBox.scrollHeight : 0;
    const top = (k) => {
      const t = blockTop(k);
      return Number.isNaN(t) ? (k === 0 ? -Infinity : top(k - 1)) : t;
    };
    let a = 0;
    let b = nBlocks - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (top(m) <= box.top) a = m;
      else b = m - 1;
    }
    let v1 = a + 1;
    while (v1 < nBlocks && top(v1) < box.bottom) v1++;
    visRange = [a, v1];
  }

  // ---------- header, legend, ranking, flow ----------
  function paintHeader() {
    const n = data.nLayers;
    sumLayer.replaceChildren(
      h(doc, "span", "afn-k", "layer "),
      Object.assign(h(doc, "b", null, `${ctl.layer}`), { title: ctl.layer === 0 ? "embeddings" : "" }),
      h(doc, "span", "afn-k", ` / ${n}`),
    );
    const thrB = h(doc, "b", null, Number.isNaN(threshold) ? "—" : fmt3(threshold));
    thrB.dataset.field = "threshold";
    sumThr.replaceChildren(
      h(doc, "span", "afn-k", `threshold (q ${+ctl.quantile.toFixed(4)}) `),
      thrB,
    );
    const nh = h(doc, "b", null, String(nHigh));
    nh.dataset.field = "n-high";
    sumHigh.replaceChildren(
      h(doc, "span", "afn-k", "HIGH "),
      nh,
      h(doc, "span", "afn-k", ` / ${nEligible} ${unitName(nEligible)}`),
    );
    legMin.textContent = Number.isNaN(lo) ? "" : fmt3(lo);
    legMax.textContent = Number.isNaN(hi) ? "" : fmt3(hi);
    const t = scale01(threshold, lo, hi);
    if (Number.isNaN(t)) {
      legendTick.hidden = true;
      legThr.textContent = "";
    } else {
      legendTick.hidden = false;
      legendTick.style.left = `${(t * 100).toFixed(2)}%`;
      legThr.textContent = `≥ ${fmt3(threshold)} HIGH`;
      legThr.style.left = `${(t * 100).toFixed(2)}%`;
      // anchor the label's nearer end at the tick so it stays inside the legend
      legThr.style.transform = t > 0.7 ? "translateX(-100%)" : t < 0.3 ? "none" : "translateX(-50%)";
    }
    layerInput.max = String(n);
    layerInput.value = String(ctl.layer);
    layerOut.textContent = String(ctl.layer);
  }

  function paintRanking() {
    rankHead.textContent = `Strongest ${unitName(2)} at layer ${ctl.layer}`;
    const best = topK(values, eligible, TOP_N);
    const top = best.length ? values[best[0]] : NaN;
    const items = best.map((u, r) => {
      const li = h(doc, "li", "afn-rank-item");
      const b = h(doc, "button", "afn-rank-btn");
      b.type = "button";
      b.dataset.i = String(u);
      const bar = h(doc, "span", "afn-rank-bar");
      const ci = colorIndex(scale01(values[u], lo, hi));
      bar.style.width = `${top > 0 ? Math.max(2, (100 * values[u]) / top).toFixed(1) : 0}%`;
      if (ci >= 0) bar.style.backgroundColor = CSS[ci];
      b.append(
        h(doc, "span", "afn-rank-n", String(r + 1)),
        h(doc, "span", "afn-rank-text", displayText(U.surface(u))),
        h(doc, "span", "afn-rank-val", fmt3(values[u])),
        bar,
      );
      if (buckets[u] === HIGH) b.classList.add("afn-is-high");
      li.appendChild(b);
      return li;
    });
    rankList.replaceChildren(...items);
  }

  let flowCols = null;
  let flowUnits = null;
  let flowDue = false; // the heatmap waits for the first background task (long texts)

  // The heatmap aggregates every layer of every unit (~20 ms at 10k tokens): for long texts it
  // is drawn in the first background task, right after the text's first frame.
  function requestFlow() {
    if (elCount <= SYNC_ELEMENTS) {
      flowDue = false;
      paintFlow();
    } else {
      flowDue = true;
      schedule(true);
    }
  }

  function paintFlow() {
    const rows = [];
    for (let L = 0; L <= data.nLayers; L++) rows.push(row(L));
    const shown = [];
    for (let u = 0; u < U.count; u++) if (ctl.show_special || !U.special[u]) shown.push(u);
    flowUnits = Int32Array.from(shown);
    const img = heatmapRGBA(rows, flowUnits, eligible, MAX_FLOW_COLS);
    flowCols = img.bounds;
    const cols = Math.max(img.cols, 1);
    canvas.width = cols;
    canvas.height = img.rows;
    const ctx = canvas.getContext("2d");
    if (ctx && img.cols > 0) ctx.putImageData(new win.ImageData(img.data, cols, img.rows), 0, 0);
    const px = Math.max(48, Math.min(img.rows * 6, 160));
    flowWrap.style.height = `${px}px`;
    axisBottom.textContent = String(data.nLayers);
    flowCaption.textContent =
      img.cols < flowUnits.length
        ? `each row scaled to its own min..max · ${flowUnits.length} ${unitName(2)} in ${img.cols} columns (max per column)`
        : "each row scaled to its own min..max · click a row to select its layer";
  }

  function paintFlowMarker() {
    const n = data.nLayers + 1;
    flowMarker.style.top = `${((100 * ctl.layer) / n).toFixed(3)}%`;
    flowMarker.style.height = `${(100 / n).toFixed(3)}%`;
  }

  function paintControls() {
    layerInput.value = String(ctl.layer);
    layerOut.textContent = String(ctl.layer);
    if (win.document.activeElement !== qInput) qInput.value = String(ctl.quantile);
    for (const v in segBtns) {
      segBtns[v].setAttribute("aria-pressed", String(ctl.granularity === v));
    }
    showSp.checked = !!ctl.show_special;
    inclSp.checked = !!ctl.include_special;
    root.classList.toggle("afn-hide-special", !ctl.show_special);
  }

  // ---------- status ----------
  function paintStatus() {
    const s = status.status;
    const computing = s === "computing";
    progress.hidden = !computing;
    progressText.hidden = !computing;
    if (computing) {
      const p = Math.max(0, Math.min(1, Number(status.progress) || 0));
      progressBar.style.width = `${(p * 100).toFixed(1)}%`;
      progress.setAttribute("aria-valuenow", String(Math.round(p * 100)));
      progressText.textContent = `computing… ${Math.round(p * 100)}%`;
    }
    const err = s === "error" ? String(status.error || "error") : dataError;
    errorBox.hidden = !err;
    errorBox.textContent = err;
    emptyBox.hidden = !!data || computing || !!err;
    root.classList.toggle("afn-busy", computing);
    root.classList.toggle("afn-nodata", !data);
  }

  // ---------- full refresh paths ----------
  function refreshLayer() {
    if (!data) return;
    recompute();
    paintText();
    paintHeader();
    paintRanking();
    paintFlowMarker();
    if (tip.el) showTip(tip.el, tip.pinned);
  }

  function refreshAll() {
    if (!data) {
      textBox.replaceChildren();
      flowDue = false;
      nBlocks = 0;
      navEls = [];
      elCount = 0;
      setBusy(false);
      rankList.replaceChildren();
      hideTip(true);
      paintControls();
      paintStatus();
      return;
    }
    ctl.layer = clampLayer(requestedLayer);
    buildUnits();
    paintControls();
    requestFlow();
    refreshLayer();
    paintStatus();
  }

  // ---------- tooltip ----------
  function unitInfo(span) {
    const e = elIndex.get(span);
    const u = repUnit(e);
    const L = ctl.layer;
    const k = elCluster[e];
    const isCluster = k >= 0;
    const members = isCluster
      ? Array.from(clusterUnits.subarray(clusterStart[k], clusterStart[k + 1]))
      : [u];
    const toks = [];
    for (const m of members) for (const t of U.tokensOf(m)) toks.push(t);
    const rank = rankOf(values, eligible, u);
    const series = new Float64Array(data.nLayers + 1);
    for (let l = 0; l <= data.nLayers; l++) series[l] = row(l)[u];
    // Hidden dims: of the token itself, or of the strongest token of the word.
    let dimTok = u;
    if (U.kind === "word") {
      const base = L * data.nTokens;
      let best = -Infinity;
      for (const t of U.tokensOf(u)) {
        if (data.norms[base + t] > best) {
          best = data.norms[base + t];
          dimTok = t;
        }
      }
    }
    const dims = dimsFor(data, dimStore, dimTok, L, requestDims);
    const multi = U.kind === "word" && U.tokensOf(u).length > 1;
    return {
      text: isCluster ? span.textContent : U.surface(u),
      pieces: toks.map((t) => data.tokens[t]),
      tas: values[u],
      layer: L,
      nLayers: data.nLayers,
      rank,
      nEligible,
      percentile: percentileOf(rank, nEligible),
      bucket: BUCKET_NAME[buckets[u]],
      role: U.roles[u],
      series,
      thresholds: eligible[u] ? thresholds() : null,
      dims: dims.dims || [],
      dimsPending: !!dims.pending,
      dimsError: dims.error,
      dimsOf: multi ? data.tokens[dimTok] : "",
      dimTok,
      pinned: tip.pinned,
    };
  }

  function showTip(span, pinned = false) {
    if (!data || !span || !span.isConnected) return;
    if (tip.el && tip.el !== span) tip.el.classList.remove("afn-pinned");
    tip.el = span;
    tip.pinned = pinned;
    span.classList.toggle("afn-pinned", pinned);
    span.setAttribute("aria-describedby", tipEl.id);
    const info = unitInfo(span);
    tip.dimTok = info.dimTok;
    fillTooltip(tipEl, info);
    tipEl.classList.toggle("afn-tt-pinned", pinned);
    tipEl.hidden = false;
    positionTip();
  }

  function positionTip() {
    if (!tip.el) return;
    const rects = tip.el.getClientRects();
    const r = rects.length ? rects[0] : tip.el.getBoundingClientRect();
    tipEl.style.left = "0px";
    tipEl.style.top = "0px";
    // position: fixed, but an ancestor with a transform would move the origin: measure it.
    const o = tipEl.getBoundingClientRect();
    const p = placeTooltip(r, { left: 0, top: 0 }, o.width, o.height, win.innerWidth, win.innerHeight);
    tipEl.style.left = `${Math.round(p.left - o.left)}px`;
    tipEl.style.top = `${Math.round(p.top - o.top)}px`;
  }

  function hideTip(force = false) {
    if (tip.pinned && !force) return;
    if (tip.el) {
      tip.el.classList.remove("afn-pinned");
      tip.el.removeAttribute("aria-describedby");
    }
    tip = { el: null, pinned: false, dimTok: -1 };
    tipEl.hidden = true;
  }

  // ---------- interactions ----------
  const tokOf = (target) => {
    const t = target && target.closest ? target.closest(".afn-tok") : null;
    return t && elIndex.has(t) ? t : null;
  };

  listen(textBox, "mouseover", (ev) => {
    const t = tokOf(ev.target);
    if (t && !tip.pinned && t !== tip.el) showTip(t);
  });
  listen(textBox, "mouseout", (ev) => {
    const to = tokOf(ev.relatedTarget);
    if (!to && !tip.pinned && tip.el && doc.activeElement !== tip.el) hideTip();
  });
  listen(textBox, "focusin", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    setRoving(t);
    if (!tip.pinned) showTip(t);
  });
  listen(textBox, "focusout", (ev) => {
    if (!tokOf(ev.relatedTarget) && !tip.pinned) hideTip();
  });
  listen(textBox, "click", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    if (tip.pinned && tip.el === t) {
      tip.pinned = false;
      showTip(t, false);
    } else showTip(t, true);
  });
  listen(textBox, "keydown", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    const e = elIndex.get(t);
    let next = null;
    const step = (d) => {
      for (let j = e + d; j >= 0 && j < elCount; j += d) if (isShown(j)) return elementAt(j);
      return null;
    };
    switch (ev.key) {
      case "ArrowRight":
      case "ArrowDown":
        next = step(1);
        break;
      case "ArrowLeft":
      case "ArrowUp":
        next = step(-1);
        break;
      case "Home":
        next = firstVisible();
        break;
      case "End":
        next = lastVisible();
        break;
      case "Enter":
      case " ":
        ev.preventDefault();
        if (tip.pinned && tip.el === t) showTip(t, false);
        else showTip(t, true);
        return;
      default:
        return;
    }
    ev.preventDefault();
    if (next) {
      const wasPinned = tip.pinned;
      setRoving(next);
      next.focus();
      if (wasPinned) showTip(next, true);
    }
  });
  listen(doc, "keydown", (ev) => {
    if (ev.key === "Escape" && tip.el) hideTip(true);
  });
  listen(doc, "pointerdown", (ev) => {
    if (tip.pinned && !root.contains(ev.target)) hideTip(true);
  });
  listen(
    doc,
    "scroll",
    () => {
      if (tip.el) (tip.pinned ? positionTip : () => hideTip())();
    },
    { capture: true, passive: true },
  );

  // Scrolling or a new width brings other blocks into view: measure again before using them.
  listen(
    textBox,
    "scroll",
    () => {
      visStale = true;
      if (textBox.scrollHeight > 0) scrollFrac = textBox.scrollTop / textBox.scrollHeight;
    },
    { passive: true },
  );
  if (win.ResizeObserver) {
    const ro = new win.ResizeObserver(() => {
      visStale = true;
    });
    ro.observe(textBox);
    cleanups.push(() => ro.disconnect());
  }

  // Controls (user side): apply at once, then tell the model.
  listen(layerInput, "input", () => setControl("layer", +layerInput.value, true));
  listen(qInput, "change", () => {
    const q = parseFloat(qInput.value);
    if (q > 0 && q < 1) setControl("quantile", q, true);
    else qInput.value = String(ctl.quantile);
  });
  listen(qInput, "input", () => {
    const q = parseFloat(qInput.value);
    if (q > 0 && q < 1) setControl("quantile", q, true);
  });
  listen(seg, "click", (ev) => {
    const b = ev.target.closest && ev.target.closest(".afn-seg-btn");
    if (b) setControl("granularity", b.dataset.value, true);
  });
  listen(showSp, "change", () => setControl("show_special", showSp.checked, true));
  listen(inclSp, "change", () => setControl("include_special", inclSp.checked, true));

  listen(rankList, "click", (ev) => {
    const b = ev.target.closest && ev.target.closest(".afn-rank-btn");
    if (b) reveal(+b.dataset.i, true);
  });

  const flowPos = (ev) => {
    const r = canvas.getBoundingClientRect();
    if (!data || r.height <= 0 || r.width <= 0) return null;
    const L = Math.min(data.nLayers, Math.max(0, Math.floor(((ev.clientY - r.top) / r.height) * (data.nLayers + 1))));
    const cols = flowCols ? flowCols.length - 1 : 0;
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((ev.clientX - r.left) / r.width) * cols)));
    const u = cols > 0 ? flowUnits[flowCols[c]] : -1;
    return { L, u };
  };
  listen(canvas, "click", (ev) => {
    const p = flowPos(ev);
    if (!p) return;
    setControl("layer", p.L, true);
    if (p.u >= 0) reveal(p.u, false);
  });
  listen(canvas, "mousemove", (ev) => {
    const p = flowPos(ev);
    if (!p || p.u < 0) return;
    flowCaption.textContent = `layer ${p.L} · “${displayText(U.surface(p.u))}” · ${fmt3(row(p.L)[p.u])} · click to select layer`;
  });

  function reveal(u, focus) {
    const e = unitElem ? unitElem[u] : -1;
    if (!(e >= 0) || !isShown(e)) return;
    const span = elementAt(e);
    span.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (flashEl) flashEl.classList.remove("afn-flash");
    void span.offsetWidth; // restart the animation
    span.classList.add("afn-flash");
    flashEl = span;
    later(() => {
      span.classList.remove("afn-flash");
      if (flashEl === span) flashEl = null;
    }, 1600);
    if (focus) {
      setRoving(span);
      span.focus({ preventScroll: true });
    }
  }

  // ---------- public ----------
  function setControl(name, value, fromUser = false) {
    switch (name) {
      case "layer": {
        if (!Number.isInteger(value)) return;
        requestedLayer = value;
        const L = clampLayer(value);
        const changed = L !== ctl.layer;
        ctl.layer = L;
        if (changed) refreshLayer();
        else if (data) paintHeader(); // snap the slider back after a clamp
        if (fromUser) onControl("layer", L);
        return;
      }
      case "quantile": {
        const q = Number(value);
        if (!(q > 0 && q < 1)) return;
        if (q !== ctl.quantile) {
          ctl.quantile = q;
          thrCache = null;
          refreshLayer();
        }
        if (doc.activeElement !== qInput) qInput.value = String(q);
        if (fromUser) onControl("quantile", q);
        return;
      }
      case "granularity": {
        if (value !== "token" && value !== "word") return;
        if (value !== ctl.granularity) {
          ctl.granularity = value;
          paintControls();
          if (data) {
            buildUnits();
            requestFlow();
            refreshLayer();
          }
        }
        if (fromUser) onControl("granularity", value);
        return;
      }
      case "show_special": {
        const v = !!value;
        if (v !== ctl.show_special) {
          ctl.show_special = v;
          paintControls();
          if (data) {
            if (rovingEl && !isVisible(rovingEl)) setRoving(firstVisible());
            if (tip.el && !isVisible(tip.el)) hideTip(true);
            requestFlow();
          }
        }
        if (fromUser) onControl("show_special", v);
        return;
      }
      case "include_special": {
        const v = !!value;
        if (v !== ctl.include_special) {
          ctl.include_special = v;
          paintControls();
          if (data) {
            computeEligible();
            requestFlow();
            refreshLayer();
          }
        }
        if (fromUser) onControl("include_special", v);
        return;
      }
      case "word_agg": {
        if (value !== "mean" && value !== "max") return;
        if (value !== ctl.word_agg) {
          ctl.word_agg = value;
          if (data && U.kind === "word") {
            rowCache = null;
            thrCache = null;
            requestFlow();
            refreshLayer();
          }
        }
        return;
      }
      default:
    }
  }

  function setData(result) {
    if (result.stale) {
      // The new text's analysis is on its way: keep the current picture until it lands.
      dataError = "";
      paintStatus();
      return;
    }
    data = result.data || null;
    dimStore = dimsStore();
    dataError = result.error ? `Cannot show this state: ${result.error}` : "";
    refreshAll();
  }

  function setMeta({ model_name, note: noteText, normalize }) {
    modelName.textContent = model_name ? String(model_name) : "";
    normTag.textContent = normalize ? `norm: ${normalize}` : "";
    normTag.hidden = !normalize;
    note.textContent = noteText ? String(noteText) : "";
    note.hidden = !noteText;
  }

  function setStatus(s) {
    status = { ...status, ...s };
    paintStatus();
  }

  // A reply to requestDims: kept if it is for the current data, and shown at once when the
  // tooltip is waiting for it.
  function setDims(msg) {
    const t = storeReply(dimStore, data, msg);
    if (t >= 0 && tip.el && tip.dimTok === t) showTip(tip.el, tip.pinned);
  }

  function destroy() {
    dead = true;
    channel.port1.close();
    for (const c of cleanups.splice(0)) c();
    for (const t of timers) win.clearTimeout(t);
    timers.clear();
    root.remove();
  }

  paintControls();
  paintStatus();
  return { setData, setMeta, setStatus, setControl, setDims, destroy, root };
}
