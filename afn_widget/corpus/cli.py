"""``afn-widget corpus FILE.conllu --model M --out report.html|csv``: the corpus report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..engine import Options as EngineOptions  # the massive-activation defaults
from ..errors import AFNInputError, OutputPathError
from ..files import check_input_file, check_output, read_text_file
from ..validate import say
from .analyze import analyze_corpus
from .conllu_reader import EmptyConlluError, read_conllu
from .matching import MATCH_CHARS, MATCH_POSITION
from .names import SCORES
from .treebanks import analyze_treebanks

CORPUS_FIX = "give a .conllu file, a UTF-8 text file (one sentence a line), a folder or a glob"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``corpus`` command to the ``afn-widget`` parser."""
    p = subparsers.add_parser(
        "corpus",
        help="is the HIGH bucket filled with content words? a report over a corpus",
        description=(
            "Run a model over a CoNLL-U treebank (gold words and UPOS) or a text file (one "
            "sentence per line) and report, per layer and score, the AUROC of content vs "
            "function words (also over frequency-matched pairs and within Zipf bins), the share "
            "of content words in the HIGH bucket and its lift, a regression on lexical controls, "
            "with bootstrap 95% CIs and baselines (layer 0, word frequency, shuffled words and "
            "random weights over several seeds)."
        ),
    )
    p.add_argument(
        "file",
        help="a .conllu file, or a UTF-8 text file with one sentence a line; or a directory or "
        "a glob ('ud/**/*-dev.conllu') of .conllu files: every treebank, each written to --out",
    )
    p.add_argument("--model", help="hub name or local directory (default: bert-base-uncased)")
    p.add_argument(
        "--out",
        required=True,
        help="where to write the report: .html (summary, figure, table) or .csv (the table); "
        "for many treebanks a directory (each treebank's words and table as Parquet, "
        "report.csv and report.parquet for them all; a rerun skips the finished ones)",
    )
    p.add_argument("--words", help="also write the per-word table to this CSV file")
    p.add_argument("--layer", type=int, help="layer to highlight (default: 2/3 of the depth)")
    p.add_argument("--quantile", type=float, default=0.75, help="HIGH/LOW boundary (0.75)")
    p.add_argument(
        "--controls",
        default="shuffled,random_init",
        help="comma-separated controls to run: shuffled, random_init, or 'none'",
    )
    p.add_argument(
        "--scores",
        default="all",
        help="comma-separated scores to compute (default all): tas, tas_drop_outliers, "
        "attention, attn_norm, attn_norm_layer, delta_norm, displacement, cos_change; 'tas' alone "
        "is fastest",
    )
    p.add_argument(
        "--high",
        default="quantile",
        help="HIGH rule: quantile (score >= the quantile, the paper's) or top_k (exactly "
        "ceil(n * (1 - quantile)) words a sentence)",
    )
    p.add_argument(
        "--match-width",
        type=float,
        default=0.5,
        help="frequency-matched pairs: Zipf values closer than this (0.5)",
    )
    _add_matching(p)
    p.add_argument(
        "--include-massive",
        action="store_true",
        help="keep the words and special tokens with a massive activation at a layer in that "
        "layer's units (default: left out; the table's massive_share says how many)",
    )
    p.add_argument(
        "--massive-abs",
        type=float,
        default=EngineOptions.massive_abs,
        help=f"a massive activation's |value| is above this ({EngineOptions.massive_abs:g})",
    )
    p.add_argument(
        "--massive-ratio",
        type=float,
        default=EngineOptions.massive_ratio,
        help="... and above this times the layer's median |value| "
        f"({EngineOptions.massive_ratio:g})",
    )
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (1000)")
    p.add_argument("--seed", type=int, default=0, help="of the bootstrap (0)")
    p.add_argument(
        "--seeds",
        default="3",
        help="the controls' seeds: a number N (seed .. seed+N-1, default 3) or a "
        "comma-separated list",
    )
    p.add_argument("--limit", type=int, help="only the first N sentences")
    p.add_argument(
        "--lang",
        help="language of the word frequencies and function words (a wordfreq language; ja, "
        "ko and zh need their tokenizers installed); default: the one the UD file name gives "
        "(de_gsd-ud-dev.conllu: de), else en",
    )
    p.add_argument(
        "--mwt",
        default="fused",
        choices=("fused", "split"),
        help="CoNLL-U multi-word tokens whose words do not spell them (du = de + le): fused "
        "(default: one word, the surface form, as the model reads it) or split (each word)",
    )
    _add_where_options(p)
    p.set_defaults(func=run)
    return p


def _add_where_options(p: argparse.ArgumentParser) -> None:
    """The options of where and how the forward passes run."""
    p.add_argument(
        "--engine",
        default="local",
        choices=("local", "ray"),
        help="where the forward passes run: local (this process, the default) or ray (actors "
        'of a Ray cluster; pip install "afn-widget[ray]")',
    )
    p.add_argument(
        "--address",
        help="with --engine ray: the cluster ('auto', 'ray://host:10001'; default: a local Ray)",
    )
    p.add_argument("--workers", type=int, help="with --engine ray: actors (default: one per CPU)")
    p.add_argument(
        "--gpus-per-worker", type=float, default=0.0, help="with --engine ray: GPUs an actor (0)"
    )
    p.add_argument("--device", help="cpu, cuda, ... (default: cuda when available)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """One corpus file into the report ``--out`` (and the words into ``--words``), every
    output checked before the file is read and the model loads; or many treebanks."""
    if _many(args.file):
        return _run_treebanks(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm", ".csv"):
        raise AFNInputError(f"--out must end in .html or .csv, not {out.name!r}.")
    out = check_output(out, "report (--out)")
    words = None if args.words is None else check_output(args.words, "word table (--words)")
    sentences = _sentences(args.file, args.mwt)
    if args.limit is not None:
        sentences = sentences[: args.limit]
    report = analyze_corpus(
        sentences, args.model, lang=args.lang, progress=not args.quiet, **_options(args)
    )
    if out.suffix.lower() == ".csv":
        report.to_csv(out)
    else:
        report.to_html(out)
    if words is not None:
        report.words_to_csv(words)
    say(report.summary())
    say(f"written: {out}", sys.stderr)
    return 0


def _sentences(file: str, mwt: str = "fused") -> Any:
    """The sentences of a regular file: a CoNLL-U file's (by its suffix; a :class:`Corpus`,
    which keeps the file name and so its language), else the text file's non-blank lines."""
    path = check_input_file(file, CORPUS_FIX)
    if path.suffix.lower() != ".conllu":
        return [x for x in read_text_file(path, CORPUS_FIX).splitlines() if x.strip()]
    corpus = read_conllu(path, mwt)
    if not corpus.sentences:
        raise EmptyConlluError(str(path), 1, "no sentence in the file (it is empty)")
    return corpus


def _many(file: str) -> bool:
    """Whether ``file`` names many treebanks: a directory, or a glob that is not itself the
    name of a file (``ewt [v2].conllu`` that exists is that file)."""
    import glob

    path = Path(file)
    return path.is_dir() or (glob.has_magic(file) and not path.exists())


def _add_matching(p: argparse.ArgumentParser) -> None:
    """The options of which pairs are matched (``match_on=``)."""
    p.add_argument(
        "--match-on",
        action="append",
        help="which pairs are matched: zipf (the default), chars, pieces, position, or a "
        "combination joined by + (zipf+chars: pairs meet all); repeat for several matchings, "
        "the first is auroc_matched",
    )
    p.add_argument(
        "--match-chars",
        type=int,
        default=MATCH_CHARS,
        help=f"chars matching: word lengths differ by at most this many characters ({MATCH_CHARS})",
    )
    p.add_argument(
        "--match-position",
        type=float,
        default=MATCH_POSITION,
        help="position matching: relative positions in the sentence differ by at most this "
        f"({MATCH_POSITION:g})",
    )


def _options(args: argparse.Namespace) -> dict:
    """The keyword arguments of analyze_corpus from the command line (but the corpus, the
    model, the language and the progress bar)."""
    controls = [] if args.controls.strip().lower() == "none" else args.controls.split(",")
    options = {
        "quantile": args.quantile,
        "layer": args.layer,
        "controls": [c.strip() for c in controls if c.strip()],
        "scores": SCORES
        if args.scores.strip().lower() == "all"
        else [x.strip() for x in args.scores.split(",") if x.strip()],
        "n_boot": args.n_boot,
        "seed": args.seed,
        "seeds": _seeds(args.seeds),
        "match_width": args.match_width,
        "match_on": args.match_on or "zipf",
        "match_chars": args.match_chars,
        "match_position": args.match_position,
        "high": args.high,
        "include_massive": args.include_massive,
        "massive_abs": args.massive_abs,
        "massive_ratio": args.massive_ratio,
        "device": args.device,
        "engine": args.engine,
    }
    if args.engine == "ray":
        options["ray"] = {
            "address": args.address,
            "workers": args.workers,
            "gpus_per_worker": args.gpus_per_worker,
        }
    return options


def _run_treebanks(args: argparse.Namespace) -> int:
    """Every treebank of a directory or glob, into the directory ``--out``."""
    out = Path(args.out).expanduser()
    if out.suffix.lower() in (".html", ".htm", ".csv") or (out.exists() and not out.is_dir()):
        raise AFNInputError(f"for many treebanks --out is a directory, not {out.name!r}.")
    if args.limit is not None or args.words:
        raise AFNInputError("--limit and --words are for one file; many treebanks write "
                            "each one's words to --out.")  # fmt: skip
    _check_out_dir(out)
    table = analyze_treebanks(
        args.file, args.model, out, lang=args.lang, progress=not args.quiet, mwt=args.mwt,
        **_options(args),
    )  # fmt: skip
    n = table["treebank"].nunique()
    say(f"{n} treebanks, {len(table)} rows: {out / 'report.csv'}", sys.stderr)
    return 0


def _check_out_dir(out: Path) -> None:
    """``out`` is a folder files can be written in (its tables checked as
    :func:`~afn_widget.files.check_output` checks a file), or one that can be made: the
    nearest of its parents that exists is a writable folder."""
    if out.is_dir():
        for name in ("report.csv", "report.parquet"):
            check_output(out / name, f"table {name} of --out")
        return
    made = next((p for p in out.parents if p.exists()), Path("."))
    if not made.is_dir() or not os.access(made, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"cannot make the folder --out {str(out)!r}: {str(made)!r} is not a writable "
            "folder; choose another place."
        )


def _seeds(text: str) -> int | list[int]:
    """``N`` or ``a,b,c`` as analyze_corpus takes them."""
    parts = [x.strip() for x in text.split(",") if x.strip()]
    try:
        values = [int(x) for x in parts]
    except ValueError:
        raise AFNInputError(
            f"--seeds must be a number or a list of integers, not {text!r}."
        ) from None
    return values[0] if "," not in text and len(values) == 1 else values
