// The tooltip's top hidden dims of one token at one layer: from the bytes embedded in the data
// (standalone page, older kernels) or, in a live widget, from the kernel's reply to a request,
// one per token and data version. Pure (the request is a callback), unit-tested.

/** An empty store of replies: token -> {dims, share} or {error}, and the tokens asked for. */
export function dimsStore() {
  return { replies: new Map(), asked: new Set() };
}

const isRow = (r, k) => Array.isArray(r) && r.length === k && r.every((x) => Number.isFinite(x));

const isTable = (t, rows, k) =>
  Array.isArray(t) && t.length === rows && t.every((r) => isRow(r, k));

/**
 * Check a "top_dims" reply against `data`: the store entry {dims, share} or {error}, or null
 * when it is for another data version, token out of range, or not (n_layers+1) rows of k numbers.
 */
export function checkDimsReply(msg, data) {
  if (!msg || typeof msg !== "object" || !data) return null;
  if (msg.version !== data.dimsVersion) return null;
  const t = msg.token;
  if (!Number.isInteger(t) || t < 0 || t >= data.nTokens) return null;
  if (typeof msg.error === "string") return { error: msg.error };
  const rows = data.nLayers + 1;
  const k = data.topK;
  if (!(k > 0) || !isTable(msg.dims, rows, k) || !isTable(msg.share, rows, k)) return null;
  return { dims: msg.dims, share: msg.share };
}

/** Keep a reply that fits `data` in the store: its token, or -1 when it was ignored. */
export function storeReply(store, data, msg) {
  const entry = checkDimsReply(msg, data);
  if (!entry) return -1;
  store.replies.set(msg.token, entry);
  return msg.token;
}

/** [{dim, share}] of token t at layer L from the embedded bytes (k per token per layer). */
export function embeddedDims(data, t, L) {
  const k = data.topK;
  const out = [];
  for (let j = 0; j < k; j++) {
    const p = (L * data.nTokens + t) * k + j;
    out.push({ dim: data.topDims.getUint16(p * 2, true), share: data.topShare.getUint8(p) });
  }
  return out;
}

/** [{dim, share}] at layer L of a stored reply. */
export function replyDims(entry, L) {
  return entry.dims[L].map((dim, j) => ({ dim, share: entry.share[L][j] }));
}

/**
 * The dims of token t at layer L: {dims: [{dim, share}]} (empty: no dims box), {pending: true}
 * while the reply is awaited, or {error}. Embedded bytes come first; otherwise the stored reply,
 * else ask(t, version) once (none without `ask`: a page with no kernel behind it).
 */
export function dimsFor(data, store, t, L, ask) {
  if (!(data.topK > 0) || !Number.isInteger(t) || t < 0 || t >= data.nTokens) return { dims: [] };
  if (data.topDims) return { dims: embeddedDims(data, t, L) };
  const got = store.replies.get(t);
  if (got) return got.error !== undefined ? { error: got.error } : { dims: replyDims(got, L) };
  if (!ask) return { dims: [] };
  if (!store.asked.has(t)) {
    store.asked.add(t);
    try {
      ask(t, data.dimsVersion);
    } catch (err) {
      store.asked.delete(t); // asked again on the next look
      return { error: `cannot ask for them: ${(err && err.message) || err}` };
    }
  }
  return { pending: true };
}
