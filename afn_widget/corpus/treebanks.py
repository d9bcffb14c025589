"""Many treebanks in one run: every ``.conllu`` of a directory or a glob, each its own report.

:func:`analyze_treebanks` checks every file first (it exists, it parses, it has sentences, its
language is one wordfreq knows — typed errors before any model loads), then runs
:func:`~.analyze.analyze_corpus` on one treebank at a time, read lazily from its file
(:func:`~afn_widget.conllu.iter_conllu`), with one progress bar over the sentences of them all.
Each finished treebank leaves two Parquet files in ``out``: ``<name>.words.parquet`` (its words
with their TAS at every layer, :attr:`CorpusReport.words`) and ``<name>.table.parquet`` (its
report's table), written whole under a temporary name and then renamed, the table last — a
treebank is finished when its table file exists, so a rerun after an interruption skips it. The
settings of the run are kept in each table file's metadata, and a rerun with other settings
into the same ``out`` is refused rather than mixed. At the end ``report.csv`` and
``report.parquet`` hold every treebank's table, a row per treebank × condition × score ×
layer, with its ``treebank`` and ``lang``.

Memory: one treebank's sentences and scores at a time (what its statistics need), whatever the
number of treebanks.
"""

from __future__ import annotations

import glob
import inspect
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..conllu import ConlluPathError, Corpus, iter_conllu, scan_conllu
from ..errors import AFNInputError
from .analyze import analyze_corpus
from .language import check_language, treebank_language

SETTINGS_KEY = b"afn_widget.settings"
_DEFAULTS = {
    k: p.default
    for k, p in inspect.signature(analyze_corpus).parameters.items()
    if p.kind is p.KEYWORD_ONLY
}
TABLE, WORDS = ".table.parquet", ".words.parquet"


@dataclass(frozen=True)
class Treebank:
    """One ``.conllu`` file, checked: its name (the file's stem), language and sentences."""

    path: Path
    name: str
    lang: str
    n_sentences: int


def find_treebanks(spec: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The ``.conllu`` files of ``spec``: a directory (searched recursively), a glob pattern, a
    file, or a list of any of these; sorted, each once."""
    if not isinstance(spec, (str, os.PathLike)):
        return sorted({p for s in spec for p in find_treebanks(s)})
    text = str(spec)
    if glob.has_magic(text):
        found = [Path(p) for p in glob.glob(text, recursive=True) if p.endswith(".conllu")]
    elif Path(text).is_dir():
        found = list(Path(text).rglob("*.conllu"))
    elif Path(text).is_file():
        found = [Path(text)]
    else:
        raise ConlluPathError(f"{text}: no such file or directory.")
    if not found:
        raise ConlluPathError(f"{text}: no .conllu file there.")
    return sorted(found)


def check_treebanks(paths: list[Path], lang: str | None = None) -> list[Treebank]:
    """Every file read through (:func:`~afn_widget.conllu.scan_conllu`) and its language: ``lang``,
    or the one its UD file name names (``en_ewt-ud-dev.conllu``: ``en``). The errors of all the
    languages at once."""
    names = [p.name.removesuffix(".conllu") for p in paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise AFNInputError(f"two treebanks share a file name ({', '.join(twice)}); rename one.")
    out, bad = [], []
    for p, name in zip(paths, names, strict=True):
        n = scan_conllu(p)
        code = lang
        if code is None:
            named = treebank_language(Corpus([], str(p)))
            if named is None:
                bad.append(f"{p.name}: its name gives no language (pass --lang)")
                continue
            code = named[0]
        try:
            code = check_language(code)
        except AFNInputError as exc:
            bad.append(f"{p.name}: {exc}")
            continue
        out.append(Treebank(p, name, code, n))
    if bad:
        raise AFNInputError("treebanks that cannot be analysed:\n  " + "\n  ".join(bad))
    return out


def analyze_treebanks(
    spec: str | os.PathLike | Iterable[str | os.PathLike],
    model: Any = None,
    out: str | os.PathLike = "treebanks",
    *,
    lang: str | None = None,
    progress: bool = True,
    **options: Any,
) -> Any:
    """Every treebank of ``spec`` (see :func:`find_treebanks`) through
    :func:`~.analyze.analyze_corpus` (``options``: its keyword arguments, ``engine="ray"``
    included), the finished ones skipped; the combined table (a pandas DataFrame), also written
    to ``out/report.csv`` and ``out/report.parquet``. See the module docstring for the files."""
    from tqdm import tqdm

    _require_pyarrow()
    banks = check_treebanks(find_treebanks(spec), lang)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(model, options)
    todo = [b for b in banks if not _finished(out, b, settings)]
    total = sum(b.n_sentences for b in todo)
    desc = f"{len(todo)} of {len(banks)} treebanks"
    with tqdm(total=total, desc=desc, unit="sentence", disable=not progress) as bar:
        for b in todo:
            bar.set_postfix_str(b.name)
            report = analyze_corpus(
                iter_conllu(b.path), model, lang=b.lang, progress=bar, **options
            )
            _write(report.words, b, out / (b.name + WORDS), settings)
            _write(report.table, b, out / (b.name + TABLE), settings)
    return combine(out, banks)


def combine(out: Path, banks: list[Treebank]) -> Any:
    """The tables of ``banks`` one under the other, written as ``report.csv`` and
    ``report.parquet``."""
    import pandas as pd

    frame = pd.concat([pd.read_parquet(out / (b.name + TABLE)) for b in banks], ignore_index=True)
    frame.to_csv(out / "report.csv", index=False)
    _atomic_parquet(frame, out / "report.parquet", {})
    return frame


def _settings(model: Any, options: dict[str, Any]) -> str:
    """What makes two runs' tables comparable, as JSON: the options of analyze_corpus with
    its defaults filled in (but where and how it runs: the engine, its settings, the device)."""
    merged = {**_DEFAULTS, **options}
    where = ("engine", "ray", "device", "progress", "lang", "chunk_size", "token_budget")
    same = {k: list(v) if isinstance(v, tuple) else v for k, v in merged.items() if k not in where}
    label = model if isinstance(model, (str, type(None))) else _model_name(model)
    return json.dumps({"model": label, **same}, sort_keys=True, default=str)


def _model_name(model: Any) -> str:
    mdl = model[0] if isinstance(model, tuple) else getattr(model, "model", model)
    return getattr(getattr(mdl, "config", None), "_name_or_path", "") or type(mdl).__name__


def _finished(out: Path, b: Treebank, settings: str) -> bool:
    """Whether ``b``'s table is in ``out``, made with the same settings (else an error)."""
    import pyarrow.parquet as pq

    path = out / (b.name + TABLE)
    if not path.exists():
        return False
    meta = pq.read_schema(path).metadata or {}
    if meta.get(SETTINGS_KEY, b"").decode() != settings:
        raise AFNInputError(
            f"{path} was made with other settings; write to another --out, or delete the "
            "treebank's files there to redo it."
        )
    return True


def _write(frame: Any, b: Treebank, path: Path, settings: str) -> None:
    frame = frame.copy()
    frame.insert(0, "lang", b.lang)
    frame.insert(0, "treebank", b.name)
    _atomic_parquet(frame, path, {SETTINGS_KEY: settings.encode()})


def _atomic_parquet(frame: Any, path: Path, meta: dict[bytes, bytes]) -> None:
    """``frame`` as Parquet at ``path``, whole or not at all (a temporary file, renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise AFNInputError(
            'writing treebanks as Parquet needs pyarrow: pip install "afn-widget[ray]" (or '
            "pip install pyarrow)."
        ) from None
