// The view's settings, one entry each: parse(value) is the value the view takes from a trait or
// the user's input (undefined: ignored, the setting stays as it is); apply(view, value) sets it,
// redraws what depends on it and returns the value to report back to the model.
import { SCORES } from "./registry.js";

const QUANTILE_HINT = "use e.g. quantile=0.75 for the upper quartile.";

/**
 * Why a quantile typed in the box is refused, in Python's words (validate.check_quantile), or
 * "" when it is taken: any number strictly between 0 and 1, as in Python. `typed` is the box's
 * text ("" when the browser could read no number from what was typed).
 */
export function quantileMessage(typed) {
  const text = String(typed).trim();
  const q = text === "" ? NaN : Number(text);
  if (Number.isNaN(q)) return `quantile must be a number between 0 and 1 (got str); ${QUANTILE_HINT}`;
  if (q > 0 && q < 1) return "";
  return `quantile must lie strictly between 0 and 1 (got ${q}); ${QUANTILE_HINT}`;
}

const oneOf = (...allowed) => (v) => (allowed.includes(v) ? v : undefined);

/** What each score is, as the selector, the badge and the tooltip say it (the registry's). */
export const SCORE_INFO = Object.fromEntries(
  SCORES.map((s) => [s.name, { label: s.label, title: s.definition }]),
);

/** What normalize can be (the registry's, as Python's afn_widget.hidden.NORMALIZATIONS). */
export { NORMALIZATIONS } from "./registry.js";

/**
 * Which controls the view shows (Python's afn_widget.traits.CONTROL_MODES): "full", every one;
 * "simple", the layer slider, the legend and a sentence saying what colour and outline mean,
 * the rest behind a "more" button.
 */
export const CONTROL_MODES = ["full", "simple"];

/** What each normalization is called in its selector (the value stays the registry's name). */
export const NORMALIZATION_LABELS = {
  raw: "none",
  drop_outlier_dims: "drop outlier dims",
  standardize: "standardize dims",
  layer_zscore: "z-score per layer",
  layer_rank: "rank per layer",
};

/** The settings the view starts with (Python sends its own before the first data). */
export const DEFAULT_SETTINGS = {
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
  writing: false,
};

export const CONTROLS = {
  layer: {
    // any integer: the view shows it clamped to the data's layers, and keeps the one asked for
    parse: (v) => (Number.isInteger(v) ? v : undefined),
    apply(view, L) {
      view.requestedLayer = L;
      const shown = view.clampLayer(L);
      if (view.change("layer", shown)) view.refreshLayer();
      else if (view.data) view.paintHeader(); // snap the slider back after a clamp
      return shown;
    },
  },
  quantile: {
    parse(v) {
      const q = Number(v);
      return q > 0 && q < 1 ? q : undefined;
    },
    apply(view, q) {
      if (view.change("quantile", q)) {
        if (view.numbers) view.numbers.forgetThresholds();
        view.refreshLayer();
      }
      view.bar.showQuantile(q);
      return q;
    },
  },
  granularity: {
    parse: oneOf("token", "word"),
    apply: (view, g) => view.changeAndRedraw("granularity", g, () => view.rebuild()),
  },
  show_special: {
    parse: (v) => !!v,
    apply: (view, v) => view.changeAndRedraw("show_special", v, () => view.specialsShown()),
  },
  include_special: {
    parse: (v) => !!v,
    apply: (view, v) => view.changeAndRedraw("include_special", v, () => view.eligibilityChanged()),
  },
  // how words aggregate their tokens: re-aggregated here from the values held
  word_agg: {
    parse: oneOf("mean", "max"),
    apply: (view, a) =>
      view.changeAndRedraw("word_agg", a, () => {
        if (view.units.kind === "word") view.aggregationChanged();
      }),
  },
  score: {
    parse: oneOf(...Object.keys(SCORE_INFO)),
    apply: (view, name) => view.changeAndRedraw("score", name, () => view.scoreChanged()),
  },
  // a second pane beside this one: drawn by whoever holds the panes (the widget's entry)
  compare_score: {
    parse: (v) => (v === "" || Object.hasOwn(SCORE_INFO, v) ? v : undefined),
    apply: (view, name) => view.changeAndRedraw("compare_score", name, () => {}),
  },
  // Python analyses the text again; the data that come back are normalized so
  // (any name: scores given to from_scores say so, and cannot be normalized again)
  normalize: {
    parse: (v) => (typeof v === "string" && v ? v : undefined),
    apply: (view, n) => view.changeAndRedraw("normalize", n, () => {}),
  },
  // which controls are shown: nothing to compute, the view shows or hides its parts
  controls: {
    parse: oneOf(...CONTROL_MODES),
    apply: (view, mode) => view.changeAndRedraw("controls", mode, () => {}),
  },
  // the model is writing (Python's afn_widget.watch): the Stop button sets it to false
  writing: {
    parse: (v) => !!v,
    apply: (view, w) => view.writingChanged(w),
  },
};
