"""Is the paper's claim true for *this* model and *this* text, and against what baseline?

:func:`analyze_corpus` runs a model over many sentences and asks, layer by layer, whether the
HIGH bucket (top quartile) of each score is filled with content words, with bootstrap
confidence intervals and the controls that could explain the effect away.

Definitions (the report's ``meta`` repeats them):

**Units.** Words: the gold words of a CoNLL-U corpus (:mod:`afn_widget.conllu`), or for plain
strings the engine's words (the tokenizer's own word split, :func:`~afn_widget.words.group_words`).
The model reads the sentence text; a word's pieces are the subword tokens whose first character
lies inside the word's span (failing that, those overlapping it), and a word's score is the
*mean* of its pieces' scores (the engine's ``word_agg="mean"``). Words with no piece (characters
the tokenizer drops) get no score and are left out of every statistic.

**Roles.** From gold UPOS when every sentence has it (``content`` = NOUN PROPN VERB ADJ ADV NUM
INTJ, ``punctuation`` = PUNCT SYM, ``function`` = the rest), else the engine's
:func:`~afn_widget.words.word_role`; ``report.role_source`` says which.

**Scores**, per layer ``l`` (``hidden_states[l]``, 0 = embeddings), per token, then per word:

* ``tas``: ``‖h_l‖₂`` (the engine's ``normalize="raw"``);
* ``tas_drop_outliers``: the same with the outlier dimensions of the sentence left out (the
  engine's ``normalize="drop_outlier_dims"``, run on the sentence alone);
* ``attention``: attention received by token ``j`` in layer ``l``'s self-attention (the block
  whose output is ``hidden_states[l]``), ``mean_h Σ_i α^h_ij`` over the sentence's real query
  tokens ``i`` (specials included, padding never); eager attention. Undefined at layer 0;
* ``attn_norm`` (Kobayashi et al. 2020, BERT-family models only): ``Σ_h Σ_i α^h_ij ‖f^h(x_j)‖``
  with ``f^h(x_j) = (x_j W_V + b_V)^h W_O^h`` — the value vector of head ``h`` mapped through
  that head's slice of the attention output projection (``attention.output.dense``; its bias,
  shared by all heads, is left out). Taken from forward hooks on ``attention.self.value`` and
  ``attention.self``; nan (and said so in ``meta``) for other architectures;
* ``delta_norm``, ``displacement``, ``cos_change``: the engine's shifts against layer ``l − 1``
  (``‖h_l‖ − ‖h_{l−1}‖``, ``‖h_l − h_{l−1}‖``, ``1 − cos(h_l, h_{l−1})``); undefined at layer 0;
* ``frequency`` (a baseline with no layer): ``−wordfreq.zipf_frequency(word, lang)``, rarer is
  higher.

**Conditions.** ``trained`` (the model on the sentences), ``shuffled`` (the same model on the
same words in a random order, surface tokens joined by spaces, seed ``seed`` and the sentence's
position), ``random_init`` (the same architecture with random weights: the config's own
initialisation, seed ``seed``, and every LayerNorm's γ and β set to a random permutation of the
trained values, so that their scale is kept but no dimension keeps its role — with γ = 1, β = 0
every token's norm after a LayerNorm would be √d).

**Buckets.** Per sentence, like the engine per text: ``HIGH`` iff ``score >=
numpy.quantile(scores of the sentence's words, quantile)`` (:func:`afn_widget.buckets.split`).
Special tokens are excluded from every score's quartile; the ``special_share`` statistic puts
the special tokens back in as units of their own (each sentence: its words + its specials, one
quantile over all of them) and reports the share of specials among HIGH units.

**Statistics** (each pooled over sentences, with a 95% percentile bootstrap CI from
``n_boot`` resamples of *sentences*):

* ``auroc``: within-sentence AUROC of content vs function words — over every (content, function)
  pair *of the same sentence*, the share where the content word scores higher (ties ½);
* ``content_share``: content words among HIGH words; ``base_rate``: content words among all
  words; ``lift = content_share / base_rate``;
* ``punct_share`` / ``punct_base``: the same for punctuation;
* ``special_share`` / ``special_base``: specials among HIGH units / among all units.

Sentences run in batches sorted by length, padded (attention mask set; padding is never read),
``token_budget`` padded tokens per batch (default :func:`default_token_budget`), streamed in
chunks of ``chunk_size`` sentences: only per-word scores are kept.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import html
import io
import itertools
import math
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import stats as S
from .conllu import Corpus, Sentence
from .errors import AFNInputError, AFNTypeError
from .hidden import OUTLIER_K, SHIFT_METRICS, batch_outliers, hidden_stats
from .models import LoadedModel, load_model
from .result import aggregate_words, default_layer
from .tokens import special_frame, tokenize, tokenize_many
from .validate import check_layer, check_quantile
from .words import CONTENT, FUNCTION, PUNCTUATION, group_words, word_role

SCORES = (
    "tas",
    "tas_drop_outliers",
    "attention",
    "attn_norm",
    "delta_norm",
    "displacement",
    "cos_change",
)
FREQUENCY = "frequency"
CONDITIONS = ("trained", "shuffled", "random_init")
BASELINE = "baseline"  # the condition of the frequency row
STATS = (
    "auroc",
    "content_share",
    "base_rate",
    "lift",
    "punct_share",
    "punct_base",
    "special_share",
    "special_base",
)
# Per-sentence counts; every statistic is a ratio of two of their sums.
_COUNTS = (
    "wins",
    "pairs",
    "n_high",
    "n_high_content",
    "n_high_punct",
    "n_words",
    "n_content",
    "n_punct",
    "n_high_units",
    "n_high_special",
    "n_units",
    "n_special",
)
_RATIOS = {
    "auroc": ("wins", "pairs"),
    "content_share": ("n_high_content", "n_high"),
    "base_rate": ("n_content", "n_words"),
    "punct_share": ("n_high_punct", "n_high"),
    "punct_base": ("n_punct", "n_words"),
    "special_share": ("n_high_special", "n_high_units"),
    "special_base": ("n_special", "n_units"),
}


# --------------------------------------------------------------------------------------------
# Sentences to model inputs


@dataclass
class _Item:
    index: int  # position in the input
    sentence: Sentence
    ids: list[int]  # subword ids, no specials
    pieces: list[list[int]]  # per word: indices into ids


def word_pieces(
    spans: Iterable[tuple[int, int]], offsets: list[tuple[int, int]]
) -> list[list[int]]:
    """For each word span, the subword tokens whose first character lies inside it (failing
    that, the tokens overlapping it)."""
    starts = np.array([o[0] for o in offsets], dtype=np.int64)
    ends = np.array([o[1] for o in offsets], dtype=np.int64)
    spans = list(spans)
    if spans and (starts.size == 0 or bool((np.diff(starts) >= 0).all())):
        # tokens in text order: those starting inside a span are one run, found by bisection
        bounds = np.array(spans, dtype=np.int64).reshape(-1, 2)
        lo = np.searchsorted(starts, bounds[:, 0], side="left").tolist()
        hi = np.searchsorted(starts, bounds[:, 1], side="left").tolist()
        if all(a < b for a, b in zip(lo, hi, strict=True)):
            return [list(range(a, b)) for a, b in zip(lo, hi, strict=True)]
    out = []
    for s, e in spans:
        p = np.flatnonzero((starts >= s) & (starts < e))
        if p.size == 0:
            p = np.flatnonzero((starts < e) & (ends > s))
        out.append(p.tolist())
    return out


def sentence_from_text(text: str, tokenizer: Any) -> Sentence:
    """A plain string as a :class:`Sentence` of the engine's words (no UPOS)."""
    if not isinstance(text, str):
        raise AFNTypeError(
            f"corpus items must be strings or conllu.Sentence, not {type(text).__name__}."
        )
    _ids, offsets, word_ids, _ = tokenize(tokenizer, text)
    groups = group_words(offsets, word_ids)
    spans = [(min(offsets[i][0] for i in g), max(offsets[i][1] for i in g)) for g in groups]
    return Sentence(tuple(text[s:e] for s, e in spans), tuple(spans), text)


def _prepare(pairs: list[tuple[int, Sentence]], tokenizer: Any) -> list[_Item]:
    """Items for ``(index, sentence)`` pairs, the texts tokenized in one call."""
    encoded = tokenize_many(tokenizer, [s.text for _, s in pairs])
    return [
        _Item(index, sentence, ids, word_pieces(sentence.spans, offsets))
        for (index, sentence), (ids, offsets) in zip(pairs, encoded, strict=True)
    ]


def default_token_budget(device: Any) -> int:
    """Padded tokens per batch when none is given: 512 on a CPU, whose caches hold a batch
    that size (the UD EWT dev set through MiniLM-L6 on one core took 1.4× as long in batches
    of 4,096 tokens, and 2× in batches of 8,192), 4,096 on an accelerator."""
    return 512 if str(device).startswith("cpu") else 4096


def _batches(items: list[_Item], n_special: int, token_budget: int) -> Iterator[list[_Item]]:
    """Items sorted by length, cut into batches of at most ``token_budget`` padded tokens."""
    order = sorted(items, key=lambda it: len(it.ids))
    batch: list[_Item] = []
    for it in order:
        width = len(it.ids) + n_special  # the longest so far, since sorted
        if batch and (len(batch) + 1) * width > token_budget:
            yield batch
            batch = []
        batch.append(it)
    if batch:
        yield batch


# --------------------------------------------------------------------------------------------
# The forward pass


@contextlib.contextmanager
def _eager(model: Any) -> Iterator[None]:
    """Eager attention for the duration (attention weights are only computed there)."""
    cfg = model.config
    old = getattr(cfg, "_attn_implementation", None)
    if old == "eager":
        yield
        return
    model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if old is not None:
            model.set_attn_implementation(old)


def _bert_attention(model: Any) -> list[Any] | None:
    """The ``BertAttention``-like modules of each layer, or None for other architectures."""
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if layers is None:
        return None
    mods = []
    for layer in layers:
        att = getattr(layer, "attention", None)
        self_att = getattr(att, "self", None)
        value = getattr(self_att, "value", None)
        dense = getattr(getattr(att, "output", None), "dense", None)
        heads = getattr(self_att, "num_attention_heads", None)
        if value is None or dense is None or not isinstance(heads, int):
            return None
        mods.append(att)
    return mods


class _Runner:
    """One model, its hooks, and the per-token scores of a batch."""

    def __init__(
        self, model: Any, n_layers: int, outlier_k: float, want: tuple[str, ...] = SCORES
    ) -> None:
        self.model = model
        self.n_layers = n_layers
        self.outlier_k = outlier_k
        self.want = want
        self.bert = _bert_attention(model)
        # Attention weights exist only in eager attention; without them the model keeps its
        # own (faster) attention and no hook runs.
        self.attention = "attention" in want or "attn_norm" in want
        self.hooked = self.bert is not None and "attn_norm" in want
        self.dev = next(model.parameters()).device
        self._values: dict[int, Any] = {}
        self._att: dict[int, Any] = {}
        self._norm: dict[int, Any] = {}
        self._qmask: Any = None
        self._hooks: list[Any] = []
        self._gram: list[Any] = []

    def __enter__(self) -> _Runner:
        import torch

        self._eager = _eager(self.model) if self.attention else contextlib.nullcontext()
        self._eager.__enter__()
        if self.hooked:
            for i, att in enumerate(self.bert):
                h = att.self.num_attention_heads
                w = att.output.dense.weight.detach().float()  # [d_out, d_in]
                dh = w.shape[1] // h
                wh = w.reshape(w.shape[0], h, dh).permute(1, 0, 2)  # [H, d_out, dh]
                self._gram.append(torch.einsum("hok,hol->hkl", wh, wh))  # W_h^T W_h
                self._hooks.append(att.self.value.register_forward_hook(self._on_value(i)))
                self._hooks.append(att.self.register_forward_hook(self._on_self(i, h, dh)))
        return self

    def __exit__(self, *exc: object) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks.clear()
        self._eager.__exit__(*exc)

    def _on_value(self, i: int) -> Any:
        def hook(_mod: Any, _inp: Any, out: Any) -> None:
            self._values[i] = out.detach()

        return hook

    def _on_self(self, i: int, heads: int, dh: int) -> Any:
        import torch

        def hook(_mod: Any, _inp: Any, out: Any) -> None:
            weights = out[1] if isinstance(out, tuple) and len(out) > 1 else None
            if weights is None:
                raise RuntimeError("attention weights are missing: eager attention is required")
            col = (weights.float() * self._qmask[:, None, :, None]).sum(2)  # [B, H, T]
            self._att[i] = col.mean(1)
            v = self._values.pop(i).float()
            b, t, _ = v.shape
            v = v.reshape(b, t, heads, dh)
            sq = torch.einsum("bthk,hkl,bthl->bht", v, self._gram[i], v)
            fnorm = sq.clamp_min(0).sqrt()  # ‖f^h(x_j)‖, [B, H, T]
            self._norm[i] = (col * fnorm).sum(1)

        return hook

    def run(self, ids: list[list[int]], pad_id: int) -> list[np.ndarray]:
        """Per sequence: float32 ``[len(SCORES), n_layers + 1, n_tokens]`` (specials included)."""
        import torch

        lengths = [len(x) for x in ids]
        width = max(lengths)
        input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for b, x in enumerate(ids):
            input_ids[b, : len(x)] = torch.tensor(x, dtype=torch.long)
            mask[b, : len(x)] = 1
        input_ids, mask = input_ids.to(self.dev), mask.to(self.dev)
        self._qmask = mask.float()
        self._att.clear()
        self._norm.clear()
        with torch.inference_mode():
            out = self.model(
                input_ids=input_ids,
                attention_mask=mask,
                output_hidden_states=True,
                output_attentions=self.attention and not self.hooked,
                return_dict=True,
            )
        hs = out.hidden_states
        L = self.n_layers
        rows = _token_stats(hs, mask, self.outlier_k, self.want)  # name -> [L+1, B, T]
        if self.hooked:
            rows["attention"] = torch.stack([self._att[i] for i in range(L)]).cpu().numpy()
            rows["attn_norm"] = torch.stack([self._norm[i] for i in range(L)]).cpu().numpy()
        elif self.attention:
            atts = out.attentions
            rows["attention"] = (
                torch.stack(
                    [(a.float() * self._qmask[:, None, :, None]).sum(2).mean(1) for a in atts]
                )
                .cpu()
                .numpy()
            )
        results = []
        for b, n in enumerate(lengths):
            m = np.full((len(SCORES), L + 1, n), np.nan, dtype=np.float32)
            for name, v in rows.items():
                if name in self.want:  # attention rows have no layer 0
                    m[SCORES.index(name), L + 1 - v.shape[0] :] = v[:, b, :n]
            results.append(m)
        return results


def _token_stats(
    hs: tuple, mask: Any, outlier_k: float, want: tuple[str, ...] = SCORES
) -> dict[str, np.ndarray]:
    """``[L+1, B, T]`` arrays: the norms (as ``tas``), and those of the shifts and
    ``drop_outlier_dims`` norms (as ``tas_drop_outliers``) that ``want`` names
    (:func:`afn_widget.hidden.hidden_stats`, as the engine on each sentence alone; a sentence's
    outlier dimensions from its real tokens, :func:`afn_widget.hidden.batch_outliers`)."""
    shifts = [m for m in SHIFT_METRICS if m in want]
    stats = hidden_stats(hs, shifts=shifts, mask=mask)
    out = {"tas": stats.pop("norms"), **stats}
    if "tas_drop_outliers" in want:
        drop = batch_outliers(hs, mask, outlier_k)
        out["tas_drop_outliers"] = hidden_stats(hs, drop, mask=mask)["norms"]
    return out


def random_twin(lm: LoadedModel, seed: int = 0) -> LoadedModel:
    """The same architecture with random weights (see the module docstring), eager attention."""
    import torch

    mdl = lm.model
    cfg = copy.deepcopy(mdl.config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        twin = type(mdl)(cfg)
        twin.eval()
        gen = torch.Generator().manual_seed(seed)
        trained = dict(mdl.named_modules())
        with torch.no_grad():
            for name, mod in twin.named_modules():
                if isinstance(mod, torch.nn.LayerNorm) and mod.elementwise_affine:
                    src = trained.get(name, mod)
                    for attr in ("weight", "bias"):
                        p = getattr(mod, attr, None)
                        q = getattr(src, attr, None)
                        if p is not None and q is not None:
                            perm = torch.randperm(p.numel(), generator=gen)
                            p.copy_(q.detach().reshape(-1)[perm].reshape(p.shape).to(p.device))
    twin.to(next(mdl.parameters()).device)
    return LoadedModel(twin, lm.tokenizer, f"{lm.name} (random init, seed {seed})", lm.device)


# --------------------------------------------------------------------------------------------
# The report


@dataclass
class CorpusReport:
    """The answer of :func:`analyze_corpus`: a table, a figure, the words.

    ``table``: one row per (condition, score, layer), statistics with ``_lo``/``_hi`` 95% CIs.
    ``words``: one row per word. ``scores(condition, score)``: ``[n_layers + 1, n_words]``
    aligned with ``words``. ``meta``: every choice made, in words.
    """

    table: Any
    words: Any
    meta: dict[str, Any]
    word_scores: dict[str, np.ndarray] = field(repr=False)
    special_scores: dict[str, np.ndarray] = field(repr=False)  # [K, L+1, n_sent, n_special]
    replicates: dict[str, np.ndarray] = field(repr=False)  # stat -> [n_boot, n_rows]
    row_keys: list[tuple[str, str, int | None]] = field(repr=False)

    @property
    def layer(self) -> int:
        """The layer the report highlights (the paper's layer 8 of 12, same depth elsewhere)."""
        return int(self.meta["layer"])

    @property
    def role_source(self) -> str:
        return str(self.meta["role_source"])

    def scores(self, condition: str = "trained", score: str = "tas") -> np.ndarray:
        """``float32 [n_layers + 1, n_words]``, nan where undefined."""
        if condition not in self.word_scores and condition in CONDITIONS:
            raise AFNInputError(f"condition {condition!r} was not run (see controls=).")
        if condition not in CONDITIONS:
            raise AFNInputError(f"condition must be one of {CONDITIONS}, not {condition!r}.")
        if score not in SCORES:
            raise AFNInputError(f"score must be one of {SCORES}, not {score!r}.")
        return self.word_scores[condition][SCORES.index(score)]

    def specials(self, condition: str = "trained", score: str = "tas") -> np.ndarray:
        """``float32 [n_layers + 1, n_sentences, n_special]``: the special tokens' scores
        (``meta["specials"]`` names them), sentences in the order of ``words``."""
        self.scores(condition, score)  # validates
        return self.special_scores[condition][SCORES.index(score)]

    def row(self, condition: str, score: str, layer: int | None) -> Any:
        """The table row of one (condition, score, layer) as a pandas Series."""
        t = self.table
        sel = (t["condition"] == condition) & (t["score"] == score)
        sel &= t["layer"].isna() if layer is None else (t["layer"] == layer)
        if not sel.any():
            raise AFNInputError(f"no row for {(condition, score, layer)!r} in the table.")
        return t[sel].iloc[0]

    def compare(
        self,
        a: tuple[str, str, int | None],
        b: tuple[str, str, int | None],
        stat: str = "auroc",
    ) -> dict[str, float]:
        """``stat(a) − stat(b)`` with a paired bootstrap 95% CI (the same sentence resamples).

        ``a``/``b``: ``(condition, score, layer)``, e.g. ``("trained", "tas", 4)`` or
        ``("baseline", "frequency", None)``.
        """
        if stat not in self.replicates:
            raise AFNInputError(f"stat must be one of {tuple(self.replicates)}, not {stat!r}.")
        ia, ib = (self._index(k) for k in (a, b))
        rep = self.replicates[stat]
        d = rep[:, ia] - rep[:, ib]
        lo, hi = S.percentile_ci(d[:, None])
        point = float(self.row(*a)[stat] - self.row(*b)[stat])
        return {"diff": point, "lo": float(lo[0]), "hi": float(hi[0])}

    def _index(self, key: tuple[str, str, int | None]) -> int:
        try:
            return self.row_keys.index(key)
        except ValueError:
            raise AFNInputError(f"no row {key!r}; see report.table for the rows.") from None

    def summary_table(self, layers: Iterable[int] | None = None, digits: int = 2) -> Any:
        """A compact DataFrame of ``value [lo, hi]`` strings, for reading and for markdown."""
        import pandas as pd

        t = self.table
        if layers is not None:
            keep = set(layers)
            t = t[t["layer"].isna() | t["layer"].isin(keep)]

        def fmt(r: Any, s: str) -> str:
            v = r[s]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return "—"
            lo, hi = r.get(f"{s}_lo"), r.get(f"{s}_hi")
            if lo is None or (isinstance(lo, float) and math.isnan(lo)):
                return f"{v:.{digits}f}"
            return f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"

        rows = []
        for _, r in t.iterrows():
            rows.append(
                {
                    "condition": r["condition"],
                    "score": r["score"],
                    "layer": "—" if pd.isna(r["layer"]) else int(r["layer"]),
                    "AUROC content>function": fmt(r, "auroc"),
                    "content share in HIGH": fmt(r, "content_share"),
                    "base rate": f"{r['base_rate']:.{digits}f}",
                    "lift": fmt(r, "lift"),
                    "punct. share in HIGH": fmt(r, "punct_share"),
                    "specials share in HIGH": fmt(r, "special_share"),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A few sentences: the claim at the highlighted layer against its baselines."""
        m = self.meta
        lay = self.layer
        lines = [
            f"model: {m['model']}; {m['n_sentences']} sentences, {m['n_words']} words; "
            f"roles from {m['role_source']}; HIGH = top {1 - m['quantile']:.0%} per sentence.",
        ]

        def line(label: str, key: tuple[str, str, int | None]) -> None:
            try:
                r = self.row(*key)
            except AFNInputError:
                return
            lines.append(
                f"  {label:<34} AUROC {r['auroc']:.3f} [{r['auroc_lo']:.3f}, {r['auroc_hi']:.3f}]"
                f"  content in HIGH {r['content_share']:.3f} [{r['content_share_lo']:.3f}, "
                f"{r['content_share_hi']:.3f}]  lift {r['lift']:.2f}"
            )

        lines.append(f"  base rate of content words: {self.table['base_rate'].iloc[0]:.3f}")
        line(f"TAS, layer {lay}", ("trained", "tas", lay))
        line("TAS, layer 0 (embeddings)", ("trained", "tas", 0))
        line(f"TAS w/o outlier dims, layer {lay}", ("trained", "tas_drop_outliers", lay))
        line(f"attention received, layer {lay}", ("trained", "attention", lay))
        line(f"‖αf(x)‖ received, layer {lay}", ("trained", "attn_norm", lay))
        line("word frequency (rarer = higher)", (BASELINE, FREQUENCY, None))
        line(f"TAS, shuffled words, layer {lay}", ("shuffled", "tas", lay))
        line(f"TAS, random weights, layer {lay}", ("random_init", "tas", lay))
        return "\n".join(lines)

    # -- figure ------------------------------------------------------------------------------
    def plot(self, metrics: Iterable[str] = ("lift", "auroc"), scores: Iterable[str] | None = None):
        """Per layer, each score's ``metrics`` (default lift and AUROC) with 95% CIs.

        Solid lines: the trained model, one per score; dashed / dotted: TAS with shuffled words
        / random weights; the grey band: word frequency (no layer). The vertical line marks the
        highlighted layer.
        """
        from matplotlib.figure import Figure

        metrics = list(metrics)
        for s in metrics:
            if s not in STATS:
                raise AFNInputError(f"metric must be one of {STATS}, not {s!r}.")
        shown = list(SCORES if scores is None else scores)
        t = self.table
        fig = Figure(figsize=(6.2 * len(metrics), 5.0), layout="constrained")
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]
        palette = ["#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
        colors = dict(zip(SCORES, palette, strict=True))
        for ax, metric in zip(axes, metrics, strict=True):
            for score in shown:
                sub = t[(t["condition"] == "trained") & (t["score"] == score)].dropna(
                    subset=[metric]
                )
                if sub.empty:
                    continue
                x = sub["layer"].astype(float).to_numpy()
                ax.plot(x, sub[metric], marker="o", ms=3, color=colors.get(score), label=score)
                ax.fill_between(
                    x, sub[f"{metric}_lo"], sub[f"{metric}_hi"], color=colors.get(score), alpha=0.15
                )
            for cond, style in (("shuffled", "--"), ("random_init", ":")):
                sub = t[(t["condition"] == cond) & (t["score"] == "tas")].dropna(subset=[metric])
                if sub.empty:
                    continue
                x = sub["layer"].astype(float).to_numpy()
                ax.plot(x, sub[metric], ls=style, color="black", lw=1.2, label=f"tas, {cond}")
                ax.fill_between(
                    x, sub[f"{metric}_lo"], sub[f"{metric}_hi"], color="grey", alpha=0.12
                )
            freq = t[(t["condition"] == BASELINE) & (t["score"] == FREQUENCY)]
            if not freq.empty and not math.isnan(freq[metric].iloc[0]):
                r = freq.iloc[0]
                ax.axhline(r[metric], color="grey", lw=1.5, label="word frequency")
                ax.axhspan(r[f"{metric}_lo"], r[f"{metric}_hi"], color="grey", alpha=0.2)
            ref = {"lift": 1.0, "auroc": 0.5}.get(metric)
            if ref is not None:
                ax.axhline(ref, color="black", lw=0.6)
            if metric in ("content_share",):
                ax.axhline(t["base_rate"].iloc[0], color="black", lw=0.6, ls="-.")
            ax.axvline(self.layer, color="black", lw=0.6, alpha=0.5)
            ax.set_xlabel("layer (hidden_states index; 0 = embeddings)")
            ax.set_ylabel(
                {
                    "lift": "lift of content words in HIGH (share / base rate)",
                    "auroc": "AUROC, content vs function words (within sentence)",
                }.get(metric, metric)
            )
            ax.set_xticks(range(self.meta["n_layers"] + 1))
            ax.grid(alpha=0.3)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=8, frameon=False)
        fig.suptitle(
            f"{_label(self.meta['model'])}: {self.meta['n_sentences']} sentences, roles from "
            f"{self.meta['role_source']}, HIGH = top {1 - self.meta['quantile']:.0%} per sentence; "
            "95% CIs (sentence bootstrap)",
            fontsize=9,
        )
        return fig

    # -- exports -----------------------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike | None = None) -> str | None:
        """The table as CSV (to ``path``, or returned as a string)."""
        return self.table.to_csv(path, index=False)

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A standalone HTML page: summary, figure (inline PNG), choices made, the table."""
        buf = io.BytesIO()
        self.plot().savefig(buf, format="png", dpi=110)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        meta_rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.meta.items()
        )
        page = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>afn-widget corpus report</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
            "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
            "padding:2px 6px;text-align:left}pre{background:#f6f6f6;padding:1em}</style>"
            "</head><body><h1>Content words in the HIGH bucket</h1>"
            f"<pre>{html.escape(self.summary())}</pre>"
            f"<img alt='lift and AUROC per layer' src='data:image/png;base64,{png}'>"
            f"<h2>Choices</h2><table>{meta_rows}</table>"
            f"<h2>All rows</h2>{self.summary_table().to_html(index=False)}"
            "</body></html>"
        )
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(page)
        return page

    def __repr__(self) -> str:
        m = self.meta
        return (
            f"CorpusReport(model={m['model']!r}, sentences={m['n_sentences']}, "
            f"words={m['n_words']}, layer={m['layer']}, roles={m['role_source']!r})"
        )


# --------------------------------------------------------------------------------------------
# Per-sentence counts


def _counts(
    values: np.ndarray,
    specials: np.ndarray,
    content: np.ndarray,
    function: np.ndarray,
    punct: np.ndarray,
    quantile: float,
) -> np.ndarray:
    """``[S, rows, len(_COUNTS)]`` for ``S`` sentences with the same number ``n`` of scored
    words. ``values``: ``[S, rows, n]``; ``specials``: ``[S, rows, n_special]``; ``content``,
    ``function``, ``punct``: ``bool [S, n]``. A row holding a nan counts nothing."""
    n_s, rows, n = values.shape
    out = np.zeros((n_s, rows, len(_COUNTS)))
    if n == 0:
        return out
    c = {k: i for i, k in enumerate(_COUNTS)}
    high = S.high_rows(values.reshape(n_s * rows, n), quantile).reshape(n_s, rows, n)
    out[..., c["wins"]] = np.nan_to_num(S.grouped_wins(values, content, function))
    out[..., c["pairs"]] = (content.sum(1) * function.sum(1))[:, None]
    out[..., c["n_high"]] = high.sum(2)
    out[..., c["n_high_content"]] = (high & content[:, None]).sum(2)
    out[..., c["n_high_punct"]] = (high & punct[:, None]).sum(2)
    out[..., c["n_words"]] = n
    out[..., c["n_content"]] = content.sum(1)[:, None]
    out[..., c["n_punct"]] = punct.sum(1)[:, None]
    units = np.concatenate([values, specials], axis=2)
    m = units.shape[2]
    high_u = S.high_rows(units.reshape(n_s * rows, m), quantile).reshape(n_s, rows, m)
    out[..., c["n_high_units"]] = high_u.sum(2)
    out[..., c["n_high_special"]] = high_u[..., n:].sum(2)
    out[..., c["n_units"]] = m
    out[..., c["n_special"]] = m - n
    out[..., :8][~np.isfinite(values).all(axis=2)] = 0
    out[..., 8:][~np.isfinite(units).all(axis=2)] = 0
    return out


def _by_length(lengths: list[int], rows: int, budget: int = 1 << 22) -> Iterator[list[int]]:
    """Indices of items of equal length, in groups of at most ``budget`` pairwise comparisons
    (``rows · n²`` each), for :func:`_counts`."""
    same: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        same.setdefault(n, []).append(i)
    for n, idx in same.items():
        step = max(1, budget // max(1, rows * n * n))
        for k in range(0, len(idx), step):
            yield idx[k : k + step]


# --------------------------------------------------------------------------------------------
# The entry point


def analyze_corpus(
    corpus: Corpus | Iterable[Sentence | str],
    model: Any = None,
    *,
    quantile: float = 0.75,
    layer: int | None = None,
    controls: Iterable[str] = ("shuffled", "random_init"),
    scores: Iterable[str] = SCORES,
    n_boot: int = 1000,
    seed: int = 0,
    lang: str = "en",
    token_budget: int | None = None,
    chunk_size: int = 1024,
    outlier_k: float = OUTLIER_K,
    device: str | None = None,
    progress: bool = True,
) -> CorpusReport:
    """Per layer and score, how strongly the HIGH bucket is filled with content words.

    ``corpus``: a :class:`~afn_widget.conllu.Corpus` (from :func:`read_conllu`), or any
    iterable of :class:`~afn_widget.conllu.Sentence` or plain strings (one sentence or short
    text each; consumed once, in chunks). ``model``: as for :func:`analyze`. ``layer``: the
    layer the summary and figure highlight (default: the paper's 8 of 12, ``round(2/3 ·
    n_layers)``). ``controls``: any of ``"shuffled"``, ``"random_init"``. ``scores``: which of
    :data:`SCORES` to compute (default all; ``("tas",)`` keeps the model's own attention
    implementation and registers no hook, the fast path). All definitions are in the module
    docstring. Texts longer than the model's maximum length are skipped (counted in
    ``meta["skipped"]``) — split them into sentences first.
    """
    import pandas as pd
    from tqdm import tqdm

    q = check_quantile(quantile)
    controls = tuple(controls)
    for c in controls:
        if c not in CONDITIONS[1:]:
            raise AFNInputError(f"controls must be among {CONDITIONS[1:]}, not {c!r}.")
    if isinstance(scores, str):
        scores = (scores,)
    asked = set(scores)
    unknown = sorted(asked - set(SCORES))
    if unknown or not asked:
        raise AFNInputError(
            f"scores must be a non-empty selection of {SCORES}; "
            + (f"unknown: {unknown}." if unknown else "got none.")
        )
    want = tuple(x for x in SCORES if x in asked)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise AFNInputError(f"n_boot must be a positive integer, not {n_boot!r}.")
    if isinstance(corpus, (str, bytes)):
        raise AFNTypeError(
            "corpus is a single string; pass a list of sentences, or read_conllu(path) for a file."
        )
    lm = load_model(model, device)
    tok = lm.tokenizer
    L = lm.n_layers
    lay = default_layer(L) if layer is None else check_layer(layer, L)
    head, tail = special_frame(tok)
    n_special = len(head) + len(tail)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    if token_budget is None:
        token_budget = default_token_budget(next(lm.model.parameters()).device)
    elif isinstance(token_budget, bool) or not isinstance(token_budget, int) or token_budget < 1:
        raise AFNInputError(f"token_budget must be a positive integer, not {token_budget!r}.")
    conditions = ("trained",) + tuple(c for c in CONDITIONS[1:] if c in controls)
    runners = {"trained": _Runner(lm.model, L, outlier_k, want)}
    twin = None
    if "random_init" in conditions:
        twin = random_twin(lm, seed)
        runners["random_init"] = _Runner(twin.model, L, outlier_k, want)
    runners["shuffled"] = runners["trained"]

    total = len(corpus) if hasattr(corpus, "__len__") else None
    bar = tqdm(
        total=None if total is None else total * len(conditions),
        desc="analyze_corpus",
        unit="sent",
        disable=not progress,
    )
    kept: list[Sentence] = []
    positions: list[int] = []
    per_word: dict[str, list[np.ndarray]] = {c: [] for c in conditions}
    special_scores: dict[str, list[np.ndarray]] = {c: [] for c in conditions}
    skipped: list[int] = []
    no_piece_words = 0

    def chunks() -> Iterator[list[tuple[int, Sentence]]]:
        buf: list[tuple[int, Sentence]] = []
        for i, s in enumerate(corpus):
            sent = s if isinstance(s, Sentence) else sentence_from_text(s, tok)
            buf.append((i, sent))
            if len(buf) >= chunk_size:
                yield buf
                buf = []
        if buf:
            yield buf

    stack = contextlib.ExitStack()
    with stack:
        for r in {id(r): r for r in runners.values()}.values():
            stack.enter_context(r)
        for chunk in chunks():
            items = []
            for it in _prepare(chunk, tok):
                i = it.index
                if not it.ids or len(it.ids) + n_special > lm.max_length:
                    skipped.append(i)
                    bar.update(len(conditions))
                    continue
                items.append(it)
            per_cond: dict[str, dict[int, np.ndarray]] = {c: {} for c in conditions}
            for cond in conditions:
                if cond == "shuffled":
                    shuffled = [
                        (it.index, it.sentence.shuffled(np.random.default_rng([seed, it.index])))
                        for it in items
                    ]
                    run_items = _prepare(shuffled, tok)
                else:
                    run_items = items
                for batch in _batches(run_items, n_special, token_budget):
                    outs = runners[cond].run([head + it.ids + tail for it in batch], pad_id)
                    for it, m in zip(batch, outs, strict=True):
                        per_cond[cond][it.index] = _to_words(m, it, len(head), len(tail))
                    bar.update(len(batch))
            for it in items:
                kept.append(it.sentence)
                positions.append(it.index)
                no_piece_words += sum(1 for p in it.pieces if not p)
                for cond in conditions:
                    w, sp = per_cond[cond][it.index]
                    if cond == "shuffled":
                        w = w[:, :, _unshuffle(it.sentence, seed, it.index)]
                    per_word[cond].append(w)
                    special_scores[cond].append(sp)
    bar.close()
    if skipped:
        warnings.warn(
            f"{len(skipped)} texts were skipped: empty, or longer than the model's "
            f"{lm.max_length} tokens (split them into sentences).",
            stacklevel=2,
        )
    if not kept:
        raise AFNInputError("no sentence could be analysed (the corpus is empty).")

    # Roles and frequency.
    gold = all(s.upos is not None for s in kept)
    role_source = "gold UPOS" if gold else "engine word list (afn_widget.words.word_role)"
    roles = [
        (s.roles if gold else [word_role(w) for w in s.words])
        for s in kept  # type: ignore[misc]
    ]
    zipfs = zipf([w for s in kept for w in s.words], lang)

    # Per-sentence counts (sentences of equal length together), then the bootstrap.
    sel = [SCORES.index(x) for x in want]
    rows_per = len(sel) * (L + 1)
    row_keys: list[tuple[str, str, int | None]] = [
        (c, s, l_) for c in conditions for s in want for l_ in range(L + 1)
    ]
    row_keys.append((BASELINE, FREQUENCY, None))
    n_sent = len(kept)
    counts = np.zeros((n_sent, len(row_keys), len(_COUNTS)))
    starts = np.concatenate([[0], np.cumsum([len(s.words) for s in kept])])
    nan_sp = np.full((1, n_special), np.nan)
    vals, sps, masks = [], [], []
    for si in range(n_sent):
        rl = np.array(roles[si], dtype=object)
        ok = np.isfinite(per_word["trained"][si][0, 0])
        n_w = len(rl)
        v = [per_word[c][si][sel].reshape(rows_per, n_w)[:, ok] for c in conditions]
        v.append(-zipfs[starts[si] : starts[si + 1]][None, ok])
        sp = [special_scores[c][si][sel].reshape(rows_per, n_special) for c in conditions]
        vals.append(np.concatenate(v))
        sps.append(np.concatenate([*sp, nan_sp]))
        masks.append(np.stack([rl[ok] == CONTENT, rl[ok] == FUNCTION, rl[ok] == PUNCTUATION]))
    for group in _by_length([v.shape[1] for v in vals], len(row_keys)):
        mk = np.stack([masks[i] for i in group])  # [S, 3, n]
        counts[group] = _counts(
            np.stack([vals[i] for i in group]),
            np.stack([sps[i] for i in group]),
            mk[:, 0],
            mk[:, 1],
            mk[:, 2],
            q,
        )

    weights = S.bootstrap_weights(n_sent, n_boot, seed)
    ci = {k: i for i, k in enumerate(_COUNTS)}
    totals = counts.sum(0)  # [rows, counts]
    point: dict[str, np.ndarray] = {}
    reps: dict[str, np.ndarray] = {}
    for stat, (num, den) in _RATIOS.items():
        n_, d_ = totals[:, ci[num]], totals[:, ci[den]]
        with np.errstate(invalid="ignore", divide="ignore"):
            point[stat] = np.where(d_ > 0, n_ / np.where(d_ > 0, d_, 1), np.nan)
        reps[stat] = S.ratio_replicates(counts[:, :, ci[num]], counts[:, :, ci[den]], weights)
    point["lift"] = point["content_share"] / point["base_rate"]
    reps["lift"] = reps["content_share"] / reps["base_rate"]

    cols: dict[str, Any] = {
        "condition": [k[0] for k in row_keys],
        "score": [k[1] for k in row_keys],
        "layer": pd.array([k[2] for k in row_keys], dtype="Int64"),
    }
    for stat in STATS:
        cols[stat] = point[stat]
        if stat not in ("base_rate", "punct_base", "special_base"):
            lo, hi = S.percentile_ci(reps[stat])
            cols[f"{stat}_lo"], cols[f"{stat}_hi"] = lo, hi
    cols["n_sentences"] = n_sent
    cols["n_words"] = totals[:, ci["n_words"]].astype(np.int64)
    cols["n_pairs"] = totals[:, ci["pairs"]].astype(np.int64)
    table = pd.DataFrame(cols)
    defined = table[["auroc", "content_share"]].notna().any(axis=1).to_numpy()
    table = table[defined].reset_index(drop=True)
    kept_keys = [k for k, d in zip(row_keys, defined, strict=True) if d]
    reps = {k: v[:, defined].astype(np.float32) for k, v in reps.items()}

    # Words.
    all_words = np.concatenate([per_word["trained"][si] for si in range(n_sent)], axis=2)
    word_scores = {
        c: np.concatenate([per_word[c][si] for si in range(n_sent)], axis=2) for c in conditions
    }
    words = _words_frame(kept, positions, roles, zipfs, all_words[0], lay, q)
    specials = {
        c: np.stack(special_scores[c]).transpose(1, 2, 0, 3) for c in conditions
    }  # [K, L+1, n_sent, n_special]

    bert = runners["trained"].hooked
    meta = {
        "model": lm.name,
        "note": lm.note,
        "n_layers": L,
        "layer": lay,
        "quantile": q,
        "role_source": role_source,
        "scores": list(want),
        "n_sentences": n_sent,
        "n_words": int(sum(len(s.words) for s in kept)),
        "words_without_pieces": no_piece_words,
        "skipped": skipped,
        "conditions": list(conditions),
        "n_boot": n_boot,
        "seed": seed,
        "frequency": f"-wordfreq.zipf_frequency(word, {lang!r}); rarer = higher; words "
        "wordfreq does not count (punctuation, symbols) get the corpus' highest zipf",
        "buckets": "per sentence: HIGH iff score >= numpy.quantile(sentence's word scores, "
        "quantile) (buckets.split); special tokens excluded",
        "specials": "excluded from every quartile; special_share re-includes them as units "
        f"({', '.join(tok.convert_ids_to_tokens(head + tail))} per sentence)",
        "auroc": "within-sentence: content vs function word pairs of the same sentence, ties 1/2",
        "word_score": "mean of the word's subword pieces",
        "attention": "layer l's self-attention, mean over heads of the attention received "
        "(sum over real query tokens); eager attention"
        if "attention" in want
        else "not computed (not in scores=)",
        "attn_norm": (
            "not computed (not in scores=)"
            if "attn_norm" not in want
            else "Kobayashi et al. 2020: sum over heads and queries of alpha * ||(x W_V + b_V)_h "
            "W_O^h|| (output bias excluded), forward hooks"
            if bert
            else f"not computed: {type(lm.model).__name__} is not a BERT-family model"
        ),
        "shuffled": f"surface tokens of each sentence in random order (seed {seed}), "
        "joined by spaces",
        "random_init": f"same config, random init (seed {seed}); LayerNorm gamma/beta = "
        "the trained values permuted across dimensions",
        "ci": f"95% percentile bootstrap over sentences, {n_boot} resamples",
    }
    return CorpusReport(table, words, meta, word_scores, specials, reps, kept_keys)


def _label(name: str) -> str:
    """A model name short enough for a title: a local directory by its last two parts."""
    parts = name.replace("\\", "/").rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) > 2 and os.path.isabs(name) else name


def _to_words(m: np.ndarray, it: _Item, n_head: int, n_tail: int) -> tuple[np.ndarray, np.ndarray]:
    """Token scores ``[K, L+1, T]`` → word scores ``[K, L+1, n_words]`` (mean of pieces; nan for
    a word without pieces) and special-token scores ``[K, L+1, n_special]``."""
    k, l1, t = m.shape
    flat = m.reshape(k * l1, t)
    n_w = len(it.pieces)
    out = np.full((k * l1, n_w), np.nan, dtype=np.float32)
    have = [j for j, p in enumerate(it.pieces) if p]
    if have:
        groups = [[i + n_head for i in it.pieces[j]] for j in have]
        with np.errstate(invalid="ignore"):
            out[:, have] = aggregate_words(flat, groups, "mean")
    sp = np.concatenate([flat[:, :n_head], flat[:, t - n_tail :]], axis=1)
    return out.reshape(k, l1, n_w), sp.reshape(k, l1, n_head + n_tail)


def _unshuffle(sentence: Sentence, seed: int, index: int) -> np.ndarray:
    """Column order that puts the shuffled sentence's words back in the original order."""
    n = len(sentence.words)
    index_map = np.arange(n)
    shuffled = Sentence(
        tuple(str(i) for i in range(n)),
        sentence.spans,
        sentence.text,
        None,
        None,
        0,
        sentence.token_index,
    ).shuffled(np.random.default_rng([seed, index]))
    order = np.array([int(w) for w in shuffled.words], dtype=np.int64)  # original index per slot
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = index_map
    return inverse


def zipf(words: list[str], lang: str = "en") -> np.ndarray:
    """``wordfreq.zipf_frequency(word, lang)`` per word.

    wordfreq counts no punctuation or symbols (it gives them 0, which would make ``,`` the
    rarest word of all); a word it reads as no token at all gets the highest zipf value among
    ``words`` instead — punctuation marks are among the most frequent tokens of any text.
    """
    try:
        from wordfreq import tokenize, zipf_frequency
    except ImportError as exc:
        raise ImportError(
            "the frequency baseline needs wordfreq: pip install 'afn-widget[corpus]'"
        ) from exc
    cache: dict[str, float] = {}
    out = np.empty(len(words))
    for i, w in enumerate(words):
        if w not in cache:
            cache[w] = zipf_frequency(w, lang) if tokenize(w, lang) else np.nan
        out[i] = cache[w]
    unknown = np.isnan(out)
    if unknown.any():
        out[unknown] = np.nanmax(out) if (~unknown).any() else 0.0
    return out


def _words_frame(
    kept: list[Sentence],
    positions: list[int],
    roles: list[list[str]],
    zipf: np.ndarray,
    tas: np.ndarray,
    layer: int,
    quantile: float,
) -> Any:
    import pandas as pd

    sent_idx = np.repeat(np.array(positions), [len(s.words) for s in kept])
    frame: dict[str, Any] = {
        "sentence": sent_idx,
        "sent_id": np.repeat(
            np.array([s.sent_id for s in kept], dtype=object), [len(s.words) for s in kept]
        ),
        "word_index": np.concatenate([np.arange(len(s.words)) for s in kept]),
        "word": [w for s in kept for w in s.words],
        "upos": [u for s in kept for u in (s.upos or [None] * len(s.words))],
        "role": [r for rs in roles for r in rs],
        "zipf": zipf,
    }
    for l_ in range(tas.shape[0]):
        frame[f"tas_{l_}"] = tas[l_].astype(np.float64)
    # HIGH per sentence among its scored words (buckets.split's rule; equal lengths together)
    high = np.zeros(tas.shape[1], dtype=bool)
    starts = np.concatenate([[0], np.cumsum([len(s.words) for s in kept])])
    at = [np.flatnonzero(np.isfinite(tas[layer, a:b])) + a for a, b in itertools.pairwise(starts)]
    for group in _by_length([len(x) for x in at], 1):
        idx = np.stack([at[i] for i in group])  # [S, n]
        high[idx] = S.high_rows(tas[layer][idx], quantile)
    frame[f"high_{layer}"] = high
    return pd.DataFrame(frame)
