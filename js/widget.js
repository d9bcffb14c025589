// anywidget entry: wire the model (traits) to the view, and back. No logic of its own.
import { readData } from "./data.js";
import { CONTROL_TRAITS, DATA_TRAITS, STATUS_TRAITS } from "./traits.js";
import { createView } from "./view.js";

// Data traits the view takes as they come, without a rebuild: the header's labels, and how
// words aggregate their tokens (the view re-aggregates the norms it holds). Every other data
// trait rebuilds the view, once per batch.
export const HEADER_TRAITS = ["model_name", "model_label", "note", "normalize", "score_name"];
export const WORD_AGG = "word_agg";

/**
 * Connect `model` (anywidget interface) to a new view in `el`; returns the cleanup.
 * kernel: a kernel answers custom messages (top hidden dims asked for when the data lack them).
 */
export function connect(model, el, { kernel = false } = {}) {
  const get = (n) => model.get(n);
  const requestDims = (token, version) => model.send({ kind: "top_dims", token, version });
  const view = createView(el, {
    onControl(name, value) {
      if (model.get(name) === value) return;
      model.set(name, value);
      model.save_changes();
    },
    requestDims: kernel ? requestDims : null,
  });
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
  // The view's settings as the model has them (one not sent yet keeps the view's default).
  const settings = () => {
    for (const n of [...CONTROL_TRAITS, WORD_AGG]) {
      const v = get(n);
      if (v !== undefined && v !== null) view.setControl(n, v);
    }
  };
  const load = () => {
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

  const inPlace = new Map(HEADER_TRAITS.map((n) => [n, meta]));
  inPlace.set(WORD_AGG, setting(WORD_AGG));
  for (const n of DATA_TRAITS) on([n], inPlace.get(n) || scheduleLoad);
  on(STATUS_TRAITS, status);
  for (const n of CONTROL_TRAITS) on([n], setting(n));

  meta();
  settings();
  load();
  status();

  return () => {
    pending = false;
    for (const [ev, fn] of handlers) model.off(ev, fn);
    view.destroy();
  };
}

function render({ model, el }) {
  return connect(model, el, { kernel: true });
}

export default { render };
