// Where the computation is: a progress bar while computing or while the model writes (then with
// a Stop button), the error, or "nothing yet".
import { h } from "../dom.js";

export class StatusPanel {
  /** onStop(): the Stop button was pressed (the model is to stop writing). */
  constructor(doc, scope, onStop) {
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
    this.label = h(doc, "span", "afn-progress-label");
    this.stop = h(doc, "button", "afn-stop", "Stop");
    this.stop.type = "button";
    this.stop.title = "stop the model after the token it is writing; what it wrote stays";
    this.stop.hidden = true;
    scope.listen(this.stop, "click", () => onStop());
    this.progressText.append(this.label, this.stop);
    this.errorBox = h(doc, "div", "afn-error");
    this.errorBox.setAttribute("role", "alert");
    this.emptyBox = h(doc, "div", "afn-empty", "Nothing analysed yet.");
    this.el.append(progress, this.progressText, this.errorBox, this.emptyBox);
  }

  /** Some of the status traits (status, progress, error). */
  update(s) {
    this.state = { ...this.state, ...s };
  }

  /**
   * Show the status; dataError: why the data cannot be shown ("" if they can); asked: the
   * writing control (false once Stop is pressed: the button waits, disabled, for the last
   * token). Returns whether computing (the text shown is about to be replaced; while the model
   * writes it is not, it grows).
   */
  paint(dataError, hasData, asked = true) {
    const { status, progress, error } = this.state;
    const computing = status === "computing";
    const writing = status === "writing";
    this.progress.hidden = !(computing || writing);
    this.progressText.hidden = !(computing || writing);
    this.stop.hidden = !writing;
    this.stop.disabled = !asked;
    if (computing || writing) {
      const p = Math.max(0, Math.min(1, Number(progress) || 0));
      this.bar.style.width = `${(p * 100).toFixed(1)}%`;
      this.progress.setAttribute("aria-valuenow", String(Math.round(p * 100)));
      const what = writing ? "the model is writing" : "computing";
      this.label.textContent = `${what}… ${Math.round(p * 100)}%`;
    }
    const err = status === "error" ? String(error || "error") : dataError;
    this.errorBox.hidden = !err;
    this.errorBox.textContent = err;
    this.emptyBox.hidden = hasData || computing || writing || !!err;
    return computing;
  }
}
