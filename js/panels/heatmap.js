// The layer x unit heatmap ("flow"): every unit's value at every layer, each row on its own
// min..max. A click selects that layer (and shows the unit in the text); hovering names it.
import { h } from "../dom.js";
import { heatmapRGBA } from "../flow.js";
import { fmt3 } from "../stats.js";
import { displayText } from "../tooltip.js";

const MAX_FLOW_COLS = 1600;

/** view: the coordinator (its data, units and numbers are read on pointer events). */
export class Heatmap {
  constructor(doc, scope, view) {
    this.win = doc.defaultView;
    this.view = view;
    this.due = false; // waits for the first background task (long texts)
    this.shown = null; // the units shown, in order
    this.bounds = null; // each column's first index into this.shown
    this.el = h(doc, "div", "afn-flow");
    const head = h(doc, "div", "afn-panel-title", "Layer × token flow");
    this.wrap = h(doc, "div", "afn-flow-wrap");
    this.canvas = h(doc, "canvas", "afn-flow-canvas");
    this.canvas.title = "click a row to select that layer";
    this.marker = h(doc, "div", "afn-flow-marker");
    const axis = h(doc, "div", "afn-flow-axis");
    this.axisBottom = h(doc, "span", null, "");
    axis.append(h(doc, "span", null, "0"), this.axisBottom);
    this.wrap.append(this.canvas, this.marker);
    const row = h(doc, "div", "afn-flow-row");
    row.append(axis, this.wrap);
    this.caption = h(doc, "div", "afn-caption", "each row scaled to its own min..max");
    this.el.append(head, row, this.caption);
    scope.listen(this.canvas, "click", (ev) => this.clicked(ev));
    scope.listen(this.canvas, "mousemove", (ev) => this.hovered(ev));
  }

  /** Every layer of `numbers`' units (specials only when showSpecial); noun: unitNoun. */
  paint(numbers, showSpecial, noun) {
    const { data, units } = numbers;
    const rows = [];
    for (let L = 0; L <= data.nLayers; L++) rows.push(numbers.row(L));
    const shown = [];
    for (let u = 0; u < units.count; u++) if (showSpecial || !units.special[u]) shown.push(u);
    this.shown = Int32Array.from(shown);
    const img = heatmapRGBA(rows, this.shown, numbers.eligible, MAX_FLOW_COLS);
    this.bounds = img.bounds;
    const cols = Math.max(img.cols, 1);
    const canvas = this.canvas;
    canvas.width = cols;
    canvas.height = img.rows;
    const ctx = canvas.getContext("2d");
    if (ctx && img.cols > 0) ctx.putImageData(new this.win.ImageData(img.data, cols, img.rows), 0, 0);
    const px = Math.max(48, Math.min(img.rows * 6, 160));
    this.wrap.style.height = `${px}px`;
    this.axisBottom.textContent = String(data.nLayers);
    this.caption.textContent =
      img.cols < this.shown.length
        ? `each row scaled to its own min..max · ${this.shown.length} ${noun(2)} in ${img.cols} columns (max per column)`
        : "each row scaled to its own min..max · click a row to select its layer";
  }

  /** The band of the current layer. */
  paintMarker(layer, nLayers) {
    const n = nLayers + 1;
    this.marker.style.top = `${((100 * layer) / n).toFixed(3)}%`;
    this.marker.style.height = `${(100 / n).toFixed(3)}%`;
  }

  // The layer and unit under the pointer ({L, u}, u = -1 for none), or null.
  at(ev) {
    const data = this.view.data;
    const r = this.canvas.getBoundingClientRect();
    if (!data || r.height <= 0 || r.width <= 0) return null;
    const L = Math.min(data.nLayers, Math.max(0, Math.floor(((ev.clientY - r.top) / r.height) * (data.nLayers + 1))));
    const cols = this.bounds ? this.bounds.length - 1 : 0;
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((ev.clientX - r.left) / r.width) * cols)));
    const u = cols > 0 ? this.shown[this.bounds[c]] : -1;
    return { L, u };
  }

  clicked(ev) {
    const p = this.at(ev);
    if (!p) return;
    this.view.setControl("layer", p.L, true);
    if (p.u >= 0) this.view.reveal(p.u, false);
  }

  hovered(ev) {
    const p = this.at(ev);
    if (!p || p.u < 0) return;
    const { units, numbers } = this.view;
    this.caption.textContent = `layer ${p.L} · “${displayText(units.surface(p.u))}” · ${fmt3(numbers.row(p.L)[p.u])} · click to select layer`;
  }
}
