"""Read CoNLL-U treebanks (Universal Dependencies) into sentences of gold words.

Only what the corpus analysis needs is kept: each syntactic word's form and UPOS, the sentence
text and where each word sits in it. The rules:

* ``# text = ...`` and ``# sent_id = ...`` comments are read; other comments are ignored.
* Word lines (integer ID) must be numbered ``1, 2, 3, ...`` within a sentence.
* A multi-word token (``3-4  didn't`` over ``did`` + ``n't``) is one surface token over several
  syntactic words, each keeping its own form and UPOS. When the words' forms spell the surface
  form exactly (``did`` + ``n't`` = ``didn't``), each word gets its own part of the token's
  span; otherwise (``gonna`` = ``gon`` + ``na`` is fine, Spanish ``del`` = ``de`` + ``el`` is
  not) all its words share the whole token's span, and so the same subword pieces.
* ``mwt="fused"`` (the default): the words of a multi-word token whose forms do not spell the
  surface form (``du`` = ``de`` + ``le``, ``zum`` = ``zu`` + ``dem``) become one word, the
  surface form, with the UPOS of its first content word (else of its first word): those words
  would share the token's subword pieces, so the model gives them one score, and counting it
  twice would weigh it double and pair it with itself; its frequency is the surface form's. A
  token whose words spell it (``did`` + ``n't``) keeps its words, each with its own pieces.
  ``mwt="split"`` keeps every syntactic word (:func:`~.multiword.fuse_tokens` is not applied).
* Empty nodes (``8.1``) are not surface words and are skipped.
* The text is the ``# text`` comment when every surface token can be found in it in order
  (whitespace between them skipped); otherwise it is rebuilt from the surface forms and
  ``SpaceAfter=No``.
* IDs are ASCII digits without leading zeros (``²`` and ``١`` are digits to Python, not to
  CoNLL-U).

**The ``conllu`` library and what is ours.** The library (``conllu.parser``) reads the fields
of a line: the ID (``parse_id_value``: a word ``3``, a multi-word token ``3-4`` or an empty
node ``8.1``; anything else, ``01`` and ``8.0`` among them, it refuses), the MISC attributes
(``parse_dict_value``: ``SpaceAfter=No``), a missing UPOS (``parse_nullable_value``: ``_``) and
the comments (``parse_comment_line``: ``# key = value``). Ours, around it: the bytes (UTF-8 and
the checks below); the lines grouped into sentences with their line numbers (the library's
``parse_incr`` keeps none, so none of its errors could say where); the split into exactly ten
tab-separated columns (the library also splits at two spaces, which would cut a FORM holding
them, and takes fewer columns); the numbering, which the library leaves alone (words ``1, 2,
3, ...``; a multi-word token starts at the next word, covers two words or more and does not
overlap the previous one — the library takes ``3-3`` and IDs in any order); comments before a
sentence's words only; a FORM never empty; and the alignment of the words to ``# text``. The
library is imported when a file is first read, so that the corpus package and the command line
load without it.

A malformed file raises :class:`ConlluError` (an :class:`~afn_widget.errors.AFNInputError`)
naming the file, the line, the cause and the fix: among them a binary or compressed file, text
that is not UTF-8, a byte-order mark at the start of a line other than the first (files joined
with ``cat``) and a carriage return inside a line (CR-only line endings). A file that cannot be
opened or read (no read permission, a read error) raises
:class:`~afn_widget.errors.InputFileError`. :func:`scan_conllu` reads a file through without
keeping it (a path that does not exist or is a directory: :class:`ConlluPathError`; a named pipe
or device, which cannot be read twice: :class:`~afn_widget.errors.InputFileError`; no sentence:
:class:`EmptyConlluError`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import AFNError, AFNInputError, InputFileError
from ..files import special_file

MWT_MODES = ("fused", "split")
CONTENT_UPOS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM", "INTJ"})
PUNCT_UPOS = frozenset({"PUNCT", "SYM"})
FORMAT_HELP = (
    "CoNLL-U needs one word per line with 10 tab-separated columns (ID FORM LEMMA UPOS XPOS "
    "FEATS HEAD DEPREL DEPS MISC), a blank line after each sentence; see "
    "universaldependencies.org/format.html."
)
INSTALL = 'pip install "afn-widget[corpus]"'
# the first bytes of compressed or archived files someone may take for a treebank
_PACKED = {
    b"\x1f\x8b": ("gzip-compressed", "gunzip FILE"),
    b"BZh": ("bzip2-compressed", "bunzip2 FILE"),
    b"\xfd7zXZ\x00": ("xz-compressed", "unxz FILE"),
    b"\x28\xb5\x2f\xfd": ("zstd-compressed", "unzstd FILE"),
    b"PK\x03\x04": ("a zip archive", "unzip FILE"),
}


class ConlluError(AFNInputError):
    """A CoNLL-U file that cannot be read; ``source`` and ``line`` say where."""

    def __init__(self, source: str, line: int, problem: str, fix: str = FORMAT_HELP) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        super().__init__(f"{source}, line {line}: {problem}. {fix}")


class ConlluPathError(AFNInputError, FileNotFoundError):
    """A path given as a CoNLL-U file that is not a readable file."""


class EmptyConlluError(ConlluError):
    """A CoNLL-U file with no sentence in it."""


class ConlluUnavailableError(AFNError, ImportError):
    """The ``conllu`` library, which reads the fields of each line, is not installed."""


def _conllu_parser() -> Any:
    """The ``conllu`` library's field readers (``conllu.parser``), or
    :class:`ConlluUnavailableError` saying what to install."""
    try:
        from conllu import parser
    except ImportError as exc:
        raise ConlluUnavailableError(
            f"reading CoNLL-U needs the conllu library ({exc}); install it with {INSTALL}."
        ) from None
    return parser


def scan_conllu(path: str | os.PathLike) -> int:
    """The number of sentences of a CoNLL-U file, read through one sentence at a time (memory
    does not grow with the file); the typed error of the first problem."""
    p = Path(path)
    if not p.is_file():
        special = special_file(p)
        if special is not None:
            raise InputFileError(
                f"{p} is {special}, not a file: a treebank is read twice (checked, then "
                "analysed), which a pipe or device cannot give; save it to a .conllu file first."
            )
        what = "is a directory" if p.is_dir() else "does not exist"
        raise ConlluPathError(f"{p}: {what}; give a .conllu file, a directory or a glob of them.")
    n = sum(1 for _ in iter_conllu(p))
    if n == 0:
        raise EmptyConlluError(str(p), 1, "no sentence in the file (it is empty)")
    return n


def upos_role(upos: str) -> str:
    """The role of a gold word from its UPOS tag.

    ``content`` = NOUN PROPN VERB ADJ ADV NUM INTJ; ``punctuation`` = PUNCT SYM; ``function`` =
    every other tag (ADP AUX CCONJ DET PART PRON SCONJ X).
    """
    from ..words import CONTENT, FUNCTION, PUNCTUATION

    if upos in CONTENT_UPOS:
        return CONTENT
    if upos in PUNCT_UPOS:
        return PUNCTUATION
    return FUNCTION


@dataclass(frozen=True)
class Sentence:
    """One sentence of gold words.

    ``spans[k]`` is the ``(start, end)`` character span of word ``k`` in ``text`` (see the
    module docstring for multi-word tokens). ``token_index[k]`` is the surface token word ``k``
    belongs to (``None``: one token per word). ``upos`` is ``None`` when the treebank gives no
    tag (``_``) for some word.
    """

    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    text: str
    upos: tuple[str, ...] | None = None
    sent_id: str | None = None
    line: int = 0  # line of the sentence's first line in the file (1-based), 0 if unknown
    token_index: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.words)

    @property
    def roles(self) -> list[str] | None:
        """Gold roles from UPOS (see :func:`upos_role`), or ``None`` without UPOS."""
        return None if self.upos is None else [upos_role(u) for u in self.upos]

    def shuffled(self, rng: Any) -> Sentence:
        """The same words in a random order (``rng``: a ``numpy.random.Generator``).

        Surface tokens are shuffled (the words of a multi-word token stay together) and joined
        by single spaces; words keep their forms and tags.
        """
        index = self.token_index or tuple(range(len(self.words)))
        tokens: list[list[int]] = []
        for k, t in enumerate(index):
            if k and t == index[k - 1]:
                tokens[-1].append(k)
            else:
                tokens.append([k])
        order = rng.permutation(len(tokens)) if tokens else []
        words, spans, upos, token_index, parts = [], [], [], [], []
        pos = 0
        for new, t in enumerate(order):
            ks = tokens[int(t)]
            s = min(self.spans[k][0] for k in ks)
            e = max(self.spans[k][1] for k in ks)
            if parts:
                parts.append(" ")
                pos += 1
            parts.append(self.text[s:e])
            for k in ks:
                a, b = self.spans[k]
                words.append(self.words[k])
                spans.append((pos + a - s, pos + b - s))
                token_index.append(new)
                if self.upos is not None:
                    upos.append(self.upos[k])
            pos += e - s
        return Sentence(
            tuple(words),
            tuple(spans),
            "".join(parts),
            tuple(upos) if self.upos is not None else None,
            self.sent_id,
            self.line,
            tuple(token_index),
        )


@dataclass
class Corpus:
    """The sentences of a treebank, in file order. Iterable, indexable, sliceable."""

    sentences: list[Sentence]
    source: str = ""

    @property
    def lang(self) -> str | None:
        """The language the UD file name gives (``de_gsd-ud-dev.conllu`` → ``de``), or
        ``None``."""
        from .language import treebank_language

        found = treebank_language(Corpus([], self.source))
        return None if found is None else found[0]

    def __len__(self) -> int:
        return len(self.sentences)

    def __iter__(self) -> Iterator[Sentence]:
        return iter(self.sentences)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return Corpus(self.sentences[index], self.source)
        return self.sentences[index]

    @property
    def has_upos(self) -> bool:
        """True when every sentence has a UPOS tag for every word."""
        return bool(self.sentences) and all(s.upos is not None for s in self.sentences)

    @property
    def n_words(self) -> int:
        return sum(len(s) for s in self.sentences)

    def __repr__(self) -> str:
        return (
            f"Corpus({self.source!r}, sentences={len(self)}, words={self.n_words}, "
            f"upos={self.has_upos})"
        )


def read_conllu(source: str | os.PathLike | IO, mwt: str = "fused") -> Corpus:
    """Every sentence of a CoNLL-U file (a path or an open file), as a :class:`Corpus`; its
    ``lang`` is the one the UD file name gives. ``mwt``: ``"fused"`` or ``"split"`` (see the
    module docstring)."""
    name = _name(source)
    return Corpus(list(iter_conllu(source, mwt)), name)


def iter_conllu(source: str | os.PathLike | IO, mwt: str = "fused") -> Iterator[Sentence]:
    """The sentences of a CoNLL-U file one at a time (for files too large to hold); ``mwt``
    checked at once."""
    _check_mwt(mwt)
    return _iter(source, mwt)


def _iter(source: str | os.PathLike | IO, mwt: str) -> Iterator[Sentence]:
    name = _name(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            fh = open(source, "rb")  # closed by the with below; an error typed here
        except OSError as exc:
            raise _unreadable(name, exc) from None
        with fh:
            yield from _fused(_parse(_decoded(fh, name), name), mwt)
    else:
        yield from _fused(_parse(_decoded(source, name), name), mwt)


def parse_conllu(text: str, source: str = "<string>", mwt: str = "fused") -> Corpus:
    """Parse CoNLL-U held in a string."""
    _check_mwt(mwt)
    return Corpus(list(_fused(_parse(enumerate(io.StringIO(text), start=1), source), mwt)), source)


def _check_mwt(mwt: object) -> None:
    if mwt not in MWT_MODES:
        raise AFNInputError(f"mwt must be one of {MWT_MODES}, not {mwt!r}.")


def _fused(sentences: Iterable[Sentence], mwt: str) -> Iterator[Sentence]:
    from .multiword import fuse_tokens

    for s in sentences:
        yield fuse_tokens(s, CONTENT_UPOS) if mwt == "fused" else s


def _name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(Path(source))
    return str(getattr(source, "name", "<file>"))


def _unreadable(name: str, exc: OSError) -> InputFileError:
    """The typed error of a file the system will not let us read."""
    if isinstance(exc, PermissionError):
        fix = "give read permission (chmod u+r) or move it out of the folder"
    elif isinstance(exc, IsADirectoryError):
        fix = "give a .conllu file, not a folder"
    else:
        fix = "check the disk or copy the file elsewhere, then run again"
    return InputFileError(f"{name} cannot be read ({exc.strerror or exc}): {fix}.")


def _lines(fh: Any, name: str) -> Iterator[Any]:
    """The lines of an open file, a read error as a typed one."""
    it = iter(fh)
    while True:
        try:
            line = next(it)
        except StopIteration:
            return
        except OSError as exc:
            raise _unreadable(name, exc) from None
        yield line


def _decoded(fh: Any, name: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(_lines(fh, name), start=1):
        if isinstance(raw, bytes):
            if number == 1:
                _refuse_packed(raw, name)
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ConlluError(
                    name,
                    number,
                    f"not valid UTF-8 ({exc.reason} at byte {exc.start})",
                    "A treebank is UTF-8 text: convert a file in another encoding (iconv -f "
                    "LATIN1 -t UTF-8 FILE); a binary file is not a treebank.",
                ) from None
        yield number, raw


def _refuse_packed(first: bytes, name: str) -> None:
    """A compressed file or archive, by its first bytes: the error naming how to unpack it."""
    for magic, (what, command) in _PACKED.items():
        if first.startswith(magic):
            raise ConlluError(
                name, 1, f"the file is {what}, not text", f"Unpack it first ({command})."
            )


class _Builder:
    """The lines of one sentence so far."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.fields = _conllu_parser()
        self.reset()

    def reset(self) -> None:
        self.first_line = 0
        self.text: str | None = None
        self.sent_id: str | None = None
        self.words: list[str] = []
        self.upos: list[str | None] = []
        self.token_of_word: list[int] = []
        self.tokens: list[tuple[str, bool]] = []  # surface form, space after
        self.mwt_end = 0  # last word id covered by the open multi-word token

    @property
    def empty(self) -> bool:
        return not self.words and self.first_line == 0

    def error(self, line: int, problem: str) -> ConlluError:
        return ConlluError(self.source, line, problem)

    def comment(self, number: int, line: str) -> None:
        if self.first_line == 0:
            self.first_line = number
        if self.words:
            raise self.error(number, "a comment line inside a sentence (comments come first)")
        for key, value in self.fields.parse_comment_line(line):
            if key == "text":
                self.text = value
            elif key == "sent_id":
                self.sent_id = value

    def word(self, number: int, line: str) -> None:
        if self.first_line == 0:
            self.first_line = number
        cols = line.split("\t")
        if len(cols) != 10:
            raise self.error(number, f"expected 10 tab-separated columns, found {len(cols)}")
        wid, form, _lemma, upos, *_rest, misc = cols
        ident = self.identifier(number, wid)
        space_after = (self.fields.parse_dict_value(misc) or {}).get("SpaceAfter") != "No"
        if isinstance(ident, tuple):
            lo, kind, hi = ident
            if kind == "-":
                self.multiword(number, wid, lo, hi, form, space_after)
            return  # an empty node (8.1) is not a surface word
        if ident != len(self.words) + 1:
            raise self.error(number, f"word ID {wid} out of order (expected {len(self.words) + 1})")
        if form == "":
            raise self.error(number, "empty FORM column")
        if ident > self.mwt_end:
            self.tokens.append((form, space_after))
        self.words.append(form)
        self.upos.append(self.fields.parse_nullable_value(upos))
        self.token_of_word.append(len(self.tokens) - 1)

    def identifier(self, number: int, wid: str) -> int | tuple[int, str, int]:
        """The library's reading of an ID (``3``, ``(3, "-", 4)``, ``(8, ".", 1)``), or the
        error naming what ``wid`` was meant to be."""
        try:
            ident = self.fields.parse_id_value(wid)
        except self.fields.ParseException:
            ident = None
        if ident is not None:
            return ident
        if "." in wid:
            raise self.error(number, f"bad empty-node ID {wid!r} (expected e.g. 8.1)")
        if "-" in wid:
            raise self.error(number, f"bad multi-word token range {wid!r} (expected e.g. 3-4)")
        raise self.error(number, f"bad word ID {wid!r} (expected 1, 2, 3 ...)")

    def multiword(
        self, number: int, wid: str, lo: int, hi: int, form: str, space_after: bool
    ) -> None:
        """A multi-word token over words ``lo .. hi``: one surface token."""
        if lo != len(self.words) + 1 or hi <= lo:
            raise self.error(
                number,
                f"multi-word token {wid} should start at word {len(self.words) + 1} "
                "and span at least two words",
            )
        if self.mwt_end >= lo:
            raise self.error(number, f"multi-word token {wid} overlaps the previous one")
        self.tokens.append((form, space_after))
        self.mwt_end = hi

    def finish(self, number: int) -> Sentence:
        if not self.words:
            raise self.error(number, "a sentence with comments but no word lines")
        if self.mwt_end > len(self.words):
            raise self.error(
                number,
                f"the sentence ends at word {len(self.words)} inside a multi-word token "
                f"that runs to {self.mwt_end}",
            )
        token_spans = _align(self.tokens, self.text)
        if token_spans is None:
            text, token_spans = _rebuild(self.tokens)
        else:
            text = self.text or ""
        spans = _word_spans(self.words, self.token_of_word, token_spans, text)
        upos = None if any(u is None for u in self.upos) else tuple(self.upos)
        sentence = Sentence(
            tuple(self.words),
            spans,
            text,
            upos,  # type: ignore[arg-type]
            self.sent_id,
            self.first_line,
            tuple(self.token_of_word),
        )
        self.reset()
        return sentence


def _word_spans(
    words: list[str], token_of_word: list[int], token_spans: list[tuple[int, int]], text: str
) -> tuple[tuple[int, int], ...]:
    """Each word's span: its token's, split among the words of a multi-word token when their
    forms spell the token exactly."""
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(words):
        t = token_of_word[k]
        j = k
        while j + 1 < len(words) and token_of_word[j + 1] == t:
            j += 1
        s, e = token_spans[t]
        group = words[k : j + 1]
        if len(group) > 1 and "".join(group) == text[s:e]:
            for w in group:
                spans.append((s, s + len(w)))
                s += len(w)
        else:
            spans.extend([(s, e)] * len(group))
        k = j + 1
    return tuple(spans)


def _align(tokens: list[tuple[str, bool]], text: str | None) -> list[tuple[int, int]] | None:
    """Spans of the surface tokens found in order in ``text``, or None when one is missing."""
    if text is None:
        return None
    spans = []
    pos = 0
    for form, _ in tokens:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith(form, pos):
            return None
        spans.append((pos, pos + len(form)))
        pos += len(form)
    return spans if not text[pos:].strip() else None


def _rebuild(tokens: list[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    parts, spans, pos = [], [], 0
    for form, space_after in tokens:
        spans.append((pos, pos + len(form)))
        parts.append(form)
        pos += len(form)
        if space_after:
            parts.append(" ")
            pos += 1
    return "".join(parts).rstrip(" "), spans


def _check_line(line: str, number: int, source: str) -> None:
    """The errors of characters no CoNLL-U line holds, each naming its likely cause: a NUL byte
    (a binary file), a byte-order mark at the start of a line (files joined with ``cat`` keep
    each one's), a carriage return (CR-only line endings)."""
    if "\x00" in line:
        raise ConlluError(
            source, number, "a NUL byte: this is a binary file, not CoNLL-U text",
            "Give the .conllu text file of the treebank (a compressed one unpacked first).",
        )  # fmt: skip
    if line.startswith("\ufeff"):
        raise ConlluError(
            source, number, "a byte-order mark (U+FEFF) at the start of a line inside the file, "
            "as files joined with cat leave it",
            "Remove it (sed -i 's/^\\xEF\\xBB\\xBF//' FILE) or join the files without their marks.",
        )  # fmt: skip
    if "\r" in line:
        raise ConlluError(
            source, number, "a carriage return (CR) inside the line: the file has CR-only "
            "(classic Mac) line endings, or a stray CR",
            "Convert its line endings to LF (tr '\\r' '\\n' < FILE > NEW.conllu).",
        )  # fmt: skip


def _parse(lines: Iterable[tuple[int, str]], source: str) -> Iterator[Sentence]:
    b = _Builder(source)
    number = 0
    for number, raw in lines:
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.lstrip("\ufeff")
        _check_line(line, number, source)
        if not line.strip():
            if not b.empty:
                yield b.finish(number)
            continue
        if line.startswith("#"):
            b.comment(number, line)
        else:
            b.word(number, line)
    if not b.empty:
        yield b.finish(number + 1)
