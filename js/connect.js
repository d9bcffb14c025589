// Wire an anywidget model (get/set/save_changes/on/off/send) to the view: one pane
// (connectPane), and the pane beside it while compare_score names a score (connect). Used by the
// notebook widget (widget.js), the standalone page (standalone.js) and AFNCompare's panes
// (compare.js).
import { readData } from "./data.js";
import { panesNote } from "./panes.js";
import { askOnce, bytesLost } from "./resend.js";
import { CONTROL_TRAITS, DATA_TRAITS, STATUS_TRAITS } from "./traits.js";
import { createView } from "./view.js";

// Data traits the view takes as they come, without a rebuild: the header's labels. Every
// other data trait rebuilds the view, once per batch.
export const HEADER_TRAITS = ["model_name", "model_label", "note", "score_name"];

/**
 * Connect `model` (anywidget interface) to a view in `el`; returns {view, cleanup}.
 * kernel: a kernel answers custom messages (top hidden dims asked for when the data lack them).
 * scoreTrait: the trait of the score this pane shows (its Score selector sets it): "score", or
 * "compare_score" for the pane beside the main one.
 * follows: the pane shows only its Score selector and leaves every other setting to the main
 * pane's controls (it has no pane beside it of its own).
 * askData(): asks the kernel for the data again, when their bytes were lost on the way
 * (resend.js; the view waits for them meanwhile); null where no kernel can answer.
 */
export function connectPane(
  model,
  el,
  { kernel = false, scoreTrait = "score", follows = false, onHover = null, askData = null } = {},
) {
  const get = (n) => model.get(n);
  const requestDims = (token, version) => model.send({ kind: "top_dims", token, version });
  const traitOf = (name) => (name === "score" ? scoreTrait : name);
  const view = createView(el, {
    onControl(name, value) {
      if (follows && name === "compare_score") return;
      const trait = traitOf(name);
      if (model.get(trait) === value) return;
      model.set(trait, value);
      model.save_changes();
    },
    requestDims: kernel ? requestDims : null,
    onHover,
  });
  if (follows) view.root.classList.add("afn-pane-beside");
  const handlers = [];
  const on = (names, fn) => {
    for (const n of names) {
      const ev = `change:${n}`;
      model.on(ev, fn);
      handlers.push([ev, fn]);
    }
  };

  const pick = (names) => Object.fromEntries(names.map((n) => [n, get(n)]));
  const meta = () => view.setMeta(pick(HEADER_TRAITS));
  const status = () => view.setStatus(pick(STATUS_TRAITS));
  const setting = (n) => () => view.setControl(n, get(n));
  // every setting but the score, taken from scoreTrait (a pane that follows has no pane beside)
  const others = CONTROL_TRAITS.filter((n) => n !== "score" && !(follows && n === "compare_score"));
  const score = () => view.setControl("score", get(scoreTrait));
  // The view's settings as the model has them (one not sent yet keeps the view's default).
  const settings = () => {
    for (const n of others) {
      const v = get(n);
      if (v !== undefined && v !== null) view.setControl(n, v);
    }
    if (get(scoreTrait) != null) score();
  };
  const load = () => {
    if (askData && bytesLost(get)) {
      askData();
      view.setData({ stale: true });
      return;
    }
    let result;
    try {
      result = readData(get);
    } catch (err) {
      result = { error: String((err && err.message) || err) };
    }
    view.setData(result);
  };

  // Python sends a batch of data traits together (hold_sync): rebuild once per batch.
  let pending = false;
  const scheduleLoad = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      if (!pending) return;
      pending = false;
      settings();
      load();
    });
  };

  // anywidget calls it with (content, buffers).
  const onMessage = (content) => {
    if (content && content.kind === "top_dims") view.setDims(content);
  };
  if (kernel) {
    model.on("msg:custom", onMessage);
    handlers.push(["msg:custom", onMessage]);
  }

  const inPlace = new Set(HEADER_TRAITS);
  for (const n of DATA_TRAITS) on([n], inPlace.has(n) ? meta : scheduleLoad);
  on(STATUS_TRAITS, status);
  for (const n of others) on([n], setting(n));
  on([scoreTrait], score);

  meta();
  settings();
  load();
  status();

  const cleanup = () => {
    pending = false;
    for (const [ev, fn] of handlers) model.off(ev, fn);
    view.destroy();
  };
  return { view, cleanup };
}

/**
 * Connect `model` to `el`: its view, and a second pane of the same text beside it while the
 * compare_score trait names a score (one layer slider: the panes share every setting but the
 * score; hovering a unit marks it in both; the header says how their HIGH sets overlap).
 * kernel: a kernel answers custom messages (top dims, and the data again when their bytes were
 * lost: asked once, for both panes). Returns the cleanup.
 */
export function connect(model, el, { kernel = false } = {}) {
  const doc = el.ownerDocument;
  const host = doc.createElement("div");
  host.className = "afn-panes";
  el.appendChild(host);
  const boxA = doc.createElement("div");
  boxA.className = "afn-pane";
  host.appendChild(boxA);
  let b = null;
  let boxB = null;
  const linked = (other) => (units) => {
    if (other()) other().view.markUnits(units, "afn-linked");
  };
  const askData = kernel ? askOnce((msg) => model.send(msg)) : null;
  const a = connectPane(model, boxA, { kernel, askData, onHover: linked(() => b) });
  const overlap = () => {
    const note = b ? panesNote(a.view, b.view) : "";
    a.view.setPaneNote(note);
    if (b) b.view.setPaneNote(note);
  };
  a.view.onRefresh(overlap);
  const panes = () => {
    const want = !!model.get("compare_score");
    if (want && !b) {
      boxB = doc.createElement("div");
      boxB.className = "afn-pane";
      host.appendChild(boxB);
      b = connectPane(model, boxB, {
        kernel,
        scoreTrait: "compare_score",
        follows: true,
        askData,
        onHover: linked(() => a),
      });
      b.view.onRefresh(overlap);
    } else if (!want && b) {
      b.cleanup();
      boxB.remove();
      b = null;
      boxB = null;
    }
    host.classList.toggle("afn-two", !!b);
    overlap();
  };
  model.on("change:compare_score", panes);
  panes();
  return () => {
    model.off("change:compare_score", panes);
    if (b) b.cleanup();
    a.cleanup();
    host.remove();
  };
}
