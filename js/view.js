// The view: DOM for one widget instance. Everything lives in this closure (no globals), so any
// number of views can share a page. User and token text only ever goes through textContent or
// createTextNode, never innerHTML.
import { CSS, NO_COLOR, colorIndex, gradientCss, scale01 } from "./colors.js";
import { unitsOf } from "./data.js";
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

function h(doc, tag, cls, text) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Build a view inside `el`.
 * onControl(name, value): called when the user changes a control (trait name, new value).
 * Returns {setData, setMeta, setStatus, setControl, destroy}.
 */
export function createView(el, { onControl = () => {} } = {}) {
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
  let unitEl = []; // element per unit (cluster span or pill), or null
  let navEls = []; // focusable elements in text order
  let elCount = 0;
  let elColor = null; // Int16Array: current colour index per element (-2 = unset)
  let elBucket = null; // Uint8Array: current bucket per element (255 = unset)
  let elUnits = null; // first unit per element
  let elCluster = null; // Int32Array: cluster index per element, -1 for pills
  let elMulti = null; // Uint8Array: 1 when the element holds several units
  let elBase = []; // base className per element
  let elIndex = new WeakMap(); // element -> its index in navEls
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
  let tip = { el: null, pinned: false };
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

  function buildText() {
    hideTip(true);
    const frag = doc.createDocumentFragment();
    const text = data.text;
    const items = layout.items;
    unitEl = new Array(U.count).fill(null);
    navEls = [];
    elIndex = new WeakMap();
    const reps = [];
    const cl = [];
    elBase = [];
    flashEl = null;
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      if (it.kind === "gap") {
        frag.appendChild(doc.createTextNode(it.text));
        continue;
      }
      const span = doc.createElement("span");
      if (it.kind === "cluster") {
        const c = layout.clusters[it.index];
        elBase.push("afn-tok"); // className is written by paint()
        span.textContent = text.slice(c.start, c.end);
        span.dataset.i = String(c.units[0]);
        if (c.units.length > 1) span.dataset.units = c.units.join(",");
        for (const u of c.units) unitEl[u] = span;
        reps.push(c.units[0]);
        cl.push(it.index);
      } else {
        const u = it.unit;
        elBase.push(U.special[u] ? "afn-tok afn-pill afn-special" : "afn-tok afn-pill");
        span.textContent = U.label(u);
        span.dataset.i = String(u);
        unitEl[u] = span;
        reps.push(u);
        cl.push(-1);
      }
      elIndex.set(span, navEls.length);
      navEls.push(span);
      frag.appendChild(span);
    }
    elCount = navEls.length;
    elColor = new Int16Array(elCount).fill(-2);
    elBucket = new Uint8Array(elCount).fill(255);
    elUnits = Int32Array.from(reps);
    elCluster = Int32Array.from(cl);
    elMulti = new Uint8Array(elCount);
    for (let e = 0; e < elCount; e++) {
      const k = elCluster[e];
      if (k >= 0 && clusterStart[k + 1] - clusterStart[k] > 1) elMulti[e] = 1;
    }
    rovingEl = null;
    textBox.replaceChildren(frag);
    setRoving(firstVisible());
  }

  function isVisible(span) {
    const e = elIndex.get(span);
    return e !== undefined && !(ctl.show_special === false && elBase[e].endsWith("afn-special"));
  }

  function firstVisible() {
    for (const s of navEls) if (isVisible(s)) return s;
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

  // One className write per changed span: base classes + colour class + HIGH (+ transient).
  function paint() {
    for (let e = 0; e < elCount; e++) {
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
      const bucketChanged = b !== elBucket[e];
      if (ci === elColor[e] && !bucketChanged) continue;
      const span = navEls[e];
      elColor[e] = ci;
      let cls = elBase[e];
      if (ci >= 0) cls += COLOR_CLASS[ci];
      if (b === HIGH) cls += " afn-high";
      if (span === tip.el && tip.pinned) cls += " afn-pinned";
      if (span === flashEl) cls += " afn-flash";
      span.className = cls;
      if (bucketChanged) {
        elBucket[e] = b;
        span.dataset.bucket = BUCKET_NAME[b];
      }
    }
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
    paint();
    paintHeader();
    paintRanking();
    paintFlowMarker();
    if (tip.el) showTip(tip.el, tip.pinned);
  }

  function refreshAll() {
    if (!data) {
      textBox.replaceChildren();
      rankList.replaceChildren();
      hideTip(true);
      paintControls();
      paintStatus();
      return;
    }
    ctl.layer = clampLayer(requestedLayer);
    buildUnits();
    paintControls();
    paintFlow();
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
    const dims = [];
    if (data.topDims && dimTok >= 0 && dimTok < data.nTokens) {
      const k = data.topK;
      for (let j = 0; j < k; j++) {
        const p = (L * data.nTokens + dimTok) * k + j;
        dims.push({ dim: data.topDims.getUint16(p * 2, true), share: data.topShare.getUint8(p) });
      }
    }
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
      dims,
      dimsOf: multi ? data.tokens[dimTok] : "",
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
    fillTooltip(tipEl, unitInfo(span));
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
    tip = { el: null, pinned: false };
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
      for (let j = e + d; j >= 0 && j < navEls.length; j += d) if (isVisible(navEls[j])) return navEls[j];
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
        for (let j = navEls.length - 1; j >= 0 && !next; j--) if (isVisible(navEls[j])) next = navEls[j];
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
    const span = unitEl[u];
    if (!span || !isVisible(span)) return;
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
            paintFlow();
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
            paintFlow();
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
            paintFlow();
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
            paintFlow();
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

  function destroy() {
    for (const c of cleanups.splice(0)) c();
    for (const t of timers) win.clearTimeout(t);
    timers.clear();
    root.remove();
  }

  paintControls();
  paintStatus();
  return { setData, setMeta, setStatus, setControl, destroy, root };
}
