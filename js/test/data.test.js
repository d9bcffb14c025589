import assert from "node:assert/strict";
import { test } from "node:test";
import { readData, toFloat32, unitNoun, unitsOf } from "../data.js";
import { DATA_TRAITS } from "../traits.js";
import { base64ToDataView, createStaticModel, decodeState } from "../static_model.js";
import { columns, int32, roleCodes } from "./columns.js";

function f32bytes(values, pad = 0) {
  const buf = new ArrayBuffer(pad + values.length * 4 + 3);
  const dv = new DataView(buf, pad, values.length * 4);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return dv;
}

test("toFloat32 reads a DataView window, aligned or not", () => {
  const aligned = toFloat32(f32bytes([1.5, -2, 3], 8));
  assert.deepEqual(Array.from(aligned), [1.5, -2, 3]);
  const unaligned = toFloat32(f32bytes([1.5, -2, 3], 3));
  assert.deepEqual(Array.from(unaligned), [1.5, -2, 3]);
  assert.equal(toFloat32(new DataView(new ArrayBuffer(6))), null);
  assert.equal(toFloat32([1.5, -2, 3]), null); // Python sends bytes, never a list
});

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
    norms: f32bytes([1, 2, 3, 4, 5, 6, 7, 8], 4),
    top_k: 0,
    top_dims: new DataView(new ArrayBuffer(0)),
    top_share: new DataView(new ArrayBuffer(0)),
    ...over,
  };
}

test("readData: a consistent state", () => {
  const s = state();
  const { data, error } = readData((k) => s[k]);
  assert.equal(error, undefined);
  assert.equal(data.nTokens, 4);
  assert.deepEqual(Array.from(data.tokenSpecial), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(data.norms), [1, 2, 3, 4, 5, 6, 7, 8]);
  const w = unitsOf(data, "word");
  assert.equal(w.count, 4);
  assert.deepEqual(Array.from(w.ranges.subarray(2, 4)), [0, 2]); // int32 pairs, -1: none
  assert.deepEqual(Array.from(w.ranges.subarray(0, 2)), [-1, -1]);
  assert.equal(w.label(0), "[CLS]");
  assert.deepEqual(w.tokensOf(2), [2]);
});

test("readData: inconsistent states give an error, empty gives no data", () => {
  for (const over of [
    { n_tokens: 5 },
    { norms: f32bytes([1, 2, 3]) },
    { roles: roleCodes(["special"]) },
    { word_of: int32([0, 1, 2]) },
    { n_words: 3 },
    { text: 42 },
  ]) {
    const s = state(over);
    assert.ok(readData((k) => s[k]).error, JSON.stringify(Object.keys(over)));
  }
  const e = state({ tokens: [], n_tokens: 0 });
  assert.deepEqual(readData((k) => e[k]), { data: null });
});

test("readData: dims_version is carried, 0 when absent or not an integer", () => {
  assert.ok(DATA_TRAITS.includes("dims_version"));
  const read = (over) => {
    const s = state(over);
    return readData((k) => s[k]).data.dimsVersion;
  };
  assert.equal(read({ dims_version: 12 }), 12);
  assert.equal(read({}), 0);
  assert.equal(read({ dims_version: null }), 0);
  assert.equal(read({ dims_version: "3" }), 0);
  assert.equal(read({ dims_version: 1.5 }), 0);
});

test("readData: top dims are kept only when their sizes fit top_k", () => {
  // 2 layers x 4 tokens x k = 2
  const bytes = (n) => new DataView(new ArrayBuffer(n));
  const read = (over) => {
    const s = state(over);
    return readData((k) => s[k]).data;
  };
  const fit = read({ top_k: 2, top_dims: bytes(32), top_share: bytes(16) });
  assert.equal(fit.topK, 2);
  assert.equal(fit.topDims.byteLength, 32);
  assert.equal(fit.topShare.byteLength, 16);
  // empty bytes with top_k > 0: the live widget asks for them
  const empty = read({ top_k: 2 });
  assert.equal(empty.topK, 2);
  assert.equal(empty.topDims, null);
  assert.equal(empty.topShare, null);
  assert.equal(read({ top_k: 2, top_dims: bytes(30), top_share: bytes(16) }).topDims, null);
  assert.equal(read({ top_k: 2, top_dims: bytes(32), top_share: bytes(15) }).topDims, null);
});

test("readData: a new text with the old analysis is stale", () => {
  for (const text of ["Yo where", "Hi thera", "Hi there!"]) {
    const s = state({ text });
    assert.deepEqual(readData((k) => s[k]), { stale: true }, text);
  }
});

test("readData: only the binary columns Python sends are read", () => {
  // offsets, roles and words as JSON lists (a hand-built state) are not a second format
  const lists = {
    offsets: [null, [0, 2], [3, 8], null],
    roles: ["special", "content", "content", "special"],
    word_of: [0, 1, 2, 3],
  };
  for (const [name, value] of Object.entries(lists)) {
    const s = state({ [name]: value });
    assert.match(readData((k) => s[k]).error, new RegExp(name), name);
  }
  const s = state({ word_spans: undefined, words: [{ text: "Hi", start: 0, end: 2 }] });
  assert.match(readData((k) => s[k]).error, /word_spans/);
});

test("static model: $b64 decodes to DataView; set fires change events", () => {
  const dv = base64ToDataView("AACAPw=="); // float32 1.0 little-endian
  assert.equal(dv.getFloat32(0, true), 1);
  const dec = decodeState({ norms: { $b64: "AACAPw==" }, x: [1, { $b64: "" }], y: { a: 1 } });
  assert.ok(dec.norms instanceof DataView);
  assert.ok(dec.x[1] instanceof DataView);
  assert.deepEqual(dec.y, { a: 1 });
  const m = createStaticModel({ layer: 1 });
  const seen = [];
  const cb = (_m, v) => seen.push(v);
  m.on("change:layer", cb);
  m.set("layer", 2);
  m.set("layer", 2);
  m.save_changes();
  m.off("change:layer", cb);
  m.set("layer", 3);
  assert.deepEqual(seen, [2]);
  assert.equal(m.get("layer"), 3);
});

test("unitsOf: surfaces come from the text, labels are the tokens", () => {
  const s = state();
  const { data } = readData((k) => s[k]);
  const t = unitsOf(data, "token");
  assert.equal(t.label(1), "hi");
  assert.equal(t.surface(1), "Hi");
  assert.equal(t.surface(0), "[CLS]");
  const w = unitsOf(data, "word");
  assert.equal(w.surface(2), "there");
});

test("unitNoun: tokens unless the units are words", () => {
  const s = state();
  const { data } = readData((k) => s[k]);
  assert.equal(unitNoun(unitsOf(data, "word"), 1), "word");
  assert.equal(unitNoun(unitsOf(data, "word"), 0), "words");
  assert.equal(unitNoun(unitsOf(data, "token"), 1), "token");
  assert.equal(unitNoun(unitsOf(data, "token"), 2), "tokens");
  assert.equal(unitNoun(null, 2), "tokens");
});
