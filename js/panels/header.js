// The header: what is shown (model, normalization, note), the numbers at the current layer
// (layer, threshold, HIGH count) and the colour legend.
import { h } from "../dom.js";
import { fmt3, headerCounts } from "../stats.js";
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
    this.sumThr = h(doc, "span", "afn-sum afn-sum-thr");
    this.sumHigh = h(doc, "span", "afn-sum afn-sum-high");
    this.sumShare = h(doc, "span", "afn-sum afn-sum-share");
    this.sumShare.title =
      "the paper's statistic at these settings: the share of content units among HIGH, " +
      "against their share among all ranked units";
    this.sumMassive = h(doc, "span", "afn-sum afn-sum-massive");
    this.sumMassive.title =
      "units with a massive activation at this layer (some hidden value > 100 and > 1000 x the " +
      "layer's median |value|): set apart, unranked";
    this.sumUndefined = h(doc, "span", "afn-sum afn-sum-undefined");
    this.sumUndefined.dataset.field = "undefined";
    this.sumUndefined.setAttribute("role", "status");
    this.sumUndefined.hidden = true;
    this.scoreLabel = "TAS"; // the shown score's name, for the sentence where it is undefined
    summary.append(this.sumLayer, this.sumThr, this.sumHigh, this.sumShare, this.sumMassive, this.sumUndefined);
    this.legend = new Legend(doc);
    this.paneNote = h(doc, "div", "afn-pane-note");
    this.paneNote.dataset.field = "pane-note";
    this.paneNote.hidden = true;
    this.el.append(title, summary, this.legend.el, this.paneNote);
  }

  /** A line about the pane beside this one (their HIGH sets' overlap); "" for none. */
  setPaneNote(text) {
    this.paneNote.textContent = text;
    this.paneNote.hidden = !text;
  }

  /**
   * The labels from the model_name (full), model_label (shown), note, normalize and
   * score_name traits.
   */
  setMeta({ model_name, model_label, note }) {
    const full = model_name ? String(model_name) : "";
    this.modelName.textContent = model_label ? String(model_label) : full;
    this.modelName.title = full;
    this.note.textContent = note ? String(note) : "";
    this.note.hidden = !note;
  }

  /** The score shown (its name, and what it is) and the normalization of the norms. */
  setScore(name, title, normalize) {
    this.brand.textContent = name;
    this.scoreLabel = name;
    this.brand.title = title || `${name}: the scores this view was given`;
    this.legend.setName(name);
    const norm = normalize && normalize !== "raw" ? normalize : "";
    this.normTag.textContent = norm ? `norm: ${norm}` : "";
    this.normTag.hidden = !norm;
  }

  /**
   * "HIGH k / n words": punctuation left out of both counts in the Words view (headerCounts),
   * and said apart when some of it is HIGH ("and 2 punctuation").
   */
  paintHigh(numbers, noun) {
    const doc = this.doc;
    const { buckets, eligible, units, nEligible } = numbers;
    const words = units.kind === "word";
    const counts = headerCounts(buckets, eligible, units.roles, words);
    const { high, ranked, punctuation, highPunctuation } = counts;
    const nh = h(doc, "b", null, String(high));
    nh.dataset.field = "n-high";
    const total = h(doc, "span", "afn-k", ` / ${ranked} ${noun(ranked)}`);
    total.dataset.field = "n-ranked";
    this.sumHigh.replaceChildren(h(doc, "span", "afn-k", "HIGH "), nh, total);
    if (highPunctuation) {
      const p = h(doc, "span", "afn-k", ` and ${highPunctuation} punctuation`);
      p.dataset.field = "n-high-punctuation";
      this.sumHigh.append(p);
    }
    this.sumHigh.title = punctuation
      ? `${noun(2)} in HIGH / ${noun(2)} ranked; punctuation is not counted as ${noun(2)} ` +
        `(the threshold is the quantile of all ${nEligible} units ranked, ${punctuation} of ` +
        "them punctuation)"
      : "";
  }

  /**
   * The numbers at `layer` of `nLayers`: numbers (UnitNumbers at that layer), the quantile,
   * and the noun for n units (unitNoun).
   */
  paint(layer, nLayers, quantile, numbers, noun) {
    const doc = this.doc;
    const { threshold } = numbers;
    this.sumLayer.replaceChildren(
      h(doc, "span", "afn-k", "layer "),
      Object.assign(h(doc, "b", null, `${layer}`), { title: layer === 0 ? "embeddings" : "" }),
      h(doc, "span", "afn-k", ` / ${nLayers}`),
    );
    const thrB = h(doc, "b", null, Number.isNaN(threshold) ? "—" : fmt3(threshold));
    thrB.dataset.field = "threshold";
    this.sumThr.replaceChildren(h(doc, "span", "afn-k", `threshold (q ${+quantile.toFixed(4)}) `), thrB);
    this.paintHigh(numbers, noun);
    const [share, base] = numbers.contentShare();
    const pct = (x) => (Number.isNaN(x) ? "—" : `${Math.round(x * 100)} %`);
    const sb = h(doc, "b", null, pct(share));
    sb.dataset.field = "content-high";
    const bb = h(doc, "b", null, pct(base));
    bb.dataset.field = "content-all";
    this.sumShare.replaceChildren(
      h(doc, "span", "afn-k", "content in HIGH "),
      sb,
      h(doc, "span", "afn-k", " vs "),
      bb,
      h(doc, "span", "afn-k", " of all ranked"),
    );
    const m = numbers.nMassive;
    const mb = h(doc, "b", null, String(m));
    mb.dataset.field = "n-massive";
    this.sumMassive.replaceChildren(h(doc, "span", "afn-k", "MASSIVE "), mb);
    this.sumMassive.hidden = !m;
    // where the score is undefined, the sentence saying why stands for threshold, HIGH and share
    const note = numbers.note(this.scoreLabel);
    this.sumUndefined.textContent = note;
    this.sumUndefined.hidden = !note;
    this.sumThr.hidden = this.sumHigh.hidden = this.sumShare.hidden = !!note;
    this.legend.paint(threshold, numbers.lo, numbers.hi, note ? `no colours at layer ${layer}` : "");
  }
}
