"""Each score, normalization, role code and bucket code is declared once, in
``afn_widget.registry``: the browser reads the same declarations (``js/registry.js``, written
from the registry and checked here), every list of them in Python and JS is the registry's, the
declarations agree with what the computations give, and no other Python module spells a
score's name."""

from __future__ import annotations

import ast
import base64
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from afn_widget import analyze, hidden, payload, registry, result
from afn_widget import buckets as B

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "afn_widget"
TEXT = "The scientists celebrated their remarkable discovery, and a cat sat on the mat."

# String constants equal to a score's name that are no score: the attribute names a block's
# self-attention module goes by (anatomy's lookup of "attention", "attn", "self_attn").
NOT_SCORES = {("anatomy.py", "_ATTENTION")}


def node_json(code: str, stdin: str = "") -> dict:
    """Run ES module ``code`` with node in the repository root; its stdout as JSON."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run(
        [node, "--input-type=module", "-e", code],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_committed_js_registry_is_what_the_registry_writes():
    committed = (ROOT / "js" / "registry.js").read_text(encoding="utf-8")
    assert committed == registry.js_module(), (
        "js/registry.js is stale: run `python -m afn_widget.registry js/registry.js`, "
        "then `npm run build`"
    )


def test_the_registry_command_writes_the_module(tmp_path):
    out = tmp_path / "registry.js"
    registry.main([str(out)])
    assert out.read_text(encoding="utf-8") == registry.js_module()
    with pytest.raises(SystemExit, match="usage"):
        registry.main([])


JS_LISTS = """
const reg = await import('./js/registry.js');
const controls = await import('./js/controls.js');
const data = await import('./js/data.js');
const numbers = await import('./js/numbers.js');
const stats = await import('./js/stats.js');
const n = 4;
const parse = controls.CONTROLS.score.parse;
const notes = Object.fromEntries(
  data.SCORE_NAMES.map((s) => [s, numbers.undefinedNote(s, 0, [1, 2, 3, 4], n)]));
console.log(JSON.stringify({
  registry: {SCORES: reg.SCORES, HIDDEN_SCORES: reg.HIDDEN_SCORES,
             NORMALIZATIONS: reg.NORMALIZATIONS, ROLE_CODES: reg.ROLE_CODES,
             BUCKET_CODES: reg.BUCKET_CODES},
  scoreInfo: Object.entries(controls.SCORE_INFO),
  scoreChoices: CANDIDATES.filter((s) => parse(s) === s),
  normalizations: controls.NORMALIZATIONS,
  scoreNames: data.SCORE_NAMES,
  roleCodes: data.ROLE_CODES,
  hiddenScores: numbers.HIDDEN_SCORES,
  notes,
  bucketNames: stats.BUCKET_NAMES,
  bucketCodes: {LOW: stats.LOW, HIGH: stats.HIGH, SPECIAL: stats.INELIGIBLE,
                MASSIVE: stats.MASSIVE, UNDEFINED: stats.UNDEFINED},
}));
"""


@pytest.fixture(scope="module")
def js() -> dict:
    candidates = [*(s.name for s in reversed(registry.ALL_SCORES)), "nonsense", ""]
    return node_json(JS_LISTS.replace("CANDIDATES", json.dumps(candidates)))


def test_the_js_registry_holds_the_view_scores_and_the_codes(js):
    reg = js["registry"]
    assert [s["name"] for s in reg["SCORES"]] == list(result.SCORES)
    for got, want in zip(reg["SCORES"], registry.VIEW_SCORES, strict=True):
        assert got["label"] == want.label and got["definition"] == want.definition
        assert got["layer0"] == want.layer0 and got["source"] == want.source
        assert got["needs"] == list(want.needs)
    assert reg["HIDDEN_SCORES"] == list(result.HIDDEN_SCORES)
    assert reg["NORMALIZATIONS"] == list(hidden.NORMALIZATIONS)
    assert reg["ROLE_CODES"] == list(payload.ROLE_CODES)
    assert reg["BUCKET_CODES"] == list(registry.BUCKET_CODES)


def test_the_js_modules_list_the_registrys_scores(js):
    """controls.js, data.js and numbers.js offer exactly Python's scores, in its order, with
    the registry's labels and definitions."""
    assert js["scoreNames"] == list(result.SCORES)
    assert js["scoreChoices"] == list(reversed(result.SCORES))  # not tas_drop_outliers
    info = {s.name: {"label": s.label, "title": s.definition} for s in registry.VIEW_SCORES}
    assert js["scoreInfo"] == [[name, info[name]] for name in result.SCORES]
    assert js["hiddenScores"] == list(result.HIDDEN_SCORES)
    assert js["normalizations"] == list(hidden.NORMALIZATIONS)


def test_the_layer0_sentence_is_the_same_in_python_and_js(js):
    for score in result.SCORES:
        assert js["notes"][score] == B.undefined_note(score, 0, [1, 2, 3, 4], 4), score
    assert f"({registry.ATTENTION.layer0})" in js["notes"][registry.ATTENTION.name]
    assert "(no value there)" in js["notes"][registry.TAS.name]  # defined at 0: no reason


def test_the_js_bucket_codes_are_pythons_bucket_names(js):
    names = js["bucketNames"]
    assert names == list(registry.BUCKET_CODES)
    python = {"LOW": B.LOW, "HIGH": B.HIGH, "SPECIAL": B.SPECIAL}
    python |= {"MASSIVE": B.MASSIVE, "UNDEFINED": B.UNDEFINED}
    assert len(set(python.values())) == 5
    for key, code in js["bucketCodes"].items():
        assert names[code] == python[key], key


def test_js_buckets_read_by_name_are_pythons_split():
    """The same values through Python's ``buckets.split`` and JS's ``bucketize`` +
    ``markUndefined``: the JS codes, named by ``BUCKET_NAMES``, are Python's buckets."""
    rng = np.random.default_rng(7)
    values = rng.normal(size=40).astype(np.float32)
    values[[3, 11, 20]] = np.nan
    eligible = rng.random(40) > 0.2
    want = B.split(values, eligible, 0.75)
    code = """
    const s = await import('./js/stats.js');
    const inp = JSON.parse(await new Promise((ok) => {
      let t = ''; process.stdin.on('data', (c) => (t += c)); process.stdin.on('end', () => ok(t));
    }));
    const values = Float64Array.from(inp.values.map((v) => (v === null ? NaN : v)));
    const base = Uint8Array.from(inp.eligible);
    const eligible = Uint8Array.from(base, (e, i) => (e && !Number.isNaN(values[i]) ? 1 : 0));
    const thr = s.thresholdOf(values, eligible, 0.75);
    const buckets = s.bucketize(values, eligible, thr);
    s.markUndefined(values, base, buckets);
    console.log(JSON.stringify(Array.from(buckets, (b) => s.BUCKET_NAMES[b])));
    """
    stdin = json.dumps(
        {
            "values": [None if np.isnan(v) else float(v) for v in values],
            "eligible": eligible.astype(int).tolist(),
        }
    )
    got = node_json(code, stdin)
    assert got == want.buckets.tolist()
    assert {B.HIGH, B.LOW, B.SPECIAL, B.UNDEFINED} <= set(got)


@pytest.fixture(scope="module")
def every_score(tiny_models):
    """Every score of the view, the LM head's too: a tiny GPT-2 with its head."""
    from transformers import GPT2LMHeadModel

    base = tiny_models["gpt2"]
    head = GPT2LMHeadModel(base.model.config).eval()
    head.transformer = base.model
    return analyze(TEXT, (head, base.tokenizer), scores=result.SCORES)


def test_the_browser_reads_a_payloads_roles_and_scores_by_the_registrys_codes(every_score):
    """A real payload (role bytes, score names and values) read by js/data.js gives back the
    result's roles and every score's matrix."""
    r = every_score
    state = {"text": r.text, **payload.payload(r)}
    wire = {
        k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in state.items()
    }
    binary = [k for k, v in state.items() if isinstance(v, bytes)]
    code = """
    const { readData } = await import('./js/data.js');
    const inp = JSON.parse(await new Promise((ok) => {
      let t = ''; process.stdin.on('data', (c) => (t += c)); process.stdin.on('end', () => ok(t));
    }));
    for (const k of inp.binary) inp.state[k] = new DataView(
      Uint8Array.from(Buffer.from(inp.state[k], 'base64')).buffer);
    const { data, error } = readData((k) => inp.state[k]);
    if (error) throw new Error(error);
    console.log(JSON.stringify({
      roles: data.roles, wordRoles: data.wordRoles,
      scores: Object.fromEntries([...data.scores].map(([k, v]) => [k, Array.from(v)])),
    }));
    """
    got = node_json(code, json.dumps({"state": wire, "binary": binary}))
    assert got["roles"] == list(r.roles)
    assert got["wordRoles"] == list(r.word_source.described.roles)
    assert list(got["scores"]) == list(result.SCORES)
    for name, values in got["scores"].items():
        want = r.score(name).astype(np.float32).ravel()
        np.testing.assert_array_equal(np.array(values, dtype=np.float64), want, err_msg=name)


def test_each_view_score_is_undefined_at_layer_0_exactly_where_it_says(every_score):
    """The declaration (``layer0``) against the computation: row 0 all nan, the others not; a
    score of the token alone (``per_layer=False``) the same row at every layer, nan for the
    first token only."""
    assert not every_score.unavailable
    for s in registry.VIEW_SCORES:
        rows = every_score.score(s.name)
        assert rows.shape == (every_score.n_layers + 1, len(every_score.tokens))
        assert np.isnan(rows[0]).all() == (not s.defined_at_layer0), s.name
        if not s.per_layer:
            assert (rows == rows[:1]).all(axis=0)[1:].all(), s.name
            assert np.isnan(rows[:, 0]).all() and np.isfinite(rows[:, 1:]).all(), s.name
            continue
        assert np.isfinite(rows[1:]).all(), s.name


def test_the_corpus_runner_computes_every_declared_score_and_only_those(tiny_bert):
    """Each of the corpus report's scores (the view's but the LM head's, and its own
    ``tas_drop_outliers``) has a slot in the runner's output, filled at every layer it is
    declared defined."""
    from afn_widget.corpus import SCORES
    from afn_widget.corpus.runner import MASSIVE, Runner

    assert SCORES == registry.CORPUS_SCORES and SCORES[0] == registry.TAS.name
    assert set(result.SCORES) - set(registry.LOGIT_SCORES) < set(SCORES)
    assert not set(registry.LOGIT_SCORES) & set(SCORES)  # the report reads base models
    ids = [tiny_bert.tokenizer(TEXT)["input_ids"], tiny_bert.tokenizer("A cat.")["input_ids"]]
    runner = Runner(tiny_bert.model, tiny_bert.n_layers, hidden.OUTLIER_K, SCORES)
    assert runner.hooked and runner.attention  # attn_norm's value hooks, attention's weights
    out = runner.run(ids, tiny_bert.tokenizer.pad_token_id or 0)
    assert out[0].shape[0] == len(SCORES) + 1 == MASSIVE + 1
    for m in out:
        for k, s in enumerate(registry.SCORE[name] for name in SCORES):
            assert np.isnan(m[k, 0]).all() == (not s.defined_at_layer0), s.name
            assert np.isfinite(m[k, 1:]).all(), s.name


def test_the_derived_lists_follow_the_declarations():
    by = registry.SCORE
    assert registry.HIDDEN_SCORES == tuple(
        n for n in result.SCORES if by[n].source == registry.HIDDEN_STATES
    )
    assert registry.ATTENTION_SCORES == tuple(
        n for n in result.SCORES if by[n].source == registry.ATTENTIONS
    )
    assert registry.LOGIT_SCORES == tuple(
        n for n in result.SCORES if by[n].source == registry.LOGITS
    )
    assert not any(by[n].per_layer for n in registry.LOGIT_SCORES)
    assert set(registry.SHIFT_METRICS) < set(registry.HIDDEN_SCORES)
    assert not any(by[n].defined_at_layer0 for n in registry.SHIFT_METRICS)
    assert B.LAYER0_REASONS == {n: by[n].layer0 for n in result.SCORES if by[n].layer0}
    assert registry.needing(registry.VALUE_HOOKS, reversed(result.SCORES)) == (
        registry.ATTN_NORM.name,
        registry.ATTN_NORM_LAYER.name,
    )
    assert registry.needing(registry.ATTENTIONS, [registry.TAS.name, "nonsense"]) == ()


def test_a_score_must_say_where_it_comes_from():
    with pytest.raises(ValueError, match="source"):
        registry.Score("saliency", "saliency", "gradient norm", "gradients", ("gradients",))
    with pytest.raises(ValueError, match="source"):
        registry.Score("x", "x", "x", registry.ATTENTIONS, (registry.HIDDEN_STATES,))
    with pytest.raises(ValueError, match="needs"):
        registry.Score("x", "x", "x", registry.ATTENTIONS, (registry.ATTENTIONS, "grads"))


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that stand alone as statements (docstrings)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _allowed(tree: ast.AST, file: str) -> set[int]:
    """The ids of the constants inside the assignments that :data:`NOT_SCORES` names."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and (file, t.id) in NOT_SCORES for t in node.targets
        ):
            ids |= {id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    return ids


def score_literals(root: Path) -> list[str]:
    """``file:line: name`` for each string constant under ``root`` equal to a score's name,
    outside the registry, the docstrings and :data:`NOT_SCORES`."""
    names = set(registry.CORPUS_SCORES)
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel == "registry.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree) | _allowed(tree, rel)
        found += [
            f"{rel}:{node.lineno}: {node.value}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in skip
        ]
    return found


def test_no_module_but_the_registry_spells_a_score_name():
    assert score_literals(PACKAGE) == [], "use the registry's constants (e.g. registry.TAS.name)"


def test_the_scan_finds_a_score_name_and_skips_docstrings(tmp_path):
    (tmp_path / "anatomy.py").write_text('_ATTENTION = ("attention", "attn")\n')
    (tmp_path / "mod.py").write_text(
        '"""Scores such as tas."""\n\n\ndef f(score="tas"):\n    """attention"""\n'
        '    return {"cos_change": 1, "other": score}\n'
    )
    assert score_literals(tmp_path) == ["mod.py:4: tas", "mod.py:6: cos_change"]
