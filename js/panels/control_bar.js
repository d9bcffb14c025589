// The controls above the text: layer slider, quantile, tokens/words, specials shown and ranked.
// A user's change goes to onUser(trait, value); what the controls show comes from the settings.
import { CONTROLS } from "../controls.js";
import { h } from "../dom.js";

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
    layerLabel.appendChild(this.layerOut);
    const q = h(doc, "input", "afn-quantile");
    q.type = "number";
    q.min = "0.05";
    q.max = "0.95";
    q.step = "0.05";
    q.setAttribute("aria-label", "quantile for HIGH");
    const qLabel = labelled("Quantile", q);
    qLabel.title = "HIGH = value >= this quantile of the eligible values (numpy 'linear')";
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
    const showLabel = labelled("show specials", showSp);
    showLabel.classList.add("afn-check");
    const inclLabel = labelled("rank specials", inclSp);
    inclLabel.classList.add("afn-check");
    inclLabel.title = "let special tokens take part in the threshold and ranks";
    this.el.append(layerLabel, qLabel, seg, showLabel, inclLabel);
    Object.assign(this, { layer, q, showSp, inclSp });
    this.listen(scope, seg, onUser);
  }

  // User side: the view applies a change at once, then tells the model.
  listen(scope, seg, onUser) {
    const { layer, q, showSp, inclSp } = this;
    const quantile = () => CONTROLS.quantile.parse(parseFloat(q.value));
    scope.listen(layer, "input", () => onUser("layer", +layer.value));
    scope.listen(q, "change", () => {
      const v = quantile();
      if (v !== undefined) onUser("quantile", v);
      else q.value = String(this.settings.quantile);
    });
    scope.listen(q, "input", () => {
      const v = quantile();
      if (v !== undefined) onUser("quantile", v);
    });
    scope.listen(seg, "click", (ev) => {
      const b = ev.target.closest && ev.target.closest(".afn-seg-btn");
      if (b) onUser("granularity", b.dataset.value);
    });
    scope.listen(showSp, "change", () => onUser("show_special", showSp.checked));
    scope.listen(inclSp, "change", () => onUser("include_special", inclSp.checked));
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
  }

  /** The slider at `layer` of 0..nLayers. */
  showLayer(layer, nLayers) {
    this.layer.max = String(nLayers);
    this.layer.value = String(layer);
    this.layerOut.textContent = String(layer);
  }

  /** The quantile, unless the user is typing in it. */
  showQuantile(q) {
    if (this.doc.activeElement !== this.q) this.q.value = String(q);
  }
}
