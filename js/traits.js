// The widget's traits, by who writes them. Python's afn_widget/widget.py declares the same
// groups, and a test pairs the two.

/**
 * Written by Python with each analysis, only read here: a change of most of them rebuilds the
 * view (once per batch); `text` is read-only here too (the stale check compares it with `words`).
 */
export const DATA_TRAITS = [
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
  "finish_reason",
];

/** The view's settings, written by both sides: the browser's controls set them too. */
export const CONTROL_TRAITS = [
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
  "writing",
];

/** How Python's computation is going: written by Python only. */
export const STATUS_TRAITS = ["status", "progress", "error"];
