// Read and check the data traits into typed arrays. Pure (takes a getter), unit-tested.
import { wordMembers } from "./stats.js";

function byteView(x) {
  if (x == null) return null;
  if (x instanceof DataView) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  return null;
}

/**
 * float32 little-endian bytes -> Float32Array. A DataView may be a window into a larger buffer:
 * use buffer + byteOffset + byteLength, and copy when the offset is not 4-aligned.
 * Plain arrays of numbers are accepted too.
 */
export function toFloat32(x) {
  if (x == null) return null;
  if (x instanceof Float32Array) return x;
  if (Array.isArray(x)) return Float32Array.from(x);
  const b = byteView(x);
  if (!b || b.byteLength % 4 !== 0) return null;
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(b.slice().buffer);
}

/** Bytes (DataView/typed array/ArrayBuffer) -> DataView, for endian-safe reads; else null. */
export function toDataView(x) {
  const b = byteView(x);
  return b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null;
}

const isInt = (x) => Number.isInteger(x);

/**
 * True when the data traits were computed for another text: each word's text is the slice of
 * the text it spans, so a mismatch means `text` changed and its analysis has not arrived yet
 * (Python sends the new text first, then status "computing", then the data).
 */
export function isStale(text, words) {
  for (const w of words) {
    if (!w || typeof w.text !== "string" || !isInt(w.start) || !isInt(w.end)) continue;
    if (text.slice(w.start, w.end) !== w.text) return true;
  }
  return false;
}

/**
 * Check and convert the data traits. Returns {data}, {error: string}, {stale: true} (data of
 * another text: keep showing what is shown) or {data: null} (no tokens: nothing to show yet).
 */
export function readData(get) {
  const text = get("text");
  const tokens = get("tokens") || [];
  const nTokens = get("n_tokens");
  const nLayers = get("n_layers");
  if (typeof text !== "string") return { error: "text is not a string" };
  if (!Array.isArray(tokens) || tokens.length === 0 || !nTokens) return { data: null };
  if (!isInt(nTokens) || tokens.length !== nTokens)
    return { error: `n_tokens (${nTokens}) does not match ${tokens.length} tokens` };
  if (!isInt(nLayers) || nLayers < 0) return { error: `n_layers is not a non-negative integer` };
  const offsets = get("offsets") || [];
  const roles = get("roles") || [];
  const wordOf = get("word_of") || [];
  const words = get("words") || [];
  if (offsets.length !== nTokens) return { error: `offsets: expected ${nTokens} entries` };
  if (roles.length !== nTokens) return { error: `roles: expected ${nTokens} entries` };
  if (wordOf.length !== nTokens) return { error: `word_of: expected ${nTokens} entries` };
  if (!Array.isArray(words)) return { error: "words is not a list" };
  if (isStale(text, words)) return { stale: true };
  const norms = toFloat32(get("norms"));
  const want = (nLayers + 1) * nTokens;
  if (!norms || norms.length !== want)
    return {
      error: `norms: expected ${want} float32 values ((n_layers+1) x n_tokens), got ${norms ? norms.length : "none"}`,
    };

  const scored = readScores(get, norms, want);
  if (scored.error) return { error: scored.error };
  const massive = readMassive(get("massive"), nLayers, nTokens);

  // Hidden-dimension details are optional: ignored unless their sizes fit.
  const topK = get("top_k") | 0;
  let topDims = toDataView(get("top_dims"));
  let topShare = toDataView(get("top_share"));
  if (!(topK > 0) || !topDims || topDims.byteLength !== want * topK * 2) topDims = null;
  if (!topDims || !topShare || topShare.byteLength !== want * topK) {
    topDims = null;
    topShare = null;
  }
  // Changes with every new analysis: a reply about top dims must carry the current one.
  const version = get("dims_version");
  const dimsVersion = isInt(version) ? version : 0;

  const tokenSpecial = new Uint8Array(nTokens);
  for (let i = 0; i < nTokens; i++) tokenSpecial[i] = roles[i] === "special" ? 1 : 0;
  const wordSpecial = new Uint8Array(words.length);
  for (let w = 0; w < words.length; w++)
    wordSpecial[w] = words[w] && words[w].role === "special" ? 1 : 0;
  const members = wordMembers(wordOf, words.length);

  return {
    data: {
      text,
      tokens: tokens.map((t) => String(t)),
      offsets,
      roles,
      wordOf,
      words,
      nLayers,
      nTokens,
      norms,
      topK,
      topDims,
      topShare,
      dimsVersion,
      tokenSpecial,
      wordSpecial,
      members,
      scores: scored.scores,
      unavailable: scored.unavailable,
      massiveAt: massive.flags,
      massiveInfo: massive.info,
      includeMassive: !!get("include_massive"),
    },
  };
}

/** The scores a view can show, as they are named in Python (afn_widget.result.SCORES). */
export const SCORE_NAMES = ["tas", "attention", "attn_norm", "delta_norm", "displacement", "cos_change"];

/**
 * score_names ("tas" first) and score_values (float32, the others' [L+1, n] matrices one after
 * the other) -> {scores: Map name -> Float32Array (tas: the norms), unavailable: {name: why}}
 * or {error}.
 */
export function readScores(get, norms, want) {
  const names = get("score_names");
  const list = Array.isArray(names) && names.length ? names.map(String) : ["tas"];
  if (list[0] !== "tas" || list.some((n) => !SCORE_NAMES.includes(n)))
    return { error: `score_names: expected "tas" first, then names of ${SCORE_NAMES.join(", ")}` };
  const scores = new Map([["tas", norms]]);
  const rest = list.slice(1);
  if (rest.length) {
    const all = toFloat32(get("score_values"));
    if (!all || all.length !== want * rest.length)
      return {
        error: `score_values: expected ${want * rest.length} float32 values (${rest.length} score(s) x (n_layers+1) x n_tokens), got ${all ? all.length : "none"}`,
      };
    rest.forEach((n, k) => scores.set(n, all.subarray(k * want, (k + 1) * want)));
  }
  const why = get("score_unavailable");
  const unavailable = {};
  if (why && typeof why === "object")
    for (const n of SCORE_NAMES) if (typeof why[n] === "string") unavailable[n] = why[n];
  return { scores, unavailable };
}

/**
 * massive: [[layer, token, dim, value], ...] -> {flags: Uint8Array((L+1) x n) or null (none),
 * info: Map(layer * n + token -> [dim, value])}. Entries outside the data are ignored.
 */
export function readMassive(list, nLayers, nTokens) {
  const info = new Map();
  if (!Array.isArray(list) || !list.length) return { flags: null, info };
  const flags = new Uint8Array((nLayers + 1) * nTokens);
  for (const e of list) {
    if (!Array.isArray(e) || e.length < 4) continue;
    const [L, t, dim, value] = e;
    if (!isInt(L) || !isInt(t) || L < 0 || L > nLayers || t < 0 || t >= nTokens) continue;
    flags[L * nTokens + t] = 1;
    info.set(L * nTokens + t, [dim, Number(value)]);
  }
  return { flags: info.size ? flags : null, info };
}

/**
 * The units of one granularity: ranges, special flags, roles, labels (what a pill shows),
 * surfaces (the unit's own text where it has one, else its label) and the tokens of each unit.
 */
export function unitsOf(data, granularity) {
  if (granularity === "word") {
    const { words, members } = data;
    const label = (u) => {
      const w = words[u];
      if (w && typeof w.text === "string" && w.text !== "") return w.text;
      const s = members.start[u];
      return s < members.start[u + 1] ? data.tokens[members.tokens[s]] : "";
    };
    return {
      kind: "word",
      count: words.length,
      ranges: words.map((w) =>
        w && w.start != null && w.end != null ? [w.start, w.end] : null,
      ),
      special: data.wordSpecial,
      roles: words.map((w) => (w && w.role) || ""),
      label,
      surface: label,
      tokensOf: (u) => Array.from(members.tokens.subarray(members.start[u], members.start[u + 1])),
      members,
    };
  }
  return {
    kind: "token",
    count: data.nTokens,
    ranges: data.offsets,
    special: data.tokenSpecial,
    roles: data.roles,
    label: (u) => data.tokens[u],
    surface: (u) => {
      const r = data.offsets[u];
      const t = r && !data.tokenSpecial[u] ? data.text.slice(r[0], r[1]) : "";
      return t || data.tokens[u];
    },
    tokensOf: (u) => [u],
    members: null,
  };
}

/** "token"/"tokens" or "word"/"words" for n of `units` (tokens when there are none). */
export function unitNoun(units, n) {
  if (units && units.kind === "word") return n === 1 ? "word" : "words";
  return n === 1 ? "token" : "tokens";
}
