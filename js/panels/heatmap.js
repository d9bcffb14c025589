// The layer x unit heatmap ("flow"): every unit's value at every layer, each row on its own
// min..max. "fit" puts every unit in the width (beyond MAX_FLOW_COLS, bins showing their max);
// a zoom gives each unit a fixed width, scrolled sideways, and draws only the units in view, so
// a long text's region can be read at any length. A click selects that layer and shows the
// unit in the text; hovering names it.
import { h } from "../dom.js";
import { heatmapRGBA } from "../flow.js";
import { fmtValue } from "../stats.js";
import { displayText } from "../tooltip.js";

const MAX_FLOW_COLS = 1600;
// Pixels per unit a zoom gives (0: fit); offered once a text has more than ZOOM_FROM units.
export const ZOOMS = [0, 2, 4, 8, 16];
const ZOOM_FROM = 160;
// The layer marker's frame: this wide, over the rows either side, so its own row stays in sight.
const MARKER_PX = 3;

/**
 * The units [start, end) a zoomed heatmap shows: `px` pixels per unit, `width` pixels in view
 * from `scrollLeft`, of n units. Pure, unit-tested.
 */
export function zoomWindow(n, px, scrollLeft, width) {
  const start = Math.max(0, Math.min(n, Math.floor(scrollLeft / px)));
  const end = Math.min(n, Math.ceil((scrollLeft + width) / px));
  return { start, end: Math.max(start, end) };
}

// Draw `img` (heatmapRGBA's) on `canvas`, one pixel per column; its number of columns.
function putImage(win, canvas, img) {
  const cols = Math.max(img.cols, 1);
  canvas.width = cols;
  canvas.height = img.rows;
  const ctx = canvas.getContext("2d");
  if (ctx && img.cols > 0) ctx.putImageData(new win.ImageData(img.data, cols, img.rows), 0, 0);
  return img.cols;
}

/** view: the coordinator (its data, units and numbers are read on pointer events). */
export class Heatmap {
  constructor(doc, scope, view) {
    this.win = doc.defaultView;
    this.view = view;
    this.due = false; // waits for the first background task (long texts)
    this.shown = null; // the units shown, in order
    this.bounds = null; // fit: each column's first index into this.shown
    this.zoom = 0; // px per unit; 0 = fit
    this.start = 0; // zoomed: the first unit (index into this.shown) drawn
    this.frame = 0; // a pending requestAnimationFrame
    this.el = h(doc, "div", "afn-flow");
    const head = h(doc, "div", "afn-flow-head");
    this.zoomBox = this.zoomControl(doc, scope);
    head.append(h(doc, "div", "afn-panel-title", "Layer × token flow"), this.zoomBox);
    // scroller > track (every unit's width) > sticky view (the visible width) > canvas, marker
    this.scroller = h(doc, "div", "afn-flow-scroll");
    this.track = h(doc, "div", "afn-flow-track");
    this.viewBox = h(doc, "div", "afn-flow-view");
    this.canvas = h(doc, "canvas", "afn-flow-canvas");
    this.canvas.title = "click a row to select that layer";
    this.marker = h(doc, "div", "afn-flow-marker");
    this.viewBox.append(this.canvas, this.marker);
    this.track.appendChild(this.viewBox);
    this.scroller.appendChild(this.track);
    this.axis = h(doc, "div", "afn-flow-axis");
    this.axisBottom = h(doc, "span", null, "");
    this.axis.append(h(doc, "span", null, "0"), this.axisBottom);
    // zoomed: the whole text small, the part in view framed; a click or drag there scrolls to it
    this.overview = h(doc, "div", "afn-flow-overview");
    this.overview.hidden = true;
    this.overview.title = "the whole text: click or drag to scroll there";
    this.ovCanvas = h(doc, "canvas", "afn-flow-ov-canvas");
    this.ovWindow = h(doc, "div", "afn-flow-ov-window");
    this.overview.append(this.ovCanvas, this.ovWindow);
    const main = h(doc, "div", "afn-flow-main");
    main.append(this.scroller, this.overview);
    const row = h(doc, "div", "afn-flow-row");
    row.append(this.axis, main);
    this.caption = h(doc, "div", "afn-caption", "each row scaled to its own min..max");
    this.el.append(head, row, this.caption);
    scope.listen(this.canvas, "click", (ev) => this.clicked(ev));
    scope.listen(this.canvas, "mousemove", (ev) => this.hovered(ev));
    scope.listen(this.canvas, "mouseleave", () => this.showCaption());
    scope.listen(this.scroller, "scroll", () => this.redrawSoon(), { passive: true });
    const seek = (ev) => this.seek(ev);
    scope.listen(this.overview, "pointerdown", (ev) => {
      if (this.overview.setPointerCapture) this.overview.setPointerCapture(ev.pointerId);
      seek(ev);
    });
    scope.listen(this.overview, "pointermove", (ev) => ev.buttons & 1 && seek(ev));
    if (this.win.ResizeObserver) {
      const ro = new this.win.ResizeObserver(() => this.zoom && this.redrawSoon());
      ro.observe(this.scroller);
      scope.add(() => ro.disconnect());
    }
    scope.add(() => this.win.cancelAnimationFrame(this.frame));
  }

  zoomControl(doc, scope) {
    const box = h(doc, "label", "afn-flow-zoom");
    box.hidden = true;
    this.zoomSelect = h(doc, "select", "afn-flow-zoom-select");
    this.zoomSelect.setAttribute("aria-label", "heatmap zoom");
    for (const px of ZOOMS) {
      const o = h(doc, "option", null, px ? `${px} px each` : "fit all");
      o.value = String(px);
      this.zoomSelect.appendChild(o);
    }
    box.append(h(doc, "span", "afn-ctl-label", "zoom"), this.zoomSelect);
    scope.listen(this.zoomSelect, "change", () => this.setZoom(+this.zoomSelect.value));
    return box;
  }

  /** Every layer of `numbers`' units (specials only when showSpecial); noun: unitNoun; score: their name. */
  paint(numbers, showSpecial, noun, score = "TAS") {
    const { data, units } = numbers;
    this.rows = [];
    for (let L = 0; L <= data.nLayers; L++) this.rows.push(numbers.row(L));
    const shown = [];
    for (let u = 0; u < units.count; u++) if (showSpecial || !units.special[u]) shown.push(u);
    this.shown = Int32Array.from(shown);
    Object.assign(this, { eligible: numbers.flowEligible, noun, score });
    this.wrapHeight = Math.max(48, Math.min(this.rows.length * 6, 160));
    this.track.style.height = `${this.wrapHeight}px`;
    this.axis.style.height = `${this.wrapHeight}px`;
    this.axisBottom.textContent = String(data.nLayers);
    this.zoomBox.hidden = this.shown.length <= ZOOM_FROM;
    if (this.zoomBox.hidden) this.zoom = 0;
    for (const o of this.zoomSelect.options) {
      if (+o.value) o.textContent = `${o.value} px per ${noun(1)}`;
    }
    this.zoomSelect.value = String(this.zoom);
    this.overviewStale = true;
    this.draw();
  }

  setZoom(px) {
    const keep = this.zoom ? this.scroller.scrollLeft / this.zoom : 0; // the first unit in view
    this.zoom = px;
    this.zoomSelect.value = String(px);
    if (!this.shown) return;
    this.draw();
    if (px) this.scroller.scrollLeft = keep * px;
  }

  // Scroll so that the unit under the pointer on the overview is in the middle of the view.
  seek(ev) {
    const r = this.overview.getBoundingClientRect();
    if (!this.zoom || !(r.width > 0)) return;
    const f = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
    this.scroller.scrollLeft = f * this.shown.length * this.zoom - this.scroller.clientWidth / 2;
  }

  redrawSoon() {
    if (!this.zoom || this.frame) return;
    this.frame = this.win.requestAnimationFrame(() => {
      this.frame = 0;
      if (this.shown) this.draw();
    });
  }

  // The canvas for the current zoom: all units (fit) or those in view (zoomed, with the
  // overview of all of them, drawn once per zoom or data).
  draw() {
    const zoomed = this.zoom > 0;
    const entering = zoomed && !this.scroller.classList.contains("afn-zoomed");
    this.scroller.classList.toggle("afn-zoomed", zoomed);
    if (!zoomed) {
      this.track.style.width = "";
      this.viewBox.style.width = "";
      this.canvas.style.width = "";
      this.canvas.style.transform = "";
      this.scroller.removeAttribute("tabindex");
      this.overview.hidden = true;
      const img = heatmapRGBA(this.rows, this.shown, this.eligible, MAX_FLOW_COLS);
      this.bounds = img.bounds;
      this.start = 0;
      this.cols = putImage(this.win, this.canvas, img);
    } else {
      if (entering || this.overviewStale) this.drawOverview();
      this.drawWindow();
    }
    this.showCaption();
  }

  drawOverview() {
    this.overviewStale = false;
    this.overview.hidden = false;
    putImage(this.win, this.ovCanvas, heatmapRGBA(this.rows, this.shown, this.eligible, MAX_FLOW_COLS));
  }

  // Zoomed: the units in view, and where they are in the whole text.
  drawWindow() {
    const px = this.zoom;
    const n = this.shown.length;
    this.track.style.width = `${n * px}px`;
    this.scroller.tabIndex = 0; // arrow keys scroll it
    const width = this.scroller.clientWidth;
    const left = this.scroller.scrollLeft;
    this.viewBox.style.width = `${width}px`;
    const { start, end } = zoomWindow(n, px, left, width);
    const img = heatmapRGBA(this.rows, this.shown.subarray(start, end), this.eligible, end - start);
    this.bounds = null;
    this.start = start;
    this.canvas.style.width = `${img.cols * px}px`;
    this.canvas.style.transform = `translateX(${start * px - left}px)`;
    this.cols = putImage(this.win, this.canvas, img);
    this.ovWindow.style.left = `${((100 * start) / Math.max(n, 1)).toFixed(3)}%`;
    this.ovWindow.style.width = `${((100 * (end - start)) / Math.max(n, 1)).toFixed(3)}%`;
  }

  // What the picture shows: the scale, and the columns' units (binned, or the range in view).
  showCaption() {
    if (!this.shown) return;
    const n = this.shown.length;
    const scale = `${this.score}, each row scaled to its own min..max`;
    let what;
    if (this.zoom) {
      const a = Math.min(n, this.start + 1);
      const b = Math.min(n, this.start + this.cols);
      what = `${this.noun(2)} ${a}–${b} of ${n} · scroll sideways for the rest`;
    } else if (this.cols < n) {
      what = `${n} ${this.noun(2)} in ${this.cols} columns (max per column)`;
    } else {
      what = "click a row to select its layer";
    }
    this.caption.textContent = `${scale} · ${what}`;
  }

  /** The band of the current layer: a frame around its row, within the canvas. */
  paintMarker(layer, nLayers) {
    const n = nLayers + 1;
    const top = ((100 * layer) / n).toFixed(3);
    const bottom = ((100 * (n - layer - 1)) / n).toFixed(3);
    this.marker.style.top = `max(0px, calc(${top}% - ${MARKER_PX}px))`;
    this.marker.style.bottom = `max(0px, calc(${bottom}% - ${MARKER_PX}px))`;
  }

  // The layer and unit under the pointer ({L, u}, u = -1 for none), or null.
  at(ev) {
    const data = this.view.data;
    const r = this.canvas.getBoundingClientRect();
    if (!data || !this.shown || r.height <= 0 || r.width <= 0) return null;
    const L = Math.min(data.nLayers, Math.max(0, Math.floor(((ev.clientY - r.top) / r.height) * (data.nLayers + 1))));
    const cols = this.cols;
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((ev.clientX - r.left) / r.width) * cols)));
    if (!(cols > 0)) return { L, u: -1 };
    const u = this.bounds ? this.shown[this.bounds[c]] : this.shown[this.start + c];
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
    this.caption.textContent = `layer ${p.L} · “${displayText(units.surface(p.u))}” · ${fmtValue(numbers.row(p.L)[p.u])} · click to select layer`;
  }
}
