var AFN = (() => {
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // js/standalone.js
  var standalone_exports = {};
  __export(standalone_exports, {
    mount: () => mount
  });

  // js/panes.js
  function panesNote(a, b, match = null) {
    if (!a.data || !b.data) return "";
    const [both, na, nb] = highOverlap(a.highUnits(), b.highUnits(), match);
    const union = na + nb - both;
    const jaccard = union ? (both / union).toFixed(2) : "\u2014";
    return `HIGH in both panes: ${both} ${a.noun(both)} (${a.score} ${na}, ${b.score} ${nb}; Jaccard ${jaccard})`;
  }
  function highOverlap(highA, highB, match = null) {
    let both = 0;
    for (const u of highA) {
      const v = match ? match[u] : u;
      if (v >= 0 && highB.has(v)) both++;
    }
    return [both, highA.size, highB.size];
  }

  // js/registry.js
  var SCORES = [
    {
      name: "tas",
      label: "TAS",
      definition: "Token Activation Strength: L2 norm of each token's hidden state",
      source: "hidden_states",
      needs: ["hidden_states"],
      layer0: null,
      per_layer: true
    },
    {
      name: "attention",
      label: "attention",
      definition: "attention received: at each layer, the mean over heads of the sum over all query tokens of their attention to this token (layer 0: none)",
      source: "attentions",
      needs: ["attentions"],
      layer0: "the embeddings have no attention",
      per_layer: true
    },
    {
      name: "attn_norm",
      label: "attn_norm",
      definition: "norm-based attention, sum over heads of per-head norms: \u03A3\u1D62 \u03A3\u2095 \u2016\u03B1\u02B0\u1D62\u2C7C f\u02B0(x\u2C7C)\u2016, the attention weights times the norms of each head's value vectors through its slice of the output projection, summed over heads and queries (Kobayashi et al. 2020's head-level measure, summed; layer 0: none)",
      source: "attentions",
      needs: ["attentions", "value_hooks"],
      layer0: "the embeddings have no attention",
      per_layer: true
    },
    {
      name: "attn_norm_layer",
      label: "attn_norm_layer",
      definition: "norm-based attention, norm of the sum over heads: \u03A3\u1D62 \u2016\u03A3\u2095 \u03B1\u02B0\u1D62\u2C7C f\u02B0(x\u2C7C)\u2016, the norm of what this token adds to each query's multi-head attention output (Kobayashi et al. 2020's layer-level measure), summed over queries; at most attn_norm, heads pointing apart cancel (layer 0: none)",
      source: "attentions",
      needs: ["attentions", "value_hooks"],
      layer0: "the embeddings have no attention",
      per_layer: true
    },
    {
      name: "delta_norm",
      label: "delta_norm",
      definition: "\u2016h\u2097\u2016 \u2212 \u2016h\u2097\u208B\u2081\u2016: the change of the norm from the layer before (layer 0: none)",
      source: "hidden_states",
      needs: ["hidden_states"],
      layer0: "the embeddings have no layer before them",
      per_layer: true
    },
    {
      name: "displacement",
      label: "displacement",
      definition: "\u2016h\u2097 \u2212 h\u2097\u208B\u2081\u2016: how far the hidden state moves from the layer before (layer 0: none)",
      source: "hidden_states",
      needs: ["hidden_states"],
      layer0: "the embeddings have no layer before them",
      per_layer: true
    },
    {
      name: "cos_change",
      label: "cos_change",
      definition: "1 \u2212 cos(h\u2097, h\u2097\u208B\u2081): how much the hidden state turns from the layer before (layer 0: none)",
      source: "hidden_states",
      needs: ["hidden_states"],
      layer0: "the embeddings have no layer before them",
      per_layer: true
    },
    {
      name: "logprob",
      label: "logprob",
      definition: "log-probability (natural log) the model gave this token at the position before it: log_softmax of its LM head's logits there (first token: none; the same at every layer)",
      source: "logits",
      needs: ["logits"],
      layer0: null,
      per_layer: false
    },
    {
      name: "entropy",
      label: "entropy",
      definition: "entropy, in nats, of the next-token distribution this token was chosen from: the softmax of the LM head's logits at the position before it (first token: none; the same at every layer)",
      source: "logits",
      needs: ["logits"],
      layer0: null,
      per_layer: false
    }
  ];
  var HIDDEN_SCORES = ["tas", "delta_norm", "displacement", "cos_change"];
  var NORMALIZATIONS = ["raw", "drop_outlier_dims", "standardize", "layer_zscore", "layer_rank"];
  var ROLE_CODES = ["content", "function", "punctuation", "special"];
  var BUCKET_CODES = ["LOW", "HIGH", "SPECIAL", "MASSIVE", "UNDEFINED"];

  // js/stats.js
  var BUCKET_NAMES = BUCKET_CODES;
  var LOW = BUCKET_NAMES.indexOf("LOW");
  var HIGH = BUCKET_NAMES.indexOf("HIGH");
  var INELIGIBLE = BUCKET_NAMES.indexOf("SPECIAL");
  var MASSIVE = BUCKET_NAMES.indexOf("MASSIVE");
  var UNDEFINED = BUCKET_NAMES.indexOf("UNDEFINED");
  function quantileLinear(values, q) {
    const n = values.length;
    if (n === 0 || Number.isNaN(q)) return NaN;
    const v = Float64Array.from(values);
    for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) return NaN;
    const h2 = (n - 1) * q;
    if (h2 >= n - 1) return maxOf(v, 0);
    if (h2 < 0) return minOf(v, 0);
    const below = Math.floor(h2);
    const a = selectInPlace(v, below);
    const b = minOf(v, below + 1);
    const t = h2 - below;
    const d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
  }
  function minOf(v, from) {
    let m = v[from];
    for (let i = from + 1; i < v.length; i++) if (v[i] < m) m = v[i];
    return m;
  }
  function maxOf(v, from) {
    let m = v[from];
    for (let i = from + 1; i < v.length; i++) if (v[i] > m) m = v[i];
    return m;
  }
  function selectInPlace(v, k) {
    let lo = 0;
    let hi = v.length - 1;
    while (hi - lo > 16) {
      const mid = lo + hi >>> 1;
      const x = v[lo];
      const y = v[mid];
      const z = v[hi];
      const pivot = x < y ? y < z ? y : x < z ? z : x : x < z ? x : y < z ? z : y;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (v[i] < pivot) i++;
        while (v[j] > pivot) j--;
        if (i <= j) {
          const tmp = v[i];
          v[i] = v[j];
          v[j] = tmp;
          i++;
          j--;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return v[k];
    }
    for (let i = lo + 1; i <= hi; i++) {
      const x = v[i];
      let j = i - 1;
      while (j >= lo && v[j] > x) {
        v[j + 1] = v[j];
        j--;
      }
      v[j + 1] = x;
    }
    return v[k];
  }
  function eligibleValues(values, eligible) {
    let n = 0;
    for (let i = 0; i < values.length; i++) if (eligible[i]) n++;
    const out = new Float64Array(n);
    for (let i = 0, k = 0; i < values.length; i++) if (eligible[i]) out[k++] = values[i];
    return out;
  }
  function thresholdOf(values, eligible, q) {
    return quantileLinear(eligibleValues(values, eligible), q);
  }
  function bucketize(values, eligible, threshold, out = new Uint8Array(values.length)) {
    for (let i = 0; i < values.length; i++) {
      out[i] = !eligible[i] ? INELIGIBLE : values[i] >= threshold ? HIGH : LOW;
    }
    return out;
  }
  function markUndefined(values, base, buckets) {
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      if (base[i] && Number.isNaN(values[i])) {
        buckets[i] = UNDEFINED;
        n++;
      }
    }
    return n;
  }
  function domainOf(values, eligible) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      if (!eligible[i]) continue;
      const x = values[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return lo <= hi ? [lo, hi] : [NaN, NaN];
  }
  function stronger(values, a, b) {
    const va = values[a];
    const vb = values[b];
    if (va > vb) return true;
    if (va < vb) return false;
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na !== nb) return nb;
    return a < b;
  }
  function rankOf(values, eligible, i) {
    if (!eligible[i]) return 0;
    let r = 1;
    for (let j = 0; j < values.length; j++) {
      if (j !== i && eligible[j] && stronger(values, j, i)) r++;
    }
    return r;
  }
  function countEligible(eligible) {
    let n = 0;
    for (let i = 0; i < eligible.length; i++) if (eligible[i]) n++;
    return n;
  }
  function headerCounts(buckets, eligible, roles, skipPunctuation) {
    const out = { high: 0, ranked: 0, punctuation: 0, highPunctuation: 0 };
    for (let u = 0; u < buckets.length; u++) {
      if (!eligible[u]) continue;
      const isHigh = buckets[u] === HIGH ? 1 : 0;
      if (skipPunctuation && roles[u] === "punctuation") {
        out.punctuation++;
        out.highPunctuation += isHigh;
      } else {
        out.ranked++;
        out.high += isHigh;
      }
    }
    return out;
  }
  function topK(values, eligible, k) {
    const best = [];
    for (let i = 0; i < values.length; i++) {
      if (!eligible[i]) continue;
      if (best.length === k && !stronger(values, i, best[best.length - 1])) continue;
      let p = best.length < k ? best.length : k - 1;
      best[p] = i;
      while (p > 0 && stronger(values, best[p], best[p - 1])) {
        const tmp = best[p - 1];
        best[p - 1] = best[p];
        best[p] = tmp;
        p--;
      }
    }
    return best;
  }
  function percentileOf(rank, nEligible) {
    if (!(rank >= 1)) return NaN;
    return 100 * (nEligible - rank) / Math.max(nEligible - 1, 1);
  }
  function wordMembers(wordOf, nWords) {
    const start = new Int32Array(nWords + 1);
    for (let i = 0; i < wordOf.length; i++) {
      const w = wordOf[i];
      if (w >= 0 && w < nWords) start[w + 1]++;
    }
    for (let w = 0; w < nWords; w++) start[w + 1] += start[w];
    const fill = start.slice(0, nWords);
    const tokens = new Int32Array(start[nWords]);
    for (let i = 0; i < wordOf.length; i++) {
      const w = wordOf[i];
      if (w >= 0 && w < nWords) tokens[fill[w]++] = i;
    }
    return { start, tokens };
  }
  function unitValues(norms, nTokens, layer, members, agg, out) {
    const base = layer * nTokens;
    if (!members) {
      const o2 = out || new Float64Array(nTokens);
      for (let i = 0; i < nTokens; i++) o2[i] = norms[base + i];
      return o2;
    }
    const nWords = members.start.length - 1;
    const o = out || new Float64Array(nWords);
    const { start, tokens } = members;
    const useMax = agg === "max";
    for (let w = 0; w < nWords; w++) {
      const s = start[w];
      const e = start[w + 1];
      if (e === s) {
        o[w] = NaN;
        continue;
      }
      if (useMax) {
        let m = -Infinity;
        for (let k = s; k < e; k++) {
          const x = norms[base + tokens[k]];
          if (x > m || Number.isNaN(x)) m = x;
          if (Number.isNaN(m)) break;
        }
        o[w] = m;
      } else {
        let sum = 0;
        for (let k = s; k < e; k++) sum += norms[base + tokens[k]];
        o[w] = Math.fround(sum / (e - s));
      }
    }
    return o;
  }
  function fmtValue(x) {
    return Number.isNaN(x) ? "undefined" : fmt3(x);
  }
  function fmt3(x) {
    if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    const x16 = x * 16;
    if (Number.isInteger(x16) && Math.abs(x16) % 2 === 1 && Math.abs(x) < 1e12) {
      const s = Math.abs(x) * 1e3;
      let n = Math.floor(s);
      if (n % 2 === 1) n += 1;
      const str = (n / 1e3).toFixed(3);
      return x < 0 ? "-" + str : str;
    }
    return x.toFixed(3);
  }

  // js/written.js
  var WRITER_SCORES = ["logprob", "entropy"];
  function bytesOf(x) {
    if (x == null) return null;
    if (x instanceof DataView || ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    return null;
  }
  function readWritten(get, nTokens) {
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
  function writtenUnits(data, units) {
    const g = data.generated;
    if (!g || !g.includes(1)) return null;
    if (units.kind !== "word") return g;
    const out = new Uint8Array(units.count);
    const { start, tokens } = units.members;
    for (let u = 0; u < units.count; u++)
      for (let k = start[u]; k < start[u + 1]; k++) if (g[tokens[k]]) out[u] = 1;
    return out;
  }
  function markWritten(els, written) {
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
  function stepsOf(generated, toks) {
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
  function writtenLabel(generated, toks) {
    const s = stepsOf(generated, toks);
    if (!s.length) return "";
    const a = Math.min(...s);
    const b = Math.max(...s);
    return a === b ? `written by the model, step ${a}` : `written by the model, steps ${a}\u2013${b}`;
  }
  function chatRoleOf(data, toks) {
    if (!data.chatRoles) return "";
    const out = [];
    for (const t of toks) {
      const name = data.chatRoleNames[data.chatRoles[t]];
      if (name !== void 0 && !out.includes(name)) out.push(name);
    }
    return out.join(", ");
  }
  function roleStats(data, matrix, L) {
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
  function writerScores(data, toks, L, agg, shown) {
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

  // js/data.js
  function byteView(x) {
    if (x == null) return null;
    if (x instanceof DataView) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    return null;
  }
  function toFloat32(x) {
    if (x == null) return null;
    if (x instanceof Float32Array) return x;
    const b = byteView(x);
    if (!b || b.byteLength % 4 !== 0) return null;
    if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    return new Float32Array(b.slice().buffer);
  }
  function toDataView(x) {
    const b = byteView(x);
    return b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null;
  }
  var isInt = (x) => Number.isInteger(x);
  function readData(get) {
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
        error: `norms: expected ${want} float32 values ((n_layers+1) x n_tokens), got ${norms ? norms.length : "none"}`
      };
    const scored = readScores(get, norms, want);
    if (scored.error) return { error: scored.error };
    const massive = readMassive(get("massive"), nLayers, nTokens);
    const topK2 = get("top_k") | 0;
    let topDims = toDataView(get("top_dims"));
    let topShare2 = toDataView(get("top_share"));
    if (!(topK2 > 0) || !topDims || topDims.byteLength !== want * topK2 * 2) topDims = null;
    if (!topDims || !topShare2 || topShare2.byteLength !== want * topK2) {
      topDims = null;
      topShare2 = null;
    }
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
        topK: topK2,
        topDims,
        topShare: topShare2,
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
        ...readWritten(get, nTokens)
      }
    };
  }
  function readPieces(pieces, tokens) {
    if (!Array.isArray(pieces) || pieces.length !== tokens.length) return tokens;
    return pieces.map((p) => String(p));
  }
  function textCheck(text) {
    let sum = 0;
    for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
    return [text.length, sum % 2147483648];
  }
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
  var SCORE_NAMES = SCORES.map((s) => s.name);
  function readScores(get, norms, want) {
    const names = get("score_names");
    const list = Array.isArray(names) && names.length ? names.map(String) : ["tas"];
    if (list[0] !== "tas" || list.some((n) => !SCORE_NAMES.includes(n)))
      return { error: `score_names: expected "tas" first, then names of ${SCORE_NAMES.join(", ")}` };
    const scores = /* @__PURE__ */ new Map([["tas", norms]]);
    const rest = list.slice(1);
    if (rest.length) {
      const all = toFloat32(get("score_values"));
      if (!all || all.length !== want * rest.length)
        return {
          error: `score_values: expected ${want * rest.length} float32 values (${rest.length} score(s) x (n_layers+1) x n_tokens), got ${all ? all.length : "none"}`
        };
      rest.forEach((n, k) => scores.set(n, all.subarray(k * want, (k + 1) * want)));
    }
    const why = get("score_unavailable");
    const unavailable = {};
    if (why && typeof why === "object") {
      for (const n of SCORE_NAMES) if (typeof why[n] === "string") unavailable[n] = why[n];
    }
    return { scores, unavailable };
  }
  function readMassive(list, nLayers, nTokens) {
    const info = /* @__PURE__ */ new Map();
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
  function unitsOf(data, granularity) {
    const { text } = data;
    const pieces = data.pieces || data.tokens;
    const spanText = (spans, u) => spans[2 * u] >= 0 ? text.slice(spans[2 * u], spans[2 * u + 1]) : "";
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
        members
      };
    }
    return {
      kind: "token",
      count: data.nTokens,
      ranges: data.offsets,
      special: data.tokenSpecial,
      roles: data.roles,
      label: (u) => pieces[u],
      surface: (u) => !data.tokenSpecial[u] && spanText(data.offsets, u) || pieces[u],
      tokensOf: (u) => [u],
      members: null
    };
  }
  function unitNoun(units, n) {
    if (units && units.kind === "word") return n === 1 ? "word" : "words";
    return n === 1 ? "token" : "tokens";
  }

  // js/resend.js
  var RESEND_KIND = "resend_data";
  var DATA_BYTES = ["offsets", "roles", "word_of", "word_spans", "word_roles", "norms"];
  function bytesLost(get) {
    const n = get("n_tokens");
    if (!Number.isInteger(n) || n <= 0) return false;
    if (DATA_BYTES.some((name) => get(name) == null)) return true;
    const names = get("score_names");
    return Array.isArray(names) && names.length > 1 && get("score_values") == null;
  }
  function askOnce(send) {
    let asked = false;
    return () => {
      if (asked) return;
      asked = true;
      send({ kind: RESEND_KIND });
    };
  }

  // js/traits.js
  var DATA_TRAITS = [
    "text",
    "tokens",
    "pieces",
    "offsets",
    "roles",
    "word_of",
    "word_spans",
    "word_roles",
    "n_words",
    "text_check",
    "n_layers",
    "n_tokens",
    "norms",
    "top_k",
    "top_dims",
    "top_share",
    "dims_version",
    "model_name",
    "model_label",
    "note",
    "score_name",
    "score_names",
    "score_values",
    "score_unavailable",
    "massive",
    "include_massive",
    // a text a decoder wrote (afn_widget.watch): which tokens it wrote, their chat roles, why it ended
    "generated",
    "chat_roles",
    "chat_role_names",
    "finish_reason"
  ];
  var CONTROL_TRAITS = [
    "layer",
    "quantile",
    "granularity",
    "show_special",
    "include_special",
    "score",
    "compare_score",
    "word_agg",
    "normalize",
    "controls",
    // true while the model writes; the Stop button sets it to false, which stops the writing
    "writing"
  ];
  var STATUS_TRAITS = ["status", "progress", "error"];

  // js/background.js
  var SLICE_MS = 16;
  var Background = class {
    constructor(win, scope, busyEl, { active, pending, run }) {
      this.win = win;
      this.scope = scope;
      this.busyEl = busyEl;
      this.active = active;
      this.pending = pending;
      this.run = run;
      this.busy = false;
      this.closed = false;
      this.channel = new win.MessageChannel();
      this.queued = false;
      this.channel.port1.onmessage = () => {
        if (!this.queued) return;
        this.queued = false;
        this.work();
      };
      this.post = () => this.channel.port2.postMessage(0);
    }
    setBusy(b) {
      if (b === this.busy) return;
      this.busy = b;
      if (b) this.busyEl.setAttribute("aria-busy", "true");
      else this.busyEl.removeAttribute("aria-busy");
    }
    // afterFrame: start once the next frame is out, so that it shows what was just done without
    // waiting for more (rAF callbacks run before that frame; the timeout covers hidden pages,
    // which get no frames).
    schedule(afterFrame = false) {
      const p = !this.closed && this.active() && this.pending();
      this.setBusy(p);
      if (!p || this.queued) return;
      this.queued = true;
      if (afterFrame) {
        this.win.requestAnimationFrame(this.post);
        this.scope.later(this.post, 250);
      } else this.post();
    }
    work() {
      if (this.closed || !this.active()) return;
      const perf = this.win.performance;
      const t0 = perf.now();
      this.run(() => perf.now() - t0 < SLICE_MS);
      this.schedule();
    }
    close() {
      this.closed = true;
      this.channel.port1.close();
    }
  };

  // js/controls.js
  var QUANTILE_HINT = "use e.g. quantile=0.75 for the upper quartile.";
  function quantileMessage(typed) {
    const text = String(typed).trim();
    const q = text === "" ? NaN : Number(text);
    if (Number.isNaN(q)) return `quantile must be a number between 0 and 1 (got str); ${QUANTILE_HINT}`;
    if (q > 0 && q < 1) return "";
    return `quantile must lie strictly between 0 and 1 (got ${q}); ${QUANTILE_HINT}`;
  }
  var oneOf = (...allowed) => (v) => allowed.includes(v) ? v : void 0;
  var SCORE_INFO = Object.fromEntries(
    SCORES.map((s) => [s.name, { label: s.label, title: s.definition }])
  );
  var CONTROL_MODES = ["full", "simple"];
  var NORMALIZATION_LABELS = {
    raw: "none",
    drop_outlier_dims: "drop outlier dims",
    standardize: "standardize dims",
    layer_zscore: "z-score per layer",
    layer_rank: "rank per layer"
  };
  var DEFAULT_SETTINGS = {
    layer: 0,
    quantile: 0.75,
    granularity: "token",
    show_special: false,
    include_special: false,
    word_agg: "mean",
    score: "tas",
    compare_score: "",
    normalize: "raw",
    controls: "full",
    writing: false
  };
  var CONTROLS = {
    layer: {
      // any integer: the view shows it clamped to the data's layers, and keeps the one asked for
      parse: (v) => Number.isInteger(v) ? v : void 0,
      apply(view, L) {
        view.requestedLayer = L;
        const shown = view.clampLayer(L);
        if (view.change("layer", shown)) view.refreshLayer();
        else if (view.data) view.paintHeader();
        return shown;
      }
    },
    quantile: {
      parse(v) {
        const q = Number(v);
        return q > 0 && q < 1 ? q : void 0;
      },
      apply(view, q) {
        if (view.change("quantile", q)) {
          if (view.numbers) view.numbers.forgetThresholds();
          view.refreshLayer();
        }
        view.bar.showQuantile(q);
        return q;
      }
    },
    granularity: {
      parse: oneOf("token", "word"),
      apply: (view, g) => view.changeAndRedraw("granularity", g, () => view.rebuild())
    },
    show_special: {
      parse: (v) => !!v,
      apply: (view, v) => view.changeAndRedraw("show_special", v, () => view.specialsShown())
    },
    include_special: {
      parse: (v) => !!v,
      apply: (view, v) => view.changeAndRedraw("include_special", v, () => view.eligibilityChanged())
    },
    // how words aggregate their tokens: re-aggregated here from the values held
    word_agg: {
      parse: oneOf("mean", "max"),
      apply: (view, a) => view.changeAndRedraw("word_agg", a, () => {
        if (view.units.kind === "word") view.aggregationChanged();
      })
    },
    score: {
      parse: oneOf(...Object.keys(SCORE_INFO)),
      apply: (view, name) => view.changeAndRedraw("score", name, () => view.scoreChanged())
    },
    // a second pane beside this one: drawn by whoever holds the panes (the widget's entry)
    compare_score: {
      parse: (v) => v === "" || Object.hasOwn(SCORE_INFO, v) ? v : void 0,
      apply: (view, name) => view.changeAndRedraw("compare_score", name, () => {
      })
    },
    // Python analyses the text again; the data that come back are normalized so
    // (any name: scores given to from_scores say so, and cannot be normalized again)
    normalize: {
      parse: (v) => typeof v === "string" && v ? v : void 0,
      apply: (view, n) => view.changeAndRedraw("normalize", n, () => {
      })
    },
    // which controls are shown: nothing to compute, the view shows or hides its parts
    controls: {
      parse: oneOf(...CONTROL_MODES),
      apply: (view, mode) => view.changeAndRedraw("controls", mode, () => {
      })
    },
    // the model is writing (Python's afn_widget.watch): the Stop button sets it to false
    writing: {
      parse: (v) => !!v,
      apply: (view, w) => view.writingChanged(w)
    }
  };

  // js/dims.js
  function dimsStore() {
    return { replies: /* @__PURE__ */ new Map(), asked: /* @__PURE__ */ new Set() };
  }
  var isRow = (r, k) => Array.isArray(r) && r.length === k && r.every((x) => Number.isFinite(x));
  var isTable = (t, rows, k) => Array.isArray(t) && t.length === rows && t.every((r) => isRow(r, k));
  function checkDimsReply(msg, data) {
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
  function storeReply(store, data, msg) {
    const entry = checkDimsReply(msg, data);
    if (!entry) return -1;
    store.replies.set(msg.token, entry);
    return msg.token;
  }
  function embeddedDims(data, t, L) {
    const k = data.topK;
    const out = [];
    for (let j = 0; j < k; j++) {
      const p = (L * data.nTokens + t) * k + j;
      out.push({ dim: data.topDims.getUint16(p * 2, true), share: data.topShare.getUint8(p) });
    }
    return out;
  }
  function replyDims(entry, L) {
    return entry.dims[L].map((dim, j) => ({ dim, share: entry.share[L][j] }));
  }
  function dimsFor(data, store, t, L, ask) {
    if (!(data.topK > 0) || !Number.isInteger(t) || t < 0 || t >= data.nTokens) return { dims: [] };
    if (data.topDims) return { dims: embeddedDims(data, t, L) };
    const got = store.replies.get(t);
    if (got) return got.error !== void 0 ? { error: got.error } : { dims: replyDims(got, L) };
    if (!ask) return { dims: [] };
    if (!store.asked.has(t)) {
      store.asked.add(t);
      try {
        ask(t, data.dimsVersion);
      } catch (err) {
        store.asked.delete(t);
        return { error: `cannot ask for them: ${err && err.message || err}` };
      }
    }
    return { pending: true };
  }

  // js/dom.js
  var SVG_NS = "http://www.w3.org/2000/svg";
  function h(doc, tag, cls, text) {
    const e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== void 0) e.textContent = text;
    return e;
  }
  function svgEl(doc, tag, attrs) {
    const e = doc.createElementNS(SVG_NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  var Scope = class {
    constructor(win) {
      this.win = win;
      this.timers = /* @__PURE__ */ new Set();
      this.cleanups = [];
    }
    /** addEventListener, removed on close. */
    listen(target, type, fn, opts) {
      target.addEventListener(type, fn, opts);
      this.cleanups.push(() => target.removeEventListener(type, fn, opts));
    }
    /** Run `cleanup` on close. */
    add(cleanup) {
      this.cleanups.push(cleanup);
    }
    /** setTimeout, cleared on close. */
    later(fn, ms) {
      const t = this.win.setTimeout(() => {
        this.timers.delete(t);
        fn();
      }, ms);
      this.timers.add(t);
    }
    close() {
      for (const c of this.cleanups.splice(0)) c();
      for (const t of this.timers) this.win.clearTimeout(t);
      this.timers.clear();
    }
  };

  // js/keys.js
  function reachesHost(ev, unhandledEscape) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return true;
    if (ev.key === "Enter" && ev.shiftKey) return true;
    return ev.key === "Escape" && unhandledEscape;
  }
  function exitTarget(root) {
    for (let el = root.parentElement; el; el = el.parentElement) {
      if (el.hasAttribute("tabindex")) return el;
    }
    return root;
  }
  function leave(root) {
    const target = exitTarget(root);
    if (target === root && !root.hasAttribute("tabindex")) root.tabIndex = -1;
    target.focus({ preventScroll: true });
  }
  function keepKeys(scope, root, onEscape) {
    scope.listen(root, "keydown", (ev) => {
      if (ev.target === root) return;
      const escape = ev.key === "Escape" && !ev.ctrlKey && !ev.altKey && !ev.metaKey;
      const handled = escape && onEscape();
      if (escape && !handled) leave(root);
      if (!reachesHost(ev, !handled)) ev.stopPropagation();
    });
  }

  // js/numbers.js
  var LAYER0_REASONS = new Map(SCORES.map((s) => [s.name, s.layer0]));
  function undefinedNote(score, layer, defined, nLayers, name) {
    const why = layer === 0 && LAYER0_REASONS.get(score) || "no value there";
    return `${name || score} is undefined at layer ${layer} (${why}); ${pickLayers(defined, nLayers)}`;
  }
  function pickLayers(defined, nLayers) {
    const n = defined.length;
    if (!n) return "it has no value at any layer";
    const a = defined[0];
    const b = defined[n - 1];
    if (b - a + 1 !== n) return `pick one of layers ${defined.slice(0, 8).join(", ")}${n > 8 ? ", \u2026" : ""}`;
    if (a === b) return `pick layer ${a}`;
    if (b === nLayers) return `pick layer \u2265 ${a}`;
    return a === 0 ? `pick layer \u2264 ${b}` : `pick a layer from ${a} to ${b}`;
  }
  var UnitNumbers = class {
    constructor(data, units, settings) {
      this.data = data;
      this.units = units;
      this.settings = settings;
      this.values = new Float64Array(units.count);
      this.buckets = new Uint8Array(units.count);
      this.threshold = NaN;
      this.lo = NaN;
      this.hi = NaN;
      this.nHigh = 0;
      this.nMassive = 0;
      this.nUndefined = 0;
      this.noteOf = null;
      this.layer = -1;
      this.gen = 0;
      this.ready = false;
      this.rows = null;
      this.rowsOf = /* @__PURE__ */ new Map();
      this.layerThresholds = null;
      this.layerEligible = null;
      this.setScore();
    }
    /** settings.score changed (or the data): every number is to be computed again. */
    setScore() {
      this.chooseScore();
      this.computeEligible();
    }
    /** The score's values (settings.score; TAS when the data lack it). */
    chooseScore() {
      const { scores } = this.data;
      const name = this.settings.score;
      this.scoreName = scores && scores.has(name) ? name : "tas";
      this.matrix = scores && scores.has(name) ? scores.get(name) : this.data.norms;
      this.rows = this.rowsOf.get(this.scoreName) || null;
      this.layerThresholds = null;
      this.layerEligible = null;
    }
    /** Which units take part in the threshold and ranks; call again when include_special changes. */
    computeEligible() {
      const { count, special } = this.units;
      const all = this.settings.include_special;
      this.baseEligible = new Uint8Array(count);
      for (let u = 0; u < count; u++) this.baseEligible[u] = !special[u] || all ? 1 : 0;
      this.eligible = this.baseEligible;
      this.nEligible = countEligible(this.eligible);
      this.baseCount = this.nEligible;
      this.layerThresholds = null;
      this.layerEligible = null;
      this.flowEligible = this.apartAnywhere();
    }
    /** Units with a massive activation at layer L that this score sets apart (null: none). */
    apartAt(L) {
      const { data, units } = this;
      const flags = data.massiveAt;
      if (!flags || data.includeMassive || !HIDDEN_SCORES.includes(this.scoreName)) return null;
      const base = L * data.nTokens;
      let any = false;
      const out = new Uint8Array(units.count);
      for (let t = 0; t < data.nTokens; t++) {
        if (!flags[base + t]) continue;
        any = true;
        if (units.kind === "token") out[t] = 1;
        else if (data.wordOf[t] >= 0 && data.wordOf[t] < units.count) out[data.wordOf[t]] = 1;
      }
      return any ? out : null;
    }
    // The heatmap's eligible units: those never set apart (a massive unit would take every
    // layer's colour scale).
    apartAnywhere() {
      const flags = this.data.massiveAt;
      if (!flags) return this.baseEligible;
      const out = Uint8Array.from(this.baseEligible);
      for (let L = 0; L <= this.data.nLayers; L++) {
        const apart = this.apartAt(L);
        if (apart) {
          for (let u = 0; u < out.length; u++) if (apart[u]) out[u] = 0;
        }
      }
      return out;
    }
    /** The units eligible at layer L: eligible, defined there, not set apart. */
    eligibleAt(L) {
      if (!this.layerEligible) this.layerEligible = new Array(this.data.nLayers + 1).fill(null);
      if (!this.layerEligible[L]) {
        const row = this.row(L);
        const apart = this.apartAt(L);
        const base = this.baseEligible;
        let mask = base;
        for (let u = 0; u < base.length; u++) {
          if (base[u] && (Number.isNaN(row[u]) || apart && apart[u])) {
            if (mask === base) mask = Uint8Array.from(base);
            mask[u] = 0;
          }
        }
        this.layerEligible[L] = mask;
      }
      return this.layerEligible[L];
    }
    /** Every unit's value at layer L: the score's token values, or word_agg of each word's. */
    row(L) {
      const { data, units } = this;
      if (!this.rows) {
        this.rows = new Array(data.nLayers + 1).fill(null);
        this.rowsOf.set(this.scoreName, this.rows);
      }
      if (!this.rows[L]) {
        this.rows[L] = units.kind === "token" ? this.matrix.subarray(L * data.nTokens, (L + 1) * data.nTokens) : unitValues(this.matrix, data.nTokens, L, units.members, this.settings.word_agg);
      }
      return this.rows[L];
    }
    /** The HIGH threshold at every layer (Float64Array, index = layer). */
    thresholds() {
      if (!this.layerThresholds) {
        const n = this.data.nLayers + 1;
        this.layerThresholds = new Float64Array(n);
        for (let L = 0; L < n; L++)
          this.layerThresholds[L] = thresholdOf(this.row(L), this.eligibleAt(L), this.settings.quantile);
      }
      return this.layerThresholds;
    }
    /** word_agg changed: every word value is to be computed again. */
    forgetRows() {
      this.rows = null;
      this.rowsOf.clear();
      this.layerThresholds = null;
      this.layerEligible = null;
    }
    /** quantile changed. */
    forgetThresholds() {
      this.layerThresholds = null;
    }
    /** Values, threshold, buckets, domain and HIGH count at layer L. */
    atLayer(L) {
      this.layer = L;
      this.gen++;
      this.ready = true;
      const row = this.row(L);
      this.values = this.units.kind === "token" ? Float64Array.from(row) : row;
      this.eligible = this.eligibleAt(L);
      this.nEligible = countEligible(this.eligible);
      this.threshold = thresholdOf(this.values, this.eligible, this.settings.quantile);
      bucketize(this.values, this.eligible, this.threshold, this.buckets);
      const apart = this.apartAt(L);
      let m = 0;
      if (apart) {
        for (let u = 0; u < this.units.count; u++)
          if (apart[u] && this.baseEligible[u] && !Number.isNaN(this.values[u])) {
            this.buckets[u] = MASSIVE;
            m++;
          }
      }
      this.nMassive = m;
      this.nUndefined = markUndefined(this.values, this.baseEligible, this.buckets);
      [this.lo, this.hi] = domainOf(this.values, this.eligible);
      let n = 0;
      for (let u = 0; u < this.units.count; u++) if (this.buckets[u] === HIGH) n++;
      this.nHigh = n;
    }
    /** Whether the score is undefined at the current layer: no unit that would be ranked has a
     * value there (and there are such units). */
    get undefinedHere() {
      return this.nUndefined > 0 && this.nUndefined === this.baseCount;
    }
    /** The layers where some unit that would be ranked has a value, ascending. */
    definedLayers() {
      const out = [];
      for (let L = 0; L <= this.data.nLayers; L++) {
        const row = this.row(L);
        for (let u = 0; u < row.length; u++) {
          if (this.baseEligible[u] && !Number.isNaN(row[u])) {
            out.push(L);
            break;
          }
        }
      }
      return out;
    }
    /** Why the score, shown as `name`, is undefined at the current layer (undefinedNote); "" where
     * it is defined. */
    note(name) {
      if (!this.ready || !this.undefinedHere) return "";
      const c = this.noteOf;
      if (!c || c.gen !== this.gen || c.name !== name) {
        const text = undefinedNote(this.scoreName, this.layer, this.definedLayers(), this.data.nLayers, name);
        this.noteOf = { gen: this.gen, name, text };
      }
      return this.noteOf.text;
    }
    /** Among the eligible units at the current layer: [content share of HIGH, of all] (NaN: none),
     * the paper's statistic (Python's AFNResult.content_share). */
    contentShare() {
      const { buckets, eligible, units } = this;
      let nh = 0;
      let ch = 0;
      let ne = 0;
      let ce = 0;
      for (let u = 0; u < units.count; u++) {
        if (!eligible[u]) continue;
        const c = units.roles[u] === "content" ? 1 : 0;
        ne++;
        ce += c;
        if (buckets[u] === HIGH) {
          nh++;
          ch += c;
        }
      }
      return [nh ? ch / nh : NaN, ne ? ce / ne : NaN];
    }
    /** The strongest of list[s..e): eligible before ineligible, then the larger value (the first of equals). */
    strongestOf(list, s, e) {
      const { eligible, values } = this;
      let best = list[s];
      for (let p = s + 1; p < e; p++) {
        const u = list[p];
        if (eligible[u] > eligible[best] || eligible[u] === eligible[best] && values[u] > values[best])
          best = u;
      }
      return best;
    }
    /** Rank of unit u at the current layer (1 = strongest, 0 = ineligible). */
    rank(u) {
      return rankOf(this.values, this.eligible, u);
    }
    /** The n strongest eligible units at the current layer, strongest first. */
    top(n) {
      return topK(this.values, this.eligible, n);
    }
    /** Unit u's value at every layer. */
    series(u) {
      const out = new Float64Array(this.data.nLayers + 1);
      for (let L = 0; L <= this.data.nLayers; L++) out[L] = this.row(L)[u];
      return out;
    }
    /** The token whose hidden dims describe unit u at layer L: itself, or a word's largest-norm token. */
    dimToken(u, L) {
      if (this.units.kind !== "word") return u;
      const { norms, nTokens } = this.data;
      const base = L * nTokens;
      let best = -Infinity;
      let tok = u;
      for (const t of this.units.tokensOf(u)) {
        if (norms[base + t] > best) {
          best = norms[base + t];
          tok = t;
        }
      }
      return tok;
    }
  };

  // js/plain.js
  var FRACTIONS = ["", "", "half", "third", "quarter", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
  function topShare(q) {
    const share = 1 - q;
    for (let k = 2; k < FRACTIONS.length; k++) if (Math.abs(share * k - 1) < 1e-9) return `the top ${FRACTIONS[k]}`;
    const pct = share * 100;
    return `the top ${pct >= 1 ? +pct.toFixed(1) : +pct.toPrecision(2)} %`;
  }
  function plainSentence(score, unit, quantile) {
    const what = score === "TAS" ? "activation strength (TAS)" : score;
    return `Colour: each ${unit}'s ${what} at this layer, dark purple for low and yellow for high. Outlined: ${topShare(quantile)} (HIGH).`;
  }

  // js/panels/classroom.js
  var MORE = "More settings";
  var LESS = "Fewer settings";
  var Classroom = class {
    /**
     * root: the view's root; after: the element the button follows;
     * parts: the elements it shows and hides (named by its aria-controls).
     */
    constructor(doc, scope, uid, root, after, parts) {
      this.root = root;
      this.el = h(doc, "p", "afn-plain");
      this.el.dataset.field = "plain";
      const b = h(doc, "button", "afn-more", MORE);
      b.type = "button";
      b.setAttribute("aria-expanded", "false");
      parts.forEach((el, k) => {
        if (!el.id) el.id = `afn-part-${uid}-${k}`;
      });
      b.setAttribute("aria-controls", parts.map((el) => el.id).join(" "));
      after.after(b);
      this.button = b;
      scope.listen(b, "click", () => this.show(b.getAttribute("aria-expanded") !== "true"));
    }
    /** The controls trait: "simple" or "full". */
    setMode(mode) {
      this.root.classList.toggle("afn-simple", mode === "simple");
    }
    /** Show the rest (true) or only the simple parts (false), in every pane of the output. */
    show(open) {
      this.button.setAttribute("aria-expanded", String(open));
      this.button.textContent = open ? LESS : MORE;
      const output = this.root.closest(".afn-panes") || this.root;
      output.classList.toggle("afn-more-shown", open);
    }
    /** The sentence for the shown score's name, the unit ("word", "token") and the quantile. */
    paint(score, unit, quantile) {
      this.el.textContent = plainSentence(score, unit, quantile);
    }
  };

  // js/panels/control_bar.js
  var WORD_AGGS = [
    ["mean", "mean of its tokens"],
    ["max", "max of its tokens"]
  ];
  function select(doc, cls, label, choices) {
    const s = h(doc, "select", cls);
    s.setAttribute("aria-label", label);
    for (const [v, t] of choices) {
      const o = h(doc, "option", null, t);
      o.value = v;
      s.appendChild(o);
    }
    return s;
  }
  var GRANULARITIES = [
    ["token", "Tokens"],
    ["word", "Words"]
  ];
  var ControlBar = class {
    constructor(doc, scope, uid, settings, onUser) {
      this.doc = doc;
      this.settings = settings;
      this.el = h(doc, "div", "afn-controls");
      const labelled = (text, input) => {
        const l = h(doc, "label", "afn-ctl");
        l.append(h(doc, "span", "afn-ctl-label", text), input);
        return l;
      };
      const layer = h(doc, "input", "afn-layer");
      layer.type = "range";
      layer.min = "0";
      layer.step = "1";
      layer.setAttribute("aria-label", "layer");
      this.layerOut = h(doc, "output", "afn-layer-out");
      const layerLabel = labelled("Layer", layer);
      layerLabel.classList.add("afn-ctl-layer");
      layerLabel.appendChild(this.layerOut);
      const q = h(doc, "input", "afn-quantile");
      q.type = "number";
      q.min = "0.01";
      q.max = "0.99";
      q.step = "0.01";
      q.setAttribute("aria-label", "quantile for HIGH");
      const qLabel = labelled("Quantile", q);
      qLabel.title = "HIGH = value >= this quantile of the eligible values (numpy 'linear'); any number strictly between 0 and 1";
      this.qMsg = h(doc, "div", "afn-quantile-msg");
      this.qMsg.id = `afn-qmsg-${uid}`;
      this.qMsg.setAttribute("role", "status");
      this.qMsg.hidden = true;
      q.setAttribute("aria-describedby", this.qMsg.id);
      const seg = h(doc, "div", "afn-seg");
      seg.setAttribute("role", "group");
      seg.setAttribute("aria-label", "granularity");
      this.segBtns = {};
      for (const [v, t] of GRANULARITIES) {
        const b = h(doc, "button", "afn-seg-btn", t);
        b.type = "button";
        b.dataset.value = v;
        this.segBtns[v] = b;
        seg.appendChild(b);
      }
      const showSp = h(doc, "input", "afn-show-special");
      showSp.type = "checkbox";
      showSp.id = `afn-ss-${uid}`;
      const inclSp = h(doc, "input", "afn-include-special");
      inclSp.type = "checkbox";
      const showLabel = labelled("show special tokens", showSp);
      showLabel.classList.add("afn-check");
      const inclLabel = labelled("rank special tokens too", inclSp);
      inclLabel.classList.add("afn-check");
      inclLabel.title = "let the tokenizer's special tokens ([CLS], [SEP], <s>, ...) take part in the threshold and ranks";
      const scoreChoices = SCORE_NAMES.map((n) => [n, SCORE_INFO[n].label]);
      const score = select(doc, "afn-score", "score", scoreChoices);
      const scoreLabel = labelled("Score", score);
      scoreLabel.classList.add("afn-ctl-score");
      const beside = select(doc, "afn-beside", "second score beside", [["", "none"], ...scoreChoices]);
      const besideLabel = labelled("second score beside", beside);
      besideLabel.classList.add("afn-ctl-beside");
      besideLabel.title = "a second pane of the same text coloured by another score, one layer slider";
      const agg = select(doc, "afn-word-agg", "word score", WORD_AGGS);
      const aggLabel = labelled("word score", agg);
      aggLabel.classList.add("afn-ctl-agg");
      aggLabel.title = "a word's score: the mean or the max of its tokens' scores";
      const normChoices = NORMALIZATIONS.map((n) => [n, NORMALIZATION_LABELS[n] || n]);
      const norm = select(doc, "afn-normalize", "rescale", normChoices);
      const normLabel = labelled("rescale", norm);
      normLabel.classList.add("afn-ctl-norm");
      normLabel.title = "how the values are rescaled: dimensions of the hidden states dropped or standardized before their norms, or the norms put on each layer's own scale (the text is analysed again)";
      this.scoreMsg = h(doc, "div", "afn-score-msg");
      this.scoreMsg.setAttribute("role", "status");
      this.scoreMsg.hidden = true;
      this.el.append(
        layerLabel,
        qLabel,
        seg,
        showLabel,
        inclLabel,
        scoreLabel,
        besideLabel,
        aggLabel,
        normLabel,
        this.qMsg,
        this.scoreMsg
      );
      Object.assign(this, { layer, q, showSp, inclSp, score, beside, agg, norm });
      this.available = /* @__PURE__ */ new Map([["tas", ""]]);
      this.showScores(null, {});
      this.listen(scope, seg, onUser);
    }
    /**
     * Which scores the data hold (scores: Map, null for none yet) and why the others cannot be
     * shown (unavailable: {name: why} for the model; the rest were not asked for): the selectors
     * offer the first and say why of the others. tasName: what the norms are called (scores
     * given to from_scores name themselves, and come without any other).
     */
    showScores(scores, unavailable, tasName = "TAS") {
      const given = tasName !== "TAS";
      this.tasLabel = tasName;
      this.available = /* @__PURE__ */ new Map();
      for (const n of SCORE_NAMES) {
        let why = "";
        if (unavailable[n]) why = `not available for this model: ${unavailable[n]}`;
        else if (given && n !== "tas") why = "not computed: these scores were given as they are";
        else if (!(scores ? scores.has(n) : n === "tas"))
          why = `not computed: make the view with scores=("tas", "${n}")`;
        this.available.set(n, why);
      }
      for (const sel of [this.score, this.beside])
        for (const o of sel.options) {
          if (!o.value) continue;
          const why = this.available.get(o.value);
          const info = SCORE_INFO[o.value];
          const label = o.value === "tas" ? tasName : info.label;
          const title = o.value === "tas" && given ? `${tasName}: the scores this view was given` : info.title;
          o.disabled = !!why;
          o.textContent = why ? `${label} (${why.startsWith("not computed") ? "not computed" : "unavailable"})` : label;
          o.title = why ? `${title}. ${why}` : title;
        }
      this.paintScores();
    }
    // One of NORMALIZATIONS, or the name of scores given as they are (then nothing to choose).
    showNormalize(v) {
      const known = NORMALIZATIONS.includes(v);
      let other = this.norm.querySelector("option[data-given]");
      if (!known && !other) {
        other = h(this.doc, "option", null, "");
        other.dataset.given = "1";
        this.norm.appendChild(other);
      }
      if (other) {
        other.value = known ? "" : v;
        other.textContent = known ? "" : v;
        other.hidden = known;
      }
      this.norm.value = v;
      this.norm.disabled = !known;
    }
    paintScores() {
      const s = this.settings;
      this.score.value = s.score;
      this.beside.value = s.compare_score || "";
      this.score.title = (SCORE_INFO[s.score] || SCORE_INFO.tas).title;
      const why = [...this.available].filter(([, w]) => w);
      this.scoreMsg.textContent = why.length ? `${why.map(([n, w]) => `${SCORE_INFO[n].label}: ${w}`).join("; ")}.` : "";
      this.scoreMsg.hidden = !why.some(([, w]) => w.startsWith("not available"));
    }
    // User side: the view applies a change at once, then tells the model.
    listen(scope, seg, onUser) {
      const { layer, q, showSp, inclSp } = this;
      const typed = (say) => {
        const why = quantileMessage(q.validity && q.validity.badInput ? "" : q.value);
        if (!why) {
          this.sayQuantile("");
          onUser("quantile", CONTROLS.quantile.parse(Number(q.value)));
        } else if (say) this.sayQuantile(why);
      };
      scope.listen(layer, "input", () => onUser("layer", +layer.value));
      scope.listen(q, "change", () => typed(true));
      scope.listen(q, "input", () => typed(false));
      scope.listen(seg, "click", (ev) => {
        const b = ev.target.closest && ev.target.closest(".afn-seg-btn");
        if (b) onUser("granularity", b.dataset.value);
      });
      scope.listen(showSp, "change", () => onUser("show_special", showSp.checked));
      scope.listen(inclSp, "change", () => onUser("include_special", inclSp.checked));
      scope.listen(this.score, "change", () => onUser("score", this.score.value));
      scope.listen(this.beside, "change", () => onUser("compare_score", this.beside.value));
      scope.listen(this.agg, "change", () => onUser("word_agg", this.agg.value));
      scope.listen(this.norm, "change", () => onUser("normalize", this.norm.value));
    }
    /** Every control as the settings say. */
    paint() {
      const s = this.settings;
      this.layer.value = String(s.layer);
      this.layerOut.textContent = String(s.layer);
      this.showQuantile(s.quantile);
      for (const v in this.segBtns) this.segBtns[v].setAttribute("aria-pressed", String(s.granularity === v));
      this.showSp.checked = !!s.show_special;
      this.inclSp.checked = !!s.include_special;
      this.agg.value = s.word_agg;
      this.showNormalize(s.normalize);
      this.paintScores();
    }
    /** The slider at `layer` of 0..nLayers. */
    showLayer(layer, nLayers) {
      this.layer.max = String(nLayers);
      this.layer.value = String(layer);
      this.layerOut.textContent = String(layer);
    }
    /** The quantile, unless the user is typing in it (a value taken clears a refusal). */
    showQuantile(q) {
      if (this.doc.activeElement === this.q) return;
      if (!this.qMsg.hidden && q === this.refusedAt) return;
      this.q.value = String(q);
      this.sayQuantile("");
    }
    /** Why the typed quantile is refused, next to the box ("": nothing to say). */
    sayQuantile(why) {
      this.refusedAt = this.settings.quantile;
      this.qMsg.textContent = why;
      this.qMsg.hidden = !why;
      if (why) this.q.setAttribute("aria-invalid", "true");
      else this.q.removeAttribute("aria-invalid");
    }
  };

  // js/colors.js
  var VIRIDIS_HEX = "44015444025645045745055946075a46085c460a5d460b5e470d60470e6147106347116447136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f854240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f881fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc8635ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21ad8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";
  var LUT = (() => {
    const out = new Uint8Array(768);
    for (let i = 0; i < 768; i++) out[i] = parseInt(VIRIDIS_HEX.substr(i * 2, 2), 16);
    return out;
  })();
  var NO_COLOR = -1;
  var CSS = Array.from({ length: 256 }, (_, i) => {
    const r = LUT[3 * i], g = LUT[3 * i + 1], b = LUT[3 * i + 2];
    return `rgb(${r}, ${g}, ${b})`;
  });
  function srgbToLinear(c) {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }
  function relativeLuminance(r, g, b) {
    return 0.2126 * srgbToLinear(r) + 0.7152 * srgbToLinear(g) + 0.0722 * srgbToLinear(b);
  }
  function textColorFor(r, g, b) {
    const L = relativeLuminance(r, g, b);
    return (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? "#000" : "#fff";
  }
  var TEXT_CSS = Array.from(
    { length: 256 },
    (_, i) => textColorFor(LUT[3 * i], LUT[3 * i + 1], LUT[3 * i + 2])
  );
  function scale01(v, lo, hi) {
    if (Number.isNaN(v) || Number.isNaN(lo) || Number.isNaN(hi)) return NaN;
    if (!(hi > lo)) return 0.5;
    if (v === Infinity) return 1;
    if (v === -Infinity) return 0;
    const t = (v - lo) / (hi - lo);
    return t <= 0 ? 0 : t >= 1 ? 1 : t;
  }
  function colorIndex(t) {
    if (Number.isNaN(t)) return NO_COLOR;
    const i = Math.floor(t * 256);
    return i < 0 ? 0 : i > 255 ? 255 : i;
  }
  function gradientCss(n = 17, direction = "to right") {
    const stops = [];
    for (let k = 0; k < n; k++) {
      const t = k / (n - 1);
      stops.push(`${CSS[colorIndex(t)]} ${(t * 100).toFixed(1)}%`);
    }
    return `linear-gradient(${direction}, ${stops.join(", ")})`;
  }

  // js/panels/legend.js
  var Legend = class {
    constructor(doc) {
      this.el = h(doc, "div", "afn-legend");
      const bar = h(doc, "div", "afn-legend-bar");
      this.bar = bar;
      bar.style.backgroundImage = gradientCss();
      this.tick = h(doc, "div", "afn-legend-tick");
      bar.appendChild(this.tick);
      const labels = h(doc, "div", "afn-legend-labels afn-legend-scale");
      const top = h(doc, "div", "afn-legend-labels afn-legend-top");
      this.min = h(doc, "span", "afn-legend-min");
      this.thr = h(doc, "span", "afn-legend-thr");
      this.max = h(doc, "span", "afn-legend-max");
      this.name = h(doc, "span", "afn-legend-name", "TAS");
      top.append(this.thr);
      labels.append(this.min, this.name, this.max);
      this.layerNote = h(doc, "div", "afn-legend-note");
      this.layerNote.dataset.field = "layer-note";
      this.layerNote.hidden = true;
      this.el.append(top, bar, labels, this.layerNote);
    }
    /** A line under the scale ("" for none): that the score is the same at every layer. */
    setLayerNote(text) {
      this.layerNote.textContent = text;
      this.layerNote.hidden = !text;
    }
    /** What the colours measure (the scores' name). */
    setName(score) {
      this.name.textContent = score;
      this.name.title = score;
    }
    /** The domain [lo, hi] and the threshold (NaN: none); `off`: what stands for them where the
     * score is undefined ("" where it is not). */
    paint(threshold, lo, hi, off = "") {
      const { tick, thr } = this;
      this.min.textContent = Number.isNaN(lo) ? "" : fmt3(lo);
      this.max.textContent = Number.isNaN(hi) ? "" : fmt3(hi);
      const t = scale01(threshold, lo, hi);
      this.bar.style.opacity = off ? "0.3" : "";
      if (Number.isNaN(t) || off) {
        tick.hidden = true;
        thr.textContent = off;
        thr.style.left = "0%";
        thr.style.transform = "none";
        return;
      }
      tick.hidden = false;
      tick.style.left = `${(t * 100).toFixed(2)}%`;
      thr.textContent = `\u2265 ${fmt3(threshold)} HIGH`;
      thr.style.left = `${(t * 100).toFixed(2)}%`;
      thr.style.transform = t > 0.7 ? "translateX(-100%)" : t < 0.3 ? "none" : "translateX(-50%)";
    }
  };

  // js/panels/header.js
  var TAS_TITLE = "Token Activation Strength: L2 norm of each token's hidden state";
  function scoreName(v) {
    return typeof v === "string" && v.trim() ? v.trim() : "TAS";
  }
  var Header = class {
    constructor(doc) {
      this.doc = doc;
      this.el = h(doc, "div", "afn-header");
      const title = h(doc, "div", "afn-title");
      this.brand = h(doc, "span", "afn-brand", "TAS");
      this.brand.title = TAS_TITLE;
      this.modelName = h(doc, "span", "afn-model");
      this.normTag = h(doc, "span", "afn-tag");
      this.note = h(doc, "span", "afn-note");
      title.append(this.brand, this.modelName, this.normTag, this.note);
      const summary = h(doc, "div", "afn-summary");
      this.sumLayer = h(doc, "span", "afn-sum");
      this.sumThr = h(doc, "span", "afn-sum afn-sum-thr");
      this.sumHigh = h(doc, "span", "afn-sum afn-sum-high");
      this.sumShare = h(doc, "span", "afn-sum afn-sum-share");
      this.sumShare.title = "the paper's statistic at these settings: the share of content units among HIGH, against their share among all ranked units";
      this.sumMassive = h(doc, "span", "afn-sum afn-sum-massive");
      this.sumMassive.title = "units with a massive activation at this layer (some hidden value > 100 and > 1000 x the layer's median |value|): set apart, unranked";
      this.sumUndefined = h(doc, "span", "afn-sum afn-sum-undefined");
      this.sumUndefined.dataset.field = "undefined";
      this.sumUndefined.setAttribute("role", "status");
      this.sumUndefined.hidden = true;
      this.scoreLabel = "TAS";
      summary.append(this.sumLayer, this.sumThr, this.sumHigh, this.sumShare, this.sumMassive, this.sumUndefined);
      this.legend = new Legend(doc);
      this.paneNote = h(doc, "div", "afn-pane-note");
      this.paneNote.dataset.field = "pane-note";
      this.paneNote.hidden = true;
      this.el.append(title, summary, this.legend.el, this.paneNote);
    }
    /** A line about the pane beside this one (their HIGH sets' overlap); "" for none. */
    setPaneNote(text) {
      this.paneNote.textContent = text;
      this.paneNote.hidden = !text;
    }
    /**
     * The labels from the model_name (full), model_label (shown), note, normalize and
     * score_name traits.
     */
    setMeta({ model_name, model_label, note }) {
      const full = model_name ? String(model_name) : "";
      this.modelName.textContent = model_label ? String(model_label) : full;
      this.modelName.title = full;
      this.note.textContent = note ? String(note) : "";
      this.note.hidden = !note;
    }
    /** The score shown (its name, and what it is) and the normalization of the norms. */
    setScore(name, title, normalize) {
      this.brand.textContent = name;
      this.scoreLabel = name;
      this.brand.title = title || `${name}: the scores this view was given`;
      this.legend.setName(name);
      const norm = normalize && normalize !== "raw" ? normalize : "";
      this.normTag.textContent = norm ? `norm: ${norm}` : "";
      this.normTag.hidden = !norm;
    }
    /**
     * "HIGH k / n words": punctuation left out of both counts in the Words view (headerCounts),
     * and said apart when some of it is HIGH ("and 2 punctuation").
     */
    paintHigh(numbers, noun) {
      const doc = this.doc;
      const { buckets, eligible, units, nEligible } = numbers;
      const words = units.kind === "word";
      const counts = headerCounts(buckets, eligible, units.roles, words);
      const { high, ranked, punctuation, highPunctuation } = counts;
      const nh = h(doc, "b", null, String(high));
      nh.dataset.field = "n-high";
      const total = h(doc, "span", "afn-k", ` / ${ranked} ${noun(ranked)}`);
      total.dataset.field = "n-ranked";
      this.sumHigh.replaceChildren(h(doc, "span", "afn-k", "HIGH "), nh, total);
      if (highPunctuation) {
        const p = h(doc, "span", "afn-k", ` and ${highPunctuation} punctuation`);
        p.dataset.field = "n-high-punctuation";
        this.sumHigh.append(p);
      }
      this.sumHigh.title = punctuation ? `${noun(2)} in HIGH / ${noun(2)} ranked; punctuation is not counted as ${noun(2)} (the threshold is the quantile of all ${nEligible} units ranked, ${punctuation} of them punctuation)` : "";
    }
    /**
     * The numbers at `layer` of `nLayers`: numbers (UnitNumbers at that layer), the quantile,
     * and the noun for n units (unitNoun).
     */
    paint(layer, nLayers, quantile, numbers, noun) {
      const doc = this.doc;
      const { threshold } = numbers;
      this.sumLayer.replaceChildren(
        h(doc, "span", "afn-k", "layer "),
        Object.assign(h(doc, "b", null, `${layer}`), { title: layer === 0 ? "embeddings" : "" }),
        h(doc, "span", "afn-k", ` / ${nLayers}`)
      );
      const thrB = h(doc, "b", null, Number.isNaN(threshold) ? "\u2014" : fmt3(threshold));
      thrB.dataset.field = "threshold";
      this.sumThr.replaceChildren(h(doc, "span", "afn-k", `threshold (q ${+quantile.toFixed(4)}) `), thrB);
      this.paintHigh(numbers, noun);
      const [share, base] = numbers.contentShare();
      const pct = (x) => Number.isNaN(x) ? "\u2014" : `${Math.round(x * 100)} %`;
      const sb = h(doc, "b", null, pct(share));
      sb.dataset.field = "content-high";
      const bb = h(doc, "b", null, pct(base));
      bb.dataset.field = "content-all";
      this.sumShare.replaceChildren(
        h(doc, "span", "afn-k", "content in HIGH "),
        sb,
        h(doc, "span", "afn-k", " vs "),
        bb,
        h(doc, "span", "afn-k", " of all ranked")
      );
      const m = numbers.nMassive;
      const mb = h(doc, "b", null, String(m));
      mb.dataset.field = "n-massive";
      this.sumMassive.replaceChildren(h(doc, "span", "afn-k", "MASSIVE "), mb);
      this.sumMassive.hidden = !m;
      const note = numbers.note(this.scoreLabel);
      this.sumUndefined.textContent = note;
      this.sumUndefined.hidden = !note;
      this.sumThr.hidden = this.sumHigh.hidden = this.sumShare.hidden = !!note;
      this.legend.paint(threshold, numbers.lo, numbers.hi, note ? `no colours at layer ${layer}` : "");
    }
  };

  // js/flow.js
  function pathThrough(points) {
    let d = "";
    let pen = false;
    for (const p of points) {
      if (p === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
      pen = true;
    }
    return d;
  }
  function finiteRange(...arrays) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const arr of arrays) {
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        if (Number.isFinite(x)) {
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
      }
    }
    return [lo, hi];
  }
  function sparklinePoints(values, w, h2, pad = 2, lo, hi) {
    const n = values.length;
    if (lo === void 0 || hi === void 0) [lo, hi] = finiteRange(values);
    const out = [];
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        out.push(null);
        continue;
      }
      const x = n > 1 ? pad + i * (w - 2 * pad) / (n - 1) : w / 2;
      const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      out.push([x, h2 - pad - t * (h2 - 2 * pad)]);
    }
    return out;
  }
  function columnBins(nUnits, maxCols) {
    const cols = Math.max(0, Math.min(nUnits, maxCols));
    const bounds = new Int32Array(cols + 1);
    for (let c = 0; c <= cols; c++) bounds[c] = Math.floor(c * nUnits / cols) || 0;
    return bounds;
  }
  function heatmapRGBA(rows, units, eligible, maxCols) {
    const bounds = columnBins(units.length, maxCols);
    const cols = bounds.length - 1;
    const data = new Uint8ClampedArray(Math.max(cols, 1) * rows.length * 4);
    for (let L = 0; L < rows.length; L++) {
      const v = rows[L];
      const [lo, hi] = domainOf(v, eligible);
      for (let c = 0; c < cols; c++) {
        let m = NaN;
        for (let k = bounds[c]; k < bounds[c + 1]; k++) {
          const u = units[k];
          if (eligible[u] && !(v[u] <= m)) m = v[u];
        }
        const ci = colorIndex(scale01(m, lo, hi));
        const p = (L * cols + c) * 4;
        if (ci < 0) {
          data[p] = data[p + 1] = data[p + 2] = 160;
        } else {
          data[p] = LUT[3 * ci];
          data[p + 1] = LUT[3 * ci + 1];
          data[p + 2] = LUT[3 * ci + 2];
        }
        data[p + 3] = 255;
      }
    }
    return { data, cols, rows: rows.length, bounds };
  }

  // js/tooltip.js
  function displayText(s) {
    if (s === "") return "\u2205";
    return s.replace(/\n/g, "\u23CE").replace(/\t/g, "\u21E5");
  }
  function sparklineSvg(doc, series, thresholds, layer, width = 220, height = 48) {
    const [lo, hi] = thresholds ? finiteRange(series, thresholds) : finiteRange(series);
    const svg = svgEl(doc, "svg", {
      class: "afn-spark",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": "value across layers"
    });
    const path = (values, cls) => {
      const pts2 = sparklinePoints(values, width, height, 4, lo, hi);
      const d = pathThrough(pts2);
      if (d) svg.appendChild(svgEl(doc, "path", { d, class: cls, fill: "none" }));
      return pts2;
    };
    if (thresholds) path(thresholds, "afn-spark-thr");
    const pts = path(series, "afn-spark-line");
    const p = pts[layer];
    if (p) {
      svg.appendChild(svgEl(doc, "line", { x1: p[0], x2: p[0], y1: 0, y2: height, class: "afn-spark-cursor" }));
      svg.appendChild(svgEl(doc, "circle", { cx: p[0], cy: p[1], r: 3, class: "afn-spark-dot" }));
    }
    return svg;
  }
  function fillTooltip(tip, info) {
    const doc = tip.ownerDocument;
    tip.replaceChildren();
    const head = h(doc, "div", "afn-tt-head");
    head.appendChild(h(doc, "span", "afn-tt-text", displayText(info.text)));
    if (info.bucket && info.bucket !== "UNDEFINED") {
      const badge = h(doc, "span", info.bucket === "HIGH" ? "afn-tt-bucket afn-tt-high" : "afn-tt-bucket", info.bucket);
      badge.dataset.field = "bucket";
      head.appendChild(badge);
    }
    tip.appendChild(head);
    if (info.written) {
      const w = h(doc, "div", "afn-tt-written", info.written);
      w.dataset.field = "written";
      tip.appendChild(w);
    }
    if (info.undefinedNote) {
      const note = h(doc, "div", "afn-tt-undefined", info.undefinedNote);
      note.dataset.field = "undefined";
      tip.appendChild(note);
    }
    if (info.pieces && info.pieces.length) {
      const pieces = h(doc, "div", "afn-tt-pieces");
      pieces.appendChild(h(doc, "span", "afn-tt-label", info.pieces.length > 1 ? "tokens" : "token"));
      for (const p of info.pieces) pieces.appendChild(h(doc, "code", "afn-tt-piece", p));
      tip.appendChild(pieces);
    }
    const grid = h(doc, "div", "afn-tt-grid");
    const row = (label, value, field) => {
      grid.appendChild(h(doc, "span", "afn-tt-key", label));
      const v = h(doc, "span", "afn-tt-val", value);
      if (field) v.dataset.field = field;
      grid.appendChild(v);
    };
    const score = info.score || "TAS";
    row(score, fmtValue(info.tas), "tas");
    row("rank", info.rank > 0 ? `${info.rank} / ${info.nEligible}` : "unranked", "rank");
    row(
      "percentile",
      Number.isFinite(info.percentile) ? info.percentile.toFixed(1) : "\u2014",
      "percentile"
    );
    row("role", info.role || "\u2014", "role");
    if (info.chatRole) row("chat role", info.chatRole, "chat-role");
    for (const [name, value] of info.writer || []) row(name, fmtValue(value), name);
    if (info.massive) {
      const { dim, value, token } = info.massive;
      row("massive", `dim ${dim} = ${fmt3(value)}${token ? ` (${token})` : ""}`, "massive");
    }
    row("layer", `${info.layer} / ${info.nLayers}`, "layer");
    tip.appendChild(grid);
    if (info.series && info.series.length > 1) {
      const sp = h(doc, "div", "afn-tt-spark");
      sp.appendChild(sparklineSvg(doc, info.series, info.thresholds, info.layer));
      const cap = h(doc, "div", "afn-tt-caption");
      cap.textContent = `${score} by layer${info.thresholds ? " (dashed: HIGH threshold)" : ""}`;
      sp.appendChild(cap);
      tip.appendChild(sp);
    }
    if (hasDims(info)) tip.appendChild(dimsBox(doc, info));
    tip.appendChild(h(doc, "div", "afn-tt-hint", hintText(info.pinned, false)));
  }
  function hintText(pinned, away) {
    if (!pinned) return "click to pin";
    return away ? "pinned \xB7 its token is out of sight \xB7 Esc to unpin" : "pinned \xB7 Esc or click to unpin";
  }
  var hasDims = (info) => info.dims && info.dims.length > 0 || info.dimsPending || info.dimsError !== void 0;
  function dimsBox(doc, info) {
    const box = h(doc, "div", "afn-tt-dims");
    const of = info.dimsOf ? ` (of ${info.dimsOf})` : "";
    box.appendChild(h(doc, "div", "afn-tt-caption", `top hidden dims at layer ${info.layer}${of}`));
    if (info.dimsError !== void 0) {
      box.appendChild(h(doc, "div", "afn-tt-dims-error", String(info.dimsError)));
    } else if (info.dimsPending) {
      box.setAttribute("aria-busy", "true");
      box.appendChild(h(doc, "div", "afn-tt-dims-pending", "loading\u2026"));
    } else {
      for (const d of info.dims) box.appendChild(dimRow(doc, d));
    }
    return box;
  }
  function dimRow(doc, d) {
    const r = h(doc, "div", "afn-tt-dim");
    r.appendChild(h(doc, "span", "afn-tt-dim-id", `d${d.dim}`));
    const bar = h(doc, "span", "afn-tt-dim-bar");
    const fill = h(doc, "span", "afn-tt-dim-fill");
    fill.style.width = `${Math.max(0, Math.min(100, d.share))}%`;
    bar.appendChild(fill);
    r.appendChild(bar);
    r.appendChild(h(doc, "span", "afn-tt-dim-share", `${d.share}%`));
    return r;
  }
  function placeTooltip(target, root, tw, th, vw, vh, gap = 6, area = null) {
    const a = area || { left: 0, top: 0, right: vw, bottom: vh };
    let left = target.left;
    if (left + tw > a.right - 4) left = a.right - 4 - tw;
    if (left < a.left + 4) left = a.left + 4;
    let top = target.bottom + gap;
    if (top + th > a.bottom - 4 && target.top - gap - th >= a.top + 4) top = target.top - gap - th;
    return { left: left - root.left, top: top - root.top };
  }
  function anchorIn(target, area) {
    const clampY = (y) => Math.min(Math.max(y, area.top), area.bottom);
    const clampX = (x) => Math.min(Math.max(x, area.left), area.right);
    const away = target.bottom <= area.top || target.top >= area.bottom || target.right <= area.left || target.left >= area.right;
    if (!away) return { rect: target, away };
    const top = clampY(target.top);
    const bottom = clampY(target.bottom);
    const left = clampX(target.left);
    return { rect: { left, right: Math.max(left, clampX(target.right)), top, bottom }, away };
  }
  function intersect(a, b) {
    return {
      left: Math.max(a.left, b.left),
      top: Math.max(a.top, b.top),
      right: Math.min(a.right, b.right),
      bottom: Math.min(a.bottom, b.bottom)
    };
  }

  // js/panels/heatmap.js
  var MAX_FLOW_COLS = 1600;
  var ZOOMS = [0, 2, 4, 8, 16];
  var ZOOM_FROM = 160;
  var MARKER_PX = 3;
  function zoomWindow(n, px, scrollLeft, width) {
    const start = Math.max(0, Math.min(n, Math.floor(scrollLeft / px)));
    const end = Math.min(n, Math.ceil((scrollLeft + width) / px));
    return { start, end: Math.max(start, end) };
  }
  function putImage(win, canvas, img) {
    const cols = Math.max(img.cols, 1);
    canvas.width = cols;
    canvas.height = img.rows;
    const ctx = canvas.getContext("2d");
    if (ctx && img.cols > 0) ctx.putImageData(new win.ImageData(img.data, cols, img.rows), 0, 0);
    return img.cols;
  }
  var Heatmap = class {
    constructor(doc, scope, view) {
      this.win = doc.defaultView;
      this.view = view;
      this.due = false;
      this.shown = null;
      this.bounds = null;
      this.zoom = 0;
      this.start = 0;
      this.frame = 0;
      this.el = h(doc, "div", "afn-flow");
      const head = h(doc, "div", "afn-flow-head");
      this.zoomBox = this.zoomControl(doc, scope);
      head.append(h(doc, "div", "afn-panel-title", "Layer \xD7 token flow"), this.zoomBox);
      this.scroller = h(doc, "div", "afn-flow-scroll");
      this.track = h(doc, "div", "afn-flow-track");
      this.viewBox = h(doc, "div", "afn-flow-view");
      this.canvas = h(doc, "canvas", "afn-flow-canvas");
      this.canvas.title = "click a row to select that layer";
      this.marker = h(doc, "div", "afn-flow-marker");
      this.viewBox.append(this.canvas, this.marker);
      this.track.appendChild(this.viewBox);
      this.scroller.appendChild(this.track);
      this.axis = h(doc, "div", "afn-flow-axis");
      this.axisBottom = h(doc, "span", null, "");
      this.axis.append(h(doc, "span", null, "0"), this.axisBottom);
      this.overview = h(doc, "div", "afn-flow-overview");
      this.overview.hidden = true;
      this.overview.title = "the whole text: click or drag to scroll there";
      this.ovCanvas = h(doc, "canvas", "afn-flow-ov-canvas");
      this.ovWindow = h(doc, "div", "afn-flow-ov-window");
      this.overview.append(this.ovCanvas, this.ovWindow);
      const main = h(doc, "div", "afn-flow-main");
      main.append(this.scroller, this.overview);
      const row = h(doc, "div", "afn-flow-row");
      row.append(this.axis, main);
      this.caption = h(doc, "div", "afn-caption", "each row scaled to its own min..max");
      this.el.append(head, row, this.caption);
      scope.listen(this.canvas, "click", (ev) => this.clicked(ev));
      scope.listen(this.canvas, "mousemove", (ev) => this.hovered(ev));
      scope.listen(this.canvas, "mouseleave", () => this.showCaption());
      scope.listen(this.scroller, "scroll", () => this.redrawSoon(), { passive: true });
      const seek = (ev) => this.seek(ev);
      scope.listen(this.overview, "pointerdown", (ev) => {
        if (this.overview.setPointerCapture) this.overview.setPointerCapture(ev.pointerId);
        seek(ev);
      });
      scope.listen(this.overview, "pointermove", (ev) => ev.buttons & 1 && seek(ev));
      if (this.win.ResizeObserver) {
        const ro = new this.win.ResizeObserver(() => this.zoom && this.redrawSoon());
        ro.observe(this.scroller);
        scope.add(() => ro.disconnect());
      }
      scope.add(() => this.win.cancelAnimationFrame(this.frame));
    }
    zoomControl(doc, scope) {
      const box = h(doc, "label", "afn-flow-zoom");
      box.hidden = true;
      this.zoomSelect = h(doc, "select", "afn-flow-zoom-select");
      this.zoomSelect.setAttribute("aria-label", "heatmap zoom");
      for (const px of ZOOMS) {
        const o = h(doc, "option", null, px ? `${px} px each` : "fit all");
        o.value = String(px);
        this.zoomSelect.appendChild(o);
      }
      box.append(h(doc, "span", "afn-ctl-label", "zoom"), this.zoomSelect);
      scope.listen(this.zoomSelect, "change", () => this.setZoom(+this.zoomSelect.value));
      return box;
    }
    /** Every layer of `numbers`' units (specials only when showSpecial); noun: unitNoun; score: their name. */
    paint(numbers, showSpecial, noun, score = "TAS") {
      const { data, units } = numbers;
      this.rows = [];
      for (let L = 0; L <= data.nLayers; L++) this.rows.push(numbers.row(L));
      const shown = [];
      for (let u = 0; u < units.count; u++) if (showSpecial || !units.special[u]) shown.push(u);
      this.shown = Int32Array.from(shown);
      Object.assign(this, { eligible: numbers.flowEligible, noun, score });
      this.wrapHeight = Math.max(48, Math.min(this.rows.length * 6, 160));
      this.track.style.height = `${this.wrapHeight}px`;
      this.axis.style.height = `${this.wrapHeight}px`;
      this.axisBottom.textContent = String(data.nLayers);
      this.zoomBox.hidden = this.shown.length <= ZOOM_FROM;
      if (this.zoomBox.hidden) this.zoom = 0;
      for (const o of this.zoomSelect.options) {
        if (+o.value) o.textContent = `${o.value} px per ${noun(1)}`;
      }
      this.zoomSelect.value = String(this.zoom);
      this.overviewStale = true;
      this.draw();
    }
    setZoom(px) {
      const keep = this.zoom ? this.scroller.scrollLeft / this.zoom : 0;
      this.zoom = px;
      this.zoomSelect.value = String(px);
      if (!this.shown) return;
      this.draw();
      if (px) this.scroller.scrollLeft = keep * px;
    }
    // Scroll so that the unit under the pointer on the overview is in the middle of the view.
    seek(ev) {
      const r = this.overview.getBoundingClientRect();
      if (!this.zoom || !(r.width > 0)) return;
      const f = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
      this.scroller.scrollLeft = f * this.shown.length * this.zoom - this.scroller.clientWidth / 2;
    }
    redrawSoon() {
      if (!this.zoom || this.frame) return;
      this.frame = this.win.requestAnimationFrame(() => {
        this.frame = 0;
        if (this.shown) this.draw();
      });
    }
    // The canvas for the current zoom: all units (fit) or those in view (zoomed, with the
    // overview of all of them, drawn once per zoom or data).
    draw() {
      const zoomed = this.zoom > 0;
      const entering = zoomed && !this.scroller.classList.contains("afn-zoomed");
      this.scroller.classList.toggle("afn-zoomed", zoomed);
      if (!zoomed) {
        this.track.style.width = "";
        this.viewBox.style.width = "";
        this.canvas.style.width = "";
        this.canvas.style.transform = "";
        this.scroller.removeAttribute("tabindex");
        this.overview.hidden = true;
        const img = heatmapRGBA(this.rows, this.shown, this.eligible, MAX_FLOW_COLS);
        this.bounds = img.bounds;
        this.start = 0;
        this.cols = putImage(this.win, this.canvas, img);
      } else {
        if (entering || this.overviewStale) this.drawOverview();
        this.drawWindow();
      }
      this.showCaption();
    }
    drawOverview() {
      this.overviewStale = false;
      this.overview.hidden = false;
      putImage(this.win, this.ovCanvas, heatmapRGBA(this.rows, this.shown, this.eligible, MAX_FLOW_COLS));
    }
    // Zoomed: the units in view, and where they are in the whole text.
    drawWindow() {
      const px = this.zoom;
      const n = this.shown.length;
      this.track.style.width = `${n * px}px`;
      this.scroller.tabIndex = 0;
      const width = this.scroller.clientWidth;
      const left = this.scroller.scrollLeft;
      this.viewBox.style.width = `${width}px`;
      const { start, end } = zoomWindow(n, px, left, width);
      const img = heatmapRGBA(this.rows, this.shown.subarray(start, end), this.eligible, end - start);
      this.bounds = null;
      this.start = start;
      this.canvas.style.width = `${img.cols * px}px`;
      this.canvas.style.transform = `translateX(${start * px - left}px)`;
      this.cols = putImage(this.win, this.canvas, img);
      this.ovWindow.style.left = `${(100 * start / Math.max(n, 1)).toFixed(3)}%`;
      this.ovWindow.style.width = `${(100 * (end - start) / Math.max(n, 1)).toFixed(3)}%`;
    }
    // What the picture shows: the scale, and the columns' units (binned, or the range in view).
    showCaption() {
      if (!this.shown) return;
      const n = this.shown.length;
      const scale = `${this.score}, each row scaled to its own min..max`;
      let what;
      if (this.zoom) {
        const a = Math.min(n, this.start + 1);
        const b = Math.min(n, this.start + this.cols);
        what = `${this.noun(2)} ${a}\u2013${b} of ${n} \xB7 scroll sideways for the rest`;
      } else if (this.cols < n) {
        what = `${n} ${this.noun(2)} in ${this.cols} columns (max per column)`;
      } else {
        what = "click a row to select its layer";
      }
      this.caption.textContent = `${scale} \xB7 ${what}`;
    }
    /** The band of the current layer: a frame around its row, within the canvas. */
    paintMarker(layer, nLayers) {
      const n = nLayers + 1;
      const top = (100 * layer / n).toFixed(3);
      const bottom = (100 * (n - layer - 1) / n).toFixed(3);
      this.marker.style.top = `max(0px, calc(${top}% - ${MARKER_PX}px))`;
      this.marker.style.bottom = `max(0px, calc(${bottom}% - ${MARKER_PX}px))`;
    }
    // The layer and unit under the pointer ({L, u}, u = -1 for none), or null.
    at(ev) {
      const data = this.view.data;
      const r = this.canvas.getBoundingClientRect();
      if (!data || !this.shown || r.height <= 0 || r.width <= 0) return null;
      const L = Math.min(data.nLayers, Math.max(0, Math.floor((ev.clientY - r.top) / r.height * (data.nLayers + 1))));
      const cols = this.cols;
      const c = Math.min(cols - 1, Math.max(0, Math.floor((ev.clientX - r.left) / r.width * cols)));
      if (!(cols > 0)) return { L, u: -1 };
      const u = this.bounds ? this.shown[this.bounds[c]] : this.shown[this.start + c];
      return { L, u };
    }
    clicked(ev) {
      const p = this.at(ev);
      if (!p) return;
      this.view.setControl("layer", p.L, true);
      if (p.u >= 0) this.view.reveal(p.u, false);
    }
    hovered(ev) {
      const p = this.at(ev);
      if (!p || p.u < 0) return;
      const { units, numbers } = this.view;
      this.caption.textContent = `layer ${p.L} \xB7 \u201C${displayText(units.surface(p.u))}\u201D \xB7 ${fmtValue(numbers.row(p.L)[p.u])} \xB7 click to select layer`;
    }
  };

  // js/panels/ranking.js
  var TOP_N = 10;
  var Ranking = class {
    constructor(doc, scope, onPick) {
      this.doc = doc;
      this.el = h(doc, "div", "afn-ranking");
      this.head = h(doc, "div", "afn-panel-title", "Strongest");
      this.list = h(doc, "ol", "afn-rank-list");
      this.el.append(this.head, this.list);
      scope.listen(this.list, "click", (ev) => {
        const b = ev.target.closest && ev.target.closest(".afn-rank-btn");
        if (b) onPick(+b.dataset.i);
      });
    }
    clear() {
      this.list.replaceChildren();
    }
    /** The TOP_N strongest of `units` by `numbers` (at `layer`); noun: unitNoun; score: their name. */
    paint(layer, units, numbers, noun, score) {
      const doc = this.doc;
      const { values, buckets, lo, hi } = numbers;
      this.head.textContent = `Strongest ${noun(2)} by ${score} at layer ${layer}`;
      const note = numbers.note(score);
      if (note) {
        this.list.replaceChildren(h(doc, "li", "afn-rank-undefined", note));
        return;
      }
      const best = numbers.top(TOP_N);
      const top = best.length ? values[best[0]] : NaN;
      const items = best.map((u, r) => {
        const li = h(doc, "li", "afn-rank-item");
        const b = h(doc, "button", "afn-rank-btn");
        b.type = "button";
        b.dataset.i = String(u);
        const bar = h(doc, "span", "afn-rank-bar");
        const ci = colorIndex(scale01(values[u], lo, hi));
        bar.style.width = `${top > 0 ? Math.max(2, 100 * values[u] / top).toFixed(1) : 0}%`;
        if (ci >= 0) bar.style.backgroundColor = CSS[ci];
        b.append(
          h(doc, "span", "afn-rank-n", String(r + 1)),
          h(doc, "span", "afn-rank-text", displayText(units.surface(u))),
          h(doc, "span", "afn-rank-val", fmt3(values[u])),
          bar
        );
        if (buckets[u] === HIGH) b.classList.add("afn-is-high");
        li.appendChild(b);
        return li;
      });
      this.list.replaceChildren(...items);
    }
  };

  // js/spans.js
  var GAP = 0;
  var CLUSTER = 1;
  var PILL = 2;
  function flatRanges(ranges) {
    if (ranges instanceof Int32Array) return ranges;
    const n = ranges.length;
    const out = new Int32Array(2 * n).fill(-1);
    for (let u = 0; u < n; u++) {
      const r = ranges[u];
      if (!r || r.length < 2) continue;
      const s = Number(r[0]);
      const e = Number(r[1]);
      if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
      out[2 * u] = Math.max(0, Math.min(Math.trunc(s), 2 ** 31 - 1));
      out[2 * u + 1] = Math.max(0, Math.min(Math.trunc(e), 2 ** 31 - 1));
    }
    return out;
  }
  function layoutSpans(text, ranges, isSpecial) {
    const flat = flatRanges(ranges);
    const n = flat.length >> 1;
    const len = text.length;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    let placed = new Int32Array(n);
    let np = 0;
    let sorted = true;
    for (let u = 0; u < n; u++) {
      let s = flat[2 * u];
      let e = flat[2 * u + 1];
      if (isSpecial[u] || s < 0) continue;
      s = s > len ? len : s;
      e = e < 0 ? 0 : e > len ? len : e;
      if (e < s) e = s;
      starts[u] = s;
      ends[u] = e;
      if (np && (s < starts[placed[np - 1]] || s === starts[placed[np - 1]] && e < ends[placed[np - 1]]))
        sorted = false;
      placed[np++] = u;
    }
    placed = placed.subarray(0, np);
    if (!sorted) {
      placed = Int32Array.from(Array.from(placed).sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b] || a - b));
    }
    const cStart = new Int32Array(np);
    const cEnd = new Int32Array(np);
    const runStart = new Int32Array(np + 1);
    let nc = 0;
    for (let p = 0; p < np; p++) {
      const u = placed[p];
      const s = starts[u];
      const e = ends[u];
      const merge = nc > 0 && (s < cEnd[nc - 1] || s === cEnd[nc - 1] && (s === e || cStart[nc - 1] === cEnd[nc - 1]));
      if (merge) {
        if (e > cEnd[nc - 1]) cEnd[nc - 1] = e;
      } else {
        cStart[nc] = s;
        cEnd[nc] = e;
        runStart[nc] = p;
        nc++;
      }
    }
    runStart[nc] = np;
    const unitCluster = new Int32Array(n).fill(-1);
    const cUnitStart = new Int32Array(nc + 1);
    const cUnits = new Int32Array(np);
    let k = 0;
    let q = 0;
    for (let c = 0; c < nc; c++) {
      if (cEnd[c] <= cStart[c]) continue;
      cStart[k] = cStart[c];
      cEnd[k] = cEnd[c];
      cUnitStart[k] = q;
      const p0 = runStart[c];
      const p1 = runStart[c + 1];
      for (let p = p0; p < p1; p++) cUnits[q++] = placed[p];
      if (p1 - p0 > 1) cUnits.subarray(cUnitStart[k], q).sort();
      for (let i = cUnitStart[k]; i < q; i++) unitCluster[cUnits[i]] = k;
      k++;
    }
    nc = k;
    cUnitStart[nc] = q;
    const pillCount = new Int32Array(nc + 2);
    let prev = -1;
    let nPills = 0;
    for (let u = 0; u < n; u++) {
      if (unitCluster[u] >= 0) prev = unitCluster[u];
      else {
        pillCount[prev + 2]++;
        nPills++;
      }
    }
    for (let c = 1; c < nc + 2; c++) pillCount[c] += pillCount[c - 1];
    const pillUnits = new Int32Array(nPills);
    const fill = pillCount.slice(0, nc + 1);
    prev = -1;
    for (let u = 0; u < n; u++) {
      if (unitCluster[u] >= 0) prev = unitCluster[u];
      else pillUnits[fill[prev + 1]++] = u;
    }
    const cap = 2 * nc + 1 + nPills;
    const itemKind = new Uint8Array(cap);
    const itemA = new Int32Array(cap);
    const itemB = new Int32Array(cap);
    let m = 0;
    const pushPills = (c) => {
      for (let i = pillCount[c + 1]; i < pillCount[c + 2]; i++) {
        itemKind[m] = PILL;
        itemA[m++] = pillUnits[i];
      }
    };
    pushPills(-1);
    let pos = 0;
    for (let c = 0; c < nc; c++) {
      if (cStart[c] > pos) {
        itemKind[m] = GAP;
        itemA[m] = pos;
        itemB[m++] = cStart[c];
      }
      itemKind[m] = CLUSTER;
      itemA[m++] = c;
      if (pillCount[c + 2] > pillCount[c + 1]) pushPills(c);
      pos = cEnd[c];
    }
    if (pos < len) {
      itemKind[m] = GAP;
      itemA[m] = pos;
      itemB[m++] = len;
    }
    return new Layout(text, {
      nClusters: nc,
      cStart: cStart.subarray(0, nc),
      cEnd: cEnd.subarray(0, nc),
      cUnitStart,
      cUnits: cUnits.subarray(0, q),
      nItems: m,
      itemKind: itemKind.subarray(0, m),
      itemA: itemA.subarray(0, m),
      itemB: itemB.subarray(0, m),
      unitCluster
    });
  }
  var Layout = class {
    constructor(text, cols) {
      Object.assign(this, cols);
      this.text = text;
    }
    /** Cluster k's units (a subarray). */
    unitsOf(k) {
      return this.cUnits.subarray(this.cUnitStart[k], this.cUnitStart[k + 1]);
    }
    /** The clusters as objects {start, end, units} (for reading and tests; not drawn from). */
    get clusters() {
      return Array.from({ length: this.nClusters }, (_, k) => ({
        start: this.cStart[k],
        end: this.cEnd[k],
        units: Array.from(this.unitsOf(k))
      }));
    }
    /** The items as objects {kind: "gap", text} | {kind: "cluster", index} | {kind: "pill", unit}. */
    get items() {
      return Array.from({ length: this.nItems }, (_, j) => {
        const a = this.itemA[j];
        const kind = this.itemKind[j];
        if (kind === GAP) return { kind: "gap", text: this.text.slice(a, this.itemB[j]) };
        return kind === CLUSTER ? { kind: "cluster", index: a } : { kind: "pill", unit: a };
      });
    }
  };

  // js/elements.js
  function textElements(layout, units) {
    const { cUnitStart: clusterStart, cUnits: clusterUnits, itemKind, itemA } = layout;
    const nItems = layout.nItems;
    let count = 0;
    for (let j = 0; j < nItems; j++) if (itemKind[j] !== GAP) count++;
    const firstUnit = new Int32Array(count);
    const cluster = new Int32Array(count);
    const item = new Int32Array(count);
    const multi = new Uint8Array(count);
    const boxed = new Uint8Array(count);
    const base = new Array(count);
    const unitElem = new Int32Array(units.count).fill(-1);
    const roles = units.roles || [];
    let e = 0;
    for (let j = 0; j < nItems; j++) {
      const kind = itemKind[j];
      if (kind === GAP) continue;
      if (kind === CLUSTER) {
        const k = itemA[j];
        const p0 = clusterStart[k];
        const p1 = clusterStart[k + 1];
        const first = clusterUnits[p0];
        let punct = roles[first] === "punctuation";
        let role = roles[first];
        for (let p = p0 + 1; p < p1; p++) {
          const r = roles[clusterUnits[p]];
          if (r !== "punctuation") punct = false;
          if (r !== role) role = "";
        }
        for (let p = p0; p < p1; p++) unitElem[clusterUnits[p]] = e;
        base[e] = baseClass(punct ? PUNCT : TOKEN, role);
        boxed[e] = punct ? 1 : 0;
        multi[e] = p1 - p0 > 1 ? 1 : 0;
        firstUnit[e] = first;
        cluster[e] = k;
      } else {
        const u = itemA[j];
        base[e] = baseClass(units.special[u] ? SPECIAL_PILL : PILL_CLASS, roles[u]);
        boxed[e] = 1;
        unitElem[u] = e;
        firstUnit[e] = u;
        cluster[e] = -1;
      }
      item[e++] = j;
    }
    return { count, firstUnit, cluster, item, multi, boxed, base, unitElem, clusterStart, clusterUnits };
  }
  var TOKEN = 0;
  var PUNCT = 1;
  var PILL_CLASS = 2;
  var SPECIAL_PILL = 3;
  var KIND_CLASS = ["afn-tok", "afn-tok afn-punct", "afn-tok afn-pill", "afn-tok afn-pill afn-special"];
  var BASE_CLASS = KIND_CLASS.map(() => /* @__PURE__ */ new Map());
  function baseClass(kind, role) {
    const known = BASE_CLASS[kind];
    let cls = known.get(role);
    if (cls === void 0) {
      cls = KIND_CLASS[kind] + roleClass(role);
      known.set(role, cls);
    }
    return cls;
  }
  var ROLES = ROLE_CODES;
  var roleClass = (role) => ROLES.includes(role) ? ` afn-r-${role}` : "";
  function membersOf(els, e) {
    const k = els.cluster[e];
    return k >= 0 ? els.clusterUnits.subarray(els.clusterStart[k], els.clusterStart[k + 1]) : null;
  }
  function clusterBucket(buckets, els, e) {
    const { clusterStart, clusterUnits } = els;
    const k = els.cluster[e];
    let b = INELIGIBLE;
    for (let p = clusterStart[k]; p < clusterStart[k + 1]; p++) {
      const m = buckets[clusterUnits[p]];
      if (m === HIGH) b = HIGH;
      else if (m === LOW && b !== HIGH) b = LOW;
      else if (m === MASSIVE && b === INELIGIBLE) b = MASSIVE;
    }
    return b;
  }

  // js/panels/roles.js
  var ROLE_TITLE = {
    content: "content words: nouns, verbs, adjectives, adverbs, numbers, proper nouns",
    function: "function words: determiners, pronouns, prepositions, auxiliaries, conjunctions, particles",
    punctuation: "punctuation and symbols",
    special: "the tokenizer's special tokens ([CLS], <s>, BOS, ...)"
  };
  var RoleFilter = class {
    /** root: the view's root element, which carries an afn-dim-ROLE class per role switched off. */
    constructor(doc, scope, root) {
      this.root = root;
      this.el = h(doc, "div", "afn-roles");
      this.el.setAttribute("role", "group");
      this.el.setAttribute("aria-label", "roles shown");
      this.buttons = {};
      this.counts = {};
      for (const r of ROLES) {
        const b = h(doc, "button", `afn-role-btn afn-role-${r}`);
        b.type = "button";
        b.dataset.role = r;
        b.setAttribute("aria-pressed", "true");
        b.title = `${ROLE_TITLE[r]}; click to dim or show them`;
        b.append(h(doc, "span", "afn-role-name", r));
        this.counts[r] = h(doc, "span", "afn-role-count", "");
        b.append(this.counts[r]);
        this.buttons[r] = b;
        this.el.appendChild(b);
      }
      scope.listen(this.el, "click", (ev) => {
        const b = ev.target.closest && ev.target.closest(".afn-role-btn");
        if (b) this.toggle(b.dataset.role);
      });
    }
    /** Switch a role's units on or off (dimmed). */
    toggle(role) {
      const b = this.buttons[role];
      if (!b) return;
      const on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", String(on));
      this.root.classList.toggle(`afn-dim-${role}`, !on);
    }
    /** The roles switched on. */
    shown() {
      return ROLES.filter((r) => this.buttons[r].getAttribute("aria-pressed") === "true");
    }
    /** The count of each role among the units (unitsOf); specials only while shown. */
    paint(units, showSpecial) {
      const n = Object.fromEntries(ROLES.map((r) => [r, 0]));
      if (units) {
        for (let u = 0; u < units.count; u++) if (n[units.roles[u]] !== void 0) n[units.roles[u]]++;
      }
      for (const r of ROLES) this.counts[r].textContent = units ? String(n[r]) : "";
      this.buttons.special.hidden = !showSpecial;
    }
  };

  // js/panels/status.js
  var StatusPanel = class {
    /** onStop(): the Stop button was pressed (the model is to stop writing). */
    constructor(doc, scope, onStop) {
      this.state = { status: "empty", progress: 0, error: "" };
      this.el = h(doc, "div", "afn-status");
      const progress = h(doc, "div", "afn-progress");
      progress.setAttribute("role", "progressbar");
      progress.setAttribute("aria-valuemin", "0");
      progress.setAttribute("aria-valuemax", "100");
      this.bar = h(doc, "div", "afn-progress-bar");
      progress.appendChild(this.bar);
      this.progress = progress;
      this.progressText = h(doc, "div", "afn-progress-text");
      this.label = h(doc, "span", "afn-progress-label");
      this.stop = h(doc, "button", "afn-stop", "Stop");
      this.stop.type = "button";
      this.stop.title = "stop the model after the token it is writing; what it wrote stays";
      this.stop.hidden = true;
      scope.listen(this.stop, "click", () => onStop());
      this.progressText.append(this.label, this.stop);
      this.errorBox = h(doc, "div", "afn-error");
      this.errorBox.setAttribute("role", "alert");
      this.emptyBox = h(doc, "div", "afn-empty", "Nothing analysed yet.");
      this.el.append(progress, this.progressText, this.errorBox, this.emptyBox);
    }
    /** Some of the status traits (status, progress, error). */
    update(s) {
      this.state = { ...this.state, ...s };
    }
    /**
     * Show the status; dataError: why the data cannot be shown ("" if they can); asked: the
     * writing control (false once Stop is pressed: the button waits, disabled, for the last
     * token). Returns whether computing (the text shown is about to be replaced; while the model
     * writes it is not, it grows).
     */
    paint(dataError, hasData, asked = true) {
      const { status, progress, error } = this.state;
      const computing = status === "computing";
      const writing = status === "writing";
      this.progress.hidden = !(computing || writing);
      this.progressText.hidden = !(computing || writing);
      this.stop.hidden = !writing;
      this.stop.disabled = !asked;
      if (computing || writing) {
        const p = Math.max(0, Math.min(1, Number(progress) || 0));
        this.bar.style.width = `${(p * 100).toFixed(1)}%`;
        this.progress.setAttribute("aria-valuenow", String(Math.round(p * 100)));
        const what = writing ? "the model is writing" : "computing";
        this.label.textContent = `${what}\u2026 ${Math.round(p * 100)}%`;
      }
      const err = status === "error" ? String(error || "error") : dataError;
      this.errorBox.hidden = !err;
      this.errorBox.textContent = err;
      this.emptyBox.hidden = hasData || computing || writing || !!err;
      return computing;
    }
  };

  // js/panels/tooltip.js
  function massiveOf(data, toks, L) {
    if (!data.massiveAt) return null;
    for (const t of toks) {
      const m = data.massiveInfo.get(L * data.nTokens + t);
      if (m) return { dim: m[0], value: m[1], token: toks.length > 1 ? data.pieces[t] : "" };
    }
    return null;
  }
  var Tooltip = class {
    constructor(doc, uid, view) {
      this.win = doc.defaultView;
      this.view = view;
      this.el = h(doc, "div", "afn-tooltip");
      this.el.setAttribute("role", "tooltip");
      this.el.id = `afn-tip-${uid}`;
      this.el.hidden = true;
      this.target = null;
      this.pinned = false;
      this.dimTok = -1;
      this.clips = [];
    }
    /** The element whose tooltip is pinned, or null. */
    get pinnedEl() {
      return this.pinned ? this.target : null;
    }
    show(span, pinned = false) {
      if (!this.view.data || !span || !span.isConnected) return;
      if (this.target && this.target !== span) this.target.classList.remove("afn-pinned");
      if (this.target !== span) {
        this.clips = ancestors(span, (st) => st.overflowX !== "visible" || st.overflowY !== "visible");
      }
      this.target = span;
      this.pinned = pinned;
      span.classList.toggle("afn-pinned", pinned);
      span.setAttribute("aria-describedby", this.el.id);
      const info = describe(this.view, span, pinned);
      this.dimTok = info.dimTok;
      fillTooltip(this.el, info);
      this.el.classList.remove("afn-tt-away");
      this.el.classList.toggle("afn-tt-pinned", pinned);
      this.el.hidden = false;
      this.position();
      if (this.view.onHover) this.view.onHover(this.view.blocks.unitsAt(span));
    }
    /** Shown again for new numbers (or newly arrived dims), pinned or not as it was. */
    refresh() {
      if (this.target) this.show(this.target, this.pinned);
    }
    // Below (or above) the target. A pinned one whose target has scrolled out of sight waits,
    // whole, at the edge of what is in sight; where it cannot be whole there (a host that clips
    // the target's cell, as JupyterLab does with cells out of sight), it is hidden until its
    // target is back. It stays pinned either way.
    position() {
      const { el, target, win } = this;
      if (!target) return;
      this.checkSoon();
      const rects = target.getClientRects();
      let r = rects.length ? rects[0] : target.getBoundingClientRect();
      let away = false;
      if (this.pinned) ({ rect: r, away } = anchorIn(r, this.inSight()));
      el.style.left = "0px";
      el.style.top = "0px";
      const o = el.getBoundingClientRect();
      const room = this.drawable();
      const usable = room.right - room.left > 40 && room.bottom - room.top > 40;
      const [vw, vh] = [win.innerWidth, win.innerHeight];
      const p = placeTooltip(r, { left: 0, top: 0 }, o.width, o.height, vw, vh, 6, usable ? room : null);
      el.style.left = `${Math.round(p.left - o.left)}px`;
      el.style.top = `${Math.round(p.top - o.top)}px`;
      this.placed = { left: Math.round(p.left), top: Math.round(p.top) };
      const whole = usable && p.top >= room.top - 1 && p.top + o.height <= room.bottom + 1;
      el.style.visibility = away && !whole ? "hidden" : "";
      this.markAway(away);
    }
    markAway(away) {
      const el = this.el;
      if (el.classList.contains("afn-tt-away") === away) return;
      el.classList.toggle("afn-tt-away", away);
      const hint = el.querySelector(".afn-tt-hint");
      if (hint) hint.textContent = hintText(this.pinned, away);
    }
    // Placed again if it has moved by itself since: an ancestor that starts or stops containing
    // fixed boxes moves it (JupyterLab's cells are content-visibility: auto, contained once out
    // of sight) after the scroll that caused it, in a later frame.
    checkSoon() {
      if (this.checking) return;
      this.checking = true;
      const { win } = this;
      const frame = (fn) => win.requestAnimationFrame ? win.requestAnimationFrame(fn) : win.setTimeout(fn, 16);
      frame(
        () => frame(() => {
          this.checking = false;
          if (!this.target || this.el.hidden || !this.placed) return;
          const b = this.el.getBoundingClientRect();
          if (Math.abs(b.left - this.placed.left) > 1 || Math.abs(b.top - this.placed.top) > 1) this.position();
        })
      );
    }
    // The part of the viewport the tooltip can be drawn in: ancestors with paint containment clip
    // even a fixed box (JupyterLab's notebook is contain: strict, its cells out of sight
    // contain: content).
    drawable() {
      const { win } = this;
      let area = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
      const walls = ancestors(this.el, (st) => /paint|content|strict/.test(st.contain || ""));
      for (const c of walls) area = intersect(area, c.getBoundingClientRect());
      return area;
    }
    // The part of the viewport the target's scroll boxes let through, from the outermost in; a
    // box scrolled out of sight itself (the text's, say) leaves the area of the box around it.
    inSight() {
      const { win } = this;
      let area = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
      for (let i = this.clips.length - 1; i >= 0; i--) {
        if (!this.clips[i].isConnected) continue;
        const next = intersect(area, this.clips[i].getBoundingClientRect());
        if (!(next.right > next.left && next.bottom > next.top)) break;
        area = next;
      }
      return area;
    }
    /** Hidden, unless pinned (force: even then). */
    hide(force = false) {
      if (this.pinned && !force) return;
      if (this.target) {
        this.target.classList.remove("afn-pinned");
        this.target.removeAttribute("aria-describedby");
      }
      const had = this.target;
      this.target = null;
      this.pinned = false;
      this.dimTok = -1;
      this.el.hidden = true;
      if (had && this.view.onHover) this.view.onHover(null);
    }
  };
  function ancestors(e, test) {
    const doc = e.ownerDocument;
    const win = doc.defaultView;
    const out = [];
    for (let a = e.parentElement; a && a !== doc.body && a !== doc.documentElement; a = a.parentElement) {
      if (test(win.getComputedStyle(a))) out.push(a);
    }
    return out;
  }
  function describe(view, span, pinned) {
    const { data, units, numbers, blocks } = view;
    const e = blocks.indexOf(span);
    const u = blocks.repUnit(e);
    const L = view.settings.layer;
    const cluster = membersOf(blocks.els, e);
    const toks = [];
    for (const m of cluster ? Array.from(cluster) : [u]) for (const t of units.tokensOf(m)) toks.push(t);
    const rank = numbers.rank(u);
    const series = numbers.series(u);
    const dimTok = numbers.dimToken(u, L);
    const dims = dimsFor(data, view.dimStore, dimTok, L, view.requestDims);
    const multi = units.kind === "word" && units.tokensOf(u).length > 1;
    return {
      text: cluster ? span.textContent : units.surface(u),
      pieces: toks.map((t) => data.pieces[t]),
      score: view.score,
      tas: numbers.values[u],
      layer: L,
      nLayers: data.nLayers,
      rank,
      nEligible: numbers.nEligible,
      percentile: percentileOf(rank, numbers.nEligible),
      bucket: BUCKET_NAMES[numbers.buckets[u]],
      undefinedNote: numbers.note(view.score),
      role: units.roles[u],
      massive: massiveOf(data, toks, L),
      series,
      thresholds: numbers.eligible[u] ? numbers.thresholds() : null,
      dims: dims.dims || [],
      dimsPending: !!dims.pending,
      dimsError: dims.error,
      dimsOf: multi ? data.pieces[dimTok] : "",
      dimTok,
      pinned,
      // a text a decoder wrote: which step wrote it, its chat role, the LM head's other scores
      written: writtenLabel(data.generated, toks),
      chatRole: chatRoleOf(data, toks),
      writer: writerScores(data, units.tokensOf(u), L, view.settings.word_agg, numbers.scoreName)
    };
  }

  // js/panels/writing.js
  var ENDED = {
    eos: "ended with its end-of-sequence token",
    stop: "ended at a stop string",
    length: "wrote all the tokens asked for",
    context: "ended where the model's context is full",
    stopped: "stopped"
  };
  var WritingPanel = class {
    constructor(doc) {
      this.doc = doc;
      this.el = h(doc, "div", "afn-writing");
      this.el.hidden = true;
      this.key = h(doc, "div", "afn-gen-key");
      this.sample = h(doc, "span", "afn-gen-sample", "abc");
      this.sample.setAttribute("aria-hidden", "true");
      this.keyText = h(doc, "span", "afn-gen-text");
      this.keyText.dataset.field = "written";
      this.key.append(this.sample, this.keyText);
      this.roles = h(doc, "div", "afn-chat-roles");
      this.roles.setAttribute("role", "list");
      this.roles.setAttribute("aria-label", "chat roles");
      this.el.append(this.key, this.roles);
    }
    /**
     * data (data.js readData's), matrix: the score shown ([nLayers + 1, nTokens] float32), its
     * name and the current layer; hidden for a text that was not written by a model.
     */
    paint(data, matrix, layer, score) {
      const g = data && data.generated;
      let n = 0;
      if (g) for (let t = 0; t < g.length; t++) n += g[t];
      const stats = data && matrix ? roleStats(data, matrix, layer) : [];
      this.el.hidden = !g && !stats.length;
      if (this.el.hidden) return;
      this.key.hidden = !g;
      const ended = ENDED[data.finishReason] ? `; ${ENDED[data.finishReason]}` : "";
      this.keyText.textContent = `written by the model: ${n} ${n === 1 ? "token" : "tokens"}${ended}`;
      const doc = this.doc;
      this.roles.replaceChildren(
        ...stats.map(({ role, tokens, mean }) => {
          const item = h(doc, "span", "afn-chat-role");
          item.setAttribute("role", "listitem");
          item.dataset.role = role;
          const value = Number.isNaN(mean) ? "\u2014" : fmt3(mean);
          item.title = `chat role ${role}: ${tokens} tokens; the mean ${score} of those with a value at layer ${layer}`;
          item.append(h(doc, "b", null, role), h(doc, "span", "afn-k", ` ${tokens} tok \xB7 mean ${score} `));
          const v = h(doc, "span", "afn-chat-mean", value);
          v.dataset.field = "mean";
          item.append(v);
          return item;
        })
      );
      this.roles.hidden = !stats.length;
    }
  };

  // js/append.js
  function commonPrefix(a, b) {
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    return i;
  }
  function keptElements(a, b) {
    const p = commonPrefix(a.text, b.text);
    const n = Math.min(a.els.count, b.els.count);
    const { item: ia, base: ba, multi: ma, cluster: ca, firstUnit: fa } = a.els;
    const { item: ib, base: bb, multi: mb, cluster: cb, firstUnit: fb } = b.els;
    const { cStart: sa, cEnd: ea, cUnitStart: qa, cUnits: ua } = a.layout;
    const { cStart: sb, cEnd: eb, cUnitStart: qb, cUnits: ub } = b.layout;
    for (let e = 0; e < n; e++) {
      if (ia[e] !== ib[e] || ba[e] !== bb[e] || ma[e] !== mb[e]) return e;
      const ka = ca[e];
      const kb = cb[e];
      if (ka < 0 || kb < 0) {
        if (ka !== kb || fa[e] !== fb[e] || a.units.label(fa[e]) !== b.units.label(fb[e])) return e;
        continue;
      }
      if (sa[ka] !== sb[kb] || ea[ka] !== eb[kb] || eb[kb] > p) return e;
      const s = qa[ka];
      const t = qb[kb];
      const m = qa[ka + 1] - s;
      if (qb[kb + 1] - t !== m) return e;
      for (let i = 0; i < m; i++) if (ua[s + i] !== ub[t + i]) return e;
    }
    return n;
  }
  function extendBlocks(blocks, next, BLOCK2, UNSET2) {
    const drawn = { text: blocks.data.text, units: blocks.units, layout: blocks.layout, els: blocks.els };
    const keep = keptElements(drawn, { ...next, text: next.data.text });
    const k0 = Math.floor((keep - 1) / BLOCK2);
    if (keep === 0 || k0 >= blocks.placed) return false;
    const last = blocks.blockNodes[k0] ? null : blocks.navEls[keep - 1];
    const from = last ? last.nextSibling : blocks.blockHead[k0];
    if (!(last ? last.parentNode === blocks.el : from && from.parentNode === blocks.el)) return false;
    if (from) {
      const range = blocks.doc.createRange();
      range.setStartBefore(from);
      range.setEndAfter(blocks.el.lastChild);
      range.deleteContents();
    }
    const oldBlocks = blocks.nBlocks;
    const { els } = next;
    const n = els.count;
    const nBlocks = Math.max(1, Math.ceil(n / BLOCK2));
    const navEls = new Array(n).fill(null);
    const elCode = new Int16Array(n).fill(UNSET2);
    for (let e = 0; e < keep; e++) navEls[e] = blocks.navEls[e];
    elCode.set(blocks.elCode.subarray(0, keep));
    for (const set of blocks.marked.values()) for (const e of set) if (e >= keep) set.delete(e);
    const kept = last ? k0 + 1 : k0;
    const grow = (old, fill) => Array.from({ length: nBlocks }, (_, k) => k < kept ? old[k] : fill);
    Object.assign(blocks, next, { navEls, elCode, count: n, nBlocks, placed: nBlocks });
    blocks.blockNodes = grow(blocks.blockNodes, null);
    blocks.blockHead = grow(blocks.blockHead, null);
    blocks.blockGen = new Int32Array(nBlocks).fill(-1);
    const frag = blocks.doc.createDocumentFragment();
    if (last) appendItems(blocks, frag, els.item[keep - 1] + 1, blocks.blockItems(k0)[1], keep);
    for (let k = kept; k < nBlocks; k++) blocks.appendBlock(frag, k);
    blocks.el.appendChild(frag);
    const [v0, v1] = blocks.visRange;
    const end = v1 >= oldBlocks;
    blocks.visRange = blocks.deferred ? [Math.min(v0, k0), end ? nBlocks : Math.min(v1, nBlocks)] : [0, nBlocks];
    if (blocks.flashEl && !blocks.flashEl.isConnected) blocks.flashEl = null;
    if (!blocks.rovingEl || !blocks.rovingEl.isConnected) {
      blocks.rovingEl = null;
      blocks.setRoving(blocks.firstVisible());
    }
    return true;
  }
  function appendItems(blocks, frag, j0, j1, e) {
    const { itemKind, itemA, itemB } = blocks.layout;
    const text = blocks.data.text;
    let el = e;
    for (let j = j0; j < j1; j++) {
      if (itemKind[j] === GAP) frag.appendChild(blocks.doc.createTextNode(text.slice(itemA[j], itemB[j])));
      else {
        frag.appendChild(blocks.navEls[el] || blocks.makeEl(el));
        el++;
      }
    }
  }

  // js/text_blocks.js
  var COLOR_CLASS = Array.from({ length: 256 }, (_, i) => ` afn-c${i}`);
  var BLOCK = 256;
  var SYNC_ELEMENTS = 1500;
  var TAIL = 2;
  var UNSET = -32768;
  var MASSIVE_CODE = -32767;
  var TextBlocks = class {
    constructor(doc, scope, settings, pinnedEl) {
      this.doc = doc;
      this.scope = scope;
      this.settings = settings;
      this.pinnedEl = pinnedEl;
      this.marked = /* @__PURE__ */ new Map();
      this.el = h(doc, "div", "afn-text");
      this.setScoreName("TAS");
      this.range = doc.createRange();
      this.scrollFrac = 0;
      this.flashEl = null;
      this.rovingEl = null;
      this.visStale = false;
      this.clear();
      scope.listen(this.el, "scroll", () => this.scrolled(), { passive: true });
      const win = doc.defaultView;
      if (win.ResizeObserver) {
        const ro = new win.ResizeObserver(() => {
          this.visStale = true;
        });
        ro.observe(this.el);
        scope.add(() => ro.disconnect());
      }
    }
    /**
     * The text box says what its colours show. A long text's label follows once the new colours
     * are out: a new label on a box of thousands of spans costs the browser's accessibility tree
     * a few milliseconds (about 8 at 10k tokens), which the re-colouring should not wait for.
     */
    setScoreName(score) {
      const what = score === "TAS" ? "token activation strength (TAS)" : score;
      const label = `text coloured by ${what}`;
      this.label = label;
      const apply = () => {
        if (this.label === label && this.el.getAttribute("aria-label") !== label)
          this.el.setAttribute("aria-label", label);
      };
      if (!this.deferred) return apply();
      const win = this.doc.defaultView;
      win.requestAnimationFrame(() => this.scope.later(apply, 0));
    }
    /** No text. */
    clear() {
      this.el.replaceChildren();
      this.nBlocks = 0;
      this.placed = 0;
      this.navEls = [];
      this.count = 0;
    }
    /** Short texts are drawn in one go; long ones (more than SYNC_ELEMENTS) block by block. */
    get deferred() {
      return this.count > SYNC_ELEMENTS;
    }
    scrolled() {
      this.visStale = true;
      this.noteScroll();
    }
    // The scroll position as a fraction of the text's height: of the whole text only once every
    // block is placed (before, the box is shorter than the text and the fraction would be high).
    noteScroll() {
      const box = this.el;
      if (box.scrollHeight > 0 && this.placed >= this.nBlocks)
        this.scrollFrac = box.scrollTop / box.scrollHeight;
    }
    /**
     * Lay out a new text: its elements for `units`, coloured by `numbers` once they are computed.
     * Blocks in view are built now, the others start as plain text. `extend`: the text may begin
     * as the one drawn (a model writing), whose spans then stay (append.js).
     */
    setText(data, units, layout, numbers, extend = false) {
      const els = textElements(layout, units);
      markWritten(els, units.written);
      const next = { data, units, layout, numbers, els };
      if (extend && this.els && extendBlocks(this, next, BLOCK, UNSET)) return;
      Object.assign(this, next);
      this.marked = /* @__PURE__ */ new Map();
      this.count = els.count;
      this.elCode = new Int16Array(els.count).fill(UNSET);
      this.navEls = new Array(els.count).fill(null);
      this.elIndex = /* @__PURE__ */ new WeakMap();
      this.flashEl = null;
      this.rovingEl = null;
      const nBlocks = Math.max(1, Math.ceil(els.count / BLOCK));
      this.nBlocks = nBlocks;
      this.blockNodes = new Array(nBlocks).fill(null);
      this.blockHead = new Array(nBlocks).fill(null);
      this.blockGen = new Int32Array(nBlocks).fill(-1);
      this.visRange = this.deferred ? this.guessVisible() : [0, nBlocks];
      this.placed = this.deferred ? Math.min(nBlocks, this.visRange[1] + TAIL) : nBlocks;
      this.visStale = this.deferred && this.scrollFrac > 0;
      const frag = this.doc.createDocumentFragment();
      for (let k = 0; k < this.placed; k++) {
        if (k >= this.visRange[0] && k < this.visRange[1]) this.appendBlock(frag, k);
        else this.appendPlaceholder(frag, k, k < this.visRange[0]);
      }
      this.el.replaceChildren(frag);
      this.setRoving(this.firstVisible());
    }
    // Blocks [v0, v1) were in view at the text box's last scroll position (its fraction of the
    // height; the new text has no layout yet), one block either side.
    guessVisible() {
      const n = this.nBlocks;
      const k = Math.min(n - 1, Math.floor(this.scrollFrac * n));
      return [Math.max(0, k - 1), Math.min(n, k + 2)];
    }
    blockItems(k) {
      const item = this.els.item;
      const j0 = k === 0 ? 0 : item[k * BLOCK];
      const j1 = k === this.nBlocks - 1 ? this.layout.nItems : item[(k + 1) * BLOCK];
      return [j0, j1];
    }
    makeEl(e) {
      const els = this.els;
      const span = this.doc.createElement("span");
      const k = els.cluster[e];
      if (k >= 0) {
        const { cStart, cEnd } = this.layout;
        if (els.boxed[e]) span.className = els.base[e];
        span.textContent = this.data.text.slice(cStart[k], cEnd[k]);
        if (els.multi[e]) span.dataset.units = membersOf(els, e).join(",");
      } else {
        span.className = els.base[e];
        span.textContent = this.units.label(els.firstUnit[e]);
      }
      span.dataset.i = String(els.firstUnit[e]);
      this.elIndex.set(span, e);
      this.navEls[e] = span;
      return span;
    }
    // Block k as its spans and gaps (pills made earlier for its placeholder are reused).
    appendBlock(frag, k) {
      const { itemKind, itemA, itemB } = this.layout;
      const text = this.data.text;
      const [j0, j1] = this.blockItems(k);
      let e = k * BLOCK;
      const first = frag.lastChild;
      for (let j = j0; j < j1; j++) {
        if (itemKind[j] === GAP) frag.appendChild(this.doc.createTextNode(text.slice(itemA[j], itemB[j])));
        else {
          frag.appendChild(this.navEls[e] || this.makeEl(e));
          e++;
        }
      }
      this.blockHead[k] = first ? first.nextSibling : frag.firstChild;
    }
    // Block k as plain text: one text node per run between boxes. It lays out as its spans do
    // (.afn-tok adds no horizontal space) at a fraction of the cost; pills are real elements from
    // the start, as they are boxes of their own. So are punctuation chips (their padding widens
    // a line) in blocks above those in view (`exact`), which must not move what is in view once
    // built; below it the chips come with their block (made up front, a 10k-token text's ~1,500
    // chips doubled the time to its first frame).
    appendPlaceholder(frag, k, exact) {
      const { doc, layout } = this;
      const { itemKind, itemA, itemB, cStart, cEnd } = layout;
      const text = this.data.text;
      const [j0, j1] = this.blockItems(k);
      const nodes = [];
      let from = -1;
      let to = -1;
      const flush = () => {
        if (from >= 0 && to > from) nodes.push(frag.appendChild(doc.createTextNode(text.slice(from, to))));
        from = -1;
      };
      const boxed = this.els.boxed;
      let e = k * BLOCK;
      for (let j = j0; j < j1; j++) {
        const kind = itemKind[j];
        if (kind === GAP || kind === CLUSTER && !(exact && boxed[e])) {
          const a = kind === GAP ? itemA[j] : cStart[itemA[j]];
          if (from < 0) from = a;
          to = kind === GAP ? itemB[j] : cEnd[itemA[j]];
          if (kind === CLUSTER) e++;
        } else {
          flush();
          nodes.push(frag.appendChild(this.makeEl(e++)));
        }
      }
      flush();
      this.blockNodes[k] = nodes;
      this.blockHead[k] = nodes.length ? nodes[0] : null;
    }
    // Swap block k's plain text for its spans, coloured before they are inserted (one style pass).
    build(k) {
      const nodes = this.blockNodes[k];
      if (!nodes) return;
      this.blockNodes[k] = null;
      if (!nodes.length) return;
      const next = nodes[nodes.length - 1].nextSibling;
      const frag = this.doc.createDocumentFragment();
      this.appendBlock(frag, k);
      this.blockGen[k] = -1;
      this.paintBlock(k);
      for (const n of nodes) if (n.nodeType === 3) n.remove();
      this.el.insertBefore(frag, next);
    }
    /** The blocks not placed yet, as plain text at the end of the text box (one layout). */
    placeRest() {
      if (this.placed >= this.nBlocks) return;
      const frag = this.doc.createDocumentFragment();
      for (let k = this.placed; k < this.nBlocks; k++) this.appendPlaceholder(frag, k, false);
      this.placed = this.nBlocks;
      this.el.appendChild(frag);
    }
    /** Block k built and coloured for the current numbers. */
    bring(k) {
      if (k >= this.placed) this.placeRest();
      this.build(k);
      this.paintBlock(k);
    }
    /** The element of index e, its block built and coloured first. */
    elementAt(e) {
      this.bring(Math.floor(e / BLOCK));
      return this.navEls[e];
    }
    /** Element index of a span of this text (undefined for anything else). */
    indexOf(span) {
      return this.elIndex.get(span);
    }
    /** The units a text element shows (a cluster's, or its one unit). */
    unitsAt(span) {
      const e = this.elIndex.get(span);
      if (e === void 0) return [];
      const members = membersOf(this.els, e);
      return members ? Array.from(members) : [this.els.firstUnit[e]];
    }
    /**
     * Mark the elements of `units` (unit indices; null or empty: none) with the class `cls`,
     * replacing the units it marked before (the other pane's hovered unit, a pair's differences).
     */
    markUnits(units, cls) {
      if (!this.els) return;
      const next = /* @__PURE__ */ new Set();
      for (const u of units || []) {
        const e = u >= 0 && u < this.els.unitElem.length ? this.els.unitElem[u] : -1;
        if (e >= 0) next.add(e);
      }
      const prev = this.marked.get(cls);
      if (prev) {
        for (const e of prev) if (!next.has(e) && this.navEls[e]) this.navEls[e].classList.remove(cls);
      }
      for (const e of next) if (this.navEls[e]) this.navEls[e].classList.add(cls);
      if (next.size) this.marked.set(cls, next);
      else this.marked.delete(cls);
    }
    /** The token span an event target is in, or null. */
    tokenOf(target) {
      const t = target && target.closest ? target.closest(".afn-tok") : null;
      return t && this.elIndex.has(t) ? t : null;
    }
    isShown(e) {
      return !(this.settings.show_special === false && this.els.base[e].includes(" afn-special"));
    }
    isVisible(span) {
      const e = this.elIndex.get(span);
      return e !== void 0 && this.isShown(e);
    }
    firstVisible() {
      for (let e = 0; e < this.count; e++) if (this.isShown(e)) return this.elementAt(e);
      return null;
    }
    lastVisible() {
      for (let e = this.count - 1; e >= 0; e--) if (this.isShown(e)) return this.elementAt(e);
      return null;
    }
    /** The next shown element after e in direction d (+1 or -1), or null. */
    step(e, d) {
      for (let j = e + d; j >= 0 && j < this.count; j += d) if (this.isShown(j)) return this.elementAt(j);
      return null;
    }
    /** The one element in the tab order (roving tabindex). */
    setRoving(span) {
      if (this.rovingEl === span) return;
      if (this.rovingEl) this.rovingEl.removeAttribute("tabindex");
      this.rovingEl = span;
      if (span) span.tabIndex = 0;
    }
    /** show_special changed: the roving element must stay a shown one. */
    specialsShown() {
      if (this.rovingEl && !this.isVisible(this.rovingEl)) this.setRoving(this.firstVisible());
    }
    // Representative unit of element e: its strongest member (clusters of several units).
    repUnit(e) {
      const els = this.els;
      if (!els.multi[e]) return els.firstUnit[e];
      const k = els.cluster[e];
      return this.numbers.strongestOf(els.clusterUnits, els.clusterStart[k], els.clusterStart[k + 1]);
    }
    // Colour block k for the current numbers, unless done already.
    paintBlock(k) {
      const numbers = this.numbers;
      if (!numbers.ready || this.blockGen[k] === numbers.gen) return;
      this.blockGen[k] = numbers.gen;
      this.paint(k * BLOCK, Math.min(this.count, (k + 1) * BLOCK));
    }
    // One className write per changed span: base classes + colour class + HIGH (+ transient).
    // The bucket is in the class (afn-high) and in the tooltip; a data attribute for it cost
    // one attribute write per span on every layer change.
    paint(e0, e1) {
      const { navEls, elCode, flashEl } = this;
      const { firstUnit, multi, base } = this.els;
      const { values, buckets, lo, hi } = this.numbers;
      const pinned = this.pinnedEl();
      for (let e = e0; e < e1; e++) {
        const span = navEls[e];
        if (!span) continue;
        let u = firstUnit[e];
        let b = buckets[u];
        if (multi[e]) {
          u = this.repUnit(e);
          b = clusterBucket(buckets, this.els, e);
        }
        const ci = b === INELIGIBLE || b === MASSIVE ? NO_COLOR : colorIndex(scale01(values[u], lo, hi));
        const code = b === MASSIVE ? MASSIVE_CODE : ci * 2 + (b === HIGH ? 1 : 0);
        if (code === elCode[e]) continue;
        elCode[e] = code;
        let cls = base[e];
        if (ci >= 0) cls += COLOR_CLASS[ci];
        if (b === HIGH) cls += " afn-high";
        else if (b === MASSIVE) cls += " afn-massive";
        if (span === pinned) cls += " afn-pinned";
        if (span === flashEl) cls += " afn-flash";
        for (const [mark, set] of this.marked) if (set.has(e)) cls += ` ${mark}`;
        span.className = cls;
      }
    }
    /** The blocks in view now (all of a short text); the rest is left to background work. */
    paintVisible() {
      if (this.visStale) this.measureVisible();
      const [v0, v1] = this.deferred ? this.visRange : [0, this.nBlocks];
      for (let k = v0; k < v1; k++) this.bring(k);
    }
    blockDone(k) {
      const numbers = this.numbers;
      return k < this.placed && !this.blockNodes[k] && (!numbers.ready || this.blockGen[k] === numbers.gen);
    }
    /** Some block is not built or not coloured for the current numbers. */
    pending() {
      for (let k = 0; k < this.nBlocks; k++) if (!this.blockDone(k)) return true;
      return false;
    }
    /**
     * Bring blocks up to date while hasTime(): the blocks not placed yet first (the text box's
     * full height, and find-in-page, want the whole text), then those in view, below it, above it.
     */
    workWhile(hasTime) {
      if (this.placed < this.nBlocks) {
        this.placeRest();
        if (!hasTime()) return;
      }
      const n = this.nBlocks;
      const v0 = this.visRange[0];
      const order = (k) => k < v0 ? n + k : k - v0;
      let best = -1;
      do {
        best = -1;
        for (let k = 0; k < n; k++) {
          if (!this.blockDone(k) && (best < 0 || order(k) < order(best))) best = k;
        }
        if (best >= 0) this.bring(best);
      } while (best >= 0 && hasTime());
    }
    // Top of block k's first line, relative to the viewport (NaN when it draws nothing).
    blockTop(k) {
      const range = this.range;
      for (let n = this.blockHead[k], hops = 0; n && hops < 4; n = n.nextSibling, hops++) {
        let rects;
        if (n.nodeType === 3) {
          if (!n.length) continue;
          range.setStart(n, 0);
          range.setEnd(n, 1);
          rects = range.getClientRects();
        } else rects = n.getClientRects();
        if (rects.length) return rects[0].top;
      }
      return NaN;
    }
    // Blocks overlapping the text box's visible area, by a binary search on their tops.
    measureVisible() {
      this.visStale = false;
      if (!this.deferred) return;
      const textBox = this.el;
      const box = textBox.getBoundingClientRect();
      if (!(box.height > 0)) return;
      this.noteScroll();
      const top = (k) => {
        const t = this.blockTop(k);
        return Number.isNaN(t) ? k === 0 ? -Infinity : top(k - 1) : t;
      };
      const n = this.placed;
      let a = 0;
      let b = n - 1;
      while (a < b) {
        const m = a + b + 1 >> 1;
        if (top(m) <= box.top) a = m;
        else b = m - 1;
      }
      let v1 = a + 1;
      while (v1 < n && top(v1) < box.bottom) v1++;
      this.visRange = [a, v1];
    }
    /** Scroll unit u's element into view and flash it (focus it too when asked). */
    reveal(u, focus) {
      const e = this.els ? this.els.unitElem[u] : -1;
      if (!(e >= 0) || !this.isShown(e)) return;
      const span = this.elementAt(e);
      span.scrollIntoView({ block: "nearest", inline: "nearest" });
      if (this.flashEl) this.flashEl.classList.remove("afn-flash");
      void span.offsetWidth;
      span.classList.add("afn-flash");
      this.flashEl = span;
      this.scope.later(() => {
        span.classList.remove("afn-flash");
        if (this.flashEl === span) this.flashEl = null;
      }, 1600);
      if (focus) {
        this.setRoving(span);
        span.focus({ preventScroll: true });
      }
    }
  };

  // js/text_events.js
  var STEP = /* @__PURE__ */ new Map([
    ["ArrowRight", 1],
    ["ArrowDown", 1],
    ["ArrowLeft", -1],
    ["ArrowUp", -1]
  ]);
  function listenText(scope, root, blocks, tip) {
    const doc = root.ownerDocument;
    const box = blocks.el;
    const tokOf = (target) => blocks.tokenOf(target);
    const togglePin = (t) => tip.show(t, !(tip.pinned && tip.target === t));
    scope.listen(box, "mouseover", (ev) => {
      const t = tokOf(ev.target);
      if (t && !tip.pinned && t !== tip.target) tip.show(t);
    });
    scope.listen(box, "mouseout", (ev) => {
      const to = tokOf(ev.relatedTarget);
      if (!to && !tip.pinned && tip.target && doc.activeElement !== tip.target) tip.hide();
    });
    scope.listen(box, "focusin", (ev) => {
      const t = tokOf(ev.target);
      if (!t) return;
      blocks.setRoving(t);
      if (!tip.pinned) tip.show(t);
    });
    scope.listen(box, "focusout", (ev) => {
      if (!tokOf(ev.relatedTarget) && !tip.pinned) tip.hide();
    });
    scope.listen(box, "click", (ev) => {
      const t = tokOf(ev.target);
      if (t) togglePin(t);
    });
    scope.listen(box, "keydown", (ev) => {
      const t = tokOf(ev.target);
      if (!t) return;
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        togglePin(t);
        return;
      }
      const next = neighbour(blocks, blocks.indexOf(t), ev.key);
      if (next === void 0) return;
      ev.preventDefault();
      if (next) {
        const wasPinned = tip.pinned;
        blocks.setRoving(next);
        next.focus();
        if (wasPinned) tip.show(next, true);
      }
    });
    scope.listen(doc, "keydown", (ev) => {
      if (ev.key === "Escape" && tip.target) tip.hide(true);
    });
    scope.listen(doc, "pointerdown", (ev) => {
      if (tip.pinned && !root.contains(ev.target) && !onScrollbar(ev)) tip.hide(true);
    });
    scope.listen(
      doc,
      "scroll",
      () => {
        if (!tip.target) return;
        if (tip.pinned) tip.position();
        else tip.hide();
      },
      { capture: true, passive: true }
    );
  }
  function neighbour(blocks, e, key) {
    if (STEP.has(key)) return blocks.step(e, STEP.get(key));
    if (key === "Home") return blocks.firstVisible();
    if (key === "End") return blocks.lastVisible();
    return void 0;
  }
  function onScrollbar(ev) {
    const t = ev.target;
    if (!t || typeof t.getBoundingClientRect !== "function") return false;
    const r = t.getBoundingClientRect();
    const x = ev.clientX - r.left - t.clientLeft;
    const y = ev.clientY - r.top - t.clientTop;
    return t.scrollHeight > t.clientHeight && x >= t.clientWidth || t.scrollWidth > t.clientWidth && y >= t.clientHeight;
  }

  // js/view.js
  var atEnd = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 4;
  var LAYER_FREE = new Set(SCORES.filter((s) => s.per_layer === false).map((s) => s.name));
  function createView(el, { onControl = () => {
  }, requestDims = null, onHover = null } = {}) {
    const view = new View(el, onControl, requestDims, onHover);
    return {
      setData: (result) => view.setData(result),
      setMeta: (meta) => view.setMeta(meta),
      setStatus: (s) => view.setStatus(s),
      setControl: (name, value) => view.setControl(name, value),
      setDims: (msg) => view.setDims(msg),
      destroy: () => view.destroy(),
      // for panes side by side (panes.js): the HIGH units at the current layer, a unit marked
      // from the other pane, a note in the header, and a callback for every redraw
      highUnits: () => view.highUnits(),
      markUnits: (units, cls) => view.blocks.markUnits(units, cls),
      setPaneNote: (text) => view.header.setPaneNote(text),
      onRefresh: (fn) => {
        view.refreshed = fn;
      },
      get units() {
        return view.units;
      },
      get data() {
        return view.data;
      },
      get settings() {
        return view.settings;
      },
      get score() {
        return view.score;
      },
      noun: (n) => view.noun(n),
      root: view.root
    };
  }
  var View = class {
    constructor(el, onControl, requestDims, onHover) {
      const doc = el.ownerDocument;
      this.onControl = onControl;
      this.requestDims = requestDims;
      this.settings = { ...DEFAULT_SETTINGS };
      this.requestedLayer = 0;
      this.data = null;
      this.dataError = "";
      this.units = null;
      this.numbers = null;
      this.dimStore = dimsStore();
      this.noun = (n) => unitNoun(this.units, n);
      this.score = "TAS";
      this.tasName = "TAS";
      this.refreshed = null;
      this.onHover = onHover;
      const scope = new Scope(doc.defaultView);
      this.scope = scope;
      const uid = Math.random().toString(36).slice(2, 8);
      this.header = new Header(doc);
      this.bar = new ControlBar(doc, scope, uid, this.settings, (n, v) => this.setControl(n, v, true));
      this.status = new StatusPanel(doc, scope, () => this.setControl("writing", false, true));
      this.writing = new WritingPanel(doc);
      this.tip = new Tooltip(doc, uid, this);
      this.blocks = new TextBlocks(doc, scope, this.settings, () => this.tip.pinnedEl);
      this.heatmap = new Heatmap(doc, scope, this);
      this.ranking = new Ranking(doc, scope, (u) => this.reveal(u, true));
      this.root = h(doc, "div", "afn-root afn-hide-special afn-nodata");
      this.roles = new RoleFilter(doc, scope, this.root);
      const lower = h(doc, "div", "afn-lower");
      lower.append(this.heatmap.el, this.ranking.el);
      const parts = [this.bar.el, this.roles.el, lower];
      this.classroom = new Classroom(doc, scope, uid, this.root, this.bar.layer.parentElement, parts);
      this.root.append(
        this.header.el,
        this.bar.el,
        this.classroom.el,
        this.status.el,
        this.roles.el,
        this.writing.el,
        this.blocks.el,
        lower,
        this.tip.el
      );
      el.appendChild(this.root);
      listenText(scope, this.root, this.blocks, this.tip);
      keepKeys(scope, this.root, () => {
        if (!this.tip.target) return false;
        this.tip.hide(true);
        return true;
      });
      this.work = new Background(doc.defaultView, scope, this.blocks.el, {
        active: () => !!this.data,
        pending: () => this.heatmap.due || this.blocks.pending(),
        run: (hasTime) => this.runBackground(hasTime)
      });
      this.paintControls();
      this.paintStatus();
    }
    // ---------- settings ----------
    /** A setting from the model, or from the user (fromUser: reported back with onControl). */
    setControl(name, value, fromUser = false) {
      const control = Object.prototype.hasOwnProperty.call(CONTROLS, name) ? CONTROLS[name] : null;
      const v = control ? control.parse(value) : void 0;
      if (v === void 0) return;
      const shown = control.apply(this, v);
      if (fromUser) this.onControl(name, shown);
    }
    /** Set a setting; whether it changed. */
    change(name, value) {
      if (this.settings[name] === value) return false;
      this.settings[name] = value;
      return true;
    }
    /** Set a setting shown by the controls: repaint them and, with data, redraw(). */
    changeAndRedraw(name, value, redraw) {
      if (this.change(name, value)) {
        this.paintControls();
        if (this.data) redraw();
      }
      return value;
    }
    clampLayer(L) {
      return this.data ? Math.min(Math.max(L, 0), this.data.nLayers) : Math.max(L, 0);
    }
    // granularity
    rebuild() {
      this.buildUnits();
      this.requestFlow();
      this.refreshLayer();
    }
    // show_special
    specialsShown() {
      this.blocks.specialsShown();
      if (this.tip.target && !this.blocks.isVisible(this.tip.target)) this.tip.hide(true);
      this.requestFlow();
    }
    // writing: the model writes while true; false from the Stop button stops it
    writingChanged(w) {
      if (this.change("writing", w)) this.paintStatus();
      return w;
    }
    // include_special
    eligibilityChanged() {
      this.numbers.computeEligible();
      this.requestFlow();
      this.refreshLayer();
    }
    // word_agg
    aggregationChanged() {
      this.numbers.forgetRows();
      this.requestFlow();
      this.refreshLayer();
    }
    // score: the same units, another score's values (no new data)
    // An open tooltip draws the new score at every layer (its sparkline and thresholds): for a
    // long text, once the new colours are out.
    scoreChanged() {
      this.nameScore();
      this.numbers.setScore();
      this.requestFlow();
      this.refreshLayer(!this.blocks.deferred);
      if (this.blocks.deferred && this.tip.target) {
        const win = this.root.ownerDocument.defaultView;
        win.requestAnimationFrame(() => this.scope.later(() => this.tip.refresh(), 0));
      }
    }
    /** The shown score's name and description, said by the badge, legend, text, ranking and
     * heatmap. */
    nameScore() {
      const key = this.data && this.data.scores.has(this.settings.score) ? this.settings.score : "tas";
      const name = key === "tas" ? this.tasName : SCORE_INFO[key].label;
      const title = key === "tas" && this.tasName !== "TAS" ? "" : SCORE_INFO[key].title;
      this.header.setScore(name, title, this.settings.normalize);
      const free = LAYER_FREE.has(key) ? `${name}: one value per token, the same at every layer` : "";
      this.header.legend.setLayerNote(free && `${free} (the layer slider does not change it)`);
      if (name !== this.score) {
        this.score = name;
        this.blocks.setScoreName(name);
      }
      this.paintPlain();
    }
    /** Classroom mode's sentence: what colour and outline mean at these settings. */
    paintPlain() {
      this.classroom.paint(this.score, this.noun(1), this.settings.quantile);
    }
    /** The HIGH units at the current layer (a Set; empty without data). */
    highUnits() {
      const out = /* @__PURE__ */ new Set();
      if (!this.data || !this.numbers.ready) return out;
      const b = this.numbers.buckets;
      for (let u = 0; u < b.length; u++) if (b[u] === HIGH) out.add(u);
      return out;
    }
    // ---------- drawing ----------
    // extend: the data may begin as those drawn (a model writing): what both share stays drawn,
    // and an open tooltip stays open on it
    buildUnits(extend = false) {
      const data = this.data;
      this.units = unitsOf(data, this.settings.granularity);
      this.units.written = writtenUnits(data, this.units);
      const layout = layoutSpans(data.text, this.units.ranges, this.units.special);
      this.numbers = new UnitNumbers(data, this.units, this.settings);
      this.roles.paint(this.units, this.settings.show_special);
      if (!extend) this.tip.hide(true);
      this.blocks.setText(data, this.units, layout, this.numbers, extend);
      if (this.tip.target && !this.tip.target.isConnected) this.tip.hide(true);
    }
    // The heatmap aggregates every layer of every unit (~20 ms at 10k tokens): for long texts it
    // is drawn in the first background task, right after the text's first frame.
    requestFlow() {
      if (!this.blocks.deferred) {
        this.heatmap.due = false;
        this.paintHeatmap();
      } else {
        this.heatmap.due = true;
        this.work.schedule(true);
      }
    }
    paintHeatmap() {
      this.heatmap.paint(this.numbers, this.settings.show_special, this.noun, this.score);
    }
    runBackground(hasTime) {
      if (this.blocks.visStale) this.blocks.measureVisible();
      if (this.heatmap.due) {
        this.heatmap.due = false;
        this.paintHeatmap();
      }
      this.blocks.workWhile(hasTime);
    }
    paintHeader() {
      const { layer, quantile } = this.settings;
      const n = this.data.nLayers;
      this.header.paint(layer, n, quantile, this.numbers, this.noun);
      this.bar.showLayer(layer, n);
      this.paintPlain();
    }
    paintControls() {
      this.bar.paint();
      this.root.classList.toggle("afn-hide-special", !this.settings.show_special);
      this.root.classList.toggle("afn-words", this.settings.granularity === "word");
      this.classroom.setMode(this.settings.controls);
      this.roles.paint(this.units, this.settings.show_special);
      if (this.header) this.nameScore();
    }
    paintStatus() {
      const computing = this.status.paint(this.dataError, !!this.data, this.settings.writing);
      this.root.classList.toggle("afn-busy", computing);
      this.root.classList.toggle("afn-nodata", !this.data);
    }
    // New numbers at the current layer: the text in view now (the rest in the background), the
    // header, ranking, heatmap marker and an open tooltip.
    refreshLayer(tipToo = true) {
      if (!this.data) return;
      const { layer } = this.settings;
      this.numbers.atLayer(layer);
      this.blocks.paintVisible();
      this.work.schedule(true);
      this.paintHeader();
      this.ranking.paint(layer, this.units, this.numbers, this.noun, this.score);
      this.heatmap.paintMarker(layer, this.data.nLayers);
      this.writing.paint(this.data, this.numbers.matrix, layer, this.score);
      if (tipToo) this.tip.refresh();
      if (this.refreshed) this.refreshed();
    }
    refreshAll(extend = false) {
      if (!this.data) {
        this.blocks.clear();
        this.heatmap.due = false;
        this.work.setBusy(false);
        this.ranking.clear();
        this.writing.paint(null);
        this.tip.hide(true);
        this.paintControls();
        this.paintStatus();
        return;
      }
      this.settings.layer = this.clampLayer(this.requestedLayer);
      const scores = [...this.data.scores.keys(), JSON.stringify(this.data.unavailable), this.tasName].join();
      if (!extend || scores !== this.scoresShown) this.bar.showScores(this.data.scores, this.data.unavailable, this.tasName);
      this.scoresShown = scores;
      this.buildUnits(extend);
      this.paintControls();
      this.requestFlow();
      this.refreshLayer();
      this.paintStatus();
    }
    reveal(u, focus) {
      this.blocks.reveal(u, focus);
    }
    // ---------- from the model ----------
    /** The header's labels; a new name for the scores relabels every part that says it. */
    setMeta(meta) {
      this.header.setMeta(meta);
      this.tasName = scoreName(meta.score_name);
      if (this.data) this.bar.showScores(this.data.scores, this.data.unavailable, this.tasName);
      const before = this.score;
      this.nameScore();
      if (this.score === before || !this.data) return;
      this.ranking.paint(this.settings.layer, this.units, this.numbers, this.noun, this.score);
      this.paintHeatmap();
      this.tip.refresh();
    }
    setData(result) {
      if (result.stale) {
        this.dataError = "";
        this.paintStatus();
        return;
      }
      const box = this.blocks.el;
      const writing = this.settings.writing && this.status.state.status === "writing" && !!this.data && !!result.data;
      const follow = writing && atEnd(box);
      this.data = result.data || null;
      this.dimStore = dimsStore();
      this.dataError = result.error ? `Cannot show this state: ${result.error}` : "";
      this.refreshAll(writing);
      if (follow) box.scrollTop = box.scrollHeight;
    }
    setStatus(s) {
      this.status.update(s);
      this.paintStatus();
    }
    // A reply to requestDims: kept if it is for the current data, and shown at once when the
    // tooltip is waiting for it.
    setDims(msg) {
      const t = storeReply(this.dimStore, this.data, msg);
      if (t >= 0 && this.tip.target && this.tip.dimTok === t) this.tip.refresh();
    }
    destroy() {
      this.work.close();
      this.scope.close();
      this.root.remove();
    }
  };

  // js/connect.js
  var HEADER_TRAITS = ["model_name", "model_label", "note", "score_name"];
  function connectPane(model, el, { kernel = false, scoreTrait = "score", follows = false, onHover = null, askData = null } = {}) {
    const get = (n) => model.get(n);
    const requestDims = (token, version) => model.send({ kind: "top_dims", token, version });
    const traitOf = (name) => name === "score" ? scoreTrait : name;
    const view = createView(el, {
      onControl(name, value) {
        if (follows && name === "compare_score") return;
        const trait = traitOf(name);
        if (model.get(trait) === value) return;
        model.set(trait, value);
        model.save_changes();
      },
      requestDims: kernel ? requestDims : null,
      onHover
    });
    if (follows) view.root.classList.add("afn-pane-beside");
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
    const others = CONTROL_TRAITS.filter((n) => n !== "score" && !(follows && n === "compare_score"));
    const score = () => view.setControl("score", get(scoreTrait));
    const settings = () => {
      for (const n of others) {
        const v = get(n);
        if (v !== void 0 && v !== null) view.setControl(n, v);
      }
      if (get(scoreTrait) != null) score();
    };
    const load = () => {
      if (askData && bytesLost(get)) {
        askData();
        view.setData({ stale: true });
        return;
      }
      let result;
      try {
        result = readData(get);
      } catch (err) {
        result = { error: String(err && err.message || err) };
      }
      view.setData(result);
    };
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
    const onMessage = (content) => {
      if (content && content.kind === "top_dims") view.setDims(content);
    };
    if (kernel) {
      model.on("msg:custom", onMessage);
      handlers.push(["msg:custom", onMessage]);
    }
    const inPlace = new Set(HEADER_TRAITS);
    for (const n of DATA_TRAITS) on([n], inPlace.has(n) ? meta : scheduleLoad);
    on(STATUS_TRAITS, status);
    for (const n of others) on([n], setting(n));
    on([scoreTrait], score);
    meta();
    settings();
    load();
    status();
    const cleanup = () => {
      pending = false;
      for (const [ev, fn] of handlers) model.off(ev, fn);
      view.destroy();
    };
    return { view, cleanup };
  }
  function connect(model, el, { kernel = false } = {}) {
    const doc = el.ownerDocument;
    const host = doc.createElement("div");
    host.className = "afn-panes";
    el.appendChild(host);
    const boxA = doc.createElement("div");
    boxA.className = "afn-pane";
    host.appendChild(boxA);
    let b = null;
    let boxB = null;
    const linked = (other) => (units) => {
      if (other()) other().view.markUnits(units, "afn-linked");
    };
    const askData = kernel ? askOnce((msg) => model.send(msg)) : null;
    const a = connectPane(model, boxA, { kernel, askData, onHover: linked(() => b) });
    const overlap = () => {
      const note = b ? panesNote(a.view, b.view) : "";
      a.view.setPaneNote(note);
      if (b) b.view.setPaneNote(note);
    };
    a.view.onRefresh(overlap);
    const panes = () => {
      const want = !!model.get("compare_score");
      if (want && !b) {
        boxB = doc.createElement("div");
        boxB.className = "afn-pane";
        host.appendChild(boxB);
        b = connectPane(model, boxB, {
          kernel,
          scoreTrait: "compare_score",
          follows: true,
          askData,
          onHover: linked(() => a)
        });
        b.view.onRefresh(overlap);
      } else if (!want && b) {
        b.cleanup();
        boxB.remove();
        b = null;
        boxB = null;
      }
      host.classList.toggle("afn-two", !!b);
      overlap();
    };
    model.on("change:compare_score", panes);
    panes();
    return () => {
      model.off("change:compare_score", panes);
      if (b) b.cleanup();
      a.cleanup();
      host.remove();
    };
  }

  // js/compare.js
  var SHARED = [
    "quantile",
    "granularity",
    "show_special",
    "include_special",
    "score",
    "word_agg",
    "controls"
  ];
  function paneModel(model, key) {
    const dataTrait = `pane_${key}`;
    const layerOf = () => {
      const L = model.get("layer");
      if (key === "a") return L;
      const map = model.get("layer_map") || [];
      return Number.isInteger(map[L]) ? map[L] : L;
    };
    const get = (n) => {
      if (n === "layer") return layerOf();
      if (n === "compare_score") return "";
      if (SHARED.includes(n)) return model.get(n);
      const data = model.get(dataTrait) || {};
      if (n === "status") return "ready";
      if (n === "progress") return 1;
      if (n === "error") return "";
      return data[n];
    };
    const listening = [];
    return {
      get,
      set(n, v) {
        if (n === "layer" && key === "b") return;
        if (!SHARED.includes(n) && n !== "layer") return;
        model.set(n, v);
      },
      save_changes: () => model.save_changes(),
      send: () => {
      },
      // the top dimensions travel with the data, or not at all
      on(ev, fn) {
        if (!ev.startsWith("change:")) return;
        const n = ev.slice("change:".length);
        const source = n === "layer" || SHARED.includes(n) ? n : dataTrait;
        const cb = () => fn(this, get(n));
        listening.push([ev, fn, `change:${source}`, cb]);
        model.on(`change:${source}`, cb);
      },
      off(ev, fn) {
        for (let k = listening.length - 1; k >= 0; k--) {
          const [e, f, real, cb] = listening[k];
          if (e === ev && f === fn) {
            model.off(real, cb);
            listening.splice(k, 1);
          }
        }
      }
    };
  }
  function differing(model, key, pane) {
    const words = model.get(`differ_${key}`) || [];
    if (!pane.units || pane.units.kind === "word") return words;
    const set = new Set(words);
    const wordOf = pane.data.wordOf;
    const out = [];
    for (let t = 0; t < wordOf.length; t++) if (set.has(wordOf[t])) out.push(t);
    return out;
  }
  function matchOf(model, pane) {
    const tokens = pane.units && pane.units.kind === "token";
    return model.get(tokens ? "token_match" : "word_match") || [];
  }
  function inverse(match, n) {
    const out = new Array(n).fill(-1);
    match.forEach((v, u) => {
      if (v >= 0 && v < n && out[v] < 0) out[v] = u;
    });
    return out;
  }
  function connectCompare(model, el, { kernel = false } = {}) {
    const doc = el.ownerDocument;
    const host = doc.createElement("div");
    host.className = "afn-panes afn-two afn-compare";
    el.append(host);
    const boxes = ["a", "b"].map(() => {
      const box = doc.createElement("div");
      box.className = "afn-pane";
      host.appendChild(box);
      return box;
    });
    const panes = {};
    const hover = (from) => (units) => {
      const to = from === "a" ? panes.b : panes.a;
      if (!to) return;
      const pane = panes[from].view;
      let match = matchOf(model, pane);
      if (from === "b") match = inverse(match, to.view.units && to.view.units.count || 0);
      to.view.markUnits(units ? units.map((u) => match[u]).filter((v) => v >= 0) : null, "afn-linked");
    };
    const notes = () => {
      const note = (key) => (model.get(`pane_${key}`) || {}).note || "";
      host.classList.toggle("afn-one-note", note("a") === note("b"));
    };
    model.on("change:pane_a", notes);
    model.on("change:pane_b", notes);
    notes();
    const refresh = () => {
      if (!panes.a || !panes.b) return;
      const a = panes.a.view;
      const b = panes.b.view;
      const how = model.get("compare_note") || "";
      const overlap = panesNote(a, b, matchOf(model, a));
      const text = how && overlap ? `${how}. ${overlap}` : how || overlap;
      a.setPaneNote(text);
      b.setPaneNote(text);
      for (const [key, pane] of [["a", a], ["b", b]]) {
        if (pane.data) pane.markUnits(differing(model, key, pane), "afn-diff");
      }
    };
    const askData = kernel ? askOnce((msg) => model.send(msg)) : null;
    for (const [k, box] of [["a", boxes[0]], ["b", boxes[1]]]) {
      const options = { follows: k === "b", onHover: hover(k), askData };
      panes[k] = connectPane(paneModel(model, k), box, options);
      panes[k].view.root.classList.add(`afn-pane-${k}`);
      panes[k].view.onRefresh(refresh);
    }
    refresh();
    return () => {
      model.off("change:pane_a", notes);
      model.off("change:pane_b", notes);
      panes.a.cleanup();
      panes.b.cleanup();
      host.remove();
    };
  }

  // js/static_model.js
  function decodeState(state) {
    const out = {};
    for (const k of Object.keys(state || {})) out[k] = decodeValue(state[k]);
    return out;
  }
  function decodeValue(v) {
    if (v && typeof v === "object") {
      if (!Array.isArray(v) && typeof v.$b64 === "string" && Object.keys(v).length === 1) {
        return base64ToDataView(v.$b64);
      }
      if (Array.isArray(v)) return v.map(decodeValue);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x)]));
    }
    return v;
  }
  function base64ToDataView(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new DataView(bytes.buffer);
  }
  function createStaticModel(state) {
    const data = decodeState(state);
    const listeners = /* @__PURE__ */ new Map();
    const model = {
      get(name) {
        return data[name];
      },
      set(name, value) {
        if (data[name] === value) return;
        data[name] = value;
        const set = listeners.get(`change:${name}`);
        if (set) for (const cb of [...set]) cb(model, value);
      },
      on(name, cb) {
        if (!listeners.has(name)) listeners.set(name, /* @__PURE__ */ new Set());
        listeners.get(name).add(cb);
      },
      off(name, cb) {
        if (!name) {
          listeners.clear();
          return;
        }
        const set = listeners.get(name);
        if (!set) return;
        if (cb) set.delete(cb);
        else set.clear();
      },
      save_changes() {
      },
      send() {
      }
    };
    return model;
  }

  // js/standalone.js
  function mount(el, state) {
    const model = createStaticModel(state);
    return state && state.pane_a !== void 0 ? connectCompare(model, el) : connect(model, el);
  }
  return __toCommonJS(standalone_exports);
})();
