// The view: one widget instance's DOM, as parts that own their state (the panels, the text's
// blocks, the tooltip, the background work), coordinated here. Nothing global, so any number
// of views can share a page. User and token text only ever goes through textContent or
// createTextNode, never innerHTML.
import { Background } from "./background.js";
import { CONTROLS, DEFAULT_SETTINGS, SCORE_INFO } from "./controls.js";
import { unitNoun, unitsOf } from "./data.js";
import { dimsStore, storeReply } from "./dims.js";
import { Scope, h } from "./dom.js";
import { keepKeys } from "./keys.js";
import { UnitNumbers } from "./numbers.js";
import { Classroom } from "./panels/classroom.js";
import { ControlBar } from "./panels/control_bar.js";
import { Header, scoreName } from "./panels/header.js";
import { Heatmap } from "./panels/heatmap.js";
import { Ranking } from "./panels/ranking.js";
import { RoleFilter } from "./panels/roles.js";
import { StatusPanel } from "./panels/status.js";
import { Tooltip } from "./panels/tooltip.js";
import { WritingPanel } from "./panels/writing.js";
import { SCORES } from "./registry.js";
import { layoutSpans } from "./spans.js";
import { HIGH } from "./stats.js";
import { TextBlocks } from "./text_blocks.js";
import { listenText } from "./text_events.js";
import { writtenUnits } from "./written.js";

// Whether a scroll box is scrolled to its end (or cannot scroll).
const atEnd = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 4;

// The scores of the token alone, not of a layer (the LM head's): the same at every layer.
const LAYER_FREE = new Set(SCORES.filter((s) => s.per_layer === false).map((s) => s.name));

/**
 * Build a view inside `el`.
 * onControl(name, value): called when the user changes a control (trait name, new value).
 * requestDims(token, version): asks for a token's top hidden dims when the data carry none
 * (the answer comes back through setDims); null where nothing can answer (no dims shown).
 * Returns {setData, setMeta, setStatus, setControl, setDims, destroy, root}.
 */
export function createView(el, { onControl = () => {}, requestDims = null, onHover = null } = {}) {
  const view = new View(el, onControl, requestDims, onHover);
  return {
    setData: (result) => view.setData(result),
    setMeta: (meta) => view.setMeta(meta),
    setStatus: (s) => view.setStatus(s),
    setControl: (name, value) => view.setControl(name, value),
    setDims: (msg) => view.setDims(msg),
    destroy: () => view.destroy(),
    // for panes side by side (panes.js): the HIGH units at the current layer, a unit marked
    // from the other pane, a note in the header, and a callback for every redraw
    highUnits: () => view.highUnits(),
    markUnits: (units, cls) => view.blocks.markUnits(units, cls),
    setPaneNote: (text) => view.header.setPaneNote(text),
    onRefresh: (fn) => {
      view.refreshed = fn;
    },
    get units() {
      return view.units;
    },
    get data() {
      return view.data;
    },
    get settings() {
      return view.settings;
    },
    get score() {
      return view.score;
    },
    noun: (n) => view.noun(n),
    root: view.root,
  };
}

// What the parts read from here: data (readData's, null for none), units (unitsOf at the
// current granularity), numbers (UnitNumbers of those units), settings, blocks, dimStore,
// score (the scores' name: "TAS" unless Python names them).
class View {
  constructor(el, onControl, requestDims, onHover) {
    const doc = el.ownerDocument;
    this.onControl = onControl;
    this.requestDims = requestDims;
    this.settings = { ...DEFAULT_SETTINGS };
    this.requestedLayer = 0; // the layer asked for, before clamping to the data's range
    this.data = null;
    this.dataError = "";
    this.units = null;
    this.numbers = null;
    this.dimStore = dimsStore(); // replies to requestDims for the current data
    this.noun = (n) => unitNoun(this.units, n);
    this.score = "TAS"; // the name of the score shown
    this.tasName = "TAS"; // what Python calls the norms (score_name: from_scores names them)
    this.refreshed = null; // called after each redraw of the numbers (panes side by side)
    this.onHover = onHover;
    const scope = new Scope(doc.defaultView);
    this.scope = scope;
    const uid = Math.random().toString(36).slice(2, 8);
    this.header = new Header(doc);
    this.bar = new ControlBar(doc, scope, uid, this.settings, (n, v) => this.setControl(n, v, true));
    // the Stop button: writing = false stops the model (Python's afn_widget.watch)
    this.status = new StatusPanel(doc, scope, () => this.setControl("writing", false, true));
    this.writing = new WritingPanel(doc);
    this.tip = new Tooltip(doc, uid, this);
    this.blocks = new TextBlocks(doc, scope, this.settings, () => this.tip.pinnedEl);
    this.heatmap = new Heatmap(doc, scope, this);
    this.ranking = new Ranking(doc, scope, (u) => this.reveal(u, true));
    this.root = h(doc, "div", "afn-root afn-hide-special afn-nodata");
    this.roles = new RoleFilter(doc, scope, this.root);
    const lower = h(doc, "div", "afn-lower");
    lower.append(this.heatmap.el, this.ranking.el);
    const parts = [this.bar.el, this.roles.el, lower];
    this.classroom = new Classroom(doc, scope, uid, this.root, this.bar.layer.parentElement, parts);
    this.root.append(
      this.header.el, this.bar.el, this.classroom.el, this.status.el, this.roles.el, this.writing.el,
      this.blocks.el, lower, this.tip.el,
    );
    el.appendChild(this.root);
    listenText(scope, this.root, this.blocks, this.tip);
    keepKeys(scope, this.root, () => {
      if (!this.tip.target) return false;
      this.tip.hide(true);
      return true;
    });
    this.work = new Background(doc.defaultView, scope, this.blocks.el, {
      active: () => !!this.data,
      pending: () => this.heatmap.due || this.blocks.pending(),
      run: (hasTime) => this.runBackground(hasTime),
    });
    this.paintControls();
    this.paintStatus();
  }

  // ---------- settings ----------
  /** A setting from the model, or from the user (fromUser: reported back with onControl). */
  setControl(name, value, fromUser = false) {
    const control = Object.prototype.hasOwnProperty.call(CONTROLS, name) ? CONTROLS[name] : null;
    const v = control ? control.parse(value) : undefined;
    if (v === undefined) return;
    const shown = control.apply(this, v);
    if (fromUser) this.onControl(name, shown);
  }

  /** Set a setting; whether it changed. */
  change(name, value) {
    if (this.settings[name] === value) return false;
    this.settings[name] = value;
    return true;
  }

  /** Set a setting shown by the controls: repaint them and, with data, redraw(). */
  changeAndRedraw(name, value, redraw) {
    if (this.change(name, value)) {
      this.paintControls();
      if (this.data) redraw();
    }
    return value;
  }

  clampLayer(L) {
    return this.data ? Math.min(Math.max(L, 0), this.data.nLayers) : Math.max(L, 0);
  }

  // granularity
  rebuild() {
    this.buildUnits();
    this.requestFlow();
    this.refreshLayer();
  }

  // show_special
  specialsShown() {
    this.blocks.specialsShown();
    if (this.tip.target && !this.blocks.isVisible(this.tip.target)) this.tip.hide(true);
    this.requestFlow();
  }

  // writing: the model writes while true; false from the Stop button stops it
  writingChanged(w) {
    if (this.change("writing", w)) this.paintStatus();
    return w;
  }

  // include_special
  eligibilityChanged() {
    this.numbers.computeEligible();
    this.requestFlow();
    this.refreshLayer();
  }

  // word_agg
  aggregationChanged() {
    this.numbers.forgetRows();
    this.requestFlow();
    this.refreshLayer();
  }

  // score: the same units, another score's values (no new data)
  // An open tooltip draws the new score at every layer (its sparkline and thresholds): for a
  // long text, once the new colours are out.
  scoreChanged() {
    this.nameScore();
    this.numbers.setScore();
    this.requestFlow();
    this.refreshLayer(!this.blocks.deferred);
    if (this.blocks.deferred && this.tip.target) {
      const win = this.root.ownerDocument.defaultView;
      win.requestAnimationFrame(() => this.scope.later(() => this.tip.refresh(), 0));
    }
  }

  /** The shown score's name and description, said by the badge, legend, text, ranking and
   * heatmap. */
  nameScore() {
    const key = this.data && this.data.scores.has(this.settings.score) ? this.settings.score : "tas";
    const name = key === "tas" ? this.tasName : SCORE_INFO[key].label;
    const title = key === "tas" && this.tasName !== "TAS" ? "" : SCORE_INFO[key].title;
    this.header.setScore(name, title, this.settings.normalize);
    const free = LAYER_FREE.has(key) ? `${name}: one value per token, the same at every layer` : "";
    this.header.legend.setLayerNote(free && `${free} (the layer slider does not change it)`);
    if (name !== this.score) {
      this.score = name;
      this.blocks.setScoreName(name);
    }
    this.paintPlain();
  }

  /** Classroom mode's sentence: what colour and outline mean at these settings. */
  paintPlain() {
    this.classroom.paint(this.score, this.noun(1), this.settings.quantile);
  }

  /** The HIGH units at the current layer (a Set; empty without data). */
  highUnits() {
    const out = new Set();
    if (!this.data || !this.numbers.ready) return out;
    const b = this.numbers.buckets;
    for (let u = 0; u < b.length; u++) if (b[u] === HIGH) out.add(u);
    return out;
  }

  // ---------- drawing ----------
  // extend: the data may begin as those drawn (a model writing): what both share stays drawn,
  // and an open tooltip stays open on it
  buildUnits(extend = false) {
    const data = this.data;
    this.units = unitsOf(data, this.settings.granularity);
    this.units.written = writtenUnits(data, this.units); // marked in the text
    const layout = layoutSpans(data.text, this.units.ranges, this.units.special);
    this.numbers = new UnitNumbers(data, this.units, this.settings);
    this.roles.paint(this.units, this.settings.show_special);
    if (!extend) this.tip.hide(true);
    this.blocks.setText(data, this.units, layout, this.numbers, extend);
    if (this.tip.target && !this.tip.target.isConnected) this.tip.hide(true);
  }

  // The heatmap aggregates every layer of every unit (~20 ms at 10k tokens): for long texts it
  // is drawn in the first background task, right after the text's first frame.
  requestFlow() {
    if (!this.blocks.deferred) {
      this.heatmap.due = false;
      this.paintHeatmap();
    } else {
      this.heatmap.due = true;
      this.work.schedule(true);
    }
  }

  paintHeatmap() {
    this.heatmap.paint(this.numbers, this.settings.show_special, this.noun, this.score);
  }

  runBackground(hasTime) {
    if (this.blocks.visStale) this.blocks.measureVisible();
    if (this.heatmap.due) {
      this.heatmap.due = false;
      this.paintHeatmap();
    }
    this.blocks.workWhile(hasTime);
  }

  paintHeader() {
    const { layer, quantile } = this.settings;
    const n = this.data.nLayers;
    this.header.paint(layer, n, quantile, this.numbers, this.noun);
    this.bar.showLayer(layer, n);
    this.paintPlain();
  }

  paintControls() {
    this.bar.paint();
    this.root.classList.toggle("afn-hide-special", !this.settings.show_special);
    this.root.classList.toggle("afn-words", this.settings.granularity === "word");
    this.classroom.setMode(this.settings.controls);
    this.roles.paint(this.units, this.settings.show_special);
    if (this.header) this.nameScore();
  }

  paintStatus() {
    const computing = this.status.paint(this.dataError, !!this.data, this.settings.writing);
    this.root.classList.toggle("afn-busy", computing);
    this.root.classList.toggle("afn-nodata", !this.data);
  }

  // New numbers at the current layer: the text in view now (the rest in the background), the
  // header, ranking, heatmap marker and an open tooltip.
  refreshLayer(tipToo = true) {
    if (!this.data) return;
    const { layer } = this.settings;
    this.numbers.atLayer(layer);
    this.blocks.paintVisible();
    this.work.schedule(true);
    this.paintHeader();
    this.ranking.paint(layer, this.units, this.numbers, this.noun, this.score);
    this.heatmap.paintMarker(layer, this.data.nLayers);
    this.writing.paint(this.data, this.numbers.matrix, layer, this.score);
    if (tipToo) this.tip.refresh();
    if (this.refreshed) this.refreshed();
  }

  refreshAll(extend = false) {
    if (!this.data) {
      this.blocks.clear();
      this.heatmap.due = false;
      this.work.setBusy(false);
      this.ranking.clear();
      this.writing.paint(null);
      this.tip.hide(true);
      this.paintControls();
      this.paintStatus();
      return;
    }
    this.settings.layer = this.clampLayer(this.requestedLayer);
    // the selectors' scores: each token a model writes comes with the same ones
    const scores = [...this.data.scores.keys(), JSON.stringify(this.data.unavailable), this.tasName].join();
    if (!extend || scores !== this.scoresShown) this.bar.showScores(this.data.scores, this.data.unavailable, this.tasName);
    this.scoresShown = scores;
    this.buildUnits(extend);
    this.paintControls();
    this.requestFlow();
    this.refreshLayer();
    this.paintStatus();
  }

  reveal(u, focus) {
    this.blocks.reveal(u, focus);
  }

  // ---------- from the model ----------
  /** The header's labels; a new name for the scores relabels every part that says it. */
  setMeta(meta) {
    this.header.setMeta(meta);
    this.tasName = scoreName(meta.score_name);
    if (this.data) this.bar.showScores(this.data.scores, this.data.unavailable, this.tasName);
    const before = this.score;
    this.nameScore();
    if (this.score === before || !this.data) return;
    this.ranking.paint(this.settings.layer, this.units, this.numbers, this.noun, this.score);
    this.paintHeatmap();
    this.tip.refresh();
  }

  setData(result) {
    if (result.stale) {
      // The new text's analysis is on its way: keep the current picture until it lands.
      this.dataError = "";
      this.paintStatus();
      return;
    }
    // while the model writes, each token's data begin as those drawn: only the end is drawn again
    const box = this.blocks.el;
    const writing = this.settings.writing && this.status.state.status === "writing" && !!this.data && !!result.data;
    const follow = writing && atEnd(box);
    this.data = result.data || null;
    this.dimStore = dimsStore();
    this.dataError = result.error ? `Cannot show this state: ${result.error}` : "";
    this.refreshAll(writing);
    if (follow) box.scrollTop = box.scrollHeight; // the model is writing: its newest token in view
  }

  setStatus(s) {
    this.status.update(s);
    this.paintStatus();
  }

  // A reply to requestDims: kept if it is for the current data, and shown at once when the
  // tooltip is waiting for it.
  setDims(msg) {
    const t = storeReply(this.dimStore, this.data, msg);
    if (t >= 0 && this.tip.target && this.tip.dimTok === t) this.tip.refresh();
  }

  destroy() {
    this.work.close();
    this.scope.close();
    this.root.remove();
  }
}
