"""Files the project reads and writes. An input file is checked before it is opened (a pipe or
a device is never waited on) and read as UTF-8 text or refused with the byte that is not; an
output's place is checked before any work starts, and each file written whole or not at all.

:func:`check_output` is called by every command and every ``save_*``/``out=`` before a model
loads, so a bad path never costs a run. :func:`writing` and :func:`write` put the data in a
temporary file beside the target and rename it over the target when it is complete
(``os.replace``, atomic on one file system): an interrupt or an error never leaves a
half-written file under the target's name.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputFileError, OutputPathError


def check_output(path: str | os.PathLike, what: str = "output file") -> Path:
    """``path`` as a :class:`~pathlib.Path` a file can be written to, or
    :class:`~afn_widget.errors.OutputPathError` naming the fix: its folder exists, is a folder
    and is writable, and the path is not itself a folder."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise OutputPathError(f"{what} {str(p)!r} is a folder; give a file name inside it.")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise OutputPathError(
            f"the folder of the {what} {str(p)!r} does not exist; create it first "
            f"(mkdir -p {str(parent)!r}) or write somewhere else."
        )
    if not parent.is_dir():
        raise OutputPathError(f"{what} {str(p)!r}: {str(parent)!r} is not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"cannot write the {what} {str(p)!r}: the folder {str(parent)!r} is not writable; "
            "choose another place."
        )
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputPathError(f"{what} {str(p)!r} exists and is read-only; choose another name.")
    return p


@contextmanager
def writing(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` when the block ends
    without an error, removed otherwise."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp's file is private (0600): give it the target's mode, or a new file's usual one
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; returns the path."""
    target = Path(path)
    with writing(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return target


def check_output_dir(path: str | os.PathLike, files: tuple[str, ...] = ()) -> Path:
    """``path`` as a folder files can be written in (its ``files`` checked as
    :func:`check_output` checks a file), or one that can be made: the nearest of its parents
    that exists is a writable folder; else :class:`~afn_widget.errors.OutputPathError`."""
    p = Path(path).expanduser()
    if p.is_dir():
        for name in files:
            check_output(p / name, f"file {name} of the folder {str(p)!r}")
        return p
    if p.exists():
        raise OutputPathError(f"{str(p)!r} is a file, not a folder; give a folder to write in.")
    made = next((q for q in p.parents if q.exists()), Path("."))
    if not made.is_dir() or not os.access(made, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"cannot make the folder {str(p)!r}: {str(made)!r} is not a writable folder; "
            "choose another place."
        )
    return p


def special_file(path: Path) -> str | None:
    """What ``path`` is when it exists but is neither a regular file nor a directory (``"a
    named pipe (FIFO)"``, ...), else ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((what for test, what in kinds if test(mode)), None)


def check_input_file(path: str | os.PathLike, fix: str) -> Path:
    """``path`` if it is a regular file, else :class:`~afn_widget.errors.InputFileError`
    (``fix`` says what to give instead). A pipe or a device is refused without being opened,
    so it is never waited on."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputFileError(f"{p}: no such file; {fix}.")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder, not a file; {fix}.")
    if not p.is_file():
        kind = special_file(p) or "something else"
        raise InputFileError(f"{p} is not a regular file ({kind}); {fix}.")
    return p


def decode_text(data: bytes, name: str, fix: str) -> str:
    """``data`` as UTF-8 text, or :class:`~afn_widget.errors.InputFileError` naming the first
    byte that is not UTF-8, or the first NUL byte (which no text file holds)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            f"{fix}."
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        raise InputFileError(f"{name} is not text (a NUL byte at position {nul}); {fix}.")
    return text


def read_text_file(path: str | os.PathLike, fix: str) -> str:
    """The UTF-8 text of the regular file ``path`` (:func:`check_input_file`,
    :func:`decode_text`)."""
    p = check_input_file(path, fix)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{p} cannot be read ({exc.strerror}); {fix}.") from None
    return decode_text(data, str(p), fix)
