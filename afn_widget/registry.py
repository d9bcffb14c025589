"""The names Python and the browser share, each declared once: the scores, the normalizations,
and the codes of roles and buckets.

A score is one :class:`Score`, declared here; every list of scores in the package is derived
from :data:`ALL_SCORES` (``result.SCORES``, ``HIDDEN_SCORES``, ``hidden.SHIFT_METRICS``,
``attention.ATTENTION_SCORES``, the corpus report's ``SCORES``), and a score's name is written
as a string in this module only (other modules say ``TAS.name``; a test checks it). The
browser reads the same declarations from ``js/registry.js``, which this module writes::

    python -m afn_widget.registry js/registry.js

(a test checks that the committed file is what the registry writes now).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .words import CONTENT, FUNCTION, PUNCTUATION, SPECIAL

# What a score needs of the forward pass.
HIDDEN_STATES = "hidden_states"  # output_hidden_states=True (always asked for)
ATTENTIONS = "attentions"  # output_attentions=True, under eager attention
VALUE_HOOKS = "value_hooks"  # forward hooks that keep each block's value vectors
LOGITS = "logits"  # the LM head's logits: a decoder run with its head
NEEDS = (HIDDEN_STATES, ATTENTIONS, VALUE_HOOKS, LOGITS)
SOURCES = (HIDDEN_STATES, ATTENTIONS, LOGITS)

# Why a score has no value at layer 0 (the embeddings).
NO_ATTENTION = "the embeddings have no attention"
NO_LAYER_BEFORE = "the embeddings have no layer before them"


@dataclass(frozen=True)
class Score:
    """One per-token score: a float32 ``[n_layers + 1, n_tokens]`` matrix.

    ``name``: how Python, the traits and the corpus table call it (``analyze(scores=)``).
    ``label``: what the view's selector and badge show. ``definition``: what is computed, as the
    selector's tooltip says it. ``source``: the output of the forward pass it is read from
    (:data:`HIDDEN_STATES`, :data:`ATTENTIONS` or :data:`LOGITS`). ``needs``: everything it asks
    of that pass (:data:`NEEDS`). ``layer0``: why it has no value at layer 0, the embeddings
    (its row 0 is nan there), or ``None`` where it has one. ``view``: ``False`` for a score that
    only the corpus report computes. ``per_layer``: ``False`` for a score of the token alone,
    not of a layer (the LM head's): its matrix holds the same row at every layer, so that
    whatever reads a score at a layer reads it, and the layer changes nothing.
    """

    name: str
    label: str
    definition: str
    source: str
    needs: tuple[str, ...]
    layer0: str | None = None
    view: bool = True
    per_layer: bool = True

    def __post_init__(self) -> None:
        if self.source not in SOURCES or self.source not in self.needs:
            raise ValueError(f"{self.name}: source must be one of {SOURCES}, and among its needs")
        if not set(self.needs) <= set(NEEDS):
            raise ValueError(f"{self.name}: needs must be among {NEEDS}")

    @property
    def defined_at_layer0(self) -> bool:
        return self.layer0 is None


TAS = Score(
    "tas",
    "TAS",
    "Token Activation Strength: L2 norm of each token's hidden state",
    HIDDEN_STATES,
    (HIDDEN_STATES,),
)
TAS_DROP_OUTLIERS = Score(
    "tas_drop_outliers",
    "TAS w/o outlier dims",
    'TAS with the sentence\'s outlier dimensions left out (normalize="drop_outlier_dims")',
    HIDDEN_STATES,
    (HIDDEN_STATES,),
    view=False,
)
ATTENTION = Score(
    "attention",
    "attention",
    "attention received: at each layer, the mean over heads of the sum over all query tokens "
    "of their attention to this token (layer 0: none)",
    ATTENTIONS,
    (ATTENTIONS,),
    NO_ATTENTION,
)
ATTN_NORM = Score(
    "attn_norm",
    "attn_norm",
    "norm-based attention, sum over heads of per-head norms: Σᵢ Σₕ ‖αʰᵢⱼ fʰ(xⱼ)‖, the "
    "attention weights times the norms of each head's value vectors through its slice of the "
    "output projection, summed over heads and queries (Kobayashi et al. 2020's head-level "
    "measure, summed; layer 0: none)",
    ATTENTIONS,
    (ATTENTIONS, VALUE_HOOKS),
    NO_ATTENTION,
)
ATTN_NORM_LAYER = Score(
    "attn_norm_layer",
    "attn_norm_layer",
    "norm-based attention, norm of the sum over heads: Σᵢ ‖Σₕ αʰᵢⱼ fʰ(xⱼ)‖, the norm of what "
    "this token adds to each query's multi-head attention output (Kobayashi et al. 2020's "
    "layer-level measure), summed over queries; at most attn_norm, heads pointing apart cancel "
    "(layer 0: none)",
    ATTENTIONS,
    (ATTENTIONS, VALUE_HOOKS),
    NO_ATTENTION,
)
DELTA_NORM = Score(
    "delta_norm",
    "delta_norm",
    "‖hₗ‖ − ‖hₗ₋₁‖: the change of the norm from the layer before (layer 0: none)",
    HIDDEN_STATES,
    (HIDDEN_STATES,),
    NO_LAYER_BEFORE,
)
DISPLACEMENT = Score(
    "displacement",
    "displacement",
    "‖hₗ − hₗ₋₁‖: how far the hidden state moves from the layer before (layer 0: none)",
    HIDDEN_STATES,
    (HIDDEN_STATES,),
    NO_LAYER_BEFORE,
)
COS_CHANGE = Score(
    "cos_change",
    "cos_change",
    "1 − cos(hₗ, hₗ₋₁): how much the hidden state turns from the layer before (layer 0: none)",
    HIDDEN_STATES,
    (HIDDEN_STATES,),
    NO_LAYER_BEFORE,
)

LOGPROB = Score(
    "logprob",
    "logprob",
    "log-probability (natural log) the model gave this token at the position before it: "
    "log_softmax of its LM head's logits there (first token: none; the same at every layer)",
    LOGITS,
    (LOGITS,),
    per_layer=False,
)
ENTROPY = Score(
    "entropy",
    "entropy",
    "entropy, in nats, of the next-token distribution this token was chosen from: the softmax "
    "of the LM head's logits at the position before it (first token: none; the same at every "
    "layer)",
    LOGITS,
    (LOGITS,),
    per_layer=False,
)

ALL_SCORES = (
    TAS,
    TAS_DROP_OUTLIERS,
    ATTENTION,
    ATTN_NORM,
    ATTN_NORM_LAYER,
    DELTA_NORM,
    DISPLACEMENT,
    COS_CHANGE,
    LOGPROB,
    ENTROPY,
)
"""Every score; :data:`TAS` first, the corpus report's (:data:`CORPUS_SCORES`) in the order of
its arrays."""
SCORE = {s.name: s for s in ALL_SCORES}
"""Each score by its name."""
VIEW_SCORES = tuple(s for s in ALL_SCORES if s.view)

SCORES = tuple(s.name for s in VIEW_SCORES)
"""The scores a result and a view can give (``result.SCORES``)."""
HIDDEN_SCORES = tuple(s.name for s in VIEW_SCORES if s.source == HIDDEN_STATES)
"""The scores of the hidden state itself: a token with a massive activation is set apart from
their ranking (attention received is not a property of the token's vector: its sinks stay)."""
SHIFT_METRICS = tuple(s.name for s in VIEW_SCORES if s.layer0 == NO_LAYER_BEFORE)
"""The shifts: hidden-state scores against the layer before (hence none at layer 0)."""
ATTENTION_SCORES = tuple(s.name for s in VIEW_SCORES if s.source == ATTENTIONS)
"""The scores read from the attention weights of the same forward pass."""
LOGIT_SCORES = tuple(s.name for s in VIEW_SCORES if s.source == LOGITS)
"""The scores read from the LM head's logits of the same forward pass (a decoder with its
head: :mod:`afn_widget.logits`)."""
CORPUS_SCORES = tuple(s.name for s in ALL_SCORES if s.source != LOGITS)
"""The scores of the corpus report (``afn_widget.corpus.SCORES``), in the order of its arrays:
all but the LM head's (the report reads base models, encoders first of all)."""
LAYER0_REASONS = {s.name: s.layer0 for s in VIEW_SCORES if s.layer0 is not None}
"""Why a score has no value at layer 0, by score (those that have one are not listed)."""


def needing(need: str, names: Iterable[str]) -> tuple[str, ...]:
    """The scores among ``names`` that need ``need`` (one of :data:`NEEDS`), in registry
    order; names that are no score are ignored."""
    given = set(names)
    return tuple(s.name for s in ALL_SCORES if s.name in given and need in s.needs)


NORMALIZATIONS = ("raw", "drop_outlier_dims", "standardize", "layer_zscore", "layer_rank")
"""What ``normalize`` can be (``afn_widget.hidden`` defines each)."""
ROLE_CODES = (CONTENT, FUNCTION, PUNCTUATION, SPECIAL)
"""The roles by their code (index) in the ``roles`` and ``word_roles`` bytes."""
BUCKET_CODES = ("LOW", "HIGH", "SPECIAL", "MASSIVE", "UNDEFINED")
"""The buckets (``afn_widget.buckets``) by their code (index) in the browser's numbers."""

JS_HEADER = """\
// The scores and the codes Python and the browser share, written from afn_widget/registry.py by
//   python -m afn_widget.registry js/registry.js
// Do not edit: tests/test_registry.py checks that this file is what the registry writes.
"""


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _js_score(s: Score) -> str:
    fields = {k: v for k, v in asdict(s).items() if k != "view"}
    return "  {\n" + ",\n".join(f"    {k}: {_js(v)}" for k, v in fields.items()) + ",\n  }"


def js_module() -> str:
    """The text of ``js/registry.js``: ES module constants ``SCORES`` (the view's, each with
    the fields of :class:`Score` but ``view``), ``HIDDEN_SCORES``, ``NORMALIZATIONS``,
    ``ROLE_CODES`` and ``BUCKET_CODES``."""
    scores = "[\n" + ",\n".join(_js_score(s) for s in VIEW_SCORES) + ",\n]"
    exports = (
        ("SCORES", scores, "The scores a view can show, in order (layer0: why none at layer 0)."),
        ("HIDDEN_SCORES", _js(HIDDEN_SCORES), "Those of the hidden state: massive ones set apart."),
        ("NORMALIZATIONS", _js(NORMALIZATIONS), "What normalize can be."),
        ("ROLE_CODES", _js(ROLE_CODES), "The roles by their code in the roles bytes."),
        ("BUCKET_CODES", _js(BUCKET_CODES), "The buckets by their code in the numbers."),
    )
    body = [f"/** {doc} */\nexport const {name} = {value};\n" for name, value, doc in exports]
    return JS_HEADER + "\n" + "\n".join(body)


def main(argv: list[str]) -> None:
    """``python -m afn_widget.registry PATH``: write :func:`js_module` to ``PATH`` (UTF-8)."""
    if len(argv) != 1:
        raise SystemExit("usage: python -m afn_widget.registry js/registry.js")
    Path(argv[0]).write_text(js_module(), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
