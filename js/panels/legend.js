// The colour legend: the scale from min to max at the current layer, the threshold marked.
import { gradientCss, scale01 } from "../colors.js";
import { h } from "../dom.js";
import { fmt3 } from "../stats.js";

export class Legend {
  constructor(doc) {
    this.el = h(doc, "div", "afn-legend");
    const bar = h(doc, "div", "afn-legend-bar");
    this.bar = bar;
    bar.style.backgroundImage = gradientCss();
    this.tick = h(doc, "div", "afn-legend-tick");
    bar.appendChild(this.tick);
    const labels = h(doc, "div", "afn-legend-labels afn-legend-scale");
    const top = h(doc, "div", "afn-legend-labels afn-legend-top");
    this.min = h(doc, "span", "afn-legend-min");
    this.thr = h(doc, "span", "afn-legend-thr");
    this.max = h(doc, "span", "afn-legend-max");
    this.name = h(doc, "span", "afn-legend-name", "TAS");
    top.append(this.thr); // above the bar, so it never covers min or max
    labels.append(this.min, this.name, this.max);
    this.layerNote = h(doc, "div", "afn-legend-note");
    this.layerNote.dataset.field = "layer-note";
    this.layerNote.hidden = true;
    this.el.append(top, bar, labels, this.layerNote);
  }

  /** A line under the scale ("" for none): that the score is the same at every layer. */
  setLayerNote(text) {
    this.layerNote.textContent = text;
    this.layerNote.hidden = !text;
  }

  /** What the colours measure (the scores' name). */
  setName(score) {
    this.name.textContent = score;
    this.name.title = score;
  }

  /** The domain [lo, hi] and the threshold (NaN: none); `off`: what stands for them where the
   * score is undefined ("" where it is not). */
  paint(threshold, lo, hi, off = "") {
    const { tick, thr } = this;
    this.min.textContent = Number.isNaN(lo) ? "" : fmt3(lo);
    this.max.textContent = Number.isNaN(hi) ? "" : fmt3(hi);
    const t = scale01(threshold, lo, hi);
    this.bar.style.opacity = off ? "0.3" : ""; // the scale is not in use
    if (Number.isNaN(t) || off) {
      tick.hidden = true;
      thr.textContent = off;
      thr.style.left = "0%";
      thr.style.transform = "none";
      return;
    }
    tick.hidden = false;
    tick.style.left = `${(t * 100).toFixed(2)}%`;
    thr.textContent = `≥ ${fmt3(threshold)} HIGH`;
    thr.style.left = `${(t * 100).toFixed(2)}%`;
    // anchor the label's nearer end at the tick so it stays inside the legend
    thr.style.transform = t > 0.7 ? "translateX(-100%)" : t < 0.3 ? "none" : "translateX(-50%)";
  }
}
