// The controls above the text: layer slider, quantile, tokens/words, specials shown and ranked.
// A user's change goes to onUser(trait, value); what the controls show comes from the settings.
import { CONTROLS, quantileMessage } from "../controls.js";
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
    const showLabel = labelled("show specials", showSp);
    showLabel.classList.add("afn-check");
    const inclLabel = labelled("rank specials", inclSp);
    inclLabel.classList.add("afn-check");
    inclLabel.title = "let special tokens take part in the threshold and ranks";
    this.el.append(layerLabel, qLabel, seg, showLabel, inclLabel, this.qMsg);
    Object.assign(this, { layer, q, showSp, inclSp });
    this.listen(scope, seg, onUser);
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
