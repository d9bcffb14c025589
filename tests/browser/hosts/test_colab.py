"""Views in a Colab-like host: Colab's own widget manager, built from its open-source snapshot,
over a real kernel, in Chromium.

Colab renders third-party widgets with the manager of googlecolab/colab-cdn-widget-manager (a
snapshot is in ``shared/hosts/`` beside the repository). Its ``commChannelOpened`` drops the
binary buffers of a comm_open message (its issue #33), so the bytes traits a widget holds when
it is made arrive without a value. An ``AFNView``'s data come later, in updates, whose buffers
arrive; an ``AFNCompare``'s analyses are in its first state, so without more it shows "Cannot
show this state: offsets: ..." in both panes. It draws because the view asks the kernel for its
data again (``js/resend.js``).

The manager is built once into a cache directory (``$AFN_TEST_CACHE``, else
``~/.cache/afn-widget-tests``; ``colab-manager-<hash of the snapshot>``) with its own pinned
lockfile from the npm registry. The page (``colab_host.html``, ``colab_host.js``) gives it the
host API it expects over a kernel started by ``jupyter_server`` on 127.0.0.1 with a token, on the
python of ``widgets7_env`` (ipywidgets 7.7.1 and traitlets 5.7.1, as Colab has) where that
fixture exists, else this python. The manager loads anywidget's frontend from a CDN: those
requests are answered with the kernel's anywidget's own AMD build. Then: a view of a text, one
``from_result``, the score selector (the kernel sees the score picked), a pane beside, a long
text streaming in (progress, then words) and an ``AFNCompare``, each drawn with the HIGH words of
the kernel's own result. Screenshots go to ``artifacts/`` (or ``$AFN_SHOTS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_jupyterlab import SHOTS, _free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
SNAPSHOT = ROOT.parent / "shared" / "hosts" / "colab-cdn-widget-manager"
TOKEN = "afn-colab-token"
KERNEL = "afn-colab"
FONT_AWESOME = "https://cdn.jsdelivr.net/npm/font-awesome@4.7.0/css/font-awesome.min.css"
ANYWIDGET_CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/anywidget@[^/]+/dist/index\.js$")

SHORT = "The scientists celebrated their remarkable discovery in the old laboratory."
OTHER = "A quiet river carried the small boat past the sleeping village at dawn."
PAIR = ("The cat sat on the mat by the door.", "The dog sat on the mat by the door.")
LONG = " ".join(
    [
        "Long texts run in windows of the model's length, and the view shows each window's",
        "words as soon as it is done, with the progress of the whole above them.",
    ]
    * 8
)

# The kernel's model: a random two-layer BERT (LayerNorms randomised, so norms differ) with a
# WordPiece tokenizer trained here; 64 positions, so a long text takes several windows. hold,
# hooked on the model, lets a long text's first window through (slower than partial_every, so
# its words are sent) and holds the others until a later cell opens the gate.
SETUP = """\
import json, threading, time
import torch, transformers as T
from tokenizers import BertWordPieceTokenizer, processors
import anywidget, ipywidgets, traitlets
from afn_widget import AFNCompare, AFNView, analyze
torch.set_num_threads(1)
corpus = [{texts}] * 20
wp = BertWordPieceTokenizer(lowercase=True)
wp.train_from_iterator(corpus, vocab_size=400,
                       special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
core = wp._tokenizer
core.post_processor = processors.BertProcessing(("[SEP]", core.token_to_id("[SEP]")),
                                                ("[CLS]", core.token_to_id("[CLS]")))
tok = T.PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                model_max_length=64)
torch.manual_seed(0)
net = T.BertModel(T.BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                               num_attention_heads=2, intermediate_size=64,
                               max_position_embeddings=64)).eval()
with torch.no_grad():
    for name, p in net.named_parameters():
        if "LayerNorm" in name:
            p.copy_((1 if name.endswith("weight") else 0) + 0.5 * torch.randn(p.shape))
M = (net, tok)
gate = threading.Event()
forwards = [0]

def hold(module, args):  # the first window slower than partial_every, the others held
    forwards[0] += 1
    if forwards[0] == 1:
        time.sleep(0.05)
    else:
        gate.wait(120)

def expect(result):
    w = result.words
    keep = [j for j in range(len(w)) if w.roles[j] != "special"]
    return {{"words": [w.text[j] for j in keep],
            "high": [w.text[j] for j in keep if w.buckets[j] == "HIGH"]}}

print("VERSIONS", json.dumps({{"ipywidgets": ipywidgets.__version__,
                              "traitlets": traitlets.__version__,
                              "anywidget": anywidget.__version__}}))
"""

# The units a view draws in `root` (a CSS selector), read from the page.
UNITS_JS = """(root) => [...document.querySelectorAll(root + ' .afn-text .afn-tok')]
  .filter((e) => e.getClientRects().length > 0 && !e.classList.contains('afn-special'))
  .map((e) => ({ text: e.textContent, high: e.classList.contains('afn-high'),
                 bg: getComputedStyle(e).backgroundColor }))"""


# ------------------------------------------------------------------------------------------
# Colab's manager, built once
# ------------------------------------------------------------------------------------------
def _snapshot_hash(src: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = path.relative_to(src)
        if rel.parts[0] in ("node_modules", "dist", "lib"):
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Colab-like host test cannot run under CI: {reason}")
    pytest.skip(reason)


def _build(src: Path, dest: Path) -> None:
    """Copy the snapshot, install its pinned packages and build ``dist/manager.min.js``.
    Install scripts are not run (its test tools would fetch a browser); esbuild's own, which
    fetches its binary from the npm registry, is the one the build needs."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".colab-manager-", dir=dest.parent))
    tree = work / "manager"
    shutil.copytree(src, tree, ignore=shutil.ignore_patterns("node_modules", "dist", "lib"))
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD": "1"}
    steps = [
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        ["node", "node_modules/esbuild/install.js"],
        ["node", "build.js"],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            raise RuntimeError(
                f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
    try:
        tree.rename(dest)
    except OSError:  # built meanwhile by another run
        pass
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def colab_manager() -> Path:
    """``dist/manager.min.js`` of Colab's manager, built from the snapshot (cached)."""
    if not SNAPSHOT.is_dir():
        _unavailable(f"the Colab manager snapshot is not at {SNAPSHOT}")
    if not (shutil.which("npm") and shutil.which("node")):
        _unavailable("npm and node are needed to build Colab's widget manager")
    cache = Path(os.environ.get("AFN_TEST_CACHE") or Path.home() / ".cache" / "afn-widget-tests")
    dest = cache / f"colab-manager-{_snapshot_hash(SNAPSHOT)}"
    built = dest / "dist" / "manager.min.js"
    if not built.exists():
        _build(SNAPSHOT, dest)
    return built


# ------------------------------------------------------------------------------------------
# the kernel, behind jupyter_server
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kernel_python(request) -> Path:
    """The python of ``widgets7_env`` (Colab's ipywidgets and traitlets) where that fixture
    exists, else this one."""
    try:
        env = request.getfixturevalue("widgets7_env")
    except pytest.FixtureLookupError:
        return Path(sys.executable)
    return Path(env.python)


def _api(url: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"token {TOKEN}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as resp:
        text = resp.read()
    return json.loads(text) if text else None


KERNEL_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
              "TOKENIZERS_PARALLELISM": "false", "PYTHONWARNINGS": "ignore"}  # fmt: skip


def _kernelspec(share: Path, python: Path) -> Path:
    """A kernelspec in ``share/kernels`` running ``python``'s ipykernel; the path of that
    python's anywidget AMD build (what a CDN would serve the manager)."""
    spec = share / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    about = {"argv": argv, "display_name": "Colab-like", "language": "python", "env": KERNEL_ENV}
    spec.joinpath("kernel.json").write_text(json.dumps(about))
    where = "import anywidget, pathlib; print(pathlib.Path(anywidget.__file__).parent)"
    out = subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True,
                         env={**os.environ, **KERNEL_ENV})  # fmt: skip
    amd = Path(out.stdout.strip()) / "nbextension" / "index.js"
    assert amd.is_file(), f"anywidget's AMD build is not at {amd}"
    return amd


def _server(root: Path, static: Path) -> tuple[subprocess.Popen, str]:
    """jupyter_server on 127.0.0.1 with a token, kernelspecs from ``root/share``, ``static``
    served at ``/static/``; (process, url) once it answers."""
    port = _free_port()
    env = {**os.environ, "JUPYTER_PATH": str(root / "share"),
           "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "PYTHONWARNINGS": "ignore"}  # fmt: skip
    log = root / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
             f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
             f"--ServerApp.root_dir={root}", f"--ServerApp.extra_static_paths={static}"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            _api(f"{url}/api/status")
            return server, url
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                server.terminate()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.5)


@pytest.fixture(scope="module")
def colab_kernel(tmp_path_factory, kernel_python, colab_manager):
    """(server url, kernel id, the kernel's anywidget AMD build) of a kernel on
    ``kernel_python``, started by jupyter_server, which also serves the host page and Colab's
    manager as static files at ``/static/afn-colab/`` (a page from elsewhere may not open a
    websocket to 127.0.0.1)."""
    root = tmp_path_factory.mktemp("colab")
    page_dir = root / "static" / "afn-colab"
    page_dir.mkdir(parents=True)
    for name, path in (("host.html", HERE / "colab_host.html"), ("host.js", HERE / "colab_host.js"),
                       ("manager.min.js", colab_manager)):  # fmt: skip
        shutil.copyfile(path, page_dir / name)
    amd = _kernelspec(root / "share", kernel_python)
    server, url = _server(root, root / "static")
    try:
        kernel = _api(f"{url}/api/kernels", "POST", {"name": KERNEL})["id"]
        yield url, kernel, amd
        _api(f"{url}/api/kernels/{kernel}", "DELETE")
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


# ------------------------------------------------------------------------------------------
# the page
# ------------------------------------------------------------------------------------------
class Colab:
    """The host page: ``run(code)`` runs a cell and returns its printed output; ``cell(n)`` is
    its output area."""

    def __init__(self, page, kernel_python: Path) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.kernel_python = kernel_python
        self.versions: dict[str, str] = {}  # the kernel's ipywidgets, traitlets, anywidget
        self.console: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

    def run(self, code: str) -> dict[str, Any]:
        out = self.page.evaluate("(c) => window.colab.run(c)", code)
        assert out["status"] == "ok" and not out["errors"], out
        return out

    def said(self, code: str, tag: str) -> Any:
        """What the kernel prints after ``tag`` running ``code`` (JSON)."""
        out = self.run(code)["stdout"]
        line = next(x for x in out.splitlines() if x.startswith(tag + " "))
        return json.loads(line[len(tag) + 1 :])

    def sees(self, code: str, tag: str, want: Any, seconds: float = 10) -> bool:
        """Whether the kernel comes to print ``want`` (:meth:`said`) within ``seconds``: a
        change made in the page reaches it as a message of its own."""
        deadline = time.monotonic() + seconds
        while self.said(code, tag) != want:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def cell(self, n: int) -> str:
        return f".colab-cell[data-cell='{n}']"

    def units(self, root: str) -> list[dict[str, Any]]:
        return self.page.evaluate(UNITS_JS, root)

    def until(self, js: str, arg: Any = None, timeout: float = 120_000) -> None:
        """Until the function ``js`` returns true for ``arg`` (polled, not on animation frames:
        a busy two-core machine may hold those back)."""
        self.page.wait_for_function(js, arg=arg, timeout=timeout, polling=200)

    def wait_drawn(self, root: str, words: list[str], timeout: float = 120_000) -> None:
        """Until ``root`` shows exactly ``words`` (its units' text, specials aside)."""
        self.until(
            f"([root, want]) => {{ const got = ({UNITS_JS})(root).map((u) => u.text);"
            " return got.length === want.length && got.every((t, i) => t === want[i]); }",
            [root, words],
            timeout,
        )

    def high(self, root: str) -> list[str]:
        return [u["text"] for u in self.units(root) if u["high"]]


@pytest.fixture(scope="module")
def colab(afn_browser, colab_kernel, kernel_python):
    url, kernel, amd_js = colab_kernel
    context = afn_browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    host = Colab(page, kernel_python)

    def serve(route) -> None:
        u = route.request.url.split("?")[0]
        cors = {"access-control-allow-origin": "*"}
        if u.startswith(f"{url}/static/afn-colab/"):  # the page, from the server
            route.continue_()
        elif ANYWIDGET_CDN.match(u):  # the manager fetches anywidget's frontend from a CDN
            headers = {"content-type": "text/javascript", **cors}
            route.fulfill(status=200, body=amd_js.read_bytes(), headers=headers)
        elif u == FONT_AWESOME:
            route.fulfill(status=200, body=b"", headers={"content-type": "text/css", **cors})
        else:
            host.foreign.append(u)
            route.abort()

    page.route("**/*", serve)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{url}/static/afn-colab/host.html?kernel={kernel}&token={TOKEN}")
    try:
        page.wait_for_function("window.colabReady === true", timeout=60_000)
    except Exception as exc:  # noqa: BLE001 - say what the page said
        raise AssertionError(f"the host page did not start: {host.console} {host.errors} "
                             f"{host.foreign}") from exc  # fmt: skip
    texts = ", ".join(repr(t) for t in (SHORT, OTHER, *PAIR, LONG))
    host.versions = host.said(SETUP.format(texts=texts), "VERSIONS")
    yield host
    context.close()


def _dropped(colab: Colab, cell: int) -> list[list[Any]]:
    """The buffer paths the host dropped from the comm_open of the widget shown in ``cell``."""
    return colab.page.evaluate(
        """(sel) => {
          const out = document.querySelector(sel + ' .colab-output');
          return out ? window.colab.dropped[out.dataset.model] || [] : [];
        }""",
        colab.cell(cell),
    )


# ------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------
def test_kernel_runs_colabs_widget_versions(colab):
    """With widgets7_env, the kernel has Colab's ipywidgets 7.7.1 and traitlets 5.7.1."""
    print("kernel:", colab.kernel_python, colab.versions)
    if colab.kernel_python == Path(sys.executable):
        pytest.skip("no widgets7_env fixture: the kernel runs this python's ipywidgets")
    assert colab.versions["ipywidgets"] == "7.7.1"
    assert colab.versions["traitlets"] == "5.7.1"


def test_views_draw_and_respond(colab):
    page = colab.page
    # a view of a text, its analysis running when it is shown
    c = colab.run(f"v = AFNView({SHORT!r}, model=M, scores=('tas', 'attention'))\nv")["cell"]
    want = colab.said("v.wait(120)\nprint('EXPECT', json.dumps(expect(v.result)))", "EXPECT")
    root = colab.cell(c)
    colab.wait_drawn(root, want["words"])
    assert colab.high(root) == want["high"]
    assert ["norms"] in _dropped(colab, c)  # empty then: the data came in updates

    # from_result: the result there before the view is shown
    c2 = colab.run(f"r = analyze({OTHER!r}, M)\nw = AFNView.from_result(r)\nw")["cell"]
    want2 = colab.said("print('EXPECT', json.dumps(expect(r)))", "EXPECT")
    root2 = colab.cell(c2)
    colab.wait_drawn(root2, want2["words"])
    assert colab.high(root2) == want2["high"]
    page.locator(root2).screenshot(path=str(SHOTS / "colab-from-result.png"))

    # the score selector: picked in the browser, seen by the kernel, the text re-coloured
    before = [u["bg"] for u in colab.units(root)]
    page.locator(f"{root} select.afn-score").first.select_option("attention")
    colab.until(
        f"([root, before]) => ({UNITS_JS})(root).some((u, i) => u.bg !== before[i])",
        [root, before],
        30_000,
    )
    assert colab.sees("print('SCORE', json.dumps(v.score))", "SCORE", "attention")

    # a pane beside, asked for from Python
    colab.run("v.compare_score = 'tas'")
    beside = f"{root} .afn-pane-beside"
    colab.wait_drawn(beside, want["words"])
    assert colab.high(beside) == want["high"]  # TAS, as the first pane showed it
    page.locator(root).screenshot(path=str(SHOTS / "colab-pane-beside.png"))
    assert colab.errors == [], colab.errors


def test_a_long_text_streams_in(colab):
    page = colab.page
    code = (
        "forwards[0] = 0\nhook = net.register_forward_pre_hook(hold)\n"
        f"long = AFNView({LONG!r}, model=M, batch_windows=1, partial_every=0.01)\nlong"
    )
    root = colab.cell(colab.run(code)["cell"])
    # held after its first window: the progress, and that window's words already drawn
    page.locator(f"{root} .afn-progress-text").wait_for(state="visible", timeout=120_000)
    colab.until(f"(root) => ({UNITS_JS})(root).length > 0", root)
    progress = int(page.locator(f"{root} .afn-progress").get_attribute("aria-valuenow"))
    partial = len(colab.units(root))
    page.locator(root).screenshot(path=str(SHOTS / "colab-streaming.png"))
    want = colab.said(
        "gate.set()\nlong.wait(120)\nhook.remove()\n"
        "print('EXPECT', json.dumps(expect(long.result)))",
        "EXPECT",
    )
    assert 0 < progress < 100
    assert 0 < partial < len(want["words"])
    colab.wait_drawn(root, want["words"])
    page.locator(f"{root} .afn-progress-text").wait_for(state="hidden", timeout=30_000)
    assert colab.high(root) == want["high"]
    assert colab.errors == [], colab.errors


def test_a_comparison_draws_and_responds(colab):
    """Its analyses are in its first state, whose buffers the host drops: it draws from the
    data the kernel sends again when asked."""
    page = colab.page
    c = colab.run(f"pair = AFNCompare({PAIR[0]!r}, {PAIR[1]!r}, model=M)\npair")["cell"]
    want = colab.said("print('EXPECT', json.dumps([expect(r) for r in pair.results]))", "EXPECT")
    root = colab.cell(c)
    # the host did drop the panes' bytes from the comm_open
    assert ["pane_a", "norms"] in _dropped(colab, c)
    for key, w in zip("ab", want, strict=True):
        colab.wait_drawn(f"{root} .afn-pane-{key}", w["words"])
        assert colab.high(f"{root} .afn-pane-{key}") == w["high"]
    marked = sorted(e.text_content() for e in page.locator(f"{root} .afn-tok.afn-diff").all())
    assert marked == ["cat", "dog"]
    page.locator(root).screenshot(path=str(SHOTS / "colab-compare.png"))
    # the layer slider: moved in the browser, seen by the kernel
    page.locator(f"{root} .afn-pane-a .afn-layer").first.fill("0")
    assert colab.sees("print('LAYER', json.dumps(pair.layer))", "LAYER", 0)
    assert colab.errors == [], colab.errors
