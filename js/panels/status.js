// Where the computation is: a progress bar while computing, the error, or "nothing yet".
import { h } from "../dom.js";

export class StatusPanel {
  constructor(doc) {
    this.state = { status: "empty", progress: 0, error: "" };
    this.el = h(doc, "div", "afn-status");
    const progress = h(doc, "div", "afn-progress");
    progress.setAttribute("role", "progressbar");
    progress.setAttribute("aria-valuemin", "0");
    progress.setAttribute("aria-valuemax", "100");
    this.bar = h(doc, "div", "afn-progress-bar");
    progress.appendChild(this.bar);
    this.progress = progress;
    this.progressText = h(doc, "div", "afn-progress-text");
    this.errorBox = h(doc, "div", "afn-error");
    this.errorBox.setAttribute("role", "alert");
    this.emptyBox = h(doc, "div", "afn-empty", "Nothing analysed yet.");
    this.el.append(progress, this.progressText, this.errorBox, this.emptyBox);
  }

  /** Some of the status traits (status, progress, error). */
  update(s) {
    this.state = { ...this.state, ...s };
  }

  /** Show the status; dataError: why the data cannot be shown ("" if they can). Returns whether computing. */
  paint(dataError, hasData) {
    const { status, progress, error } = this.state;
    const computing = status === "computing";
    this.progress.hidden = !computing;
    this.progressText.hidden = !computing;
    if (computing) {
      const p = Math.max(0, Math.min(1, Number(progress) || 0));
      this.bar.style.width = `${(p * 100).toFixed(1)}%`;
      this.progress.setAttribute("aria-valuenow", String(Math.round(p * 100)));
      this.progressText.textContent = `computing… ${Math.round(p * 100)}%`;
    }
    const err = status === "error" ? String(error || "error") : dataError;
    this.errorBox.hidden = !err;
    this.errorBox.textContent = err;
    this.emptyBox.hidden = hasData || computing || !!err;
    return computing;
  }
}
