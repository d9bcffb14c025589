// The controls above the text: layer slider, quantile, tokens/words, specials shown and ranked,
// the score (and a second one beside it), how words aggregate, the normalization.
// A user's change goes to onUser(trait, value); what the controls show comes from the settings.
import { CONTROLS, NORMALIZATIONS, NORMALIZATION_LABELS, SCORE_INFO, quantileMessage } from "../controls.js";
import { SCORE_NAMES } from "../data.js";
import { h } from "../dom.js";

const WORD_AGGS = [
  ["mean", "mean of its tokens"],
  ["max", "max of its tokens"],
];

function select(doc, cls, label, choices) {
  const s = h(doc, "select", cls);
  s.setAttribute("aria-label", label);
  for (const [v, t] of choices) {
    const o = h(doc, "option", null, t);
    o.value = v;
    s.appendChild(o);
  }
  return s;
}

const GRANULARITIES = [
  ["token", "Tokens"],
  ["word", "Words"],
];

export class ControlBar {
  constructor(doc, scope, uid, settings, onUser) {
    this.doc = doc;
    this.settings = settings;
    this.el = h(doc, "div", "afn-controls");
    const labelled = (text, input) => {
      const l = h(doc, "label", "afn-ctl");
      l.append(h(doc, "span", "afn-ctl-label", text), input);
      return l;
    };
    const layer = h(doc, "input", "afn-layer");
    layer.type = "range";
    layer.min = "0";
    layer.step = "1";
    layer.setAttribute("aria-label", "layer");
    this.layerOut = h(doc, "output", "afn-layer-out");
    const layerLabel = labelled("Layer", layer);
    layerLabel.classList.add("afn-ctl-layer");
    layerLabel.appendChild(this.layerOut);
    // The arrows step 0.01..0.99; any number strictly between 0 and 1 can be typed, as in Python.
    const q = h(doc, "input", "afn-quantile");
    q.type = "number";
    q.min = "0.01";
    q.max = "0.99";
    q.step = "0.01";
    q.setAttribute("aria-label", "quantile for HIGH");
    const qLabel = labelled("Quantile", q);
    qLabel.title =
      "HIGH = value >= this quantile of the eligible values (numpy 'linear'); " +
      "any number strictly between 0 and 1";
    this.qMsg = h(doc, "div", "afn-quantile-msg");
    this.qMsg.id = `afn-qmsg-${uid}`;
    this.qMsg.setAttribute("role", "status");
    this.qMsg.hidden = true;
    q.setAttribute("aria-describedby", this.qMsg.id);
    const seg = h(doc, "div", "afn-seg");
    seg.setAttribute("role", "group");
    seg.setAttribute("aria-label", "granularity");
    this.segBtns = {};
    for (const [v, t] of GRANULARITIES) {
      const b = h(doc, "button", "afn-seg-btn", t);
      b.type = "button";
      b.dataset.value = v;
      this.segBtns[v] = b;
      seg.appendChild(b);
    }
    const showSp = h(doc, "input", "afn-show-special");
    showSp.type = "checkbox";
    showSp.id = `afn-ss-${uid}`;
    const inclSp = h(doc, "input", "afn-include-special");
    inclSp.type = "checkbox";
    const showLabel = labelled("show special tokens", showSp);
    showLabel.classList.add("afn-check");
    const inclLabel = labelled("rank special tokens too", inclSp);
    inclLabel.classList.add("afn-check");
    inclLabel.title =
      "let the tokenizer's special tokens ([CLS], [SEP], <s>, ...) take part in the threshold and ranks";
    const scoreChoices = SCORE_NAMES.map((n) => [n, SCORE_INFO[n].label]);
    const score = select(doc, "afn-score", "score", scoreChoices);
    const scoreLabel = labelled("Score", score);
    scoreLabel.classList.add("afn-ctl-score");
    const beside = select(doc, "afn-beside", "second score beside", [["", "none"], ...scoreChoices]);
    const besideLabel = labelled("second score beside", beside);
    besideLabel.classList.add("afn-ctl-beside");
    besideLabel.title = "a second pane of the same text coloured by another score, one layer slider";
    const agg = select(doc, "afn-word-agg", "word score", WORD_AGGS);
    const aggLabel = labelled("word score", agg);
    aggLabel.classList.add("afn-ctl-agg");
    aggLabel.title = "a word's score: the mean or the max of its tokens' scores";
    const normChoices = NORMALIZATIONS.map((n) => [n, NORMALIZATION_LABELS[n] || n]);
    const norm = select(doc, "afn-normalize", "rescale", normChoices);
    const normLabel = labelled("rescale", norm);
    normLabel.classList.add("afn-ctl-norm");
    normLabel.title =
      "how the values are rescaled: dimensions of the hidden states dropped or standardized " +
      "before their norms, or the norms put on each layer's own scale (the text is analysed again)";
    this.scoreMsg = h(doc, "div", "afn-score-msg");
    this.scoreMsg.setAttribute("role", "status");
    this.scoreMsg.hidden = true;
    this.el.append(
      layerLabel, qLabel, seg, showLabel, inclLabel, scoreLabel, besideLabel, aggLabel, normLabel,
      this.qMsg, this.scoreMsg,
    );
    Object.assign(this, { layer, q, showSp, inclSp, score, beside, agg, norm });
    this.available = new Map([["tas", ""]]); // score -> "" (shown) or why it cannot be
    this.showScores(null, {});
    this.listen(scope, seg, onUser);
  }

  /**
   * Which scores the data hold (scores: Map, null for none yet) and why the others cannot be
   * shown (unavailable: {name: why} for the model; the rest were not asked for): the selectors
   * offer the first and say why of the others. tasName: what the norms are called (scores
   * given to from_scores name themselves, and come without any other).
   */
  showScores(scores, unavailable, tasName = "TAS") {
    const given = tasName !== "TAS";
    this.tasLabel = tasName;
    this.available = new Map();
    for (const n of SCORE_NAMES) {
      let why = "";
      if (unavailable[n]) why = `not available for this model: ${unavailable[n]}`;
      else if (given && n !== "tas") why = "not computed: these scores were given as they are";
      else if (!(scores ? scores.has(n) : n === "tas"))
        why = `not computed: make the view with scores=("tas", "${n}")`;
      this.available.set(n, why);
    }
    for (const sel of [this.score, this.beside])
      for (const o of sel.options) {
        if (!o.value) continue;
        const why = this.available.get(o.value);
        const info = SCORE_INFO[o.value];
        const label = o.value === "tas" ? tasName : info.label;
        const title = o.value === "tas" && given ? `${tasName}: the scores this view was given` : info.title;
        o.disabled = !!why;
        o.textContent = why ? `${label} (${why.startsWith("not computed") ? "not computed" : "unavailable"})` : label;
        o.title = why ? `${title}. ${why}` : title;
      }
    this.paintScores();
  }

  // One of NORMALIZATIONS, or the name of scores given as they are (then nothing to choose).
  showNormalize(v) {
    const known = NORMALIZATIONS.includes(v);
    let other = this.norm.querySelector("option[data-given]");
    if (!known && !other) {
      other = h(this.doc, "option", null, "");
      other.dataset.given = "1";
      this.norm.appendChild(other);
    }
    if (other) {
      other.value = known ? "" : v;
      other.textContent = known ? "" : v;
      other.hidden = known;
    }
    this.norm.value = v;
    this.norm.disabled = !known;
  }

  paintScores() {
    const s = this.settings;
    this.score.value = s.score;
    this.beside.value = s.compare_score || "";
    this.score.title = (SCORE_INFO[s.score] || SCORE_INFO.tas).title;
    const why = [...this.available].filter(([, w]) => w);
    // said in words, not only in the options' tooltips: what else could be shown, and why not
    this.scoreMsg.textContent = why.length
      ? `${why.map(([n, w]) => `${SCORE_INFO[n].label}: ${w}`).join("; ")}.`
      : "";
    this.scoreMsg.hidden = !why.some(([, w]) => w.startsWith("not available"));
  }

  // User side: the view applies a change at once, then tells the model.
  listen(scope, seg, onUser) {
    const { layer, q, showSp, inclSp } = this;
    // A valid value is taken as it is typed; a refused one is said once it is entered.
    const typed = (say) => {
      const why = quantileMessage(q.validity && q.validity.badInput ? "" : q.value);
      if (!why) {
        this.sayQuantile("");
        onUser("quantile", CONTROLS.quantile.parse(Number(q.value)));
      } else if (say) this.sayQuantile(why);
    };
    scope.listen(layer, "input", () => onUser("layer", +layer.value));
    scope.listen(q, "change", () => typed(true));
    scope.listen(q, "input", () => typed(false));
    scope.listen(seg, "click", (ev) => {
      const b = ev.target.closest && ev.target.closest(".afn-seg-btn");
      if (b) onUser("granularity", b.dataset.value);
    });
    scope.listen(showSp, "change", () => onUser("show_special", showSp.checked));
    scope.listen(inclSp, "change", () => onUser("include_special", inclSp.checked));
    scope.listen(this.score, "change", () => onUser("score", this.score.value));
    scope.listen(this.beside, "change", () => onUser("compare_score", this.beside.value));
    scope.listen(this.agg, "change", () => onUser("word_agg", this.agg.value));
    scope.listen(this.norm, "change", () => onUser("normalize", this.norm.value));
  }

  /** Every control as the settings say. */
  paint() {
    const s = this.settings;
    this.layer.value = String(s.layer);
    this.layerOut.textContent = String(s.layer);
    this.showQuantile(s.quantile);
    for (const v in this.segBtns) this.segBtns[v].setAttribute("aria-pressed", String(s.granularity === v));
    this.showSp.checked = !!s.show_special;
    this.inclSp.checked = !!s.include_special;
    this.agg.value = s.word_agg;
    this.showNormalize(s.normalize);
    this.paintScores();
  }

  /** The slider at `layer` of 0..nLayers. */
  showLayer(layer, nLayers) {
    this.layer.max = String(nLayers);
    this.layer.value = String(layer);
    this.layerOut.textContent = String(layer);
  }

  /** The quantile, unless the user is typing in it (a value taken clears a refusal). */
  showQuantile(q) {
    if (this.doc.activeElement === this.q) return;
    if (!this.qMsg.hidden && q === this.refusedAt) return; // still refused: keep what was typed
    this.q.value = String(q);
    this.sayQuantile("");
  }

  /** Why the typed quantile is refused, next to the box ("": nothing to say). */
  sayQuantile(why) {
    this.refusedAt = this.settings.quantile; // the value in use when it was refused
    this.qMsg.textContent = why;
    this.qMsg.hidden = !why;
    if (why) this.q.setAttribute("aria-invalid", "true");
    else this.q.removeAttribute("aria-invalid");
  }
}
