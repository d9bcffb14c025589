"""The command line and the save functions keep what was asked for and hold nothing: output paths
checked before any model loads (A), a file name with glob characters is that file (B), ``--serve``
bounded in time, connections and Host (C), no control character reaches the terminal (D), and a
typed one-line error, or ``interrupted`` with status 130, in place of a traceback (E)."""

from __future__ import annotations

import http.client
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from afn_widget.cli import main
from afn_widget.errors import OutputPathError

ESC_NAME = "m\x1b]52;c;SGk=\x07"  # a name that would set the terminal's clipboard (OSC 52)
CONLLU = (
    "# text = The cat sat.\n"
    "1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n"
    "2\tcat\tcat\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n"
    "3\tsat\tsit\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No\n"
    "4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n\n"
    "# text = A dog ran home.\n"
    "1\tA\ta\tDET\tDT\t_\t2\tdet\t_\t_\n"
    "2\tdog\tdog\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n"
    "3\tran\trun\tVERB\tVBD\t_\t0\troot\t_\t_\n"
    "4\thome\thome\tADV\tRB\t_\t3\tadvmod\t_\tSpaceAfter=No\n"
    "5\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n\n"
)
FAST = ["--controls", "none", "--scores", "tas", "--n-boot", "10", "--quiet"]
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture
def no_model(monkeypatch):
    """Any model loaded by name fails the test: the errors must come before."""
    import afn_widget.models as M

    def fail(*a, **k):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(M, "_CACHE", {})
    monkeypatch.setattr(M, "_load", fail)


@pytest.fixture(scope="module")
def tiny_dir(tiny_bert, tmp_path_factory) -> Path:
    """The tiny BERT and its tokenizer saved as a model folder."""
    d = tmp_path_factory.mktemp("tiny") / "model"
    tiny_bert.model.save_pretrained(d)
    tiny_bert.tokenizer.save_pretrained(d)
    return d


@pytest.fixture
def corpus_txt(tmp_path) -> Path:
    p = tmp_path / "c.txt"
    p.write_text("The cat sat.\nA dog ran home.\n", "utf-8")
    return p


def _read_only(folder: Path, monkeypatch) -> Path:
    """``folder`` made read-only; where permission bits do not bind (root), ``os.access`` says
    what they say."""
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        real = os.access

        def access(path, mode, *a, **k):
            if Path(path) == folder and mode & os.W_OK:
                return False
            return real(path, mode, *a, **k)

        monkeypatch.setattr(os, "access", access)
    return folder


def _error_line(capsys, kind: str) -> str:
    """The one line the command printed on standard error, of the error ``kind``."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"afn-widget: {kind}: "), err
    return lines[0]


# -- A. a bad output path fails at once, before any model loads ---------------------------------


def test_corpus_out_in_a_missing_folder(corpus_txt, tmp_path, no_model, capsys):
    out = tmp_path / "missing" / "r.html"
    assert main(["corpus", str(corpus_txt), "--model", "m", "--out", str(out), *FAST]) == 2
    assert "does not exist" in _error_line(capsys, "OutputPathError")
    assert not out.parent.exists()


def test_corpus_out_in_a_read_only_folder(corpus_txt, tmp_path, no_model, monkeypatch, capsys):
    folder = _read_only(tmp_path / "ro", monkeypatch)
    out = folder / "r.csv"
    assert main(["corpus", str(corpus_txt), "--model", "m", "--out", str(out), *FAST]) == 2
    assert "not writable" in _error_line(capsys, "OutputPathError")
    assert not out.exists()


def test_corpus_out_naming_a_folder(corpus_txt, tmp_path, no_model, capsys):
    out = tmp_path / "r.html"
    out.mkdir()
    assert main(["corpus", str(corpus_txt), "--model", "m", "--out", str(out), *FAST]) == 2
    assert "is a folder" in _error_line(capsys, "OutputPathError")


def test_corpus_words_in_a_missing_folder(corpus_txt, tmp_path, no_model, capsys):
    out, words = tmp_path / "r.csv", tmp_path / "missing" / "w.csv"
    argv = ["corpus", str(corpus_txt), "--model", "m", "--out", str(out), "--words", str(words)]
    assert main([*argv, *FAST]) == 2
    line = _error_line(capsys, "OutputPathError")
    assert "--words" in line and "does not exist" in line
    assert not out.exists()


def test_many_treebanks_out_in_a_read_only_folder(tmp_path, no_model, monkeypatch, capsys):
    banks = tmp_path / "banks"
    banks.mkdir()
    (banks / "en_tiny-ud-dev.conllu").write_text(CONLLU, "utf-8")
    out = _read_only(tmp_path / "ro", monkeypatch) / "run"
    assert main(["corpus", str(banks), "--model", "m", "--out", str(out), *FAST]) == 2
    assert "not a writable folder" in _error_line(capsys, "OutputPathError")
    assert not out.exists()


def test_demo_out_in_a_missing_folder(tmp_path, no_model, capsys):
    out = tmp_path / "missing" / "demo.html"
    assert main(["demo", "--model", "m", "--out", str(out)]) == 2
    assert "does not exist" in _error_line(capsys, "OutputPathError")


def test_export_out_in_a_missing_folder(tmp_path, monkeypatch, capsys):
    import afn_widget.notebook as N

    def fail(*a, **k):
        raise AssertionError("the notebook was exported")

    monkeypatch.setattr(N, "export_notebook", fail)
    nb = tmp_path / "n.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    out = tmp_path / "missing" / "n.html"
    assert main(["export", str(nb), "--no-execute", "--out", str(out)]) == 2
    assert "does not exist" in _error_line(capsys, "OutputPathError")


def test_save_functions_check_the_path_before_the_work(tiny_bert, tmp_path, monkeypatch):
    """Every save_* raises OutputPathError before it draws or builds anything, and writes
    nothing."""
    import afn_widget.figure as F
    from afn_widget import AFNView, analyze
    from afn_widget.compare import AFNCompare
    from afn_widget.corpus import analyze_corpus

    result = analyze("The cat sat on the mat.", tiny_bert)
    view = AFNView.from_result(result)
    pair = AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert)
    report = analyze_corpus(
        ["The cat sat.", "A dog ran home."], tiny_bert, controls=(), scores=("tas",),
        n_boot=10, progress=False,
    )  # fmt: skip

    def fail(*a, **k):
        raise AssertionError("drawn before the path was checked")

    monkeypatch.setattr(F, "render", fail)
    missing = tmp_path / "missing"
    folder = tmp_path / "folder.png"
    folder.mkdir()
    saves = [
        lambda: view.save_html(missing / "v.html"),
        lambda: view.save_svg(missing / "v.svg"),
        lambda: view.save_png(folder),
        lambda: view.save_pdf(missing / "v.pdf"),
        lambda: pair.save_html(missing / "p.html"),
        lambda: result.save_figure(missing / "r.svg"),
        lambda: F.save(result, folder),
        lambda: report.to_csv(missing / "t.csv"),
        lambda: report.to_html(missing / "t.html"),
    ]
    for save in saves:
        with pytest.raises(OutputPathError):
            save()
    assert not missing.exists() and not any(folder.iterdir())


def test_a_failed_write_leaves_the_old_file_whole(tiny_bert, tmp_path, monkeypatch):
    """An interrupt halfway through writing the figure leaves the file there as it was, and no
    temporary file beside it."""
    from afn_widget import analyze

    result = analyze("The cat sat.", tiny_bert)
    target = tmp_path / "f.svg"
    target.write_text("before", "utf-8")
    real = Path.write_bytes

    def interrupted(self, data):
        real(self, data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        result.save_figure(target)
    assert target.read_text("utf-8") == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["f.svg"]


# -- B. a file that exists is that file, whatever its name --------------------------------------


def test_an_existing_file_with_glob_characters_is_one_corpus(tiny_dir, tmp_path, capsys):
    import pandas as pd

    src = tmp_path / "ewt [v2].conllu"
    src.write_text(CONLLU, "utf-8")
    out = tmp_path / "r.csv"
    assert main(["corpus", str(src), "--model", str(tiny_dir), "--out", str(out), *FAST]) == 0
    assert {"trained", "baseline"} <= set(pd.read_csv(out)["condition"])


def test_an_existing_folder_with_glob_characters_is_that_folder(tmp_path):
    from afn_widget.corpus.treebanks import find_treebanks

    folder = tmp_path / "ud [v2]"
    folder.mkdir()
    (folder / "en_x-ud-dev.conllu").write_text(CONLLU, "utf-8")
    assert find_treebanks(folder) == [folder / "en_x-ud-dev.conllu"]
    # a pattern that is no path is still a glob
    assert find_treebanks(str(tmp_path / "ud*" / "*.conllu")) == [folder / "en_x-ud-dev.conllu"]


# -- C. --serve: loopback Host only, connections bounded in number and time ---------------------


class _Served:
    """A PageServer serving in a thread for the length of a ``with`` block."""

    def __init__(self, page: bytes = b"<!doctype html><title>p</title>", **options) -> None:
        from afn_widget.cli import PageServer

        self.page = page
        self.server = PageServer(self.page, "p.html", **options)
        self.port = self.server.server_address[1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def get(self, host: str | None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.putrequest("GET", "/p.html", skip_host=True)
            if host is not None:
                conn.putheader("Host", host)
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (what it sends is read away)."""
    sock.settimeout(seconds)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            if not sock.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def test_serve_answers_loopback_names_only():
    with _Served() as s:
        for host in (f"127.0.0.1:{s.port}", f"localhost:{s.port}", "LOCALHOST", "127.0.0.1"):
            assert s.get(host) == (200, s.page), host
        for host in (f"evil.example:{s.port}", "evil.example", f"127.0.0.1:{s.port + 1}", None):
            assert s.get(host)[0] == 421, host


def test_serve_closes_a_slow_connection_whatever_it_sends():
    with _Served(deadline=0.5) as s:
        idle = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        drip = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        start = time.monotonic()
        closed = False
        for byte in b"GET /p.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaa":
            try:
                drip.send(bytes([byte]))  # a byte every 0.1 s: no single read waits long
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - start > 3:
                break
        assert closed or _closed_within(drip, 0.5)
        assert time.monotonic() - start < 3
        assert _closed_within(idle, 1.0)
        idle.close()
        drip.close()


def test_serve_cuts_a_client_that_does_not_read(capfd):
    """A client that asks for a large page and reads none of it is cut at the deadline, its
    thread ends, and nothing is printed."""
    before = threading.active_count()
    with _Served(page=b"x" * (64 << 20), deadline=0.5) as s:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        sock.sendall(b"GET /p.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        end = time.monotonic() + 5
        time.sleep(0.2)
        while threading.active_count() > before + 1 and time.monotonic() < end:
            time.sleep(0.05)
        assert threading.active_count() == before + 1  # the serving thread alone
        sock.close()
    assert "Traceback" not in capfd.readouterr().err


def test_serve_bounds_its_connections():
    with _Served(max_connections=3, deadline=5) as s:
        before = threading.active_count()
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(3)]
        end = time.monotonic() + 3
        while threading.active_count() < before + 2 * 3 and time.monotonic() < end:
            time.sleep(0.02)
        extra = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(5)]
        for sock in extra:
            assert sock.recv(64).startswith(b"HTTP/1.0 503")
        # a handler thread and its deadline's timer a connection, for the 3 held ones only
        assert threading.active_count() <= before + 2 * 3
        for sock in held + extra:
            sock.close()
        end = time.monotonic() + 3
        while s.get("127.0.0.1")[0] != 200 and time.monotonic() < end:
            time.sleep(0.05)
        assert s.get("127.0.0.1") == (200, s.page)


# -- D. no control character reaches the terminal -----------------------------------------------


def test_analyze_summary_escapes_a_model_folder_name(tiny_dir, tmp_path, capsys):
    named = shutil.copytree(tiny_dir, tmp_path / ESC_NAME)
    assert main(["analyze", "The cat sat on the mat.", "--model", str(named)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "m\\x1b]52;c;SGk=\\x07" in out


def test_result_summary_escapes_the_model_name(tiny_bert):
    from dataclasses import replace

    from afn_widget import analyze

    result = replace(analyze("The cat sat.", tiny_bert), model_name=ESC_NAME + "\nfake line")
    text = result.summary()
    assert "\x1b" not in text and "\x07" not in text
    assert text.splitlines()[0].startswith("model: m\\x1b]52;c;SGk=\\x07\\x0afake line")


def test_error_messages_escape_file_names(tmp_path, no_model, capsys):
    missing = tmp_path / (ESC_NAME + ".txt")
    assert main(["corpus", str(missing), "--model", "m", "--out", str(tmp_path / "r.csv")]) == 2
    line = _error_line(capsys, "InputFileError")
    assert "\x1b" not in line and "m\\x1b]52;c;SGk=\\x07.txt" in line
    assert main(["analyze", "--file", str(missing), "--model", "m"]) == 2
    line = _error_line(capsys, "InputFileError")
    assert "\x1b" not in line and "no such file" in line


def test_json_output_escapes_c1_controls(tiny_dir, capsys):
    text = "The cat\x9b2J sat."  # CSI as one C1 character: clears the screen in some terminals
    assert main(["analyze", text, "--model", str(tiny_dir), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "\x9b" not in out and "\\u009b" in out
    assert json.loads(out)["text"] == text


# -- E. typed errors, not tracebacks -------------------------------------------------------------


def test_a_binary_file_to_analyze(tmp_path, no_model, capsys):
    path = tmp_path / "x.bin"
    path.write_bytes(PNG_BYTES)
    assert main(["analyze", "--file", str(path), "--model", "m"]) == 2
    line = _error_line(capsys, "InputFileError")
    assert f"{path} is not UTF-8 text (byte 0x89 at position 0)" in line


def test_binary_standard_input_to_analyze(no_model, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok " + PNG_BYTES)))
    assert main(["analyze", "--model", "m"]) == 2
    line = _error_line(capsys, "InputFileError")
    assert "standard input is not UTF-8 text (byte 0x89 at position 3)" in line


def test_a_binary_corpus_file(tmp_path, no_model, capsys):
    path = tmp_path / "x.txt"
    path.write_bytes(b"A fine line.\n" + PNG_BYTES)
    assert main(["corpus", str(path), "--model", "m", "--out", str(tmp_path / "r.csv")]) == 2
    line = _error_line(capsys, "InputFileError")
    assert "is not UTF-8 text (byte 0x89 at position 13)" in line


def test_a_file_of_nul_bytes_is_not_text(tmp_path, no_model, capsys):
    path = tmp_path / "zeros.txt"
    path.write_bytes(b"abc\x00\x00")
    assert main(["analyze", "--file", str(path), "--model", "m"]) == 2
    assert "NUL byte at position 3" in _error_line(capsys, "InputFileError")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("command", ["analyze", "corpus"])
def test_a_fifo_is_not_a_regular_file(command, tmp_path, no_model, capsys):
    fifo = tmp_path / "pipe.conllu"
    os.mkfifo(fifo)
    argv = {
        "analyze": ["analyze", "--file", str(fifo), "--model", "m"],
        "corpus": ["corpus", str(fifo), "--model", "m", "--out", str(tmp_path / "r.csv")],
    }[command]
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(argv)), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # it waits on the pipe: give it an end, then fail
        with open(fifo, "wb"):
            pass
        worker.join(5)
        pytest.fail("the command waited on a named pipe")
    assert codes == [2]
    assert "is not a regular file" in _error_line(capsys, "InputFileError")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_exits_130_with_one_line(tmp_path):
    """SIGINT while the command works: status 130, ``afn-widget: interrupted``, no traceback."""
    script = (
        "import sys, time\n"
        "import afn_widget.engine as E\n"
        "from afn_widget.cli import main\n"
        "def working(*a, **k):\n"
        "    print('working', flush=True)\n"
        "    time.sleep(60)\n"
        "E.analyze = working\n"
        "sys.exit(main(['analyze', 'some text', '--model', 'm']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout=60), "the command did not start working"
        assert proc.stdout.readline().strip() == "working"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert err.splitlines() == ["afn-widget: interrupted"]


def test_output_piped_into_a_reader_that_stops_ends_quietly(tmp_path):
    """``afn-widget analyze ... | head -1``: no BrokenPipeError traceback."""
    import subprocess
    import sys

    code = (
        "import sys; from afn_widget import cli\n"
        "cli._cmd_analyze = lambda args: [print('line', i) for i in range(100000)] and 0\n"
        "sys.exit(cli.main(['analyze', 'x']))\n"
    )
    proc = subprocess.run(
        f"{sys.executable} -c \"{code}\" | head -1",
        shell=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.stdout == "line 0\n"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
