"""Massive activations in the corpus report: flagged words and special tokens are left out of
the units of their layer's rows, and their share is reported, against independent counts.

A massive activation is planted with a forward hook that writes a large value into one hidden
dimension wherever a chosen token id is read (a copy of a tiny random BERT, so no shared model
is touched); the Ray test plants it in a copy of a tiny GPT-2's embedding table, which travels
with the weights.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget import buckets as B
from afn_widget.corpus import analyze_corpus
from afn_widget.corpus.conllu_reader import read_conllu
from afn_widget.models import load_model

N_BOOT = 50
PLANTED = 1e4


@pytest.fixture(scope="module")
def sentences(ud_dev_path):
    """Short UD EWT dev sentences (every one fits the tiny models' 64 tokens)."""
    corpus = read_conllu(ud_dev_path)
    return [s for s in corpus[:200] if 6 <= len(s.words) <= 20][:24]


@pytest.fixture
def tiny(tiny_bert):
    """A copy of the session's tiny BERT (2 layers), free to hook."""
    return load_model((copy.deepcopy(tiny_bert.model), tiny_bert.tokenizer), "cpu")


class Plant:
    """Writes ``PLANTED`` into dimension ``dim`` of the output of block ``block`` (hidden state
    ``block + 1``) at every position that reads ``token_id``."""

    def __init__(self, model, block: int, token_id: int, dim: int = 5) -> None:
        self.ids = None
        self.token_id, self.dim = token_id, dim
        self.hooks = [
            model.register_forward_pre_hook(self._grab, with_kwargs=True),
            model.encoder.layer[block].register_forward_hook(self._write),
        ]

    def _grab(self, _mod, args, kwargs):
        self.ids = kwargs["input_ids"] if "input_ids" in kwargs else args[0]

    def _write(self, _mod, _args, output):
        hs = output[0] if isinstance(output, tuple) else output
        hs[self.ids == self.token_id, self.dim] = PLANTED
        return output

    def remove(self) -> None:
        for h in self.hooks:
            h.remove()


def _word_ids(tokenizer, report) -> list[list[int]]:
    """Each word's own token ids (the word tokenized alone)."""
    words = report.words["word"].tolist()
    return [tokenizer(w, add_special_tokens=False)["input_ids"] for w in words]


def _expected(report, layer: int, left_out: np.ndarray, specials_out: np.ndarray | None):
    """The statistics of the trained model's TAS row at ``layer``, from the per-word scores,
    with the words ``left_out`` (bool per word) and the special tokens ``specials_out`` (bool
    ``[n_sentences, n_special]``) left out of every sentence (buckets.split per sentence)."""
    w = report.words
    sentence = w["sentence"].to_numpy()
    roles = w["role"].to_numpy()
    tas = report.scores("trained", "tas")[layer]
    spec = report.specials("trained", "tas")[layer]  # [n_sentences, n_special]
    q = report.meta["quantile"]
    tot = dict.fromkeys(["wins", "pairs", "hi", "hic", "hip", "n", "nc", "np", "hu", "hus",
                         "nu", "ns", "scored", "massive"], 0.0)  # fmt: skip
    for si, s in enumerate(np.unique(sentence)):
        cols = np.flatnonzero(sentence == s)
        ok = np.isfinite(tas[cols])
        tot["scored"] += ok.sum()
        tot["massive"] += (left_out[cols] & ok).sum()
        keep = ok & ~left_out[cols]
        v, r = tas[cols][keep], roles[cols][keep]
        c, f, p = r == "content", r == "function", r == "punctuation"
        tot["wins"] += sum(1.0 if a > b else 0.5 if a == b else 0.0
                           for a, b in itertools.product(v[c], v[f]))  # fmt: skip
        tot["pairs"] += c.sum() * f.sum()
        high = B.split(v, np.ones(v.size, bool), q).high
        tot["hi"] += high.sum()
        tot["hic"] += (high & c).sum()
        tot["hip"] += (high & p).sum()
        tot["n"] += v.size
        tot["nc"] += c.sum()
        tot["np"] += p.sum()
        sp = spec[si] if specials_out is None else spec[si][~specials_out[si]]
        units = np.concatenate([v, sp])
        hu = B.split(units, np.ones(units.size, bool), q).high
        tot["hu"] += hu.sum()
        tot["hus"] += hu[v.size :].sum()
        tot["nu"] += units.size
        tot["ns"] += sp.size
    return {
        "auroc": tot["wins"] / tot["pairs"],
        "content_share": tot["hic"] / tot["hi"],
        "base_rate": tot["nc"] / tot["n"],
        "high_share": tot["hi"] / tot["n"],
        "punct_share": tot["hip"] / tot["hi"],
        "punct_base": tot["np"] / tot["n"],
        "special_share": tot["hus"] / tot["hu"],
        "special_base": tot["ns"] / tot["nu"],
        "n_words": tot["n"],
    }


def _check_row(report, layer, left_out, specials_out=None) -> None:
    row = report.row("trained", "tas", layer)
    for stat, value in _expected(report, layer, left_out, specials_out).items():
        assert row[stat] == pytest.approx(value, abs=1e-9), (layer, stat)


def test_a_planted_word_is_left_out_and_its_share_reported(tiny, sentences):
    tok = tiny.tokenizer
    the = tok.convert_tokens_to_ids("the")
    plant = Plant(tiny.model, 0, the)  # hidden state 1
    try:
        rep = analyze_corpus(sentences, tiny, controls=("shuffled",), seeds=1, n_boot=N_BOOT,
                             progress=False)  # fmt: skip
        kept = analyze_corpus(sentences, tiny, controls=(), n_boot=N_BOOT, progress=False,
                              include_massive=True)  # fmt: skip
    finally:
        plant.remove()
    scored = rep.words["n_pieces"].to_numpy() > 0
    planted = np.array([the in ids for ids in _word_ids(tok, rep)]) & scored
    n = int(scored.sum())
    assert 0 < planted.sum() < n
    flags = rep.massive()
    assert (flags[1] == planted).all() and not flags[0].any() and not flags[2].any()
    # the shuffled run reads the same words (the hook follows the token): flags in word order
    assert (rep.massive("shuffled", rep.meta["seeds"][0])[1] == planted).all()

    row = rep.row("trained", "tas", 1)
    assert row["massive_share"] == pytest.approx(planted.sum() / n, abs=1e-12)
    assert row["n_massive"] == planted.sum() and row["n_words"] == n - planted.sum()
    assert row["massive_special_share"] == 0
    _check_row(rep, 1, planted)
    for layer in (0, 2):  # nothing flagged there: every word counts
        assert rep.row("trained", "tas", layer)["massive_share"] == 0
        _check_row(rep, layer, np.zeros_like(planted))
    assert rep.row("trained", "attention", 1)["massive_share"] == row["massive_share"]
    assert rep.row("shuffled", "tas", 1)["massive_share"] == row["massive_share"]
    assert np.isfinite(row["lr_auroc"])
    w = rep.words
    assert (w["massive_1"].to_numpy() == planted).all() and not w["high_1"][planted].any()
    assert "massive activations" in rep.summary() and f"{planted.sum() / n:.2%}" in rep.summary()
    assert "massive" in rep.meta and rep.meta["include_massive"] is False
    assert "share of words massive" in rep.summary_table().columns

    # include_massive=True: the same flags and share, the words kept (their huge norm is HIGH)
    krow = kept.row("trained", "tas", 1)
    assert krow["massive_share"] == row["massive_share"] and krow["n_words"] == n
    _check_row(kept, 1, np.zeros_like(planted))
    assert kept.words["high_1"][planted].all()


def test_a_planted_special_token_is_left_out_of_the_units(tiny, sentences):
    cls = tiny.tokenizer.cls_token_id
    plant = Plant(tiny.model, 0, cls)
    try:
        rep = analyze_corpus(sentences, tiny, controls=(), n_boot=N_BOOT, progress=False)
    finally:
        plant.remove()
    n_sentences = rep.meta["n_sentences"]
    specials = rep.specials("trained", "tas")[1]
    assert specials.shape == (n_sentences, 2)  # [CLS] ... [SEP]
    row = rep.row("trained", "tas", 1)
    assert row["massive_special_share"] == pytest.approx(0.5) and row["massive_share"] == 0
    out = np.zeros((n_sentences, 2), bool)
    out[:, 0] = True
    none = np.zeros(len(rep.words), bool)
    _check_row(rep, 1, none, out)
    _check_row(rep, 2, none)
    assert rep.row("trained", "tas", 2)["massive_special_share"] == 0


def test_a_clean_model_flags_nothing_and_include_massive_changes_nothing(tiny_bert, sentences):
    kw = {"controls": ("shuffled",), "seeds": 1, "n_boot": N_BOOT, "progress": False}
    rep = analyze_corpus(sentences, tiny_bert, **kw)
    kept = analyze_corpus(sentences, tiny_bert, include_massive=True, **kw)
    t = rep.table
    assert (t["massive_share"] == 0).all() and (t["massive_special_share"] == 0).all()
    assert (t["n_massive"] == 0).all()
    assert not any(v.any() for v in rep.run_massive.values())
    num = t.select_dtypes("number").columns
    np.testing.assert_array_equal(t[num].to_numpy(float), kept.table[num].to_numpy(float))
    assert rep.words.drop(columns=["massive_1"]).equals(kept.words.drop(columns=["massive_1"]))
    assert "massive activations (|value| > 100 and > 1000" in rep.summary()
    assert rep.summary().count("massive activations") == 1 and ": none" in rep.summary()


def test_flags_are_the_engines_on_each_sentence_alone(tiny_bert, sentences):
    """Low thresholds flag by the median: the batch's flags equal analyze() of each sentence
    by itself (its median over its own tokens, specials included, padding never)."""
    from afn_widget.corpus.runner import MASSIVE, Runner
    from afn_widget.tokens import special_frame, tokenize

    lm = tiny_bert
    texts = [s.text for s in sentences[:8]]
    frame = special_frame(lm.tokenizer)
    ids = [frame.head + tokenize(lm.tokenizer, t).ids + frame.tail for t in texts]
    assert len({len(x) for x in ids}) > 1  # padded
    runner = Runner(lm.model, lm.n_layers, 5.0, ("tas",), (2.0, 3.0))
    outs = runner.run(ids, lm.tokenizer.pad_token_id)
    flagged = 0
    for text, m in zip(texts, outs, strict=True):
        r = analyze(text, lm, massive_abs=2.0, massive_ratio=3.0)
        assert m[MASSIVE].shape == r.massive.shape
        np.testing.assert_array_equal(m[MASSIVE] > 0, r.massive)
        flagged += int(r.massive.sum())
    assert 0 < flagged < sum(m[MASSIVE].size for m in outs)


def test_bad_massive_options_are_refused_before_any_model_loads(sentences):
    from afn_widget.errors import AFNInputError

    for kw in ({"massive_abs": -1}, {"massive_ratio": 0}, {"massive_abs": "big"}):
        with pytest.raises(AFNInputError):
            analyze_corpus(sentences, "no/such/model", progress=False, **kw)


def test_the_cli_takes_the_massive_options():
    import argparse

    from afn_widget.corpus.cli import _options, add_parser

    p = argparse.ArgumentParser()
    add_parser(p.add_subparsers())
    args = p.parse_args(["corpus", "f.conllu", "--out", "r.csv", "--include-massive",
                         "--massive-abs", "50", "--massive-ratio", "200"])  # fmt: skip
    got = _options(args)
    assert got["include_massive"] is True
    assert got["massive_abs"] == 50.0 and got["massive_ratio"] == 200.0
    defaults = _options(p.parse_args(["corpus", "f.conllu", "--out", "r.csv"]))
    assert defaults["include_massive"] is False
    assert (defaults["massive_abs"], defaults["massive_ratio"]) == (100.0, 1000.0)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*texts were skipped")
def test_the_ray_engine_gives_the_same_flags_and_table(tiny_models, sentences):
    ray = pytest.importorskip("ray", reason='Ray not installed: pip install "afn-widget[ray]"')
    pytest.importorskip("ray.data")
    gpt = tiny_models["gpt2"]
    model = copy.deepcopy(gpt.model)
    the = gpt.tokenizer(" the", add_special_tokens=False)["input_ids"]
    assert len(the) == 1
    import torch

    with torch.no_grad():
        model.wte.weight[the[0], 5] = PLANTED  # in the residual stream at every block
    lm = load_model((model, gpt.tokenizer), "cpu")
    kw = {"controls": (), "n_boot": N_BOOT, "progress": False}
    local = analyze_corpus(sentences, lm, **kw)
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        on_ray = analyze_corpus(sentences, lm, engine="ray", ray={"workers": 1}, **kw)
    finally:
        if started:
            ray.shutdown()
    assert local.row("trained", "tas", 1)["massive_share"] > 0
    for run, flags in local.run_massive.items():
        np.testing.assert_array_equal(on_ray.run_massive[run], flags)
    a, b = local.table, on_ray.table
    assert a.columns.tolist() == b.columns.tolist()
    num = a.select_dtypes("number").columns
    np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=0,
                               atol=1e-9, equal_nan=True)  # fmt: skip
