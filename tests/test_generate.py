"""A decoder writes, and every token is read as ``analyze`` reads a text (afn_widget.generate):
tiny random Llama, Qwen2, Gemma 2 / 3 and GPT-2 models with their LM heads (norm weights
randomised) and offline tokenizers, checked against ``model.generate``, independent forward
passes without a cache, and ``analyze`` of the ids written."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze, generate
from afn_widget.chat import SEPARATOR, TEMPLATE
from afn_widget.errors import (
    AFNInputError,
    AFNTypeError,
    AnalysisCancelled,
    NoLMHeadError,
    TokenizerError,
)
from afn_widget.models import load_model
from afn_widget.registry import ENTROPY, LOGIT_SCORES, LOGPROB, TAS
from afn_widget.writing import ASSISTANT, Sampling, choose
from tests.afn_reference import layer_norms
from tests.test_anatomy import ARCHS, _head
from tests.test_decoders import _tiktoken_style, tokenizers  # noqa: F401

PROMPT = "The cat sat on the mat, and the dog"
WRITERS = ("llama", "qwen2", "gemma2", "gemma3", "gpt2")
NEW = 16


@pytest.fixture(scope="module")
def heads(tokenizers):  # noqa: F811
    """Each architecture with its LM head, as a loaded pair."""
    return {a: load_model((_head(a, tokenizers[ARCHS[a]]), tokenizers[ARCHS[a]]), "cpu")
            for a in WRITERS}  # fmt: skip


def _direct(model, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(logprob, entropy)`` of every token from one forward pass of the whole sequence with
    no cache, in float64: ``log_softmax`` of the logits at the position before each token."""
    import torch

    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, -1)
    lp = np.full(len(ids), np.nan)
    ent = np.full(len(ids), np.nan)
    lp[1:] = logp[:-1].gather(-1, torch.tensor(ids[1:])[:, None])[:, 0].numpy()
    ent[1:] = (-(logp.exp() * logp).sum(-1))[:-1].numpy()
    return lp, ent


def _prompt_ids(tok, text: str = PROMPT) -> list[int]:
    return list(tok(text)["input_ids"])


# -- 1: what the model writes, and how each token reads ----------------------------------------


@pytest.mark.parametrize("arch", WRITERS)
def test_greedy_writes_the_tokens_of_model_generate(heads, arch):
    import torch

    lm = heads[arch]
    r = generate(PROMPT, lm, max_new_tokens=NEW)
    ids = _prompt_ids(lm.tokenizer)
    with torch.no_grad():
        want = lm.model.generate(torch.tensor([ids]), max_new_tokens=NEW, do_sample=False)[0]
    assert r.ids == want.tolist()
    assert r.generated.tolist() == [False] * len(ids) + [True] * (len(r.ids) - len(ids))
    assert r.finish_reason == ("eos" if len(r.ids) < len(ids) + NEW else "length")
    assert len(r.tokens) == len(r.offsets) == len(r.ids) == r.layer_norms.shape[1]
    assert r.text.startswith(PROMPT) and r.final_layer == "residual"


@pytest.mark.parametrize("arch", WRITERS)
def test_every_token_reads_as_analyze_of_the_ids_written(heads, arch):
    """Norms at every layer against an independent pass without a cache and against
    ``analyze(result.ids)``; every other statistic against the latter."""
    lm = heads[arch]
    r = generate(PROMPT, lm, max_new_tokens=NEW, scores=("tas", "cos_change"))
    np.testing.assert_allclose(
        r.layer_norms, layer_norms(lm.model.base_model, r.ids), rtol=1e-4, atol=1e-6
    )
    a = analyze(r.ids, lm, scores=("tas", "cos_change", *LOGIT_SCORES))
    assert a.ids == r.ids and a.tokens == r.tokens and list(a.special) == list(r.special)
    np.testing.assert_allclose(r.layer_norms, a.layer_norms, rtol=1e-4, atol=1e-6)
    for name, rows in r.shifts.items():
        np.testing.assert_allclose(rows, a.shifts[name], rtol=1e-3, atol=1e-4, err_msg=name)
    np.testing.assert_allclose(r.top_share, a.top_share, rtol=1e-3, atol=1e-5)
    np.testing.assert_array_equal(r.massive, a.massive)
    for name in LOGIT_SCORES:
        np.testing.assert_allclose(r.score(name), a.score(name), rtol=1e-5, atol=1e-5)
    assert r.scores == (TAS.name, "cos_change", *LOGIT_SCORES)
    normed = generate(PROMPT, lm, max_new_tokens=4, final_layer="normed")
    np.testing.assert_allclose(
        normed.layer_norms,
        layer_norms(lm.model.base_model, normed.ids, "normed"),
        rtol=1e-4,
        atol=1e-6,
    )


@pytest.mark.parametrize("arch", WRITERS)
def test_logprob_and_entropy_are_the_log_softmax_of_a_direct_pass(heads, arch):
    lm = heads[arch]
    r = generate(PROMPT, lm, max_new_tokens=NEW)
    lp, ent = _direct(lm.model, r.ids)
    for name, want in ((LOGPROB.name, lp), (ENTROPY.name, ent)):
        rows = r.score(name)
        assert rows.shape == r.layer_norms.shape and np.isnan(rows[:, 0]).all()
        for row in rows:  # the same value at every layer
            np.testing.assert_allclose(row, want, rtol=1e-5, atol=1e-5, err_msg=name)
    df = r.to_dataframe()
    np.testing.assert_allclose(df[LOGPROB.name], lp, rtol=1e-5, atol=1e-5)
    assert df["generated"].tolist() == r.generated.tolist()


def test_a_long_prompt_is_read_in_parts_with_the_same_numbers(heads, monkeypatch):
    import afn_widget.writing as G

    lm = heads["qwen2"]
    whole = generate(PROMPT, lm, max_new_tokens=4)
    monkeypatch.setattr(G, "PROMPT_PART", 3)  # the prompt's 10 tokens in passes of 3, 3, 3, 1
    parts = generate(PROMPT, lm, max_new_tokens=4)
    assert parts.ids == whole.ids and len(_prompt_ids(lm.tokenizer)) > 6
    np.testing.assert_allclose(parts.layer_norms, whole.layer_norms, rtol=1e-4, atol=1e-6)
    lp, ent = _direct(lm.model, parts.ids)
    np.testing.assert_allclose(parts.score(LOGPROB.name)[0], lp, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(parts.score(ENTROPY.name)[0], ent, rtol=1e-5, atol=1e-5)


def test_a_decoders_analysis_with_its_head_gives_the_head_scores(heads, tokenizers, tiny_bert):  # noqa: F811
    lm = heads["llama"]
    text = "The cat sat on the mat."
    a = analyze(text, lm, scores=(TAS.name, *LOGIT_SCORES))
    lp, ent = _direct(lm.model, list(lm.tokenizer(text)["input_ids"]))
    np.testing.assert_allclose(a.score(LOGPROB.name)[-1], lp, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.score(ENTROPY.name)[0], ent, rtol=1e-5, atol=1e-5)
    base = analyze(text, (lm.model.base_model, lm.tokenizer), scores=LOGIT_SCORES)
    assert "no LM head" in base.unavailable[LOGPROB.name]
    with pytest.raises(AFNInputError, match="head=True"):
        base.score(LOGPROB.name)
    encoder = analyze(text, tiny_bert, scores=LOGIT_SCORES)
    assert "not a decoder" in encoder.unavailable[ENTROPY.name]


def test_analyze_takes_token_ids_as_a_list_or_a_tensor(heads):
    import torch

    lm = heads["qwen2"]
    ids = _prompt_ids(lm.tokenizer)
    by_text = analyze(PROMPT, lm)
    for given in (ids, torch.tensor(ids), np.array(ids)):
        by_ids = analyze(given, lm)
        assert by_ids.text == PROMPT and by_ids.ids == ids
        assert by_ids.offsets == by_text.offsets
        np.testing.assert_array_equal(by_ids.layer_norms, by_text.layer_norms)
    with pytest.raises(AFNInputError, match="vocabulary"):
        analyze([1, len(lm.tokenizer)], lm)
    with pytest.raises(AFNTypeError, match="integers"):
        analyze([1, "a"], lm)
    with pytest.raises(AFNTypeError, match="1-D"):
        analyze([[1, 2]], lm)


# -- 4: which models can write --------------------------------------------------------------------


def _no_pass(model):
    """A pre-hook that fails the test if ``model`` runs."""

    def fail(*_):
        raise AssertionError("the model ran")

    return model.register_forward_pre_hook(fail)


def test_a_model_without_its_head_or_an_encoder_is_refused_before_it_runs(heads, tiny_bert):
    base = heads["llama"].model.base_model
    hooks = [_no_pass(base), _no_pass(tiny_bert.model)]
    try:
        with pytest.raises(NoLMHeadError, match=r"no LM head.*AutoModelForCausalLM"):
            generate(PROMPT, (base, heads["llama"].tokenizer))
        with pytest.raises(NoLMHeadError, match="not a decoder"):
            generate("The cat", tiny_bert)
        with pytest.raises(NoLMHeadError, match="encoder"):
            generate(PROMPT)  # no default model: it would be an encoder
    finally:
        for h in hooks:
            h.remove()


def test_a_model_named_by_path_loads_with_its_head(heads, tmp_path, tiny_bert, fresh_cache):
    from unittest import mock

    from transformers import AutoModel, AutoModelForCausalLM

    lm = heads["llama"]
    lm.model.save_pretrained(tmp_path / "llama")
    lm.tokenizer.save_pretrained(tmp_path / "llama")
    r = generate(PROMPT, str(tmp_path / "llama"), max_new_tokens=6, device="cpu")
    assert r.ids == generate(PROMPT, lm, max_new_tokens=6).ids
    without = load_model(str(tmp_path / "llama"), "cpu")  # analyze's load: the base model
    assert without.anatomy.lm_head is None
    with pytest.raises(NoLMHeadError, match=r"load_model\(name, head=True\)"):
        generate(PROMPT, without)
    tiny_bert.model.save_pretrained(tmp_path / "bert")
    tiny_bert.tokenizer.save_pretrained(tmp_path / "bert")
    reads = [mock.patch.object(c, "from_pretrained") for c in (AutoModel, AutoModelForCausalLM)]
    with reads[0] as plain, reads[1] as causal:
        with pytest.raises(NoLMHeadError, match="'bert' model, not a decoder"):
            generate("The cat", str(tmp_path / "bert"), device="cpu")
    assert not plain.called and not causal.called  # no weights read


# -- 4: sampling, stop strings, bounds ------------------------------------------------------------


def _sampled_by_hand(model, ids: list[int], n: int, temperature: float, top_p: float, seed: int):
    """``n`` tokens drawn as :func:`choose` says, each from a full pass over the sequence so far
    (no cache), with one ``torch.Generator`` seeded by ``seed``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    ids = list(ids)
    for _ in range(n):
        with torch.no_grad():
            z = model(input_ids=torch.tensor([ids])).logits[0, -1].float() / temperature
        p = torch.softmax(z, -1)
        order = torch.argsort(p, descending=True)
        keep = torch.cumsum(p[order], 0) - p[order] < top_p  # the likeliest reaching top_p
        q = torch.zeros_like(p)
        q[order[keep]] = p[order[keep]]
        ids.append(int(torch.multinomial(q / q.sum(), 1, generator=gen)))
    return ids


def test_seeded_sampling_is_reproducible_and_draws_as_documented(heads):
    import torch

    lm = heads["llama"]
    kw = dict(max_new_tokens=10, do_sample=True, temperature=0.7, top_p=0.9)
    state = torch.random.get_rng_state()
    a = generate(PROMPT, lm, seed=3, **kw)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator untouched
    assert generate(PROMPT, lm, seed=3, **kw).ids == a.ids
    assert generate(PROMPT, lm, seed=4, **kw).ids != a.ids
    ids = _prompt_ids(lm.tokenizer)
    assert a.ids == _sampled_by_hand(lm.model, ids, 10, 0.7, 0.9, 3)
    greedy = generate(PROMPT, lm, max_new_tokens=10)
    assert generate(PROMPT, lm, do_sample=True, top_p=1e-9, seed=1, max_new_tokens=10).ids == (
        greedy.ids
    )


def test_top_p_keeps_the_likeliest_tokens_that_reach_it():
    import torch

    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    seen = {
        choose(logits, Sampling(do_sample=True, top_p=0.75), torch.Generator().manual_seed(i))
        for i in range(200)
    }
    assert seen == {0, 1}  # 0.5 + 0.3 >= 0.75; 0.5 alone is not
    assert choose(logits, Sampling()) == 0


def test_a_stop_string_ends_writing_at_the_token_that_completes_it(heads):
    lm = heads["llama"]
    full = generate(PROMPT, lm, max_new_tokens=NEW)
    n, reply = len(_prompt_ids(lm.tokenizer)), len(PROMPT)

    def ends_a_stop(i: int) -> bool:  # token i alone spells >= 2 characters, seen first there
        span = full.offsets[i]
        if not span or span[1] - span[0] < 2 or full.offsets[i + 1] == span:
            return False
        return full.text[span[0] : span[1]] not in full.text[reply : span[1] - 1]

    at = next(i for i in range(n + 2, len(full.ids) - 1) if ends_a_stop(i))
    stop = full.text[full.offsets[at][0] : full.offsets[at][1]]
    r = generate(PROMPT, lm, max_new_tokens=NEW, stop=["never written", stop])
    assert r.finish_reason == "stop" and r.ids == full.ids[: at + 1]
    assert r.text.endswith(stop) and r.text == full.text[: len(r.text)]


def test_an_end_of_sequence_token_ends_writing_and_is_kept(heads, monkeypatch):
    lm = heads["qwen2"]
    full = generate(PROMPT, lm, max_new_tokens=NEW)
    eos = full.ids[len(_prompt_ids(lm.tokenizer)) + 3]
    monkeypatch.setattr(lm.model.generation_config, "eos_token_id", eos)
    r = generate(PROMPT, lm, max_new_tokens=NEW)
    assert r.finish_reason == "eos" and r.ids[-1] == eos
    assert r.ids == full.ids[: full.ids.index(eos, len(_prompt_ids(lm.tokenizer))) + 1]


def test_max_new_tokens_and_the_context_bound_the_writing(heads):
    lm = heads["llama"]  # 64 positions
    n = len(_prompt_ids(lm.tokenizer))
    r = generate(PROMPT, lm, max_new_tokens=1000)
    assert r.finish_reason == "context" and len(r.ids) == lm.max_length == 64
    assert generate(PROMPT, lm, max_new_tokens=20, max_length=n + 5).finish_reason == "context"
    assert int(generate(PROMPT, lm, max_new_tokens=3).generated.sum()) == 3
    with pytest.raises(AFNInputError, match="leaves room"):
        generate(PROMPT, lm, max_length=n)
    with pytest.raises(AFNInputError, match="more than this model takes"):
        generate(PROMPT, lm, max_length=65)


# -- 3: chat --------------------------------------------------------------------------------------

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] | trim }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def chat_lm():
    tok = _tiktoken_style()
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = CHATML
    return load_model((_head("qwen2", tok), tok), "cpu")


def test_a_chat_goes_through_its_template_and_the_model_writes_the_reply(chat_lm):
    import torch

    messages = [
        {"role": "system", "content": "Be a cat."},
        {"role": "assistant", "content": "Yes."},
        {"role": "user", "content": " user "},  # a content that is a role's name, trimmed
    ]
    r = generate(model=chat_lm, messages=messages, max_new_tokens=6)
    tok = chat_lm.tokenizer
    out = tok.apply_chat_template(messages, add_generation_prompt=True)
    ids = list(out["input_ids"] if hasattr(out, "keys") else out)
    assert r.ids[: len(ids)] == ids
    with torch.no_grad():
        want = chat_lm.model.generate(torch.tensor([ids]), max_new_tokens=6, do_sample=False)
    assert r.ids == want[0].tolist()
    contents = ["Be a cat.", "Yes.", "user"]
    assert r.text.startswith(SEPARATOR.join(contents) + SEPARATOR)
    roles = np.array(r.chat_roles)
    template = roles == TEMPLATE
    assert (r.special == template).all()  # the template's tokens, and only they, are special
    assert (roles[r.generated] == ASSISTANT).all() and not template[r.generated].any()
    names = {tok.convert_ids_to_tokens(int(i)) for i in np.asarray(r.ids)[template]}
    assert {"<|im_start|>", "<|im_end|>"} <= names
    # each message's tokens lie in its content, with its role, and spell all of it
    starts = np.cumsum([0] + [len(c) + len(SEPARATOR) for c in contents])
    covered: list[set[int]] = [set() for _ in contents]
    for i in np.flatnonzero(~template[: len(ids)]):
        s, e = r.offsets[i]
        k = int(np.searchsorted(starts, s, side="right")) - 1
        assert r.chat_roles[i] == messages[k]["role"] and e <= starts[k] + len(contents[k])
        covered[k].update(range(s, e))
    for k, c in enumerate(contents):
        assert covered[k] == {starts[k] + j for j, ch in enumerate(c) if not ch.isspace()}
    with pytest.raises(TokenizerError, match="no chat template"):
        generate(model=_no_template(), messages=messages)


def _no_template():
    """A decoder whose tokenizer has no chat template."""
    tok = _tiktoken_style()
    return load_model((_head("qwen2", tok), tok), "cpu")


# -- streaming ------------------------------------------------------------------------------------


def test_partial_results_grow_token_by_token_and_returning_false_stops(heads):
    lm = heads["gemma2"]
    seen, steps = [], []
    full = generate(PROMPT, lm, max_new_tokens=8, progress=lambda d, t: steps.append((d, t)))
    assert steps == [(0, 8)] + [(k, 8) for k in range(1, 9)]
    r = generate(PROMPT, lm, max_new_tokens=8, partial=seen.append)
    n = len(_prompt_ids(lm.tokenizer))
    assert [len(p.tokens) for p in seen] == list(range(n, n + 8))  # the prompt, then one more
    for p in seen:
        k = len(p.tokens)
        np.testing.assert_array_equal(p.layer_norms, r.layer_norms[:, :k])
        np.testing.assert_array_equal(p.score(LOGPROB.name), r.score(LOGPROB.name)[:, :k])
        assert p.ids == r.ids[:k] and p.text == r.text[: len(p.text)] and p.finish_reason == ""
    assert r.ids == full.ids

    def stop_after_three(result):
        return int(result.generated.sum()) < 3

    stopped = generate(PROMPT, lm, max_new_tokens=8, partial=stop_after_three)
    assert stopped.finish_reason == "stopped" and int(stopped.generated.sum()) == 3
    assert stopped.ids == full.ids[: n + 3]

    def cancel(done, total):
        if done == 2:
            raise AnalysisCancelled("no longer wanted")

    with pytest.raises(AnalysisCancelled):
        generate(PROMPT, lm, max_new_tokens=8, progress=cancel)


def test_a_massive_activation_of_a_token_written_is_flagged_as_analyze_flags_it(heads):
    import torch

    lm = heads["llama"]
    first = generate(PROMPT, lm, max_new_tokens=NEW)
    prompt = _prompt_ids(lm.tokenizer)
    # a token written and not in the prompt: chosen, at its first place, before it is read
    n = next(i for i in range(len(prompt), len(first.ids)) if first.ids[i] not in prompt)
    token = first.ids[n]
    emb = lm.model.get_input_embeddings().weight
    old = emb[token].clone()
    try:
        with torch.no_grad():
            emb[token, 5] = 5e4
        r = generate(PROMPT, lm, max_new_tokens=n + 1 - len(prompt))
        assert r.ids == first.ids[: n + 1]
        assert r.massive[:, n].all() and r.buckets[n] == "MASSIVE"
        np.testing.assert_array_equal(r.massive, analyze(r.ids, lm).massive)
    finally:
        with torch.no_grad():
            emb[token] = old


# -- arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(max_new_tokens=0), AFNInputError, "max_new_tokens"),
        (dict(temperature=0), AFNInputError, "temperature"),
        (dict(top_p=1.5), AFNInputError, "top_p"),
        (dict(seed=-1), AFNInputError, "seed"),
        (dict(do_sample="yes"), AFNTypeError, "do_sample"),
        (dict(stop=["\n", ""]), AFNTypeError, "stop"),
        (dict(stop=3), AFNTypeError, "stop"),
        (dict(messages=[{"role": "user", "content": "Hi"}]), AFNTypeError, "one of the two"),
        (dict(prompt=None), AFNTypeError, "one of the two"),
        (dict(prompt=None, messages=[{"role": "user"}]), AFNTypeError, "'content'"),
        (dict(prompt=b"The cat"), AFNTypeError, "bytes"),
        (dict(normalize="standardize"), AFNInputError, "whole text"),
        (dict(scores=("tas", "attention")), AFNInputError, r"analyze\(result.ids"),
        (dict(quantile=2), AFNInputError, "quantile"),
        (dict(colour="red"), AFNTypeError, "unknown option"),
        (dict(progress=3), AFNTypeError, "progress"),
        (dict(partial_every=-1), AFNInputError, "partial_every"),
    ],
)
def test_bad_arguments_are_refused_before_any_model_loads(kwargs, error, match):
    kwargs = {"prompt": "The cat", **kwargs}
    with pytest.raises(error, match=match):
        generate(model="no/such/model-anywhere", **kwargs)


def test_given_outlier_dims_and_layer_scales_work_while_writing(heads):
    lm = heads["qwen2"]
    r = generate(PROMPT, lm, max_new_tokens=4, normalize="drop_outlier_dims", outlier_dims=[0, 3])
    a = analyze(r.ids, lm, normalize="drop_outlier_dims", outlier_dims=[0, 3])
    np.testing.assert_allclose(r.layer_norms, a.layer_norms, rtol=1e-4, atol=1e-6)
    assert r.outlier_dims == a.outlier_dims
    z = generate(PROMPT, lm, max_new_tokens=4, normalize="layer_zscore")
    np.testing.assert_allclose(
        z.layer_norms, analyze(z.ids, lm, normalize="layer_zscore").layer_norms, atol=1e-4
    )


def test_a_written_result_exports_and_travels_to_the_view(heads):
    from afn_widget.payload import payload

    r = generate(PROMPT, heads["qwen2"], max_new_tokens=4)
    sent = payload(r)
    assert sent["score_names"] == [TAS.name, *LOGIT_SCORES]
    assert len(sent["score_values"]) == 4 * 2 * r.layer_norms.size
    d = r.to_dict()
    assert d["generated"] == r.generated.tolist() and d["ids"] == r.ids
    assert d["finish_reason"] == "length" and d["chat_roles"] is None
    assert "generated" not in analyze(PROMPT, heads["qwen2"]).to_dict()
    assert "<svg" in r.to_svg(score=LOGPROB.name)
