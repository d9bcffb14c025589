"""Many treebanks in one run: every ``.conllu`` of a directory or a glob, each its own report.

:func:`analyze_treebanks` checks every file first (it exists, it parses, it has sentences, its
language is one wordfreq knows — typed errors before any model loads), then runs
:func:`~.analyze.analyze_corpus` on one treebank at a time, read lazily from its file
(:func:`~.conllu_reader.iter_conllu`), with one progress bar over the sentences of them all.
Each finished treebank leaves two Parquet files in ``out``: ``<name>.words.parquet`` (its words
with their TAS at every layer, :attr:`CorpusReport.words`) and ``<name>.table.parquet`` (its
report's table), written whole under a temporary name and then renamed, the table last — a
treebank is finished when its table file exists, so a rerun after an interruption skips it. At
the end ``report.csv`` and ``report.parquet`` hold every treebank's table, a row per treebank ×
condition × score × layer, with its ``treebank`` and ``lang`` (the CSV's text cells neutralised
against spreadsheet formulas, :mod:`.csvfile`; the Parquet's as they are).

**A run folder's identity.** Every setting that changes a treebank's files is kept in both of
its files' metadata (:func:`run_identity`: the model, the treebank's language and every option
of :func:`~.analyze.analyze_corpus` but where and how fast it runs). A rerun into the same
``out`` that differs in any of them is refused before any model loads
(:class:`RunSettingsError`, naming each setting with the folder's value and the one asked for)
rather than mixed.

**A damaged file is computed again, never trusted.** On a rerun, a finished treebank's table is
read whole and its words file read through; when either cannot be read (truncated, corrupt, no
read permission, missing) a warning names the file and the reason, the treebank's two files are
removed (so that it is not finished, whenever the rerun stops) and it is computed again.

Memory: one treebank's sentences and scores at a time (what its statistics need), whatever the
number of treebanks.
"""

from __future__ import annotations

import dataclasses
import glob
import inspect
import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AFNInputError, AFNTypeError, InputFileError
from ..files import check_output_dir, special_file, writing
from ..models import DEFAULT_MODEL
from .analyze import analyze_corpus
from .conllu_reader import ConlluPathError, Corpus, iter_conllu, scan_conllu
from .csvfile import write_csv
from .language import check_language, treebank_language
from .options import check_options

SETTINGS_KEY = b"afn_widget.run"  # the run's identity, JSON (run_identity)
_DEFAULTS = {
    k: p.default
    for k, p in inspect.signature(analyze_corpus).parameters.items()
    if p.kind is p.KEYWORD_ONLY
}
# where and how fast a run goes, not what it finds: left out of a run's identity
WHERE = ("engine", "ray", "device", "progress", "token_budget", "chunk_size")
TABLE, WORDS = ".table.parquet", ".words.parquet"


class RunSettingsError(AFNInputError):
    """A rerun into a run folder with settings other than those the folder was run with.
    ``differences``: each differing setting's ``(folder's value, asked value)``."""

    def __init__(self, folder: Path, treebank: str, differences: dict[str, tuple]) -> None:
        self.folder = folder
        self.treebank = treebank
        self.differences = differences
        was = ", ".join(f"{k}={v!r}" for k, (v, _) in differences.items())
        asked = ", ".join(f"{k}={v!r}" for k, (_, v) in differences.items())
        super().__init__(
            f"{folder}: this folder was run with {was} (treebank {treebank}); you asked for "
            f"{asked}: use another --out folder or the same settings."
        )


class _NotRecorded:
    """The value of a setting a folder's files do not hold."""

    def __repr__(self) -> str:
        return "(not recorded)"


NOT_RECORDED = _NotRecorded()


@dataclass(frozen=True)
class Treebank:
    """One ``.conllu`` file, checked: its name (the file's stem), language and sentences."""

    path: Path
    name: str
    lang: str
    n_sentences: int


def find_treebanks(spec: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The ``.conllu`` files of ``spec``: a directory (searched recursively), a glob pattern, a
    file, or a list of any of these; sorted, each once. A path that exists is never a glob
    (``ud [v2]/`` is that folder)."""
    if not isinstance(spec, (str, os.PathLike)):
        return sorted({p for s in spec for p in find_treebanks(s)})
    text = str(spec)
    if glob.has_magic(text) and not Path(text).exists():
        found = [Path(p) for p in glob.glob(text, recursive=True) if p.endswith(".conllu")]
    elif Path(text).is_dir():
        found = list(Path(text).rglob("*.conllu"))
    elif Path(text).is_file() or special_file(Path(text)):
        found = [Path(text)]  # a pipe or device: scan_conllu names it
    else:
        raise ConlluPathError(f"{text}: no such file or directory.")
    if not found:
        raise ConlluPathError(f"{text}: no .conllu file there.")
    return sorted(found)


def check_treebanks(paths: list[Path], lang: str | None = None) -> list[Treebank]:
    """Every file read through (:func:`~.conllu_reader.scan_conllu`) and its language: ``lang``,
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
    mwt: str = "fused",
    **options: Any,
) -> Any:
    """Every treebank of ``spec`` (see :func:`find_treebanks`) through
    :func:`~.analyze.analyze_corpus` (``options``: its keyword arguments, ``engine="ray"``
    included; ``mwt``: how multi-word tokens are read, :func:`~.conllu_reader.read_conllu`),
    the finished ones skipped; the combined table (a pandas DataFrame), also written
    to ``out/report.csv`` and ``out/report.parquet``. See the module docstring for the files."""
    from tqdm import tqdm

    _require_pyarrow()
    unknown = sorted(set(options) - set(_DEFAULTS))
    if unknown:
        raise AFNTypeError(f"unknown options {unknown}; see help(analyze_corpus) for them.")
    banks = check_treebanks(find_treebanks(spec), lang)
    out = check_output_dir(out, ("report.csv", "report.parquet"))  # before any model loads
    out.mkdir(parents=True, exist_ok=True)
    identity = {b.name: run_identity(model, b.lang, options) | {"mwt": mwt} for b in banks}
    todo = [b for b in banks if not _finished(out, b, identity[b.name])]
    total = sum(b.n_sentences for b in todo)
    desc = f"{len(todo)} of {len(banks)} treebanks"
    with tqdm(total=total, desc=desc, unit="sentence", disable=not progress) as bar:
        for b in todo:
            bar.set_postfix_str(b.name)
            report = analyze_corpus(
                iter_conllu(b.path, mwt), model, lang=b.lang, progress=bar, **options
            )
            _write(report.words, b, out / (b.name + WORDS), identity[b.name])
            _write(report.table, b, out / (b.name + TABLE), identity[b.name])
    return combine(out, banks)


def combine(out: Path, banks: list[Treebank]) -> Any:
    """The tables of ``banks`` one under the other, written as ``report.csv`` (text cells
    neutralised, :func:`~.csvfile.write_csv`) and ``report.parquet`` (values as they are)."""
    import pandas as pd

    frame = pd.concat([pd.read_parquet(out / (b.name + TABLE)) for b in banks], ignore_index=True)
    write_csv(frame, out / "report.csv")
    _atomic_parquet(frame, out / "report.parquet", {})
    return frame


def run_identity(model: Any, lang: str, options: dict[str, Any]) -> dict[str, Any]:
    """Every setting that changes a treebank's files, as JSON values: the model (its name or
    path; ``None`` is the default model's name), ``lang``, every field of the checked
    :class:`~.options.Options` (defaults filled in, ``seeds`` as the list of seeds, the controls
    and scores in their canonical order) and the highlighted ``layer`` — but those of
    :data:`WHERE` (the engine and its settings, the device, the batch sizes)."""
    merged = {**_DEFAULTS, **options}
    checked = inspect.signature(check_options).parameters
    asked = {k: merged[k] for k in checked if k in merged and k != "lang"}
    opts = check_options([""], **asked, lang=lang)
    fields = {f.name: getattr(opts, f.name) for f in dataclasses.fields(opts)}
    fields["controls"] = fields.pop("conditions")[1:]
    fields["match_on"] = _matchings(opts)
    if fields["match_on"] is None:  # the default: as runs before match_on were written
        del fields["match_on"]
    identity = {"model": _model_label(model), "lang": lang, "layer": merged["layer"]}
    identity |= {k: v for k, v in fields.items() if k not in WHERE and k not in identity}
    return json.loads(json.dumps(identity))  # tuples as lists, as read back


def _matchings(opts: Any) -> list[dict[str, Any]] | None:
    """The matchings of ``match_on`` with the widths they use, ``None`` for the default
    (``"zipf"`` alone at ``match_width``, which the identity holds already)."""
    found = []
    for m in opts.matchings:
        one: dict[str, Any] = {"on": list(m.on)}
        if "chars" in m.on:
            one["chars"] = m.chars
        if "position" in m.on:
            one["position"] = m.position
        found.append(one)
    return None if found == [{"on": ["zipf"]}] else found


def _model_label(model: Any) -> str:
    """The model's name or path: ``None`` is the default model."""
    if model is None:
        return DEFAULT_MODEL
    if isinstance(model, (str, os.PathLike)):
        return str(model)
    if isinstance(getattr(model, "name", None), str):  # a LoadedModel
        return model.name
    mdl = model[0] if isinstance(model, tuple) else getattr(model, "model", model)
    return getattr(getattr(mdl, "config", None), "_name_or_path", "") or type(mdl).__name__


def _finished(out: Path, b: Treebank, identity: dict[str, Any]) -> bool:
    """Whether ``b``'s files in ``out`` are a finished run of ``identity``: no table, or a
    damaged table or words file (warned about by name), is not finished; readable files made
    with other settings raise :class:`RunSettingsError`."""
    table, words = out / (b.name + TABLE), out / (b.name + WORDS)
    if not table.exists():
        return False
    try:
        stored = [_stored_identity(table, whole=True), _stored_identity(words, whole=False)]
    except _Damaged as exc:
        warnings.warn(f"{exc}: treebank {b.name} is computed again.", stacklevel=3)
        _discard(table, words)
        return False
    for path, found in zip((table, words), stored, strict=True):
        if found is None:
            raise AFNInputError(
                f"{path} records no run settings (an earlier version wrote it): use another "
                "--out folder, or delete the treebank's files there to redo it."
            )
        differences = _differences(found, identity)
        if differences:
            raise RunSettingsError(out, b.name, differences)
    return True


class _Damaged(Exception):
    """A run file that cannot be read; the message names it and why."""


def _stored_identity(path: Path, whole: bool) -> dict[str, Any] | None:
    """The identity in ``path``'s metadata (``None`` when it holds none), after reading the
    file whole (``whole``) or through, one batch at a time; :class:`_Damaged` when it cannot
    be read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if whole:
            meta = pq.read_table(path).schema.metadata or {}
        else:
            f = pq.ParquetFile(path)
            for _ in f.iter_batches():
                pass
            meta = f.schema_arrow.metadata or {}
        raw = meta.get(SETTINGS_KEY)
        return None if raw is None else dict(json.loads(raw.decode("utf-8")))
    except FileNotFoundError:
        raise _Damaged(f"{path} is missing") from None
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise _Damaged(f"{path} cannot be read ({exc})") from None


def _discard(*paths: Path) -> None:
    """Remove a treebank's damaged files (the table first: it marks the treebank finished)."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise InputFileError(
                f"{path} is damaged and cannot be removed ({exc.strerror or exc}): delete it, "
                "or use another --out folder."
            ) from None


def _differences(found: dict[str, Any], asked: dict[str, Any]) -> dict[str, tuple]:
    """Each setting whose value differs, ``(found, asked)``: in ``asked``'s order, then those
    only ``found`` has."""
    keys = list(asked) + [k for k in found if k not in asked]
    pairs = {k: (found.get(k, NOT_RECORDED), asked.get(k, NOT_RECORDED)) for k in keys}
    return {k: (a, b) for k, (a, b) in pairs.items() if a != b}


def _write(frame: Any, b: Treebank, path: Path, identity: dict[str, Any]) -> None:
    frame = frame.copy()
    frame.insert(0, "lang", b.lang)
    frame.insert(0, "treebank", b.name)
    _atomic_parquet(frame, path, {SETTINGS_KEY: json.dumps(identity).encode()})


def _atomic_parquet(frame: Any, path: Path, meta: dict[bytes, bytes]) -> None:
    """``frame`` as Parquet at ``path``, whole or not at all (:func:`afn_widget.files.writing`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    with writing(path) as tmp:
        pq.write_table(table, tmp)


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise AFNInputError(
            'writing treebanks as Parquet needs pyarrow: pip install "afn-widget[ray]" (or '
            "pip install pyarrow)."
        ) from None
