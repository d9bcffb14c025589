"""The ``afn-widget`` command: ``analyze``, ``demo``, ``export`` and ``corpus``.

Every command checks its output paths before a model loads and writes each file whole or not
at all (:mod:`afn_widget.files`); reads an input file only when it is a regular file of text;
prints nothing a terminal would take as a control sequence (:func:`say`); and ends with one line
on standard error and status 2 for an :class:`~afn_widget.errors.AFNError`
(``afn-widget: NameOfError: message``), status 130 for Ctrl+C (``afn-widget: interrupted``).
"""

from __future__ import annotations

import argparse
import http.server
import socket
import sys
import threading
from collections.abc import Sequence
from urllib.parse import quote, unquote

from .errors import AFNError, AFNInputError
from .files import check_input_file, check_output, decode_text, read_text_file
from .validate import say

CONNECTION_TIMEOUT = 10.0  # seconds one connection to --serve may last, whatever it does
MAX_CONNECTIONS = 16  # connections --serve answers at once; one more is answered 503
LOCAL_HOSTS = ("127.0.0.1", "localhost")  # the Host names --serve answers

DEMO_TEXT = """\
The scientists celebrated their remarkable discovery.
A cat sat on the mat, and then it slept.
Photosynthesis converts sunlight, water and carbon dioxide into sugar.
"I can't believe it's already Friday!" she said."""


class _Progress:
    """A tqdm bar over windows, shown only when a text needs more than one window."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if total <= 1:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="window", file=sys.stderr, leave=False)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.bar.close()


def _read_text(arg: str | None, file: str | None) -> str:
    fix = "give a UTF-8 text file, or the text itself on standard input ('-')"
    if file:
        return read_text_file(file, fix)
    if arg == "-" or arg is None:
        raw = getattr(sys.stdin, "buffer", None)
        return sys.stdin.read() if raw is None else decode_text(raw.read(), "standard input", fix)
    return arg


def _table(result, granularity: str) -> str:
    df = result.to_dataframe(granularity)
    df = df[df["rank"] > 0].sort_values("rank")
    unit = "word" if granularity == "word" else "token"
    lines = [
        result.summary(top=0),
        "",
        f"{'rank':>5}  {'TAS':>9}  {'bucket':<6} {'role':<12} {unit}",
    ]
    for row in df.itertuples(index=False):
        lines.append(
            f"{row.rank:>5}  {row.tas:9.4f}  {row.bucket:<6} {row.role:<12} {getattr(row, unit)!r}"
        )
    return "\n".join(lines)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .engine import analyze

    text = _read_text(args.text, args.file)
    result = analyze(
        text,
        args.model,
        layer=args.layer,
        quantile=args.quantile,
        granularity=args.granularity,
        normalize=args.normalize,
        device=args.device,
        progress=_Progress(),
    )
    if args.format == "json":  # JSON escapes C0 controls itself; C1 ones the same way here
        text = result.to_json(indent=1 if args.pretty else None)
        print("".join(f"\\u{ord(c):04x}" if "\x7f" <= c <= "\x9f" else c for c in text))
    else:
        say(_table(result, args.granularity))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .engine import analyze
    from .widget import AFNView

    out = check_output(args.out, "demo page (--out)").resolve()
    # words, as the page shows them by default: the summary counts what the page shows
    result = analyze(
        DEMO_TEXT, args.model, layer=args.layer, granularity="word", progress=_Progress()
    )
    AFNView.from_result(result).save_html(out, title="afn-widget demo")
    say(result.summary(top=5), sys.stderr)
    say(out)
    if args.serve:
        _serve(out.read_bytes(), out.name, args.port)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .notebook import export_notebook

    notebook = check_input_file(args.notebook, "give a .ipynb file")
    out = check_output(args.out or notebook.with_suffix(".html"), "page (--out)")
    out = export_notebook(
        notebook, out, execute=not args.no_execute, timeout=args.timeout, wait=args.wait,
        say=lambda line: say(line, sys.stderr),
    )  # fmt: skip
    say(out)
    return 0


def is_local_host(host: str | None, port: int) -> bool:
    """Whether an HTTP ``Host`` header names this server by a loopback name (``LOCAL_HOSTS``),
    with no port or ``port``. A page of another site whose name is made to point at 127.0.0.1
    (DNS rebinding) sends its own name, and is refused."""
    name, sep, given = (host or "").strip().rpartition(":")
    if not sep:
        name, given = (host or "").strip(), ""
    return name.lower() in LOCAL_HOSTS and given in ("", str(port))


class _OnePage(http.server.BaseHTTPRequestHandler):
    """``page`` at ``/`` and ``/name``, to a loopback ``Host`` only; each connection closed
    after ``server.deadline`` seconds, whatever it is doing."""

    def setup(self) -> None:
        self.timeout = self.server.deadline  # each read and write (StreamRequestHandler)
        super().setup()
        self._cut = threading.Timer(self.server.deadline, self._close)
        self._cut.daemon = True
        self._cut.start()

    def finish(self) -> None:
        self._cut.cancel()
        super().finish()

    def _close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # wakes the blocked read or write
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if not is_local_host(self.headers.get("Host"), self.server.server_address[1]):
            self.send_error(421, "this page is served to 127.0.0.1 and localhost only")
            return
        if unquote(self.path.split("?")[0]) not in ("/", f"/{self.server.name}"):
            self.send_error(404, "only the demo page is served here")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.page)))
        self.end_headers()
        self.wfile.write(self.server.page)

    def log_message(self, format: str, *args: object) -> None:
        pass  # no access log in the terminal


class PageServer(http.server.ThreadingHTTPServer):
    """One page on 127.0.0.1 (no listing of its folder, no other file), ``max_connections``
    at a time (one more is answered 503 at once and closed), each for at most ``deadline``
    seconds (:class:`_OnePage`)."""

    daemon_threads = True

    def __init__(
        self,
        page: bytes,
        name: str,
        port: int = 0,
        deadline: float = CONNECTION_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.page, self.name, self.deadline = page, name, deadline
        self.slots = threading.BoundedSemaphore(max_connections)
        try:
            super().__init__(("127.0.0.1", port), _OnePage)
        except OSError as exc:
            raise AFNInputError(
                f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); choose another --port, "
                "or leave it out for any free one."
            ) from None

    def process_request(self, request: socket.socket, client_address: object) -> None:
        if not self.slots.acquire(blocking=False):
            try:
                request.setblocking(False)  # a short answer into an empty buffer: never waits
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\n"
                                b"Content-Length: 0\r\nConnection: close\r\n\r\n")  # fmt: skip
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started: its slot is free again
            self.slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a connection cut: nothing to report
            super().handle_error(request, client_address)


def _serve(page: bytes, name: str, port: int) -> None:
    """Serve ``page`` (:class:`PageServer`) and open it in a browser, until Ctrl+C."""
    import webbrowser

    with PageServer(page, name, port) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/{quote(name)}"
        say(f"serving {url} (Ctrl+C to stop)", sys.stderr)
        webbrowser.open(url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="afn-widget",
        description="Token activation strength (AFN): which tokens a transformer carries.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="rank the tokens of a text by activation strength")
    p.add_argument("text", nargs="?", help="the text ('-' or nothing: read standard input)")
    p.add_argument("--file", help="read the text from this UTF-8 file")
    p.add_argument("--model", help="hub name or local directory (default: bert-base-uncased)")
    p.add_argument("--layer", type=int, help="hidden_states index (default: 2/3 of the depth)")
    p.add_argument("--quantile", type=float, default=0.75, help="HIGH/LOW boundary (0.75)")
    p.add_argument(
        "--granularity",
        choices=("token", "word"),
        default="word",
        help="rank words (default, as the widget shows them) or subword tokens",
    )
    p.add_argument(
        "--normalize", choices=("raw", "drop_outlier_dims", "standardize"), default="raw"
    )
    p.add_argument("--device", help="cpu, cuda, ... (default: cuda when available)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.set_defaults(func=_cmd_analyze)

    d = sub.add_parser("demo", help="analyze example sentences and write an interactive page")
    d.add_argument("--model", help="hub name or local directory (default: bert-base-uncased)")
    d.add_argument("--layer", type=int)
    d.add_argument("--out", default="afn-demo.html", help="where to write the page")
    d.add_argument("--serve", action="store_true", help="serve the page on 127.0.0.1 and open it")
    d.add_argument("--port", type=_port, default=0, help="port for --serve (default: any free one)")
    d.set_defaults(func=_cmd_demo)

    x = sub.add_parser(
        "export",
        help="a notebook as one offline HTML page, its views live (no CDN)",
        description="Execute a notebook (or take its saved outputs with --no-execute) and write "
        "one self-contained HTML page: every AFN view inlined as its standalone page, nothing "
        "loaded from the network.",
    )
    x.add_argument("notebook", help="the .ipynb file")
    x.add_argument("--out", help="where to write the page (default: beside it, .html)")
    x.add_argument("--no-execute", action="store_true", help="use the outputs saved in the file")
    x.add_argument("--timeout", type=int, default=600, help="seconds a cell may take (600)")
    x.add_argument(
        "--wait", type=float, default=120, metavar="SECONDS",
        help="after the last cell, how long to wait for views still computing (120)",
    )  # fmt: skip
    x.set_defaults(func=_cmd_export)

    from .corpus import cli as corpus_cli

    corpus_cli.add_parser(sub)
    return parser


def _port(text: str) -> int:
    """A port number for ``--port``: 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` (default: the process's arguments); its exit status."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except AFNError as exc:
        say(f"afn-widget: {type(exc).__name__}: {exc}", sys.stderr)
        return 2
    except KeyboardInterrupt:
        say("afn-widget: interrupted", sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as cat does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
