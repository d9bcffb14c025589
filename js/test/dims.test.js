import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDimsReply, dimsFor, dimsStore, storeReply } from "../dims.js";

// 2 layers + embeddings, 4 tokens, k = 2; no embedded bytes (the live widget).
const DATA = { nTokens: 4, nLayers: 2, topK: 2, topDims: null, topShare: null, dimsVersion: 7 };

const reply = (over = {}) => ({
  kind: "top_dims",
  version: 7,
  token: 1,
  dims: [
    [5, 9],
    [300, 2],
    [11, 12],
  ],
  share: [
    [40, 10],
    [55, 3],
    [20, 19],
  ],
  ...over,
});

function asker() {
  const calls = [];
  const ask = (t, v) => calls.push([t, v]);
  return { ask, calls };
}

test("checkDimsReply: a reply that fits the data", () => {
  const r = reply();
  assert.deepEqual(checkDimsReply(r, DATA), { dims: r.dims, share: r.share });
  assert.deepEqual(checkDimsReply(reply({ token: 3 }), DATA).dims, r.dims);
  assert.deepEqual(checkDimsReply({ version: 7, token: 0, error: "<b>x</b>" }, DATA), {
    error: "<b>x</b>",
  });
});

test("checkDimsReply: other versions, tokens out of range and bad shapes are ignored", () => {
  const bad = [
    reply({ version: 6 }),
    reply({ version: "7" }),
    reply({ version: undefined }),
    reply({ token: 4 }),
    reply({ token: -1 }),
    reply({ token: 1.5 }),
    reply({ token: "1" }),
    reply({ dims: undefined }),
    reply({ share: undefined }),
    reply({ dims: [[5, 9], [300, 2]] }), // a layer missing
    reply({ dims: [[5, 9], [300, 2], [11, 12], [1, 2]] }), // a layer too many
    reply({ share: [[40], [55], [20]] }), // k - 1 per layer
    reply({ dims: [[5, 9, 1], [300, 2, 1], [11, 12, 1]] }), // k + 1 per layer
    reply({ dims: [[5, NaN], [300, 2], [11, 12]] }),
    reply({ share: [[40, 10], [55, Infinity], [20, 19]] }),
    reply({ dims: [[5, "9"], [300, 2], [11, 12]] }),
    reply({ dims: [[5, null], [300, 2], [11, 12]] }),
    reply({ dims: "5,9" }),
    { version: 7, token: 1, error: 42 },
    null,
    "top_dims",
  ];
  for (const msg of bad) assert.equal(checkDimsReply(msg, DATA), null, JSON.stringify(msg));
  assert.equal(checkDimsReply(reply(), null), null);
  assert.notEqual(checkDimsReply(reply({ version: 0 }), { ...DATA, dimsVersion: 0 }), null);
  // top_k 0: no dims to take
  const none = reply({ dims: [[], [], []], share: [[], [], []] });
  assert.equal(checkDimsReply(none, { ...DATA, topK: 0 }), null);
});

test("dimsFor: asks once per token, pending until the reply, then every layer from it", () => {
  const store = dimsStore();
  const { ask, calls } = asker();
  assert.deepEqual(dimsFor(DATA, store, 1, 0, ask), { pending: true });
  assert.deepEqual(dimsFor(DATA, store, 1, 2, ask), { pending: true });
  assert.deepEqual(calls, [[1, 7]]);
  assert.equal(storeReply(store, DATA, reply({ version: 6 })), -1);
  assert.deepEqual(dimsFor(DATA, store, 1, 0, ask), { pending: true });
  assert.equal(storeReply(store, DATA, reply()), 1);
  assert.deepEqual(dimsFor(DATA, store, 1, 1, ask), {
    dims: [
      { dim: 300, share: 55 },
      { dim: 2, share: 3 },
    ],
  });
  assert.deepEqual(dimsFor(DATA, store, 1, 2, ask).dims, [
    { dim: 11, share: 20 },
    { dim: 12, share: 19 },
  ]);
  assert.deepEqual(calls, [[1, 7]]);
  assert.deepEqual(dimsFor(DATA, store, 2, 1, ask), { pending: true });
  assert.deepEqual(calls, [
    [1, 7],
    [2, 7],
  ]);
});

test("dimsFor: an error reply is kept and not asked again", () => {
  const store = dimsStore();
  const { ask, calls } = asker();
  dimsFor(DATA, store, 3, 0, ask);
  assert.equal(storeReply(store, DATA, { version: 7, token: 3, error: "no kernel" }), 3);
  assert.deepEqual(dimsFor(DATA, store, 3, 2, ask), { error: "no kernel" });
  assert.deepEqual(calls, [[3, 7]]);
});

test("dimsFor: a failing request is an error, asked again next time", () => {
  const store = dimsStore();
  let n = 0;
  const ask = () => {
    n++;
    throw new Error("comm closed");
  };
  assert.deepEqual(dimsFor(DATA, store, 2, 0, ask), { error: "cannot ask for them: comm closed" });
  assert.deepEqual(dimsFor(DATA, store, 2, 0, ask), { error: "cannot ask for them: comm closed" });
  assert.equal(n, 2);
});

test("dimsFor: no request with top_k 0, a token out of range, or nobody to ask", () => {
  const { ask, calls } = asker();
  assert.deepEqual(dimsFor({ ...DATA, topK: 0 }, dimsStore(), 1, 0, ask), { dims: [] });
  assert.deepEqual(dimsFor(DATA, dimsStore(), 4, 0, ask), { dims: [] });
  assert.deepEqual(dimsFor(DATA, dimsStore(), -1, 0, ask), { dims: [] });
  assert.deepEqual(dimsFor(DATA, dimsStore(), 1, 0, null), { dims: [] });
  assert.deepEqual(calls, []);
});

test("dimsFor: embedded bytes are read, never asked for", () => {
  // uint16 dims and uint8 shares, (layer, token, k) order
  const n = (DATA.nLayers + 1) * DATA.nTokens * DATA.topK;
  const dimsBuf = new DataView(new ArrayBuffer(n * 2));
  const shareBuf = new DataView(new ArrayBuffer(n));
  for (let p = 0; p < n; p++) {
    dimsBuf.setUint16(p * 2, 1000 + p, true);
    shareBuf.setUint8(p, p);
  }
  const data = { ...DATA, topDims: dimsBuf, topShare: shareBuf };
  const { ask, calls } = asker();
  const p = (2 * DATA.nTokens + 3) * 2; // layer 2, token 3
  assert.deepEqual(dimsFor(data, dimsStore(), 3, 2, ask), {
    dims: [
      { dim: 1000 + p, share: p },
      { dim: 1001 + p, share: p + 1 },
    ],
  });
  assert.deepEqual(calls, []);
});
