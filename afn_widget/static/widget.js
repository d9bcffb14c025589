// js/stats.js
var LOW = 0;
var HIGH = 1;
var INELIGIBLE = 2;
function quantileLinear(values, q) {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  const v = Float64Array.from(values);
  for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) return NaN;
  v.sort();
  const h2 = (n - 1) * q;
  if (h2 >= n - 1) return v[n - 1];
  if (h2 < 0) return v[0];
  const below = Math.floor(h2);
  const a = v[below];
  const b = v[below + 1];
  const t = h2 - below;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
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
  if (Array.isArray(x)) return Float32Array.from(x);
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
function isStale(text, words) {
  for (const w of words) {
    if (!w || typeof w.text !== "string" || !isInt(w.start) || !isInt(w.end)) continue;
    if (text.slice(w.start, w.end) !== w.text) return true;
  }
  return false;
}
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
      error: `norms: expected ${want} float32 values ((n_layers+1) x n_tokens), got ${norms ? norms.length : "none"}`
    };
  const topK2 = get("top_k") | 0;
  let topDims = toDataView(get("top_dims"));
  let topShare = toDataView(get("top_share"));
  if (!(topK2 > 0) || !topDims || topDims.byteLength !== want * topK2 * 2) topDims = null;
  if (!topDims || !topShare || topShare.byteLength !== want * topK2) {
    topDims = null;
    topShare = null;
  }
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
      topK: topK2,
      topDims,
      topShare,
      dimsVersion,
      tokenSpecial,
      wordSpecial,
      members
    }
  };
}
function unitsOf(data, granularity) {
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
      ranges: words.map(
        (w) => w && w.start != null && w.end != null ? [w.start, w.end] : null
      ),
      special: data.wordSpecial,
      roles: words.map((w) => w && w.role || ""),
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
    label: (u) => data.tokens[u],
    surface: (u) => {
      const r = data.offsets[u];
      const t = r && !data.tokenSpecial[u] ? data.text.slice(r[0], r[1]) : "";
      return t || data.tokens[u];
    },
    tokensOf: (u) => [u],
    members: null
  };
}

// js/traits.js
var DATA_TRAITS = [
  "text",
  "tokens",
  "offsets",
  "roles",
  "word_of",
  "words",
  "n_layers",
  "n_tokens",
  "norms",
  "top_k",
  "top_dims",
  "top_share",
  "dims_version",
  "word_agg",
  "model_name",
  "note",
  "normalize"
];
var CONTROL_TRAITS = ["layer", "quantile", "granularity", "show_special", "include_special"];
var STATUS_TRAITS = ["status", "progress", "error"];

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

// js/spans.js
function layoutSpans(text, ranges, isSpecial) {
  const n = ranges.length;
  const len = text.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const placed = [];
  for (let u = 0; u < n; u++) {
    const r = ranges[u];
    if (isSpecial[u] || !r || r.length < 2) continue;
    let s = Number(r[0]);
    let e = Number(r[1]);
    if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
    s = Math.min(Math.max(Math.trunc(s), 0), len);
    e = Math.min(Math.max(Math.trunc(e), 0), len);
    if (e < s) e = s;
    starts[u] = s;
    ends[u] = e;
    placed.push(u);
  }
  placed.sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b] || a - b);
  const unitCluster = new Int32Array(n).fill(-1);
  let clusters = [];
  let cur = null;
  for (const u of placed) {
    const s = starts[u];
    const e = ends[u];
    const merge = cur !== null && (s < cur.end || s === cur.end && (s === e || cur.start === cur.end));
    if (merge) {
      if (e > cur.end) cur.end = e;
      cur.units.push(u);
    } else {
      cur = { start: s, end: e, units: [u] };
      clusters.push(cur);
    }
  }
  clusters = clusters.filter((c) => c.end > c.start);
  clusters.forEach((c, k) => {
    c.units.sort((a, b) => a - b);
    for (const u of c.units) unitCluster[u] = k;
  });
  const pillsAfter = /* @__PURE__ */ new Map();
  let prevCluster = -1;
  for (let u = 0; u < n; u++) {
    if (unitCluster[u] >= 0) {
      prevCluster = unitCluster[u];
      continue;
    }
    if (!pillsAfter.has(prevCluster)) pillsAfter.set(prevCluster, []);
    pillsAfter.get(prevCluster).push(u);
  }
  const items = [];
  const pushPills = (k) => {
    const list = pillsAfter.get(k);
    if (list) for (const u of list) items.push({ kind: "pill", unit: u });
  };
  pushPills(-1);
  let pos = 0;
  clusters.forEach((c, k) => {
    if (c.start > pos) items.push({ kind: "gap", text: text.slice(pos, c.start) });
    items.push({ kind: "cluster", index: k });
    pushPills(k);
    pos = c.end;
  });
  if (pos < len) items.push({ kind: "gap", text: text.slice(pos) });
  return { clusters, items, unitCluster };
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
  const badge = h(doc, "span", info.bucket === "HIGH" ? "afn-tt-bucket afn-tt-high" : "afn-tt-bucket", info.bucket);
  badge.dataset.field = "bucket";
  head.appendChild(badge);
  tip.appendChild(head);
  if (info.pieces && info.pieces.length) {
    const pieces = h(doc, "div", "afn-tt-pieces");
    pieces.appendChild(h(doc, "span", "afn-tt-label", info.pieces.length > 1 ? "tokens" : "token"));
    for (const p of info.pieces) pieces.appendChild(h(doc, "code", "afn-tt-piece", p));
    tip.appendChild(pieces);
  }
  const grid = h(doc, "dl", "afn-tt-grid");
  const row = (label, value, field) => {
    grid.appendChild(h(doc, "dt", null, label));
    const dd = h(doc, "dd", null, value);
    if (field) dd.dataset.field = field;
    grid.appendChild(dd);
  };
  row("TAS", fmt3(info.tas), "tas");
  row("rank", info.rank > 0 ? `${info.rank} / ${info.nEligible}` : "unranked", "rank");
  row(
    "percentile",
    Number.isFinite(info.percentile) ? info.percentile.toFixed(1) : "\u2014",
    "percentile"
  );
  row("role", info.role || "\u2014", "role");
  row("layer", `${info.layer} / ${info.nLayers}`, "layer");
  tip.appendChild(grid);
  if (info.series && info.series.length > 1) {
    const sp = h(doc, "div", "afn-tt-spark");
    sp.appendChild(sparklineSvg(doc, info.series, info.thresholds, info.layer));
    const cap = h(doc, "div", "afn-tt-caption");
    cap.textContent = info.thresholds ? "TAS by layer (dashed: HIGH threshold)" : "TAS by layer";
    sp.appendChild(cap);
    tip.appendChild(sp);
  }
  if (hasDims(info)) tip.appendChild(dimsBox(doc, info));
  tip.appendChild(
    h(doc, "div", "afn-tt-hint", info.pinned ? "pinned \xB7 Esc or click to unpin" : "click to pin")
  );
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
function placeTooltip(target, root, tw, th, vw, vh, gap = 6) {
  let left = target.left;
  if (left + tw > vw - 4) left = vw - 4 - tw;
  if (left < 4) left = 4;
  let top = target.bottom + gap;
  if (top + th > vh - 4 && target.top - gap - th >= 4) top = target.top - gap - th;
  return { left: left - root.left, top: top - root.top };
}

// js/view.js
var BUCKET_NAME = ["LOW", "HIGH", "SPECIAL"];
var COLOR_CLASS = Array.from({ length: 256 }, (_, i) => ` afn-c${i}`);
var TOP_N = 10;
var MAX_FLOW_COLS = 1600;
var BLOCK = 256;
var SYNC_ELEMENTS = 1500;
var SLICE_MS = 16;
var UNSET = -32768;
function createView(el, { onControl = () => {
}, requestDims = null } = {}) {
  const doc = el.ownerDocument;
  const win = doc.defaultView;
  const ctl = {
    layer: 0,
    quantile: 0.75,
    granularity: "token",
    show_special: false,
    include_special: false,
    word_agg: "mean"
  };
  let data = null;
  let dataError = "";
  let status = { status: "empty", progress: 0, error: "" };
  let U = null;
  let layout = null;
  let clusterStart = null;
  let clusterUnits = null;
  let unitElem = null;
  let navEls = [];
  let elCount = 0;
  let elCode = null;
  let elItem = null;
  let elUnits = null;
  let elCluster = null;
  let elMulti = null;
  let elBase = [];
  let elIndex = /* @__PURE__ */ new WeakMap();
  let nBlocks = 0;
  let blockNodes = [];
  let blockHead = [];
  let blockGen = null;
  let gen = 0;
  let colourReady = false;
  let visRange = [0, 0];
  let visStale = false;
  let busy = false;
  let dead = false;
  let flashEl = null;
  let eligible = null;
  let nEligible = 0;
  let values = null;
  let buckets = null;
  let threshold = NaN;
  let lo = NaN;
  let hi = NaN;
  let nHigh = 0;
  let rowCache = null;
  let thrCache = null;
  let requestedLayer = 0;
  let tip = { el: null, pinned: false, dimTok: -1 };
  let dimStore = dimsStore();
  let rovingEl = null;
  const timers = /* @__PURE__ */ new Set();
  const cleanups = [];
  const listen = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    cleanups.push(() => target.removeEventListener(type, fn, opts));
  };
  const root = h(doc, "div", "afn-root afn-hide-special afn-nodata");
  const header = h(doc, "div", "afn-header");
  const title = h(doc, "div", "afn-title");
  const brand = h(doc, "span", "afn-brand", "TAS");
  brand.title = "Token Activation Strength: L2 norm of each token's hidden state";
  const modelName = h(doc, "span", "afn-model");
  const normTag = h(doc, "span", "afn-tag");
  const note = h(doc, "span", "afn-note");
  title.append(brand, modelName, normTag, note);
  const summary = h(doc, "div", "afn-summary");
  const sumLayer = h(doc, "span", "afn-sum");
  const sumThr = h(doc, "span", "afn-sum");
  const sumHigh = h(doc, "span", "afn-sum");
  summary.append(sumLayer, sumThr, sumHigh);
  const legend = h(doc, "div", "afn-legend");
  const legendBar = h(doc, "div", "afn-legend-bar");
  legendBar.style.backgroundImage = gradientCss();
  const legendTick = h(doc, "div", "afn-legend-tick");
  legendBar.appendChild(legendTick);
  const legendLabels = h(doc, "div", "afn-legend-labels");
  const legendTop = h(doc, "div", "afn-legend-labels afn-legend-top");
  const legMin = h(doc, "span", "afn-legend-min");
  const legThr = h(doc, "span", "afn-legend-thr");
  const legMax = h(doc, "span", "afn-legend-max");
  legendTop.append(legThr);
  legendLabels.append(legMin, legMax);
  legend.append(legendTop, legendBar, legendLabels);
  header.append(title, summary, legend);
  const controls = h(doc, "div", "afn-controls");
  const uid = Math.random().toString(36).slice(2, 8);
  const labelled = (text, input) => {
    const l = h(doc, "label", "afn-ctl");
    l.append(h(doc, "span", "afn-ctl-label", text), input);
    return l;
  };
  const layerInput = h(doc, "input", "afn-layer");
  layerInput.type = "range";
  layerInput.min = "0";
  layerInput.step = "1";
  layerInput.setAttribute("aria-label", "layer");
  const layerOut = h(doc, "output", "afn-layer-out");
  const layerLabel = labelled("Layer", layerInput);
  layerLabel.appendChild(layerOut);
  const qInput = h(doc, "input", "afn-quantile");
  qInput.type = "number";
  qInput.min = "0.05";
  qInput.max = "0.95";
  qInput.step = "0.05";
  qInput.setAttribute("aria-label", "quantile for HIGH");
  const qLabel = labelled("Quantile", qInput);
  qLabel.title = "HIGH = value >= this quantile of the eligible values (numpy 'linear')";
  const seg = h(doc, "div", "afn-seg");
  seg.setAttribute("role", "group");
  seg.setAttribute("aria-label", "granularity");
  const segBtns = {};
  for (const [v, t] of [
    ["token", "Tokens"],
    ["word", "Words"]
  ]) {
    const b = h(doc, "button", "afn-seg-btn", t);
    b.type = "button";
    b.dataset.value = v;
    segBtns[v] = b;
    seg.appendChild(b);
  }
  const showSp = h(doc, "input", "afn-show-special");
  showSp.type = "checkbox";
  showSp.id = `afn-ss-${uid}`;
  const inclSp = h(doc, "input", "afn-include-special");
  inclSp.type = "checkbox";
  const showLabel = labelled("show specials", showSp);
  showLabel.classList.add("afn-check");
  const inclLabel = labelled("rank specials", inclSp);
  inclLabel.classList.add("afn-check");
  inclLabel.title = "let special tokens take part in the threshold and ranks";
  controls.append(layerLabel, qLabel, seg, showLabel, inclLabel);
  const statusBox = h(doc, "div", "afn-status");
  const progress = h(doc, "div", "afn-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuemax", "100");
  const progressBar = h(doc, "div", "afn-progress-bar");
  progress.appendChild(progressBar);
  const progressText = h(doc, "div", "afn-progress-text");
  const errorBox = h(doc, "div", "afn-error");
  errorBox.setAttribute("role", "alert");
  const emptyBox = h(doc, "div", "afn-empty", "Nothing analysed yet.");
  statusBox.append(progress, progressText, errorBox, emptyBox);
  const textBox = h(doc, "div", "afn-text");
  textBox.setAttribute("aria-label", "text coloured by token activation strength");
  const lower = h(doc, "div", "afn-lower");
  const flow = h(doc, "div", "afn-flow");
  const flowHead = h(doc, "div", "afn-panel-title", "Layer \xD7 token flow");
  const flowWrap = h(doc, "div", "afn-flow-wrap");
  const canvas = h(doc, "canvas", "afn-flow-canvas");
  canvas.title = "click a row to select that layer";
  const flowMarker = h(doc, "div", "afn-flow-marker");
  const flowAxis = h(doc, "div", "afn-flow-axis");
  const axisTop = h(doc, "span", null, "0");
  const axisBottom = h(doc, "span", null, "");
  flowAxis.append(axisTop, axisBottom);
  flowWrap.append(canvas, flowMarker);
  const flowRow = h(doc, "div", "afn-flow-row");
  flowRow.append(flowAxis, flowWrap);
  const flowCaption = h(doc, "div", "afn-caption", "each row scaled to its own min..max");
  flow.append(flowHead, flowRow, flowCaption);
  const ranking = h(doc, "div", "afn-ranking");
  const rankHead = h(doc, "div", "afn-panel-title", "Strongest");
  const rankList = h(doc, "ol", "afn-rank-list");
  ranking.append(rankHead, rankList);
  lower.append(flow, ranking);
  const tipEl = h(doc, "div", "afn-tooltip");
  tipEl.setAttribute("role", "tooltip");
  tipEl.id = `afn-tip-${uid}`;
  tipEl.hidden = true;
  root.append(header, controls, statusBox, textBox, lower, tipEl);
  el.appendChild(root);
  const later = (fn, ms) => {
    const t = win.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const unitName = (n) => U && U.kind === "word" ? n === 1 ? "word" : "words" : n === 1 ? "token" : "tokens";
  function row(L) {
    if (!rowCache) rowCache = new Array(data.nLayers + 1).fill(null);
    if (!rowCache[L]) {
      rowCache[L] = U.kind === "token" ? data.norms.subarray(L * data.nTokens, (L + 1) * data.nTokens) : unitValues(data.norms, data.nTokens, L, U.members, ctl.word_agg);
    }
    return rowCache[L];
  }
  function thresholds() {
    if (!thrCache) {
      thrCache = new Float64Array(data.nLayers + 1);
      for (let L = 0; L <= data.nLayers; L++) thrCache[L] = thresholdOf(row(L), eligible, ctl.quantile);
    }
    return thrCache;
  }
  const clampLayer = (L) => data ? Math.min(Math.max(L, 0), data.nLayers) : Math.max(L, 0);
  function buildUnits() {
    U = unitsOf(data, ctl.granularity);
    layout = layoutSpans(data.text, U.ranges, U.special);
    rowCache = null;
    thrCache = null;
    const nc = layout.clusters.length;
    clusterStart = new Int32Array(nc + 1);
    for (let k = 0; k < nc; k++) clusterStart[k + 1] = clusterStart[k] + layout.clusters[k].units.length;
    clusterUnits = new Int32Array(clusterStart[nc]);
    for (let k = 0; k < nc; k++) clusterUnits.set(layout.clusters[k].units, clusterStart[k]);
    values = new Float64Array(U.count);
    buckets = new Uint8Array(U.count);
    computeEligible();
    buildText();
  }
  function computeEligible() {
    eligible = new Uint8Array(U.count);
    for (let u = 0; u < U.count; u++) eligible[u] = !U.special[u] || ctl.include_special ? 1 : 0;
    nEligible = countEligible(eligible);
    thrCache = null;
  }
  function buildText() {
    hideTip(true);
    const items = layout.items;
    const reps = [];
    const cl = [];
    const at = [];
    elBase = [];
    unitElem = new Int32Array(U.count).fill(-1);
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      if (it.kind === "gap") continue;
      const e = reps.length;
      if (it.kind === "cluster") {
        const c = layout.clusters[it.index];
        elBase.push("afn-tok");
        for (const u of c.units) unitElem[u] = e;
        reps.push(c.units[0]);
        cl.push(it.index);
      } else {
        const u = it.unit;
        elBase.push(U.special[u] ? "afn-tok afn-pill afn-special" : "afn-tok afn-pill");
        unitElem[u] = e;
        reps.push(u);
        cl.push(-1);
      }
      at.push(j);
    }
    elCount = reps.length;
    elCode = new Int16Array(elCount).fill(UNSET);
    elUnits = Int32Array.from(reps);
    elCluster = Int32Array.from(cl);
    elItem = Int32Array.from(at);
    elMulti = new Uint8Array(elCount);
    for (let e = 0; e < elCount; e++) {
      const k = elCluster[e];
      if (k >= 0 && clusterStart[k + 1] - clusterStart[k] > 1) elMulti[e] = 1;
    }
    navEls = new Array(elCount).fill(null);
    elIndex = /* @__PURE__ */ new WeakMap();
    flashEl = null;
    rovingEl = null;
    colourReady = false;
    nBlocks = Math.max(1, Math.ceil(elCount / BLOCK));
    blockNodes = new Array(nBlocks).fill(null);
    blockHead = new Array(nBlocks).fill(null);
    blockGen = new Int32Array(nBlocks).fill(-1);
    visRange = elCount <= SYNC_ELEMENTS ? [0, nBlocks] : guessVisible();
    visStale = false;
    const frag = doc.createDocumentFragment();
    for (let k = 0; k < nBlocks; k++) {
      if (k >= visRange[0] && k < visRange[1]) appendBlock(frag, k);
      else appendPlaceholder(frag, k);
    }
    textBox.replaceChildren(frag);
    setRoving(firstVisible());
  }
  function guessVisible() {
    const k = Math.min(nBlocks - 1, Math.floor(scrollFrac * nBlocks));
    return [Math.max(0, k - 1), Math.min(nBlocks, k + 2)];
  }
  function blockItems(k) {
    const j0 = k === 0 ? 0 : elItem[k * BLOCK];
    const j1 = k === nBlocks - 1 ? layout.items.length : elItem[(k + 1) * BLOCK];
    return [j0, j1];
  }
  function makeEl(e) {
    const span = doc.createElement("span");
    const k = elCluster[e];
    if (k >= 0) {
      const c = layout.clusters[k];
      span.textContent = data.text.slice(c.start, c.end);
      if (elMulti[e]) {
        span.dataset.units = clusterUnits.subarray(clusterStart[k], clusterStart[k + 1]).join(",");
      }
    } else {
      span.className = elBase[e];
      span.textContent = U.label(elUnits[e]);
    }
    span.dataset.i = String(elUnits[e]);
    elIndex.set(span, e);
    navEls[e] = span;
    return span;
  }
  function appendBlock(frag, k) {
    const items = layout.items;
    const [j0, j1] = blockItems(k);
    let e = k * BLOCK;
    const first = frag.lastChild;
    for (let j = j0; j < j1; j++) {
      const it = items[j];
      if (it.kind === "gap") frag.appendChild(doc.createTextNode(it.text));
      else {
        frag.appendChild(navEls[e] || makeEl(e));
        e++;
      }
    }
    blockHead[k] = first ? first.nextSibling : frag.firstChild;
  }
  function appendPlaceholder(frag, k) {
    const items = layout.items;
    const text = data.text;
    const [j0, j1] = blockItems(k);
    const nodes = [];
    let run = "";
    const flush = () => {
      if (!run) return;
      nodes.push(frag.appendChild(doc.createTextNode(run)));
      run = "";
    };
    let e = k * BLOCK;
    for (let j = j0; j < j1; j++) {
      const it = items[j];
      if (it.kind === "gap") run += it.text;
      else if (it.kind === "cluster") {
        const c = layout.clusters[it.index];
        run += text.slice(c.start, c.end);
        e++;
      } else {
        flush();
        nodes.push(frag.appendChild(makeEl(e++)));
      }
    }
    flush();
    blockNodes[k] = nodes;
    blockHead[k] = nodes.length ? nodes[0] : null;
  }
  function build(k) {
    const nodes = blockNodes[k];
    if (!nodes) return;
    blockNodes[k] = null;
    if (!nodes.length) return;
    const next = nodes[nodes.length - 1].nextSibling;
    const frag = doc.createDocumentFragment();
    appendBlock(frag, k);
    blockGen[k] = -1;
    paintBlock(k);
    for (const n of nodes) if (n.nodeType === 3) n.remove();
    textBox.insertBefore(frag, next);
  }
  function elementAt(e) {
    const k = Math.floor(e / BLOCK);
    build(k);
    paintBlock(k);
    return navEls[e];
  }
  const isShown = (e) => !(ctl.show_special === false && elBase[e].endsWith("afn-special"));
  function isVisible(span) {
    const e = elIndex.get(span);
    return e !== void 0 && isShown(e);
  }
  function firstVisible() {
    for (let e = 0; e < elCount; e++) if (isShown(e)) return elementAt(e);
    return null;
  }
  function lastVisible() {
    for (let e = elCount - 1; e >= 0; e--) if (isShown(e)) return elementAt(e);
    return null;
  }
  function setRoving(span) {
    if (rovingEl === span) return;
    if (rovingEl) rovingEl.removeAttribute("tabindex");
    rovingEl = span;
    if (span) span.tabIndex = 0;
  }
  function recompute() {
    const L = ctl.layer;
    gen++;
    colourReady = true;
    values = U.kind === "token" ? Float64Array.from(row(L)) : row(L);
    threshold = thresholdOf(values, eligible, ctl.quantile);
    bucketize(values, eligible, threshold, buckets);
    [lo, hi] = domainOf(values, eligible);
    nHigh = 0;
    for (let u = 0; u < U.count; u++) if (buckets[u] === HIGH) nHigh++;
  }
  function repUnit(e) {
    if (!elMulti[e]) return elUnits[e];
    const k = elCluster[e];
    let best = clusterUnits[clusterStart[k]];
    for (let p = clusterStart[k] + 1; p < clusterStart[k + 1]; p++) {
      const u = clusterUnits[p];
      if (eligible[u] > eligible[best] || eligible[u] === eligible[best] && values[u] > values[best])
        best = u;
    }
    return best;
  }
  function paintBlock(k) {
    if (!colourReady || blockGen[k] === gen) return;
    blockGen[k] = gen;
    paint(k * BLOCK, Math.min(elCount, (k + 1) * BLOCK));
  }
  function paint(e0, e1) {
    for (let e = e0; e < e1; e++) {
      const span = navEls[e];
      if (!span) continue;
      let u = elUnits[e];
      let b = buckets[u];
      let v = values[u];
      if (elMulti[e]) {
        u = repUnit(e);
        v = values[u];
        b = INELIGIBLE;
        const k = elCluster[e];
        for (let p = clusterStart[k]; p < clusterStart[k + 1]; p++) {
          const m = buckets[clusterUnits[p]];
          if (m === HIGH) b = HIGH;
          else if (m === LOW && b !== HIGH) b = LOW;
        }
      }
      const ci = b === INELIGIBLE ? NO_COLOR : colorIndex(scale01(v, lo, hi));
      const code = ci * 2 + (b === HIGH ? 1 : 0);
      if (code === elCode[e]) continue;
      elCode[e] = code;
      let cls = elBase[e];
      if (ci >= 0) cls += COLOR_CLASS[ci];
      if (b === HIGH) cls += " afn-high";
      if (span === tip.el && tip.pinned) cls += " afn-pinned";
      if (span === flashEl) cls += " afn-flash";
      span.className = cls;
    }
  }
  function paintText() {
    if (visStale) measureVisible();
    const [v0, v1] = elCount <= SYNC_ELEMENTS ? [0, nBlocks] : visRange;
    for (let k = v0; k < v1; k++) {
      build(k);
      paintBlock(k);
    }
    schedule(true);
  }
  const channel = new win.MessageChannel();
  let queued = false;
  channel.port1.onmessage = () => {
    if (!queued) return;
    queued = false;
    work();
  };
  const post = () => channel.port2.postMessage(0);
  const range = doc.createRange();
  let scrollFrac = 0;
  const blockDone = (k) => !blockNodes[k] && (!colourReady || blockGen[k] === gen);
  function pending() {
    if (flowDue) return true;
    for (let k = 0; k < nBlocks; k++) if (!blockDone(k)) return true;
    return false;
  }
  function setBusy(b) {
    if (b === busy) return;
    busy = b;
    if (b) textBox.setAttribute("aria-busy", "true");
    else textBox.removeAttribute("aria-busy");
  }
  function schedule(afterFrame = false) {
    const p = !dead && !!data && pending();
    setBusy(p);
    if (!p || queued) return;
    queued = true;
    if (afterFrame) {
      win.requestAnimationFrame(post);
      later(post, 250);
    } else post();
  }
  function work() {
    if (dead || !data) return;
    const t0 = win.performance.now();
    if (visStale) measureVisible();
    if (flowDue) {
      flowDue = false;
      paintFlow();
    }
    const v0 = visRange[0];
    const order = (k) => k < v0 ? nBlocks + k : k - v0;
    let best = -1;
    do {
      best = -1;
      for (let k = 0; k < nBlocks; k++) {
        if (!blockDone(k) && (best < 0 || order(k) < order(best))) best = k;
      }
      if (best >= 0) {
        build(best);
        paintBlock(best);
      }
    } while (best >= 0 && win.performance.now() - t0 < SLICE_MS);
    schedule();
  }
  function blockTop(k) {
    for (let n = blockHead[k], hops = 0; n && hops < 4; n = n.nextSibling, hops++) {
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
  function measureVisible() {
    visStale = false;
    if (elCount <= SYNC_ELEMENTS) return;
    const box = textBox.getBoundingClientRect();
    if (!(box.height > 0)) return;
    scrollFrac = textBox.scrollHeight > 0 ? textBox.scrollTop / textBox.scrollHeight : 0;
    const top = (k) => {
      const t = blockTop(k);
      return Number.isNaN(t) ? k === 0 ? -Infinity : top(k - 1) : t;
    };
    let a = 0;
    let b = nBlocks - 1;
    while (a < b) {
      const m = a + b + 1 >> 1;
      if (top(m) <= box.top) a = m;
      else b = m - 1;
    }
    let v1 = a + 1;
    while (v1 < nBlocks && top(v1) < box.bottom) v1++;
    visRange = [a, v1];
  }
  function paintHeader() {
    const n = data.nLayers;
    sumLayer.replaceChildren(
      h(doc, "span", "afn-k", "layer "),
      Object.assign(h(doc, "b", null, `${ctl.layer}`), { title: ctl.layer === 0 ? "embeddings" : "" }),
      h(doc, "span", "afn-k", ` / ${n}`)
    );
    const thrB = h(doc, "b", null, Number.isNaN(threshold) ? "\u2014" : fmt3(threshold));
    thrB.dataset.field = "threshold";
    sumThr.replaceChildren(
      h(doc, "span", "afn-k", `threshold (q ${+ctl.quantile.toFixed(4)}) `),
      thrB
    );
    const nh = h(doc, "b", null, String(nHigh));
    nh.dataset.field = "n-high";
    sumHigh.replaceChildren(
      h(doc, "span", "afn-k", "HIGH "),
      nh,
      h(doc, "span", "afn-k", ` / ${nEligible} ${unitName(nEligible)}`)
    );
    legMin.textContent = Number.isNaN(lo) ? "" : fmt3(lo);
    legMax.textContent = Number.isNaN(hi) ? "" : fmt3(hi);
    const t = scale01(threshold, lo, hi);
    if (Number.isNaN(t)) {
      legendTick.hidden = true;
      legThr.textContent = "";
    } else {
      legendTick.hidden = false;
      legendTick.style.left = `${(t * 100).toFixed(2)}%`;
      legThr.textContent = `\u2265 ${fmt3(threshold)} HIGH`;
      legThr.style.left = `${(t * 100).toFixed(2)}%`;
      legThr.style.transform = t > 0.7 ? "translateX(-100%)" : t < 0.3 ? "none" : "translateX(-50%)";
    }
    layerInput.max = String(n);
    layerInput.value = String(ctl.layer);
    layerOut.textContent = String(ctl.layer);
  }
  function paintRanking() {
    rankHead.textContent = `Strongest ${unitName(2)} at layer ${ctl.layer}`;
    const best = topK(values, eligible, TOP_N);
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
        h(doc, "span", "afn-rank-text", displayText(U.surface(u))),
        h(doc, "span", "afn-rank-val", fmt3(values[u])),
        bar
      );
      if (buckets[u] === HIGH) b.classList.add("afn-is-high");
      li.appendChild(b);
      return li;
    });
    rankList.replaceChildren(...items);
  }
  let flowCols = null;
  let flowUnits = null;
  let flowDue = false;
  function requestFlow() {
    if (elCount <= SYNC_ELEMENTS) {
      flowDue = false;
      paintFlow();
    } else {
      flowDue = true;
      schedule(true);
    }
  }
  function paintFlow() {
    const rows = [];
    for (let L = 0; L <= data.nLayers; L++) rows.push(row(L));
    const shown = [];
    for (let u = 0; u < U.count; u++) if (ctl.show_special || !U.special[u]) shown.push(u);
    flowUnits = Int32Array.from(shown);
    const img = heatmapRGBA(rows, flowUnits, eligible, MAX_FLOW_COLS);
    flowCols = img.bounds;
    const cols = Math.max(img.cols, 1);
    canvas.width = cols;
    canvas.height = img.rows;
    const ctx = canvas.getContext("2d");
    if (ctx && img.cols > 0) ctx.putImageData(new win.ImageData(img.data, cols, img.rows), 0, 0);
    const px = Math.max(48, Math.min(img.rows * 6, 160));
    flowWrap.style.height = `${px}px`;
    axisBottom.textContent = String(data.nLayers);
    flowCaption.textContent = img.cols < flowUnits.length ? `each row scaled to its own min..max \xB7 ${flowUnits.length} ${unitName(2)} in ${img.cols} columns (max per column)` : "each row scaled to its own min..max \xB7 click a row to select its layer";
  }
  function paintFlowMarker() {
    const n = data.nLayers + 1;
    flowMarker.style.top = `${(100 * ctl.layer / n).toFixed(3)}%`;
    flowMarker.style.height = `${(100 / n).toFixed(3)}%`;
  }
  function paintControls() {
    layerInput.value = String(ctl.layer);
    layerOut.textContent = String(ctl.layer);
    if (win.document.activeElement !== qInput) qInput.value = String(ctl.quantile);
    for (const v in segBtns) {
      segBtns[v].setAttribute("aria-pressed", String(ctl.granularity === v));
    }
    showSp.checked = !!ctl.show_special;
    inclSp.checked = !!ctl.include_special;
    root.classList.toggle("afn-hide-special", !ctl.show_special);
  }
  function paintStatus() {
    const s = status.status;
    const computing = s === "computing";
    progress.hidden = !computing;
    progressText.hidden = !computing;
    if (computing) {
      const p = Math.max(0, Math.min(1, Number(status.progress) || 0));
      progressBar.style.width = `${(p * 100).toFixed(1)}%`;
      progress.setAttribute("aria-valuenow", String(Math.round(p * 100)));
      progressText.textContent = `computing\u2026 ${Math.round(p * 100)}%`;
    }
    const err = s === "error" ? String(status.error || "error") : dataError;
    errorBox.hidden = !err;
    errorBox.textContent = err;
    emptyBox.hidden = !!data || computing || !!err;
    root.classList.toggle("afn-busy", computing);
    root.classList.toggle("afn-nodata", !data);
  }
  function refreshLayer() {
    if (!data) return;
    recompute();
    paintText();
    paintHeader();
    paintRanking();
    paintFlowMarker();
    if (tip.el) showTip(tip.el, tip.pinned);
  }
  function refreshAll() {
    if (!data) {
      textBox.replaceChildren();
      flowDue = false;
      nBlocks = 0;
      navEls = [];
      elCount = 0;
      setBusy(false);
      rankList.replaceChildren();
      hideTip(true);
      paintControls();
      paintStatus();
      return;
    }
    ctl.layer = clampLayer(requestedLayer);
    buildUnits();
    paintControls();
    requestFlow();
    refreshLayer();
    paintStatus();
  }
  function unitInfo(span) {
    const e = elIndex.get(span);
    const u = repUnit(e);
    const L = ctl.layer;
    const k = elCluster[e];
    const isCluster = k >= 0;
    const members = isCluster ? Array.from(clusterUnits.subarray(clusterStart[k], clusterStart[k + 1])) : [u];
    const toks = [];
    for (const m of members) for (const t of U.tokensOf(m)) toks.push(t);
    const rank = rankOf(values, eligible, u);
    const series = new Float64Array(data.nLayers + 1);
    for (let l = 0; l <= data.nLayers; l++) series[l] = row(l)[u];
    let dimTok = u;
    if (U.kind === "word") {
      const base = L * data.nTokens;
      let best = -Infinity;
      for (const t of U.tokensOf(u)) {
        if (data.norms[base + t] > best) {
          best = data.norms[base + t];
          dimTok = t;
        }
      }
    }
    const dims = dimsFor(data, dimStore, dimTok, L, requestDims);
    const multi = U.kind === "word" && U.tokensOf(u).length > 1;
    return {
      text: isCluster ? span.textContent : U.surface(u),
      pieces: toks.map((t) => data.tokens[t]),
      tas: values[u],
      layer: L,
      nLayers: data.nLayers,
      rank,
      nEligible,
      percentile: percentileOf(rank, nEligible),
      bucket: BUCKET_NAME[buckets[u]],
      role: U.roles[u],
      series,
      thresholds: eligible[u] ? thresholds() : null,
      dims: dims.dims || [],
      dimsPending: !!dims.pending,
      dimsError: dims.error,
      dimsOf: multi ? data.tokens[dimTok] : "",
      dimTok,
      pinned: tip.pinned
    };
  }
  function showTip(span, pinned = false) {
    if (!data || !span || !span.isConnected) return;
    if (tip.el && tip.el !== span) tip.el.classList.remove("afn-pinned");
    tip.el = span;
    tip.pinned = pinned;
    span.classList.toggle("afn-pinned", pinned);
    span.setAttribute("aria-describedby", tipEl.id);
    const info = unitInfo(span);
    tip.dimTok = info.dimTok;
    fillTooltip(tipEl, info);
    tipEl.classList.toggle("afn-tt-pinned", pinned);
    tipEl.hidden = false;
    positionTip();
  }
  function positionTip() {
    if (!tip.el) return;
    const rects = tip.el.getClientRects();
    const r = rects.length ? rects[0] : tip.el.getBoundingClientRect();
    tipEl.style.left = "0px";
    tipEl.style.top = "0px";
    const o = tipEl.getBoundingClientRect();
    const p = placeTooltip(r, { left: 0, top: 0 }, o.width, o.height, win.innerWidth, win.innerHeight);
    tipEl.style.left = `${Math.round(p.left - o.left)}px`;
    tipEl.style.top = `${Math.round(p.top - o.top)}px`;
  }
  function hideTip(force = false) {
    if (tip.pinned && !force) return;
    if (tip.el) {
      tip.el.classList.remove("afn-pinned");
      tip.el.removeAttribute("aria-describedby");
    }
    tip = { el: null, pinned: false, dimTok: -1 };
    tipEl.hidden = true;
  }
  const tokOf = (target) => {
    const t = target && target.closest ? target.closest(".afn-tok") : null;
    return t && elIndex.has(t) ? t : null;
  };
  listen(textBox, "mouseover", (ev) => {
    const t = tokOf(ev.target);
    if (t && !tip.pinned && t !== tip.el) showTip(t);
  });
  listen(textBox, "mouseout", (ev) => {
    const to = tokOf(ev.relatedTarget);
    if (!to && !tip.pinned && tip.el && doc.activeElement !== tip.el) hideTip();
  });
  listen(textBox, "focusin", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    setRoving(t);
    if (!tip.pinned) showTip(t);
  });
  listen(textBox, "focusout", (ev) => {
    if (!tokOf(ev.relatedTarget) && !tip.pinned) hideTip();
  });
  listen(textBox, "click", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    if (tip.pinned && tip.el === t) {
      tip.pinned = false;
      showTip(t, false);
    } else showTip(t, true);
  });
  listen(textBox, "keydown", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    const e = elIndex.get(t);
    let next = null;
    const step = (d) => {
      for (let j = e + d; j >= 0 && j < elCount; j += d) if (isShown(j)) return elementAt(j);
      return null;
    };
    switch (ev.key) {
      case "ArrowRight":
      case "ArrowDown":
        next = step(1);
        break;
      case "ArrowLeft":
      case "ArrowUp":
        next = step(-1);
        break;
      case "Home":
        next = firstVisible();
        break;
      case "End":
        next = lastVisible();
        break;
      case "Enter":
      case " ":
        ev.preventDefault();
        if (tip.pinned && tip.el === t) showTip(t, false);
        else showTip(t, true);
        return;
      default:
        return;
    }
    ev.preventDefault();
    if (next) {
      const wasPinned = tip.pinned;
      setRoving(next);
      next.focus();
      if (wasPinned) showTip(next, true);
    }
  });
  listen(doc, "keydown", (ev) => {
    if (ev.key === "Escape" && tip.el) hideTip(true);
  });
  listen(doc, "pointerdown", (ev) => {
    if (tip.pinned && !root.contains(ev.target)) hideTip(true);
  });
  listen(
    doc,
    "scroll",
    () => {
      if (tip.el) (tip.pinned ? positionTip : () => hideTip())();
    },
    { capture: true, passive: true }
  );
  listen(
    textBox,
    "scroll",
    () => {
      visStale = true;
      if (textBox.scrollHeight > 0) scrollFrac = textBox.scrollTop / textBox.scrollHeight;
    },
    { passive: true }
  );
  if (win.ResizeObserver) {
    const ro = new win.ResizeObserver(() => {
      visStale = true;
    });
    ro.observe(textBox);
    cleanups.push(() => ro.disconnect());
  }
  listen(layerInput, "input", () => setControl("layer", +layerInput.value, true));
  listen(qInput, "change", () => {
    const q = parseFloat(qInput.value);
    if (q > 0 && q < 1) setControl("quantile", q, true);
    else qInput.value = String(ctl.quantile);
  });
  listen(qInput, "input", () => {
    const q = parseFloat(qInput.value);
    if (q > 0 && q < 1) setControl("quantile", q, true);
  });
  listen(seg, "click", (ev) => {
    const b = ev.target.closest && ev.target.closest(".afn-seg-btn");
    if (b) setControl("granularity", b.dataset.value, true);
  });
  listen(showSp, "change", () => setControl("show_special", showSp.checked, true));
  listen(inclSp, "change", () => setControl("include_special", inclSp.checked, true));
  listen(rankList, "click", (ev) => {
    const b = ev.target.closest && ev.target.closest(".afn-rank-btn");
    if (b) reveal(+b.dataset.i, true);
  });
  const flowPos = (ev) => {
    const r = canvas.getBoundingClientRect();
    if (!data || r.height <= 0 || r.width <= 0) return null;
    const L = Math.min(data.nLayers, Math.max(0, Math.floor((ev.clientY - r.top) / r.height * (data.nLayers + 1))));
    const cols = flowCols ? flowCols.length - 1 : 0;
    const c = Math.min(cols - 1, Math.max(0, Math.floor((ev.clientX - r.left) / r.width * cols)));
    const u = cols > 0 ? flowUnits[flowCols[c]] : -1;
    return { L, u };
  };
  listen(canvas, "click", (ev) => {
    const p = flowPos(ev);
    if (!p) return;
    setControl("layer", p.L, true);
    if (p.u >= 0) reveal(p.u, false);
  });
  listen(canvas, "mousemove", (ev) => {
    const p = flowPos(ev);
    if (!p || p.u < 0) return;
    flowCaption.textContent = `layer ${p.L} \xB7 \u201C${displayText(U.surface(p.u))}\u201D \xB7 ${fmt3(row(p.L)[p.u])} \xB7 click to select layer`;
  });
  function reveal(u, focus) {
    const e = unitElem ? unitElem[u] : -1;
    if (!(e >= 0) || !isShown(e)) return;
    const span = elementAt(e);
    span.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (flashEl) flashEl.classList.remove("afn-flash");
    void span.offsetWidth;
    span.classList.add("afn-flash");
    flashEl = span;
    later(() => {
      span.classList.remove("afn-flash");
      if (flashEl === span) flashEl = null;
    }, 1600);
    if (focus) {
      setRoving(span);
      span.focus({ preventScroll: true });
    }
  }
  function setControl(name, value, fromUser = false) {
    switch (name) {
      case "layer": {
        if (!Number.isInteger(value)) return;
        requestedLayer = value;
        const L = clampLayer(value);
        const changed = L !== ctl.layer;
        ctl.layer = L;
        if (changed) refreshLayer();
        else if (data) paintHeader();
        if (fromUser) onControl("layer", L);
        return;
      }
      case "quantile": {
        const q = Number(value);
        if (!(q > 0 && q < 1)) return;
        if (q !== ctl.quantile) {
          ctl.quantile = q;
          thrCache = null;
          refreshLayer();
        }
        if (doc.activeElement !== qInput) qInput.value = String(q);
        if (fromUser) onControl("quantile", q);
        return;
      }
      case "granularity": {
        if (value !== "token" && value !== "word") return;
        if (value !== ctl.granularity) {
          ctl.granularity = value;
          paintControls();
          if (data) {
            buildUnits();
            requestFlow();
            refreshLayer();
          }
        }
        if (fromUser) onControl("granularity", value);
        return;
      }
      case "show_special": {
        const v = !!value;
        if (v !== ctl.show_special) {
          ctl.show_special = v;
          paintControls();
          if (data) {
            if (rovingEl && !isVisible(rovingEl)) setRoving(firstVisible());
            if (tip.el && !isVisible(tip.el)) hideTip(true);
            requestFlow();
          }
        }
        if (fromUser) onControl("show_special", v);
        return;
      }
      case "include_special": {
        const v = !!value;
        if (v !== ctl.include_special) {
          ctl.include_special = v;
          paintControls();
          if (data) {
            computeEligible();
            requestFlow();
            refreshLayer();
          }
        }
        if (fromUser) onControl("include_special", v);
        return;
      }
      case "word_agg": {
        if (value !== "mean" && value !== "max") return;
        if (value !== ctl.word_agg) {
          ctl.word_agg = value;
          if (data && U.kind === "word") {
            rowCache = null;
            thrCache = null;
            requestFlow();
            refreshLayer();
          }
        }
        return;
      }
      default:
    }
  }
  function setData(result) {
    if (result.stale) {
      dataError = "";
      paintStatus();
      return;
    }
    data = result.data || null;
    dimStore = dimsStore();
    dataError = result.error ? `Cannot show this state: ${result.error}` : "";
    refreshAll();
  }
  function setMeta({ model_name, note: noteText, normalize }) {
    modelName.textContent = model_name ? String(model_name) : "";
    normTag.textContent = normalize ? `norm: ${normalize}` : "";
    normTag.hidden = !normalize;
    note.textContent = noteText ? String(noteText) : "";
    note.hidden = !noteText;
  }
  function setStatus(s) {
    status = { ...status, ...s };
    paintStatus();
  }
  function setDims(msg) {
    const t = storeReply(dimStore, data, msg);
    if (t >= 0 && tip.el && tip.dimTok === t) showTip(tip.el, tip.pinned);
  }
  function destroy() {
    dead = true;
    channel.port1.close();
    for (const c of cleanups.splice(0)) c();
    for (const t of timers) win.clearTimeout(t);
    timers.clear();
    root.remove();
  }
  paintControls();
  paintStatus();
  return { setData, setMeta, setStatus, setControl, setDims, destroy, root };
}

// js/widget.js
var HEADER_TRAITS = ["model_name", "note", "normalize"];
var WORD_AGG = "word_agg";
function connect(model, el, { kernel = false } = {}) {
  const get = (n) => model.get(n);
  const requestDims = (token, version) => model.send({ kind: "top_dims", token, version });
  const view = createView(el, {
    onControl(name, value) {
      if (model.get(name) === value) return;
      model.set(name, value);
      model.save_changes();
    },
    requestDims: kernel ? requestDims : null
  });
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
  const settings = () => {
    for (const n of [...CONTROL_TRAITS, WORD_AGG]) {
      const v = get(n);
      if (v !== void 0 && v !== null) view.setControl(n, v);
    }
  };
  const load = () => {
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
  const inPlace = new Map(HEADER_TRAITS.map((n) => [n, meta]));
  inPlace.set(WORD_AGG, setting(WORD_AGG));
  for (const n of DATA_TRAITS) on([n], inPlace.get(n) || scheduleLoad);
  on(STATUS_TRAITS, status);
  for (const n of CONTROL_TRAITS) on([n], setting(n));
  meta();
  settings();
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
var widget_default = { render };
export {
  HEADER_TRAITS,
  WORD_AGG,
  connect,
  widget_default as default
};
