// anywidget entry: wire the model (traits) to the view, and back. No logic of its own.
import { DATA_TRAITS, readData } from "./data.js";
import { createView } from "./view.js";

const CONTROL_TRAITS = ["layer", "quantile", "granularity", "show_special", "include_special", "word_agg"];
const META_TRAITS = ["model_name", "note", "normalize"];
const STATUS_TRAITS = ["status", "progress", "error"];

/**
 * Connect `model` (anywidget interface) to a new view in `el`; returns the cleanup.
 * kernel: a kernel answers custom messages (top hidden dims asked for when the data lack them).
 */
export function connect(model, el, { kernel = false } = {}) {
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

  const meta = () => view.setMeta(Object.fromEntries(META_TRAITS.map((n) => [n, model.get(n)])));
  const status = () =>
    view.setStatus(Object.fromEntries(STATUS_TRAITS.map((n) => [n, model.get(n)])));
  const controls = () => {
    for (const n of CONTROL_TRAITS) {
      const v = model.get(n);
      if (v !== undefined && v !== null) view.setControl(n, v);
    }
  };
  const load = () => {
    let result;
    try {
      result = readData((n) => model.get(n));
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
      controls();
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

  on(DATA_TRAITS, scheduleLoad);
  on(META_TRAITS, meta);
  on(STATUS_TRAITS, status);
  for (const n of CONTROL_TRAITS) on([n], () => view.setControl(n, model.get(n)));

  meta();
  controls();
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
