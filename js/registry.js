// The scores and the codes Python and the browser share, written from afn_widget/registry.py by
//   python -m afn_widget.registry js/registry.js
// Do not edit: tests/test_registry.py checks that this file is what the registry writes.

/** The scores a view can show, in order (layer0: why none at layer 0). */
export const SCORES = [
  {
    name: "tas",
    label: "TAS",
    definition: "Token Activation Strength: L2 norm of each token's hidden state",
    source: "hidden_states",
    needs: ["hidden_states"],
    layer0: null,
    per_layer: true,
  },
  {
    name: "attention",
    label: "attention",
    definition: "attention received: at each layer, the mean over heads of the sum over all query tokens of their attention to this token (layer 0: none)",
    source: "attentions",
    needs: ["attentions"],
    layer0: "the embeddings have no attention",
    per_layer: true,
  },
  {
    name: "attn_norm",
    label: "attn_norm",
    definition: "norm-based attention, sum over heads of per-head norms: Σᵢ Σₕ ‖αʰᵢⱼ fʰ(xⱼ)‖, the attention weights times the norms of each head's value vectors through its slice of the output projection, summed over heads and queries (Kobayashi et al. 2020's head-level measure, summed; layer 0: none)",
    source: "attentions",
    needs: ["attentions", "value_hooks"],
    layer0: "the embeddings have no attention",
    per_layer: true,
  },
  {
    name: "attn_norm_layer",
    label: "attn_norm_layer",
    definition: "norm-based attention, norm of the sum over heads: Σᵢ ‖Σₕ αʰᵢⱼ fʰ(xⱼ)‖, the norm of what this token adds to each query's multi-head attention output (Kobayashi et al. 2020's layer-level measure), summed over queries; at most attn_norm, heads pointing apart cancel (layer 0: none)",
    source: "attentions",
    needs: ["attentions", "value_hooks"],
    layer0: "the embeddings have no attention",
    per_layer: true,
  },
  {
    name: "delta_norm",
    label: "delta_norm",
    definition: "‖hₗ‖ − ‖hₗ₋₁‖: the change of the norm from the layer before (layer 0: none)",
    source: "hidden_states",
    needs: ["hidden_states"],
    layer0: "the embeddings have no layer before them",
    per_layer: true,
  },
  {
    name: "displacement",
    label: "displacement",
    definition: "‖hₗ − hₗ₋₁‖: how far the hidden state moves from the layer before (layer 0: none)",
    source: "hidden_states",
    needs: ["hidden_states"],
    layer0: "the embeddings have no layer before them",
    per_layer: true,
  },
  {
    name: "cos_change",
    label: "cos_change",
    definition: "1 − cos(hₗ, hₗ₋₁): how much the hidden state turns from the layer before (layer 0: none)",
    source: "hidden_states",
    needs: ["hidden_states"],
    layer0: "the embeddings have no layer before them",
    per_layer: true,
  },
  {
    name: "logprob",
    label: "logprob",
    definition: "log-probability (natural log) the model gave this token at the position before it: log_softmax of its LM head's logits there (first token: none; the same at every layer)",
    source: "logits",
    needs: ["logits"],
    layer0: null,
    per_layer: false,
  },
  {
    name: "entropy",
    label: "entropy",
    definition: "entropy, in nats, of the next-token distribution this token was chosen from: the softmax of the LM head's logits at the position before it (first token: none; the same at every layer)",
    source: "logits",
    needs: ["logits"],
    layer0: null,
    per_layer: false,
  },
];

/** Those of the hidden state: massive ones set apart. */
export const HIDDEN_SCORES = ["tas", "delta_norm", "displacement", "cos_change"];

/** What normalize can be. */
export const NORMALIZATIONS = ["raw", "drop_outlier_dims", "standardize", "layer_zscore", "layer_rank"];

/** The roles by their code in the roles bytes. */
export const ROLE_CODES = ["content", "function", "punctuation", "special"];

/** The buckets by their code in the numbers. */
export const BUCKET_CODES = ["LOW", "HIGH", "SPECIAL", "MASSIVE", "UNDEFINED"];
