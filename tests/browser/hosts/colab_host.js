// A Colab-like host: Colab's own widget manager (built from its open-source snapshot, served beside
// this file as manager.min.js) given the host API it expects (its src/api.ts: getModelState,
// openCommChannel, renderOutput) over a real kernel, spoken to through jupyter_server's kernel
// websocket with the Jupyter message protocol (binary frames for messages with buffers).
//
// What Colab's frontend does with a kernel's widget messages is not public; this host does what
// the manager's API and its issue #33 imply, and nothing kinder:
// - comm_open (target jupyter.widget): the model's state is kept as the message's JSON only, its
//   binary buffers dropped (the bytes traits set when the widget was made have no value), and
//   manager.commChannelOpened(id, comm, data, buffers) is called, which drops them too (and
//   then fails on the state's buffer paths, so a widget with bytes gets its model on render);
// - comm_msg "update" / "echo_update": the state kept takes the new values, buffers included
//   (the manager passes an update's buffers on to its models);
// - getModelState(id): the state kept, and a comm that delivers the messages from then on;
// - display_data / execute_result / update_display_data with a widget view: manager.render.
// The test drives it with window.colab.run(code) -> {stdout, errors}.
import { createWidgetManager } from "./manager.min.js";

const params = new URLSearchParams(location.search);
const session = crypto.randomUUID();

// ---------- the kernel's websocket (jupyter_server's default protocol) ----------
/** A Jupyter message with buffers as one binary frame: part count, offsets, JSON, buffers. */
function packBinary(msg, buffers) {
  const json = new TextEncoder().encode(JSON.stringify(msg));
  const bytes = (b) => {
    if (!ArrayBuffer.isView(b)) return new Uint8Array(b);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  const parts = [json, ...buffers.map(bytes)];
  const head = 4 * (parts.length + 1);
  const total = head + parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  let at = head;
  parts.forEach((p, i) => {
    view.setUint32(4 * (i + 1), at);
    out.set(p, at);
    at += p.byteLength;
  });
  return out.buffer;
}

/** A binary frame -> the message, its buffers as ArrayBuffers of their own. */
function unpackBinary(frame) {
  const view = new DataView(frame);
  const n = view.getUint32(0);
  const offsets = [];
  for (let i = 0; i < n; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(frame.byteLength);
  const parts = offsets.slice(0, -1).map((start, i) => frame.slice(start, offsets[i + 1]));
  const msg = JSON.parse(new TextDecoder().decode(parts[0]));
  msg.buffers = parts.slice(1);
  return msg;
}

class Kernel {
  constructor(url) {
    this.url = url;
    this.onIopub = () => {};
    this.replies = new Map(); // msg_id -> resolve(shell reply)
  }

  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (ev) => {
      const msg = typeof ev.data === "string" ? JSON.parse(ev.data) : unpackBinary(ev.data);
      msg.buffers = msg.buffers || [];
      if (msg.channel === "iopub") this.onIopub(msg);
      else if (msg.channel === "shell") {
        const done = this.replies.get(msg.parent_header.msg_id);
        if (done) done(msg);
      }
    };
    return new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error("the kernel's websocket failed"));
    });
  }

  /** Send a shell message; returns its msg_id. */
  send(msg_type, content, buffers = []) {
    const header = {
      msg_id: crypto.randomUUID(),
      msg_type,
      session,
      username: "colab-like-host",
      date: new Date().toISOString(),
      version: "5.3",
    };
    const msg = { header, parent_header: {}, metadata: {}, content, channel: "shell" };
    if (buffers.length) this.ws.send(packBinary(msg, buffers));
    else this.ws.send(JSON.stringify(msg));
    return header.msg_id;
  }

  /** Send a shell request and wait for its reply. */
  request(msg_type, content) {
    const id = this.send(msg_type, content);
    return new Promise((resolve) => this.replies.set(id, resolve));
  }
}

// ---------- comms: every message of a comm, for each model that listens ----------
class Channel {
  constructor(kernel, id) {
    this.kernel = kernel;
    this.id = id;
    this.log = []; // {data, buffers} from the kernel, in order
    this.closed = false;
    this.wake = [];
  }

  push(message) {
    this.log.push(message);
    this.notify();
  }

  close() {
    this.closed = true;
    this.notify();
  }

  notify() {
    const wake = this.wake;
    this.wake = [];
    for (const fn of wake) fn();
  }

  /** An IComm (src/api.ts) delivering this comm's messages from the `since`-th on. */
  comm(since) {
    const channel = this;
    return {
      send: async (data, opts) => {
        const buffers = (opts && opts.buffers) || [];
        channel.kernel.send("comm_msg", { comm_id: channel.id, data }, buffers);
      },
      close: () => channel.kernel.send("comm_close", { comm_id: channel.id, data: {} }),
      messages: {
        [Symbol.asyncIterator]() {
          let i = since;
          return {
            async next() {
              while (i >= channel.log.length && !channel.closed) {
                await new Promise((resolve) => channel.wake.push(resolve));
              }
              if (i < channel.log.length) return { value: channel.log[i++], done: false };
              return { value: undefined, done: true };
            },
          };
        },
      },
    };
  }
}

// ---------- the host ----------
const kernel = new Kernel(
  `ws://${location.host}/api/kernels/${params.get("kernel")}/channels` +
    `?session_id=${session}&token=${encodeURIComponent(params.get("token"))}`,
);
const channels = new Map(); // comm_id -> Channel
const kept = new Map(); // model id -> {modelName, modelModule, modelModuleVersion, state}
const dropped = {}; // model id -> the buffer paths of its comm_open, whose buffers were dropped
const openErrors = []; // what commChannelOpened threw (it cannot take a state without its buffers)

// A state's values at buffer_paths set to DataViews of the buffers (Jupyter's put_buffers).
function putBuffers(state, paths, buffers) {
  paths.forEach((path, i) => {
    let obj = state;
    for (const key of path.slice(0, -1)) obj = obj[key];
    obj[path[path.length - 1]] = new DataView(buffers[i]);
  });
}

function renderText(output, el) {
  const data = (output && output.data) || {};
  const pre = document.createElement("pre");
  pre.textContent = String(data["text/plain"] || "");
  el.append(pre);
}

const environment = {
  async getModelState(modelId) {
    const model = kept.get(modelId);
    if (!model) return undefined;
    const channel = channels.get(modelId);
    return {
      ...model,
      state: structuredClone(model.state),
      comm: channel && !channel.closed ? channel.comm(channel.log.length) : undefined,
    };
  },
  async openCommChannel(targetName, data, buffers) {
    const id = crypto.randomUUID();
    const channel = new Channel(kernel, id);
    channels.set(id, channel);
    kernel.send("comm_open", { comm_id: id, target_name: targetName, data }, buffers || []);
    return channel.comm(0);
  },
  async renderOutput(output, el) {
    renderText(output, el);
  },
};
const manager = createWidgetManager(environment);

function onComm(msg) {
  const { comm_id: id, data } = msg.content;
  if (msg.msg_type === "comm_open") {
    if (msg.content.target_name !== "jupyter.widget") return;
    const channel = new Channel(kernel, id);
    channels.set(id, channel);
    const state = structuredClone(data.state); // the JSON only: the buffers are dropped
    dropped[id] = data.buffer_paths || [];
    kept.set(id, {
      modelName: state._model_name,
      modelModule: state._model_module,
      modelModuleVersion: state._model_module_version,
      state,
    });
    Promise.resolve()
      .then(() => manager.commChannelOpened(id, channel.comm(0), data, msg.buffers))
      .catch((err) => openErrors.push(String((err && err.message) || err)));
    return;
  }
  const channel = channels.get(id);
  if (!channel) return;
  if (msg.msg_type === "comm_close") {
    channel.close();
    return;
  }
  const model = kept.get(id);
  if (model && data && (data.method === "update" || data.method === "echo_update")) {
    const update = structuredClone(data.state || {});
    putBuffers(update, data.buffer_paths || [], msg.buffers);
    Object.assign(model.state, update);
  }
  channel.push({ data, buffers: msg.buffers });
}

// ---------- cells: run code, show its outputs ----------
const WIDGET = "application/vnd.jupyter.widget-view+json";
const shown = new Map(); // display_id -> [element]
const running = new Map(); // execute msg_id -> {cell, stdout, errors}

function showOutput(el, content) {
  el.replaceChildren();
  const data = content.data || {};
  if (data[WIDGET]) {
    el.dataset.model = data[WIDGET].model_id;
    manager.render(data[WIDGET].model_id, el).catch((err) => {
      el.textContent = `render failed: ${err}`;
    });
  } else renderText(content, el);
}

function onOutput(msg) {
  const content = msg.content;
  const displayId = content.transient && content.transient.display_id;
  if (msg.msg_type === "update_display_data") {
    for (const el of shown.get(displayId) || []) showOutput(el, content);
    return;
  }
  const run = running.get(msg.parent_header.msg_id);
  if (!run) return;
  if (msg.msg_type === "stream") {
    run.stdout += content.text;
    const pre = document.createElement("pre");
    pre.className = "colab-stream";
    pre.textContent = content.text;
    run.cell.append(pre);
  } else if (msg.msg_type === "status" && content.execution_state === "idle") {
    run.idle();
  } else if (msg.msg_type === "error") {
    run.errors.push(`${content.ename}: ${content.evalue}`);
    const pre = document.createElement("pre");
    pre.className = "colab-error";
    pre.textContent = `${content.ename}: ${content.evalue}`;
    run.cell.append(pre);
  } else if (msg.msg_type === "display_data" || msg.msg_type === "execute_result") {
    const el = document.createElement("div");
    el.className = "colab-output";
    run.cell.append(el);
    if (displayId) shown.set(displayId, [...(shown.get(displayId) || []), el]);
    showOutput(el, content);
  }
}

kernel.onIopub = (msg) => {
  if (msg.msg_type.startsWith("comm_")) onComm(msg);
  else onOutput(msg);
};

let cells = 0;
async function run(code) {
  const cell = document.createElement("div");
  cell.className = "colab-cell";
  cell.dataset.cell = String(cells++);
  document.getElementById("cells").append(cell);
  const id = kernel.send("execute_request", {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
  });
  const record = { cell, stdout: "", errors: [] };
  // the outputs have all come once the kernel says, on iopub, that it is idle again
  const idle = new Promise((resolve) => {
    record.idle = resolve;
  });
  running.set(id, record);
  const reply = await new Promise((resolve) => kernel.replies.set(id, resolve));
  await idle;
  const { status } = reply.content;
  return { status, stdout: record.stdout, errors: record.errors, cell: Number(cell.dataset.cell) };
}

await kernel.connect();
await kernel.request("kernel_info_request", {});
window.colab = { run, openErrors, dropped, kept };
window.colabReady = true;
