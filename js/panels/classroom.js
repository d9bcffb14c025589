// Classroom mode (the controls trait "simple"): one sentence saying what colour and outline
// mean, and a "more" button for the rest. The view's root carries afn-simple in this mode; the
// button puts afn-more-shown on the output's panes (or the root when it stands alone), and
// widget.css hides, until then, every control but the layer slider, the role filter, the
// threshold and content share, the heatmap and the ranking.
import { h } from "../dom.js";
import { plainSentence } from "../plain.js";

const MORE = "More settings";
const LESS = "Fewer settings";

export class Classroom {
  /**
   * root: the view's root; after: the element the button follows;
   * parts: the elements it shows and hides (named by its aria-controls).
   */
  constructor(doc, scope, uid, root, after, parts) {
    this.root = root;
    this.el = h(doc, "p", "afn-plain");
    this.el.dataset.field = "plain";
    const b = h(doc, "button", "afn-more", MORE);
    b.type = "button";
    b.setAttribute("aria-expanded", "false");
    parts.forEach((el, k) => {
      if (!el.id) el.id = `afn-part-${uid}-${k}`;
    });
    b.setAttribute("aria-controls", parts.map((el) => el.id).join(" "));
    after.after(b);
    this.button = b;
    scope.listen(b, "click", () => this.show(b.getAttribute("aria-expanded") !== "true"));
  }

  /** The controls trait: "simple" or "full". */
  setMode(mode) {
    this.root.classList.toggle("afn-simple", mode === "simple");
  }

  /** Show the rest (true) or only the simple parts (false), in every pane of the output. */
  show(open) {
    this.button.setAttribute("aria-expanded", String(open));
    this.button.textContent = open ? LESS : MORE;
    const output = this.root.closest(".afn-panes") || this.root;
    output.classList.toggle("afn-more-shown", open);
  }

  /** The sentence for the shown score's name, the unit ("word", "token") and the quantile. */
  paint(score, unit, quantile) {
    this.el.textContent = plainSentence(score, unit, quantile);
  }
}
