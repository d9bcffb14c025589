// The strongest units at the current layer; a click shows one in the text.
import { CSS, colorIndex, scale01 } from "../colors.js";
import { h } from "../dom.js";
import { HIGH, fmt3 } from "../stats.js";
import { displayText } from "../tooltip.js";

const TOP_N = 10;

export class Ranking {
  constructor(doc, scope, onPick) {
    this.doc = doc;
    this.el = h(doc, "div", "afn-ranking");
    this.head = h(doc, "div", "afn-panel-title", "Strongest");
    this.list = h(doc, "ol", "afn-rank-list");
    this.el.append(this.head, this.list);
    scope.listen(this.list, "click", (ev) => {
      const b = ev.target.closest && ev.target.closest(".afn-rank-btn");
      if (b) onPick(+b.dataset.i);
    });
  }

  clear() {
    this.list.replaceChildren();
  }

  /** The TOP_N strongest of `units` by `numbers` (at `layer`); noun: unitNoun; score: their name. */
  paint(layer, units, numbers, noun, score) {
    const doc = this.doc;
    const { values, buckets, lo, hi } = numbers;
    this.head.textContent = `Strongest ${noun(2)} by ${score} at layer ${layer}`;
    const note = numbers.note(score);
    if (note) {
      this.list.replaceChildren(h(doc, "li", "afn-rank-undefined", note)); // nothing is ranked
      return;
    }
    const best = numbers.top(TOP_N);
    const top = best.length ? values[best[0]] : NaN;
    const items = best.map((u, r) => {
      const li = h(doc, "li", "afn-rank-item");
      const b = h(doc, "button", "afn-rank-btn");
      b.type = "button";
      b.dataset.i = String(u);
      const bar = h(doc, "span", "afn-rank-bar");
      const ci = colorIndex(scale01(values[u], lo, hi));
      bar.style.width = `${top > 0 ? Math.max(2, (100 * values[u]) / top).toFixed(1) : 0}%`;
      if (ci >= 0) bar.style.backgroundColor = CSS[ci];
      b.append(
        h(doc, "span", "afn-rank-n", String(r + 1)),
        h(doc, "span", "afn-rank-text", displayText(units.surface(u))),
        h(doc, "span", "afn-rank-val", fmt3(values[u])),
        bar,
      );
      if (buckets[u] === HIGH) b.classList.add("afn-is-high");
      li.appendChild(b);
      return li;
    });
    this.list.replaceChildren(...items);
  }
}
