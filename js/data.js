// Read and check the data traits into typed arrays. Pure (takes a getter), unit-tested.
import { ROLE_CODES, SCORES } from "./registry.js";
import { wordMembers } from "./stats.js";
import { readWritten } from "./written.js";

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
 */
export function toFloat32(x) {
  if (x == null) return null;
  if (x instanceof Float32Array) return x;
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
 * Check and convert the data traits, as Python sends them (afn_widget.payload: binary columns).
 * Returns {data}, {error: string}, {stale: true} (data of another text: Python sends a new text
 * first, then status "computing", then its data; meanwhile what is shown stays) or
 * {data: null} (no tokens: nothing to show yet).
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
  const cols = readColumns(get, text, tokens);
  if (cols.error || cols.stale) return cols;
  const { offsets, roles, wordOf, wordSpans, wordRoles } = cols;
  const nWords = wordRoles.length;
  if (offsets.length !== 2 * nTokens) return { error: `offsets: expected ${nTokens} entries` };
  if (roles.length !== nTokens) return { error: `roles: expected ${nTokens} entries` };
  if (wordOf.length !== nTokens) return { error: `word_of: expected ${nTokens} entries` };
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
  const wordSpecial = new Uint8Array(nWords);
  for (let w = 0; w < nWords; w++) wordSpecial[w] = wordRoles[w] === "special" ? 1 : 0;
  const members = wordMembers(wordOf, nWords);

  const shown = tokens.map((t) => String(t));
  return {
    data: {
      text,
      tokens: shown,
      pieces: readPieces(get("pieces"), shown),
      offsets,
      roles,
      wordOf,
      nWords,
      wordSpans,
      wordRoles,
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
      // a text a decoder wrote: generated, chatRoles, chatRoleNames, finishReason (written.js)
      ...readWritten(get, nTokens),
    },
  };
}

/**
 * The tokens as a reader sees them (Python's payload.shown_pieces: "␣slept" for "Ġslept"), one
 * string per token; the token strings themselves when there are none (or not one per token).
 */
export function readPieces(pieces, tokens) {
  if (!Array.isArray(pieces) || pieces.length !== tokens.length) return tokens;
  return pieces.map((p) => String(p));
}

/** The roles by their code in the roles / word_roles bytes (the registry's, as Python's). */
export { ROLE_CODES };

/** The UTF-16 length and the sum of the code units mod 2**31 (Python's payload.text_check). */
export function textCheck(text) {
  let sum = 0; // exact: below 2**53 for any text shorter than 10**11 code units
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return [text.length, sum % 2147483648];
}

// int32 little-endian bytes -> Int32Array of n values (copied when not 4-aligned), or null.
function toInt32(x, n) {
  const b = byteView(x);
  if (!b || b.byteLength !== n * 4) return null;
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, n);
  return new Int32Array(b.slice().buffer);
}

function rolesOf(x, n) {
  const v = byteView(x);
  if (!v || v.byteLength !== n) return null;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = ROLE_CODES[v[i]] || "";
  return out;
}

// What Python sends: binary columns, a word's text its span of the text (a special's: "", the
// label then being its token). Spans stay int32 pairs (-1: none), as flatRanges gives them; the
// data are another text's when text_check is not the text's.
// {offsets, roles, wordOf, wordSpans, wordRoles} or {error} or {stale}.
function readColumns(get, text, tokens) {
  const check = get("text_check");
  const mine = textCheck(text);
  if (!Array.isArray(check) || check[0] !== mine[0] || check[1] !== mine[1]) return { stale: true };
  const n = tokens.length;
  const nWords = get("n_words");
  if (!isInt(nWords) || nWords < 0) return { error: "n_words is not a non-negative integer" };
  const offsets = toInt32(get("offsets"), 2 * n);
  const roles = rolesOf(get("roles"), n);
  const wordOf = toInt32(get("word_of"), n);
  const wordSpans = toInt32(get("word_spans"), 2 * nWords);
  const wordRoles = rolesOf(get("word_roles"), nWords);
  if (!offsets) return { error: `offsets: expected ${n} int32 pairs` };
  if (!roles) return { error: `roles: expected ${n} role codes` };
  if (!wordOf) return { error: `word_of: expected ${n} int32 values` };
  if (!wordSpans || !wordRoles) return { error: `word_spans / word_roles: expected ${nWords} words` };
  return { offsets, roles, wordOf, wordSpans, wordRoles };
}

/** The scores a view can show, as they are named in Python (afn_widget.result.SCORES). */
export const SCORE_NAMES = SCORES.map((s) => s.name);

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
 * A token is labelled by its piece as a reader sees it (data.pieces).
 */
export function unitsOf(data, granularity) {
  const { text } = data;
  const pieces = data.pieces || data.tokens; // hand-built data may hold the tokens only
  const spanText = (spans, u) => (spans[2 * u] >= 0 ? text.slice(spans[2 * u], spans[2 * u + 1]) : "");
  if (granularity === "word") {
    const { members, wordSpans } = data;
    const label = (u) => {
      const t = spanText(wordSpans, u);
      if (t) return t;
      const s = members.start[u];
      return s < members.start[u + 1] ? pieces[members.tokens[s]] : "";
    };
    return {
      kind: "word",
      count: data.nWords,
      ranges: wordSpans,
      special: data.wordSpecial,
      roles: data.wordRoles,
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
    label: (u) => pieces[u],
    surface: (u) => (!data.tokenSpecial[u] && spanText(data.offsets, u)) || pieces[u],
    tokensOf: (u) => [u],
    members: null,
  };
}

/** "token"/"tokens" or "word"/"words" for n of `units` (tokens when there are none). */
export function unitNoun(units, n) {
  if (units && units.kind === "word") return n === 1 ? "word" : "words";
  return n === 1 ? "token" : "tokens";
}
