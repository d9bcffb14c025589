// Numbers behind the view: unit values, quantile threshold, buckets, ranks, percentiles.
// Pure functions over typed arrays; they mirror the Python definitions exactly:
//   value(word)  = mean (or max) of its tokens' norms at the layer: summed in float64, divided,
//                  then rounded to float32 (afn_widget.result.aggregate_words stores float32)
//   threshold    = numpy.quantile(values[eligible], q)   (method "linear", numpy's own lerp)
//   HIGH         = eligible and value >= threshold
//   rank         = 1 for the largest eligible value, ties by position (earlier first); 0 if ineligible
//   percentile   = 100 * (n_eligible - rank) / max(n_eligible - 1, 1)
//   UNDEFINED    = would be eligible, but the value is NaN (the score is undefined there:
//                  attention and the shifts at layer 0): unranked, out of the quantile

import { BUCKET_CODES } from "./registry.js";

/** The buckets' names, by code, as Python's afn_widget.buckets names them (the registry's). */
export const BUCKET_NAMES = BUCKET_CODES;
export const LOW = BUCKET_NAMES.indexOf("LOW");
export const HIGH = BUCKET_NAMES.indexOf("HIGH");
/** Not eligible (Python's bucket SPECIAL). */
export const INELIGIBLE = BUCKET_NAMES.indexOf("SPECIAL");
/** Set apart at this layer: a massive activation (Python's bucket MASSIVE), unranked. */
export const MASSIVE = BUCKET_NAMES.indexOf("MASSIVE");
/** No value at this layer (NaN), though not special (Python's bucket UNDEFINED), unranked. */
export const UNDEFINED = BUCKET_NAMES.indexOf("UNDEFINED");

/**
 * numpy.quantile(values, q) with the default method="linear", reproduced operation by operation
 * (numpy 2.x): h = (n - 1) * q; below = floor(h); t = h - below; lerp(a, b, t) =
 * a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t). Empty input or any NaN -> NaN.
 * `values` is not modified.
 */
export function quantileLinear(values, q) {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  const v = Float64Array.from(values);
  for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) return NaN;
  const h = (n - 1) * q;
  if (h >= n - 1) return maxOf(v, 0);
  if (h < 0) return minOf(v, 0);
  // the two order statistics numpy interpolates between, by selection (O(n)): a sort of the
  // 100k values of a long text, for each of its layers, took as long as the rest of a change
  const below = Math.floor(h);
  const a = selectInPlace(v, below);
  const b = minOf(v, below + 1);
  const t = h - below;
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

/**
 * The k-th smallest (0-based) of v (no NaN), v reordered in place so that every entry after
 * index k is at least it (Hoare's selection, pivot the median of three; short ranges sorted).
 */
export function selectInPlace(v, k) {
  let lo = 0;
  let hi = v.length - 1;
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    const x = v[lo];
    const y = v[mid];
    const z = v[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
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
    else return v[k]; // j < k < i: v[k] equals the pivot, in place
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

/** The eligible entries of values, in order, as a Float64Array. */
export function eligibleValues(values, eligible) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (eligible[i]) n++;
  const out = new Float64Array(n);
  for (let i = 0, k = 0; i < values.length; i++) if (eligible[i]) out[k++] = values[i];
  return out;
}

/** Threshold at quantile q over eligible values (NaN when none are eligible). */
export function thresholdOf(values, eligible, q) {
  return quantileLinear(eligibleValues(values, eligible), q);
}

/** Bucket per unit: HIGH iff eligible and value >= threshold; ineligible -> INELIGIBLE. */
export function bucketize(values, eligible, threshold, out = new Uint8Array(values.length)) {
  for (let i = 0; i < values.length; i++) {
    out[i] = !eligible[i] ? INELIGIBLE : values[i] >= threshold ? HIGH : LOW;
  }
  return out;
}

/**
 * Mark UNDEFINED the units of `buckets` that would be eligible (`base`) but whose value is NaN;
 * returns how many there are.
 */
export function markUndefined(values, base, buckets) {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (base[i] && Number.isNaN(values[i])) {
      buckets[i] = UNDEFINED;
      n++;
    }
  }
  return n;
}

/** min and max of eligible, non-NaN values ([NaN, NaN] if none). */
export function domainOf(values, eligible) {
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

// "a is stronger than b": larger value first, NaN last, ties by position.
function stronger(values, a, b) {
  const va = values[a];
  const vb = values[b];
  if (va > vb) return true;
  if (va < vb) return false;
  const na = Number.isNaN(va);
  const nb = Number.isNaN(vb);
  if (na !== nb) return nb; // the non-NaN one is stronger
  return a < b;
}

/** Rank of every unit (1 = strongest eligible; 0 = ineligible). */
export function computeRanks(values, eligible) {
  const idx = [];
  for (let i = 0; i < values.length; i++) if (eligible[i]) idx.push(i);
  idx.sort((a, b) => (stronger(values, a, b) ? -1 : 1));
  const ranks = new Int32Array(values.length);
  for (let r = 0; r < idx.length; r++) ranks[idx[r]] = r + 1;
  return ranks;
}

/** Rank of one unit without sorting everything (O(n)); equals computeRanks(...)[i]. */
export function rankOf(values, eligible, i) {
  if (!eligible[i]) return 0;
  let r = 1;
  for (let j = 0; j < values.length; j++) {
    if (j !== i && eligible[j] && stronger(values, j, i)) r++;
  }
  return r;
}

/** Number of eligible units. */
export function countEligible(eligible) {
  let n = 0;
  for (let i = 0; i < eligible.length; i++) if (eligible[i]) n++;
  return n;
}

/**
 * What the header counts: the ranked units and those of them in HIGH, leaving out units whose
 * role is "punctuation" when `skipPunctuation` (the Words view: a word is punctuation when every
 * character but spaces is Unicode punctuation, category P*, as Python's
 * afn_widget.words.is_punctuation decides it, and its role says so). `punctuation`,
 * `highPunctuation`: how many ranked units, and HIGH ones, were left out. buckets, eligible,
 * roles: per unit.
 */
export function headerCounts(buckets, eligible, roles, skipPunctuation) {
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

/** Indices of the k strongest eligible units, strongest first (O(n k), no full sort). */
export function topK(values, eligible, k) {
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

/** Percentile of a rank among n eligible units: 100 * (n - rank) / max(n - 1, 1). */
export function percentileOf(rank, nEligible) {
  if (!(rank >= 1)) return NaN;
  return (100 * (nEligible - rank)) / Math.max(nEligible - 1, 1);
}

/**
 * Tokens of each word as CSR arrays: tokens of word w are
 * members.tokens[members.start[w] .. members.start[w + 1]), in token order.
 * Entries of word_of outside [0, nWords) are ignored.
 */
export function wordMembers(wordOf, nWords) {
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

/**
 * Unit values at one layer into `out` (Float64Array).
 * norms: Float32Array [(nLayers + 1) * nTokens], row-major by layer.
 * members: null for token units, or wordMembers(...) for word units.
 * agg: "mean" | "max" (words only). A word without tokens gets NaN. A mean is rounded to
 * float32 like Python's word values (sums of float32 values in float64 are exact in practice,
 * so the order of summation does not matter).
 */
export function unitValues(norms, nTokens, layer, members, agg, out) {
  const base = layer * nTokens;
  if (!members) {
    const o = out || new Float64Array(nTokens);
    for (let i = 0; i < nTokens; i++) o[i] = norms[base + i];
    return o;
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

/** A value as a reader sees it: fmt3, or "undefined" where there is none (NaN). */
export function fmtValue(x) {
  return Number.isNaN(x) ? "undefined" : fmt3(x);
}

/**
 * x formatted with 3 decimals exactly as Python's f"{x:.3f}" does (round half to even on
 * exact binary ties). Number.prototype.toFixed rounds exact ties away from zero; at 3 decimals
 * an exact tie happens only when x * 16 is an odd integer (x = odd / 16).
 */
export function fmt3(x) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const x16 = x * 16;
  if (Number.isInteger(x16) && Math.abs(x16) % 2 === 1 && Math.abs(x) < 1e12) {
    const s = Math.abs(x) * 1000; // exact: odd * 62.5
    let n = Math.floor(s);
    if (n % 2 === 1) n += 1;
    const str = (n / 1000).toFixed(3);
    return x < 0 ? "-" + str : str;
  }
  return x.toFixed(3);
}
