// A text a decoder wrote (Python's afn_widget.watch; the traits of payload.written_columns):
// which tokens the model wrote, each token's chat role, and what the view says of them (the
// step that wrote a token, the per-role statistics, the LM head's scores of a unit). Pure,
// unit-tested.
import { unitValues } from "./stats.js";

/** The LM head's scores (Python's registry.LOGIT_SCORES): per token, the same at every layer. */
export const WRITER_SCORES = ["logprob", "entropy"];

function bytesOf(x) {
  if (x == null) return null;
  if (x instanceof DataView || ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  return null;
}

/**
 * The traits generated (uint8 per token: 1 = written by the model), chat_roles (uint16 LE per
 * token: an index into chat_role_names), chat_role_names and finish_reason, read for nTokens
 * tokens -> {generated: Uint8Array | null, chatRoles: Uint16Array | null, chatRoleNames,
 * finishReason}. A column of another length (or none: a text analysed) is null.
 */
export function readWritten(get, nTokens) {
  const g = bytesOf(get("generated"));
  const generated = g && g.length === nTokens && nTokens > 0 ? Uint8Array.from(g) : null;
  const names = get("chat_role_names");
  const chatRoleNames = Array.isArray(names) ? names.map(String) : [];
  const r = bytesOf(get("chat_roles"));
  let chatRoles = null;
  if (r && r.length === 2 * nTokens && nTokens > 0 && chatRoleNames.length) {
    const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
    chatRoles = new Uint16Array(nTokens);
    for (let t = 0; t < nTokens; t++) chatRoles[t] = view.getUint16(2 * t, true);
  }
  const reason = get("finish_reason");
  return { generated, chatRoles, chatRoleNames, finishReason: typeof reason === "string" ? reason : "" };
}

/** Per unit of `units` (data.js unitsOf): 1 when it holds a token the model wrote (a word: any
 * of its tokens); null when the data have no token written. */
export function writtenUnits(data, units) {
  const g = data.generated;
  if (!g || !g.includes(1)) return null;
  if (units.kind !== "word") return g;
  const out = new Uint8Array(units.count);
  const { start, tokens } = units.members;
  for (let u = 0; u < units.count; u++)
    for (let k = start[u]; k < start[u + 1]; k++) if (g[tokens[k]]) out[u] = 1;
  return out;
}

/**
 * Mark the text's elements (elements.js textElements) that show a unit the model wrote: their
 * base class gets " afn-gen" (the text's marker; written: writtenUnits', null for none).
 */
export function markWritten(els, written) {
  if (!written) return;
  const { cluster, clusterStart, clusterUnits, firstUnit, base } = els;
  for (let e = 0; e < els.count; e++) {
    const k = cluster[e];
    let w = 0;
    if (k < 0) w = written[firstUnit[e]];
    else for (let p = clusterStart[k]; p < clusterStart[k + 1] && !w; p++) w = written[clusterUnits[p]];
    if (w) base[e] += " afn-gen";
  }
}

/** The steps that wrote `toks` (token indices): 1 for the first token written, ... ; the
 * tokens not written left out. */
export function stepsOf(generated, toks) {
  if (!generated) return [];
  const out = [];
  for (const t of toks) {
    if (!generated[t]) continue;
    let k = 0;
    for (let i = 0; i <= t; i++) k += generated[i];
    out.push(k);
  }
  return out;
}

/** What the tooltip says of a unit's tokens `toks`: "written by the model, step k" (steps
 * k–m for several), or "" when none of them was written. */
export function writtenLabel(generated, toks) {
  const s = stepsOf(generated, toks);
  if (!s.length) return "";
  const a = Math.min(...s);
  const b = Math.max(...s);
  return a === b ? `written by the model, step ${a}` : `written by the model, steps ${a}–${b}`;
}

/** The chat roles of `toks`, in order, each once ("" without a chat). */
export function chatRoleOf(data, toks) {
  if (!data.chatRoles) return "";
  const out = [];
  for (const t of toks) {
    const name = data.chatRoleNames[data.chatRoles[t]];
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out.join(", ");
}

/**
 * Per chat role, in chat_role_names order: {role, tokens, mean}, the role's token count and
 * the mean of `matrix` (a score's float32 [nLayers + 1, nTokens]) at layer L over its tokens
 * with a value (NaN when none has one). [] without a chat.
 */
export function roleStats(data, matrix, L) {
  if (!data.chatRoles) return [];
  const names = data.chatRoleNames;
  const count = new Float64Array(names.length);
  const sum = new Float64Array(names.length);
  const valued = new Float64Array(names.length);
  const base = L * data.nTokens;
  for (let t = 0; t < data.nTokens; t++) {
    const r = data.chatRoles[t];
    if (r >= names.length) continue;
    count[r]++;
    const x = matrix[base + t];
    if (!Number.isNaN(x)) {
      sum[r] += x;
      valued[r]++;
    }
  }
  const out = [];
  names.forEach((role, r) => {
    if (count[r]) out.push({ role, tokens: count[r], mean: valued[r] ? sum[r] / valued[r] : NaN });
  });
  return out;
}

/**
 * The LM head's scores of a unit, besides the one shown: [[name, value], ...] for each of
 * WRITER_SCORES the data have and `shown` is not, the value of `toks` (a unit's tokens) at
 * layer L aggregated as the view aggregates a word (agg: "mean" or "max"; the same definition,
 * stats.js unitValues).
 */
export function writerScores(data, toks, L, agg, shown) {
  const out = [];
  if (!data.scores || !toks.length) return out;
  const members = { start: Int32Array.of(0, toks.length), tokens: Int32Array.from(toks) };
  for (const name of WRITER_SCORES) {
    if (name === shown || !data.scores.has(name)) continue;
    const v = unitValues(data.scores.get(name), data.nTokens, L, members, agg);
    out.push([name, v[0]]);
  }
  return out;
}
