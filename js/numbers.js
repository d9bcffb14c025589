// The numbers behind the colours: each unit's value at every layer, the threshold, buckets and
// domain at the current layer. Pure (no DOM), unit-tested; the definitions are in stats.js.
import { HIDDEN_SCORES, SCORES } from "./registry.js";
import {
  HIGH,
  MASSIVE,
  bucketize,
  countEligible,
  domainOf,
  markUndefined,
  rankOf,
  thresholdOf,
  topK,
  unitValues,
} from "./stats.js";

/** The scores massive activations set apart: those of the hidden state itself. Attention
 * (received by a token) is not a property of its vector, so its sinks stay in the ranking. */
export { HIDDEN_SCORES };

// Why a score has no value at layer 0 (the embeddings), as each score declares it.
const LAYER0_REASONS = new Map(SCORES.map((s) => [s.name, s.layer0]));

/**
 * What is said where `score` is undefined at `layer` (every unit that would be ranked has no
 * value there), e.g. "attention is undefined at layer 0 (the embeddings have no attention);
 * pick layer ≥ 1": `name` (how the score is shown, default `score`), the reason, then the layers
 * of 0..nLayers to pick from (`defined`, ascending). Python's afn_widget.buckets.undefined_note
 * says the same, word for word (a test pairs them).
 */
export function undefinedNote(score, layer, defined, nLayers, name) {
  const why = (layer === 0 && LAYER0_REASONS.get(score)) || "no value there";
  return `${name || score} is undefined at layer ${layer} (${why}); ${pickLayers(defined, nLayers)}`;
}

// Which layers to pick: a range when they run without a gap, else the list.
function pickLayers(defined, nLayers) {
  const n = defined.length;
  if (!n) return "it has no value at any layer";
  const a = defined[0];
  const b = defined[n - 1];
  if (b - a + 1 !== n) return `pick one of layers ${defined.slice(0, 8).join(", ")}${n > 8 ? ", …" : ""}`;
  if (a === b) return `pick layer ${a}`;
  if (b === nLayers) return `pick layer ≥ ${a}`;
  return a === 0 ? `pick layer ≤ ${b}` : `pick a layer from ${a} to ${b}`;
}

/**
 * The numbers of one set of units (unitsOf(data, granularity)). `settings` is the view's own
 * object, read when a number is computed: score (which of data.scores), include_special (which
 * units are eligible), word_agg (mean or max of a word's tokens) and quantile (the HIGH
 * threshold). At each layer a unit takes no part (unranked) where its value is undefined
 * (NaN: layer 0 of attention and the shifts): bucket UNDEFINED, or INELIGIBLE for a unit not
 * eligible anyway; units with a massive activation there are set apart (bucket MASSIVE) for the
 * hidden-state scores unless data.includeMassive. Where no unit that would be ranked has a
 * value, the score is undefined at that layer (undefinedHere) and note(name) says why.
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
    this.nMassive = 0;
    this.nUndefined = 0; // units that would be ranked, without a value at this layer
    this.noteOf = null; // note(): {gen, name, text} of the last sentence made
    this.layer = -1;
    this.gen = 0; // one per atLayer(): what the text's blocks were last coloured for
    this.ready = false; // values and buckets are computed (atLayer has run)
    this.rows = null; // unit values per layer, computed when first read
    this.rowsOf = new Map(); // score -> its rows (switching back to a score reuses them)
    this.layerThresholds = null; // threshold per layer, likewise
    this.layerEligible = null; // eligible units per layer, likewise
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
      if (apart) for (let u = 0; u < out.length; u++) if (apart[u]) out[u] = 0;
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
        if (base[u] && (Number.isNaN(row[u]) || (apart && apart[u]))) {
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
      this.rows[L] =
        units.kind === "token"
          ? this.matrix.subarray(L * data.nTokens, (L + 1) * data.nTokens)
          : unitValues(this.matrix, data.nTokens, L, units.members, this.settings.word_agg);
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
    if (apart)
      for (let u = 0; u < this.units.count; u++)
        if (apart[u] && this.baseEligible[u] && !Number.isNaN(this.values[u])) {
          this.buckets[u] = MASSIVE;
          m++;
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
