"""The ``afn-widget`` command: ``analyze``, ``demo``, ``export`` and ``corpus``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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
    if file:
        return Path(file).read_text(encoding="utf-8")
    if arg == "-" or arg is None:
        return sys.stdin.read()
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
    if args.format == "json":
        print(result.to_json(indent=1 if args.pretty else None))
    else:
        print(_table(result, args.granularity))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .engine import analyze
    from .widget import AFNView

    # words, as the page shows them by default: the summary counts what the page shows
    result = analyze(
        DEMO_TEXT, args.model, layer=args.layer, granularity="word", progress=_Progress()
    )
    out = Path(args.out).resolve()
    AFNView.from_result(result).save_html(out, title="afn-widget demo")
    print(result.summary(top=5), file=sys.stderr)
    print(out)
    if args.serve:
        _serve(out, args.port)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .notebook import export_notebook

    out = export_notebook(
        args.notebook, args.out, execute=not args.no_execute, timeout=args.timeout
    )
    print(out)
    return 0


def _serve(path: Path, port: int) -> None:
    """Serve the page alone on 127.0.0.1 (no listing of its folder, no other file)."""
    import http.server
    import webbrowser

    page = path.read_bytes()

    class OnePage(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            if self.path.split("?")[0] not in ("/", f"/{path.name}"):
                self.send_error(404, "only the demo page is served here")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log in the terminal

    with http.server.ThreadingHTTPServer(("127.0.0.1", port), OnePage) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
        print(f"serving {url} (Ctrl+C to stop)", file=sys.stderr)
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
    d.add_argument("--port", type=int, default=0, help="port for --serve (default: any free one)")
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
    x.set_defaults(func=_cmd_export)

    from . import corpus_cli

    corpus_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import AFNError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AFNError as exc:
        print(f"afn-widget: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
