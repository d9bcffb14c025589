import assert from "node:assert/strict";
import { test } from "node:test";
import { paneModel } from "../compare.js";
import { readData } from "../data.js";
import { askOnce, bytesLost, DATA_BYTES, RESEND_KIND } from "../resend.js";
import { columns } from "./columns.js";

function f32(values) {
  const dv = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  return dv;
}

const empty = () => new DataView(new ArrayBuffer(0));

// A state as Python sends it: every bytes trait a DataView, the optional ones empty.
function state(over = {}) {
  const tokens = [
    ["[CLS]", null, "special", 0],
    ["hi", [0, 2], "content", 1],
    ["there", [3, 8], "content", 2],
    ["[SEP]", null, "special", 3],
  ];
  const words = [[null, "special"], [[0, 2], "content"], [[3, 8], "content"], [null, "special"]];
  return {
    ...columns("Hi there", tokens, words),
    n_layers: 1,
    norms: f32([1, 2, 3, 4, 5, 6, 7, 8]),
    top_k: 0,
    top_dims: empty(),
    top_share: empty(),
    score_names: ["tas"],
    score_values: empty(),
    ...over,
  };
}

// What a host that drops a message's buffers leaves of a state: Jupyter takes every bytes value
// out of the JSON (a dict's key removed, in nested dicts too) and sends it as a buffer.
function dropBuffers(value) {
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof DataView) continue;
    out[k] = v && typeof v === "object" && !Array.isArray(v) ? dropBuffers(v) : v;
  }
  return out;
}

const getter = (s) => (n) => s[n];

test("resend: data with all their bytes are not lost, nor are data without tokens", () => {
  assert.equal(bytesLost(getter(state())), false);
  assert.ok(readData(getter(state())).data);
  // no tokens yet (a view still computing): nothing to draw, nothing lost
  const none = { text: "", tokens: [], n_tokens: 0, n_layers: 0 };
  assert.equal(bytesLost(getter(none)), false);
  // empty bytes are bytes that arrived: a wrong length is readData's error, not a lost buffer
  const short = state({ norms: empty() });
  assert.equal(bytesLost(getter(short)), false);
  assert.match(readData(getter(short)).error, /^norms: expected 8 float32 values/);
});

test("resend: the state left when a host drops the buffers is lost, whichever column", () => {
  const dropped = dropBuffers(state());
  const gone = Object.keys(state()).filter((k) => !(k in dropped));
  assert.deepEqual(gone.sort(), [...DATA_BYTES, "score_values", "top_dims", "top_share"].sort());
  assert.equal(bytesLost(getter(dropped)), true);
  for (const name of DATA_BYTES) {
    const s = state({ [name]: undefined });
    assert.equal(bytesLost(getter(s)), true, name);
    assert.ok(readData(getter(s)).error, name); // what the view would otherwise show
    assert.equal(bytesLost(getter(state({ [name]: null }))), true, name);
  }
  // optional columns: absent top dims are asked for token by token, so not lost
  assert.equal(bytesLost(getter(state({ top_dims: undefined, top_share: undefined }))), false);
  // score_values only while scores beyond TAS are named
  assert.equal(bytesLost(getter(state({ score_values: undefined }))), false);
  const scored = { score_names: ["tas", "attention"], score_values: f32(new Array(8).fill(1)) };
  assert.equal(bytesLost(getter(state(scored))), false);
  assert.ok(readData(getter(state(scored))).data);
  assert.equal(bytesLost(getter(state({ ...scored, score_values: undefined }))), true);
});

test("resend: askOnce sends the request the first time only", () => {
  const sent = [];
  const ask = askOnce((msg) => sent.push(msg));
  assert.deepEqual(sent, []);
  ask();
  ask();
  ask();
  assert.deepEqual(sent, [{ kind: RESEND_KIND }]);
  assert.equal(RESEND_KIND, "resend_data");
});

test("resend: an AFNCompare pane reads its lost bytes from its dict of traits", () => {
  const values = { pane_a: state(), pane_b: state(), layer: 0, layer_map: [0, 1] };
  const model = { get: (n) => values[n], on() {}, off() {}, send() {}, save_changes() {} };
  assert.equal(bytesLost(paneModel(model, "a").get), false);
  // the comm_open's buffers dropped: the panes' bytes are gone from their dicts
  const dropped = dropBuffers(values);
  const lostModel = { ...model, get: (n) => dropped[n] };
  assert.equal(bytesLost(paneModel(lostModel, "a").get), true);
  assert.equal(bytesLost(paneModel(lostModel, "b").get), true);
});
