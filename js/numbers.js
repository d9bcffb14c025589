// The numbers behind the colours: each unit's value at every layer, the threshold, buckets and
// domain at the current layer. Pure (no DOM), unit-tested; the definitions are in stats.js.
import {
  HIGH,
  bucketize,
  countEligible,
  domainOf,
  rankOf,
  thresholdOf,
  topK,
  unitValues,
} from "./stats.js";

/**
 * The numbers of one set of units (unitsOf(data, granularity)). `settings` is the view's own
 * object, read when a number is computed: include_special (which units are eligible),
 * word_agg (mean or max of a word's tokens) and quantile (the HIGH threshold).
 */
export class UnitNumbers {
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
    this.layer = -1;
    this.gen = 0; // one per atLayer(): what the text's blocks were last coloured for
    this.ready = false; // values and buckets are computed (atLayer has run)
    this.rows = null; // unit values per layer, computed when first read
    this.layerThresholds = null; // threshold per layer, likewise
    this.computeEligible();
  }

  /** Which units take part in the threshold and ranks; call again when include_special changes. */
  computeEligible() {
    const { count, special } = this.units;
    const all = this.settings.include_special;
    this.eligible = new Uint8Array(count);
    for (let u = 0; u < count; u++) this.eligible[u] = !special[u] || all ? 1 : 0;
    this.nEligible = countEligible(this.eligible);
    this.layerThresholds = null;
  }

  /** Every unit's value at layer L: token norms, or word_agg of each word's tokens. */
  row(L) {
    const { data, units } = this;
    if (!this.rows) this.rows = new Array(data.nLayers + 1).fill(null);
    if (!this.rows[L]) {
      this.rows[L] =
        units.kind === "token"
          ? data.norms.subarray(L * data.nTokens, (L + 1) * data.nTokens)
          : unitValues(data.norms, data.nTokens, L, units.members, this.settings.word_agg);
    }
    return this.rows[L];
  }

  /** The HIGH threshold at every layer (Float64Array, index = layer). */
  thresholds() {
    if (!this.layerThresholds) {
      const n = this.data.nLayers + 1;
      this.layerThresholds = new Float64Array(n);
      for (let L = 0; L < n; L++)
        this.layerThresholds[L] = thresholdOf(this.row(L), this.eligible, this.settings.quantile);
    }
    return this.layerThresholds;
  }

  /** word_agg changed: every word value is to be computed again. */
  forgetRows() {
    this.rows = null;
    this.layerThresholds = null;
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
    this.threshold = thresholdOf(this.values, this.eligible, this.settings.quantile);
    bucketize(this.values, this.eligible, this.threshold, this.buckets);
    [this.lo, this.hi] = domainOf(this.values, this.eligible);
    let n = 0;
    for (let u = 0; u < this.units.count; u++) if (this.buckets[u] === HIGH) n++;
    this.nHigh = n;
  }

  /** The strongest of list[s..e): eligible before ineligible, then the larger value (the first of equals). */
  strongestOf(list, s, e) {
    const { eligible, values } = this;
    let best = list[s];
    for (let p = s + 1; p < e; p++) {
      const u = list[p];
      if (eligible[u] > eligible[best] || (eligible[u] === eligible[best] && values[u] > values[best]))
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
}
