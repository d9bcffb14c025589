"""Inputs refused before any model loads, with the cause named: a lone surrogate in a text, a
model with no layers."""

from __future__ import annotations

from pathlib import Path

import pytest

import afn_widget.models as M
from afn_widget import AFNCompare, AFNView, analyze
from afn_widget.errors import AFNInputError


@pytest.fixture
def no_loading(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(M, "_load", refuse)
    monkeypatch.setattr("afn_widget.engine.load_model", refuse)


@pytest.mark.parametrize("text", ["a \ud800", "\udfff", "ok " * 5 + "\udc80 end"])
def test_a_lone_surrogate_is_refused_with_its_position(no_loading, text):
    where = next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)
    for call in (
        lambda: analyze(text, "some/model"),
        lambda: AFNView(text, model="some/model"),
        lambda: AFNCompare(text, "The cat sat.", model="some/model"),
    ):
        with pytest.raises(AFNInputError, match=f"lone surrogate .* at position {where} "):
            call()


def test_a_model_with_no_layers_says_so(minilm_path, tmp_path):
    from transformers import AutoTokenizer, BertConfig, BertModel

    tok = AutoTokenizer.from_pretrained(str(minilm_path))
    cfg = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=0, num_attention_heads=2
    )
    model = BertModel(cfg)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    for spec in ((model, tok), str(tmp_path)):
        with pytest.raises(AFNInputError, match="0 layers .* at least one layer") as err:
            analyze("The cat sat.", spec)
        assert "network" not in str(err.value)


def test_a_lone_surrogate_in_given_scores_is_refused():
    from afn_widget.scores import result_from_scores

    with pytest.raises(AFNInputError, match="token 1 holds a lone surrogate .* at position 1"):
        result_from_scores(["ok", "a\ud800"], [1.0, 2.0])
    with pytest.raises(AFNInputError, match="text holds a lone surrogate .* at position 3"):
        result_from_scores(["ok"], [1.0], text="ok \udc00", offsets=[(0, 2)])
    with pytest.raises(AFNInputError, match="score_name holds a lone surrogate"):
        AFNView.from_scores(["ok"], [1.0], score_name="x\ud800")


def test_a_lone_surrogate_in_a_pages_title_is_refused(tiny_bert, tmp_path):
    view = AFNView("The cat sat.", model=tiny_bert).wait(60)
    with pytest.raises(AFNInputError, match="title holds a lone surrogate .* at position 2"):
        view.save_html(tmp_path / "v.html", title="ab\ud800")
    assert not list(tmp_path.iterdir())


def test_analyze_treebanks_checks_its_out_folder_before_any_model_loads(no_loading, tmp_path):
    from afn_widget.corpus.treebanks import analyze_treebanks
    from afn_widget.errors import OutputPathError

    ud = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud_ewt"
    if not ud.exists():
        pytest.skip("the UD English-EWT dev split is not beside the repository")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "inside"):
        with pytest.raises(OutputPathError, match="a-file"):
            analyze_treebanks(ud, out=out, progress=False)
