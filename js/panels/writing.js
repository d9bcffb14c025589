// What a text a decoder wrote adds to the view (written.js): a legend entry for the tokens the
// model wrote (marked in the text), why the writing ended, and for a chat each role with its
// token count and the mean of the score shown at the current layer.
import { h } from "../dom.js";
import { fmt3 } from "../stats.js";
import { roleStats } from "../written.js";

// Why writing ended (Python's afn_widget.writing.FINISH_REASONS), as the legend says it.
const ENDED = {
  eos: "ended with its end-of-sequence token",
  stop: "ended at a stop string",
  length: "wrote all the tokens asked for",
  context: "ended where the model's context is full",
  stopped: "stopped",
};

export class WritingPanel {
  constructor(doc) {
    this.doc = doc;
    this.el = h(doc, "div", "afn-writing");
    this.el.hidden = true;
    this.key = h(doc, "div", "afn-gen-key");
    this.sample = h(doc, "span", "afn-gen-sample", "abc");
    this.sample.setAttribute("aria-hidden", "true");
    this.keyText = h(doc, "span", "afn-gen-text");
    this.keyText.dataset.field = "written";
    this.key.append(this.sample, this.keyText);
    this.roles = h(doc, "div", "afn-chat-roles");
    this.roles.setAttribute("role", "list");
    this.roles.setAttribute("aria-label", "chat roles");
    this.el.append(this.key, this.roles);
  }

  /**
   * data (data.js readData's), matrix: the score shown ([nLayers + 1, nTokens] float32), its
   * name and the current layer; hidden for a text that was not written by a model.
   */
  paint(data, matrix, layer, score) {
    const g = data && data.generated;
    let n = 0;
    if (g) for (let t = 0; t < g.length; t++) n += g[t];
    const stats = data && matrix ? roleStats(data, matrix, layer) : [];
    this.el.hidden = !g && !stats.length;
    if (this.el.hidden) return;
    this.key.hidden = !g;
    const ended = ENDED[data.finishReason] ? `; ${ENDED[data.finishReason]}` : "";
    this.keyText.textContent = `written by the model: ${n} ${n === 1 ? "token" : "tokens"}${ended}`;
    const doc = this.doc;
    this.roles.replaceChildren(
      ...stats.map(({ role, tokens, mean }) => {
        const item = h(doc, "span", "afn-chat-role");
        item.setAttribute("role", "listitem");
        item.dataset.role = role;
        const value = Number.isNaN(mean) ? "—" : fmt3(mean);
        item.title =
          `chat role ${role}: ${tokens} tokens; the mean ${score} of those with a value at ` +
          `layer ${layer}`;
        item.append(h(doc, "b", null, role), h(doc, "span", "afn-k", ` ${tokens} tok · mean ${score} `));
        const v = h(doc, "span", "afn-chat-mean", value);
        v.dataset.field = "mean";
        item.append(v);
        return item;
      }),
    );
    this.roles.hidden = !stats.length;
  }
}
