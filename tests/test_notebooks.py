"""Every notebook runs top to bottom offline, as a reader would run it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

FIGURES = ("report.plot()",)  # cells whose output must be a picture
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is committed with outputs; clear them"
    )
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    for c in nb.cells:  # a figure shows as a picture, not as "<Figure size ... with 2 Axes>"
        if c.cell_type == "code" and any(m in c.source for m in FIGURES):
            kinds = [k for o in c.outputs for k in o.get("data", {})]
            assert "image/png" in kinds, (path.name, c.source[:60], kinds)
    assert (
        any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        )
        or "paper" in path.stem
    ), "the notebook should show at least one widget"


def test_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "classroom", "paper_claim"}


# -- the classroom lesson: what it computes, against analyze() here ---------------------------

CLASSROOM = Path(__file__).resolve().parents[1] / "notebooks" / "classroom.ipynb"
STUDENTS = {  # the cells students type into, and what they hold until then
    "students-guess": {"my_guess": []},
    "students-answers": dict.fromkeys(("q1", "q2", "q3", "q4")),
}
PROBE = "CLASSROOM-PROBE "


def _tagged(nb, tag: str) -> int:
    found = [i for i, c in enumerate(nb.cells) if tag in c.metadata.get("tags", [])]
    assert len(found) == 1, (tag, found)
    return found[0]


def _python(source: str) -> str:
    """A cell's source with IPython's ``%`` and ``!`` lines as ``pass``."""
    lines = source.splitlines()
    magic = ("%", "!")
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(magic) else line
        for line in lines
    )


def _assignments(nb) -> dict[str, list[tuple[int, ast.AST]]]:
    """Every name the code cells bind: ``{name: [(cell index, assigned value or None)]}``."""
    out: dict[str, list[tuple[int, ast.AST]]] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(_python(cell.source))):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            out.setdefault(name.id, []).append((i, node.value))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                out.setdefault(getattr(node.target, "id", ""), []).append((i, node.value))
            elif isinstance(node, (ast.For, ast.comprehension, ast.With)):
                targets = (
                    [node.target]
                    if not isinstance(node, ast.With)
                    else [item.optional_vars for item in node.items if item.optional_vars]
                )
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            out.setdefault(name.id, []).append((i, None))
    return out


def _literal(nb, name: str):
    ((_, value),) = _assignments(nb)[name]
    return ast.literal_eval(value)


def _word_split(result, score: str, layer: int):
    """Each word's value (the mean of its pieces), which words are ranked (not special, defined
    at the layer) and which are HIGH (at or above the quantile of the ranked ones)."""
    w = result.words
    row = result.score(score)[layer].astype(np.float64)
    values = np.array([row[p].mean() for p in w.pieces])
    ranked = np.array([r != "special" for r in w.roles]) & ~np.isnan(values)
    high = ranked & (values >= np.quantile(values[ranked], result.quantile))
    return values, ranked, high


def _content_share(result, high) -> float:
    return float(np.mean(np.array(result.words.roles)[high] == "content"))


def _classroom_expected(nb, model) -> dict:
    """The lesson's figures computed here from analyze(), not read from the notebook."""
    from afn_widget import analyze

    stats = pytest.importorskip("scipy.stats")
    n = model.n_layers
    paper = round(2 * n / 3)
    sentence, layer_text = _literal(nb, "sentence"), _literal(nb, "layer_text")
    quiz_sentence = _literal(nb, "quiz_sentence")
    first = analyze(sentence, model, scores=("tas", "attention"))
    layered = analyze(layer_text, model)
    quiz = analyze(quiz_sentence, model)
    for r in (first, layered, quiz):  # no massive activation: no word is set apart from the ranking
        assert not r.massive.any()
    text = first.words.text

    def high_words(result, score, layer):
        return [result.words.text[j] for j in np.flatnonzero(_word_split(result, score, layer)[2])]

    shares, order, highs = [], [], []
    for layer in range(n + 1):
        values, ranked, high = _word_split(layered, "tas", layer)
        shares.append(_content_share(layered, high))
        order.append(
            float(stats.spearmanr(_word_split(layered, "tas", 0)[0][ranked], values[ranked])[0])
        )
        highs.append(", ".join(high_words(layered, "tas", layer)))
    comma = text.index(",")
    layers = range(1, n + 1)  # attention has none at layer 0
    values, ranked, _ = _word_split(quiz, "tas", paper)
    best = max(np.flatnonzero(ranked), key=lambda j: (values[j], -j))
    pair_a, pair_b = (ast.literal_eval(a) for a in _pair_texts(nb))
    ra = analyze(pair_a, model)
    only = sorted(set(pair_a.lower().split()) - set(pair_b.lower().split()))
    differing = []
    for word in only:
        j = [t.lower() for t in ra.words.text].index(word)
        values, ranked, high = _word_split(ra, "tas", paper)
        ahead = [k for k in np.flatnonzero(ranked) if (values[k], -k) > (values[j], -j)]
        rank = 1 + len(ahead)  # ties go to the earlier word
        differing.append(
            {
                "word": ra.words.text[j],
                "bucket": "HIGH" if high[j] else "LOW",
                "rank": rank,
                "of": int(ranked.sum()),
            }
        )
    return {
        "paper_layer": paper,
        "high": high_words(first, "tas", paper),
        "share": shares,
        "order": order,
        "layer_high": highs,
        "tas": [_content_share(first, _word_split(first, "tas", lay)[2]) for lay in layers],
        "attention": [
            _content_share(first, _word_split(first, "attention", lay)[2]) for lay in layers
        ],
        "right": {
            "q1": "HIGH" if _word_split(first, "tas", paper)[2][comma] else "LOW",
            "q2": "HIGH" if _word_split(first, "attention", paper)[2][comma] else "LOW",
            "q3": [lay for lay, s in enumerate(shares) if s == min(shares)],
            "q4": quiz.words.text[best],
        },
        "differing": differing,
        "sentence": sentence,
    }


def _pair_texts(nb):
    """The two texts the AFNCompare call of the minimal pair is given, as source literals."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(_python(cell.source))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AFNCompare":
                return [ast.unparse(a) for a in node.args[:2]]
    raise AssertionError("the classroom notebook makes no AFNCompare")


def _code(source: str):
    return nbformat.v4.new_code_cell(source)


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.fixture(scope="module")
def classroom(minilm, tmp_path_factory):
    """The classroom notebook run offline as a class would, then probed: its figures, the
    students' variables, and the checking cells run again with right, wrong and mixed input."""
    nb = nbformat.read(CLASSROOM, as_version=4)
    expected = _classroom_expected(nb, minilm)
    right = expected["right"]
    wrong = {
        "q1": "HIGH" if right["q1"] == "LOW" else "LOW",
        "q2": "HIGH" if right["q2"] == "LOW" else "LOW",
        "q3": next(lay for lay in range(minilm.n_layers + 1) if lay not in right["q3"]),
        "q4": "zebra",
    }
    quiz_cell = nb.cells[_tagged(nb, "quiz-answers")].source
    guess_cell = nb.cells[_tagged(nb, "check-guess")].source
    guess = [expected["high"][0].upper(), f" {expected['high'][1]} ", "zebra"]
    state = (
        "import json as _json\n"
        f"print({PROBE!r} + _json.dumps({{\n"
        "    'paper_layer': paper_layer,\n"
        "    'students': {'my_guess': my_guess, 'q1': q1, 'q2': q2, 'q3': q3, 'q4': q4},\n"
        "    'right': right,\n"
        "    'share': layer_table['content share of HIGH'].tolist(),\n"
        "    'order': layer_table['same order as layer 0'].tolist(),\n"
        "    'layer_high': layer_table['HIGH words'].tolist(),\n"
        "    'score_layers': score_table.index.tolist(),\n"
        "    'tas': score_table['TAS'].tolist(),\n"
        "    'attention': score_table['attention'].tolist(),\n"
        "    'view': [type(attention_view).__name__, attention_view.text, attention_view.score,\n"
        "             attention_view.compare_score, list(attention_view.score_names)],\n"
        "    'differing': differing,\n"
        "}, default=lambda o: o.item() if hasattr(o, 'item') else str(o)))"
    )
    probes = [
        _code(state),
        _code(
            "q1, q2, q3, q4 = "
            + ", ".join(
                repr(right[q] if q != "q3" else right[q][0]) for q in ("q1", "q2", "q3", "q4")
            )
        ),
        _code(quiz_cell),
        _code("q1, q2, q3, q4 = " + ", ".join(repr(wrong[q]) for q in ("q1", "q2", "q3", "q4"))),
        _code(quiz_cell),
        _code(f"my_guess = {guess!r}"),
        _code(guess_cell),
    ]
    n_lesson = len(nb.cells)
    nb.cells.extend(probes)
    path = tmp_path_factory.mktemp("classroom")
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    (line,) = [ln for ln in _printed(nb.cells[n_lesson]).splitlines() if ln.startswith(PROBE)]
    return {"nb": nb, "n": n_lesson, "expected": expected, "state": json.loads(line[len(PROBE) :])}


def test_classroom_leaves_the_answers_to_the_students():
    """The students' cells hold empty defaults, set nowhere else; the answers are computed by a
    cell after them; the attention comparison is the widget's attention mode."""
    nb = nbformat.read(CLASSROOM, as_version=4)
    bound = _assignments(nb)
    for tag, defaults in STUDENTS.items():
        where = _tagged(nb, tag)
        for name, default in defaults.items():
            places = bound.get(name, [])
            assert [i for i, _ in places] == [where], (name, places)  # bound once, in its cell
            assert ast.literal_eval(places[0][1]) == default, name
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for name in ("my_guess", "q1", "q2", "q3", "q4"):  # nor changed in place
        assert f"{name}." not in sources and f"{name}[" not in sources, name
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    look = next(i for i in code if "AFNView(sentence" in nb.cells[i].source)
    assert _tagged(nb, "students-guess") < look < _tagged(nb, "check-guess")
    assert _tagged(nb, "students-answers") < _tagged(nb, "quiz-answers")
    (answers,) = [  # computed from results, not written in
        node.value
        for node in ast.walk(ast.parse(nb.cells[_tagged(nb, "quiz-answers")].source))
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "right"
    ]
    assert isinstance(answers, ast.Dict) and len(answers.values) == 4
    for value in answers.values:
        with pytest.raises(ValueError):  # no literal answer
            ast.literal_eval(value)
    for banned in ("from_scores", "import torch", "output_attentions", "attn_implementation"):
        assert banned not in sources, banned
    calls = [
        n
        for n in ast.walk(ast.parse(nb.cells[_tagged(nb, "attention-view")].source))
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "AFNView"
    ]
    assert len(calls) == 1
    kw = {
        k.arg: ast.literal_eval(k.value)
        for k in calls[0].keywords
        if k.arg in ("scores", "score", "compare_score")
    }
    assert "attention" in kw["scores"] and "attention" in (kw["score"], kw["compare_score"])
    assert {kw["score"], kw["compare_score"]} == {"tas", "attention"}


def test_classroom_figures_are_the_model_s(classroom):
    """The layer table, the attention comparison and the minimal pair equal what analyze()
    gives here; the layer statistic varies across layers and the two scores disagree."""
    got, want = classroom["state"], classroom["expected"]
    assert got["paper_layer"] == want["paper_layer"]
    assert np.allclose(got["share"], want["share"]) and np.allclose(got["order"], want["order"])
    assert got["layer_high"] == want["layer_high"]
    assert max(want["share"]) - min(want["share"]) >= 0.2  # a statistic that varies by layer
    assert max(want["order"][1:]) - min(want["order"][1:]) >= 0.1
    assert got["score_layers"] == list(range(1, len(want["tas"]) + 1))
    assert np.allclose(got["tas"], want["tas"]) and np.allclose(got["attention"], want["attention"])
    assert not np.allclose(want["tas"], want["attention"])  # the comparison has a point to make
    kind, text, score, compare, names = got["view"]
    assert kind == "AFNView" and text == want["sentence"]
    assert (score, compare) == ("tas", "attention") and "attention" in names
    assert [{k: d[k] for k in ("word", "bucket", "rank", "of")} for d in got["differing"]] == (
        want["differing"]
    )


def test_classroom_quiz_answers_are_computed_and_checked(classroom):
    """The answers are the model's; unanswered, right and wrong answers are told apart, and the
    guess check handles an empty guess, case, spaces and words not in the sentence."""
    nb, n, got, want = classroom["nb"], classroom["n"], classroom["state"], classroom["expected"]
    assert got["students"] == {"my_guess": [], "q1": None, "q2": None, "q3": None, "q4": None}
    assert got["right"] == want["right"]
    lesson_quiz = _printed(nb.cells[_tagged(nb, "quiz-answers")])
    assert lesson_quiz.count("not answered") == 4
    right_run, wrong_run = _printed(nb.cells[n + 2]), _printed(nb.cells[n + 4])
    assert right_run.count("correct") == 4 and "not quite" not in right_run
    assert wrong_run.count("not quite") == 4
    lesson_guess = _printed(nb.cells[_tagged(nb, "check-guess")])
    assert f"HIGH at layer {want['paper_layer']}: {want['high']}" in lesson_guess
    assert "my_guess is empty" in lesson_guess
    guess_run = _printed(nb.cells[n + 6])
    assert f"2 of your 3 guesses are HIGH: {want['high'][:2]}" in guess_run
    assert "zebra" in guess_run
