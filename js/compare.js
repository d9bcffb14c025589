// AFNCompare's panes: two analyses (two texts, or one text and two models) side by side. Each
// pane is an ordinary view (connectPane) over a stand-in model that reads the pane's data from
// pane_a / pane_b and its settings from the shared traits: one set of controls (the first
// pane's), the second pane at the layer of the same relative depth (layer_map). The units that
// differ (a minimal pair's) are marked in both, hovering a unit marks its counterpart, and the
// header says how the HIGH sets overlap through the alignment.
import { panesNote } from "./panes.js";
import { connectPane } from "./connect.js";
import { askOnce } from "./resend.js";

const SHARED = [
  "quantile",
  "granularity",
  "show_special",
  "include_special",
  "score",
  "word_agg",
  "controls",
];

/**
 * A stand-in model for pane `key` ("a" or "b") of `model`: get/set/on/off/save_changes/send as
 * anywidget's, the pane's data from `pane_${key}`, the settings from `model`.
 */
export function paneModel(model, key) {
  const dataTrait = `pane_${key}`;
  const layerOf = () => {
    const L = model.get("layer");
    if (key === "a") return L;
    const map = model.get("layer_map") || [];
    return Number.isInteger(map[L]) ? map[L] : L;
  };
  const get = (n) => {
    if (n === "layer") return layerOf();
    if (n === "compare_score") return "";
    if (SHARED.includes(n)) return model.get(n);
    const data = model.get(dataTrait) || {};
    if (n === "status") return "ready";
    if (n === "progress") return 1;
    if (n === "error") return "";
    return data[n];
  };
  const listening = []; // [event, fn, the event on model, the listener on model]
  return {
    get,
    set(n, v) {
      if (n === "layer" && key === "b") return; // the first pane's slider drives both
      if (!SHARED.includes(n) && n !== "layer") return; // normalize: fixed when it was made
      model.set(n, v);
    },
    save_changes: () => model.save_changes(),
    send: () => {}, // the top dimensions travel with the data, or not at all
    on(ev, fn) {
      if (!ev.startsWith("change:")) return;
      const n = ev.slice("change:".length);
      const source = n === "layer" || SHARED.includes(n) ? n : dataTrait;
      const cb = () => fn(this, get(n));
      listening.push([ev, fn, `change:${source}`, cb]);
      model.on(`change:${source}`, cb);
    },
    off(ev, fn) {
      for (let k = listening.length - 1; k >= 0; k--) {
        const [e, f, real, cb] = listening[k];
        if (e === ev && f === fn) {
          model.off(real, cb);
          listening.splice(k, 1);
        }
      }
    },
  };
}

// The units of pane `key` to mark as differing, at the pane's granularity.
function differing(model, key, pane) {
  const words = model.get(`differ_${key}`) || [];
  if (!pane.units || pane.units.kind === "word") return words;
  const set = new Set(words);
  const wordOf = pane.data.wordOf;
  const out = [];
  for (let t = 0; t < wordOf.length; t++) if (set.has(wordOf[t])) out.push(t);
  return out;
}

// a's unit -> b's (an array, -1 for none) at the granularity shown.
function matchOf(model, pane) {
  const tokens = pane.units && pane.units.kind === "token";
  return model.get(tokens ? "token_match" : "word_match") || [];
}

function inverse(match, n) {
  const out = new Array(n).fill(-1);
  match.forEach((v, u) => {
    if (v >= 0 && v < n && out[v] < 0) out[v] = u;
  });
  return out;
}

/**
 * Connect an AFNCompare model to `el`; returns the cleanup. kernel: a kernel answers the
 * request for the panes' data again, when their bytes were lost on the way (resend.js).
 */
export function connectCompare(model, el, { kernel = false } = {}) {
  const doc = el.ownerDocument;
  const host = doc.createElement("div");
  host.className = "afn-panes afn-two afn-compare";
  el.append(host);
  const boxes = ["a", "b"].map(() => {
    const box = doc.createElement("div");
    box.className = "afn-pane";
    host.appendChild(box);
    return box;
  });
  const panes = {};
  const hover = (from) => (units) => {
    const to = from === "a" ? panes.b : panes.a;
    if (!to) return;
    const pane = panes[from].view;
    let match = matchOf(model, pane);
    if (from === "b") match = inverse(match, (to.view.units && to.view.units.count) || 0);
    to.view.markUnits(units ? units.map((u) => match[u]).filter((v) => v >= 0) : null, "afn-linked");
  };
  // a notice both analyses share (the offline fallback) is said once, in the first pane
  const notes = () => {
    const note = (key) => (model.get(`pane_${key}`) || {}).note || "";
    host.classList.toggle("afn-one-note", note("a") === note("b"));
  };
  model.on("change:pane_a", notes);
  model.on("change:pane_b", notes);
  notes();
  const refresh = () => {
    if (!panes.a || !panes.b) return;
    const a = panes.a.view;
    const b = panes.b.view;
    // how the panes are matched (said by Python), then how their HIGH sets overlap
    const how = model.get("compare_note") || "";
    const overlap = panesNote(a, b, matchOf(model, a));
    const text = how && overlap ? `${how}. ${overlap}` : how || overlap;
    a.setPaneNote(text);
    b.setPaneNote(text);
    for (const [key, pane] of [["a", a], ["b", b]]) {
      if (pane.data) pane.markUnits(differing(model, key, pane), "afn-diff");
    }
  };
  const askData = kernel ? askOnce((msg) => model.send(msg)) : null;
  for (const [k, box] of [["a", boxes[0]], ["b", boxes[1]]]) {
    const options = { follows: k === "b", onHover: hover(k), askData };
    panes[k] = connectPane(paneModel(model, k), box, options);
    panes[k].view.root.classList.add(`afn-pane-${k}`);
    panes[k].view.onRefresh(refresh);
  }
  refresh();
  return () => {
    model.off("change:pane_a", notes);
    model.off("change:pane_b", notes);
    panes.a.cleanup();
    panes.b.cleanup();
    host.remove();
  };
}
