// The header: what is shown (model, normalization, note), the numbers at the current layer
// (layer, threshold, HIGH count) and the colour legend.
import { h } from "../dom.js";
import { fmt3 } from "../stats.js";
import { Legend } from "./legend.js";

const TAS_TITLE = "Token Activation Strength: L2 norm of each token's hidden state";

/** The scores' name as shown: the score_name trait, TAS when there is none. */
export function scoreName(v) {
  return typeof v === "string" && v.trim() ? v.trim() : "TAS";
}

export class Header {
  constructor(doc) {
    this.doc = doc;
    this.el = h(doc, "div", "afn-header");
    const title = h(doc, "div", "afn-title");
    this.brand = h(doc, "span", "afn-brand", "TAS");
    this.brand.title = TAS_TITLE;
    this.modelName = h(doc, "span", "afn-model");
    this.normTag = h(doc, "span", "afn-tag");
    this.note = h(doc, "span", "afn-note");
    title.append(this.brand, this.modelName, this.normTag, this.note);
    const summary = h(doc, "div", "afn-summary");
    this.sumLayer = h(doc, "span", "afn-sum");
    this.sumThr = h(doc, "span", "afn-sum");
    this.sumHigh = h(doc, "span", "afn-sum");
    summary.append(this.sumLayer, this.sumThr, this.sumHigh);
    this.legend = new Legend(doc);
    this.el.append(title, summary, this.legend.el);
  }

  /**
   * The labels from the model_name (full), model_label (shown), note, normalize and
   * score_name traits.
   */
  setMeta({ model_name, model_label, note, normalize, score_name }) {
    const score = scoreName(score_name);
    this.brand.textContent = score;
    this.brand.title = score === "TAS" ? TAS_TITLE : `${score}: the scores this view was given`;
    const full = model_name ? String(model_name) : "";
    this.modelName.textContent = model_label ? String(model_label) : full;
    this.modelName.title = full;
    this.legend.setName(score);
    this.normTag.textContent = normalize ? `norm: ${normalize}` : "";
    this.normTag.hidden = !normalize;
    this.note.textContent = note ? String(note) : "";
    this.note.hidden = !note;
  }

  /**
   * The numbers at `layer` of `nLayers`: numbers (UnitNumbers at that layer), the quantile,
   * and the noun for n units (unitNoun).
   */
  paint(layer, nLayers, quantile, numbers, noun) {
    const doc = this.doc;
    const { threshold, nHigh, nEligible } = numbers;
    this.sumLayer.replaceChildren(
      h(doc, "span", "afn-k", "layer "),
      Object.assign(h(doc, "b", null, `${layer}`), { title: layer === 0 ? "embeddings" : "" }),
      h(doc, "span", "afn-k", ` / ${nLayers}`),
    );
    const thrB = h(doc, "b", null, Number.isNaN(threshold) ? "—" : fmt3(threshold));
    thrB.dataset.field = "threshold";
    this.sumThr.replaceChildren(h(doc, "span", "afn-k", `threshold (q ${+quantile.toFixed(4)}) `), thrB);
    const nh = h(doc, "b", null, String(nHigh));
    nh.dataset.field = "n-high";
    this.sumHigh.replaceChildren(
      h(doc, "span", "afn-k", "HIGH "),
      nh,
      h(doc, "span", "afn-k", ` / ${nEligible} ${noun(nEligible)}`),
    );
    this.legend.paint(threshold, numbers.lo, numbers.hi);
  }
}
