"""The shape of the source: no import circles, in Python or in JS, and nothing too long to read.

Python: every module of the package is read with :mod:`ast`, and every ``import`` and
``from ... import`` in it counts, those inside functions too: a lazy import still makes two
modules need each other. Only a name imported for type checkers (under ``if TYPE_CHECKING:``)
does not, since it never runs: a figure may name the result it draws while the result's
``to_svg`` calls the figure. JS: the ``import``/``export ... from "./x.js"`` lines of
``js/*.js``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "afn_widget"
JS = ROOT / "js"

MAX_FUNCTION_LINES = 100
MAX_MODULE_LINES = 600
MAX_JS_LINES = 500  # the sources, not js/test/
MAX_VIEW_CLASS_LINES = 250

# Known today, in modules being reworked by others; each entry is to go (the tests below fail
# once an entry is no longer needed, so the lists only shrink).
KNOWN_CIRCLES: set[frozenset[str]] = set()
OVER_THE_LIMITS: set[str] = set()


# -- the import graphs --------------------------------------------------------------------------
def module_name(path: Path, root: Path = ROOT) -> str:
    """``afn_widget/corpus/figure.py`` -> ``afn_widget.corpus.figure``; a package's
    ``__init__.py`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            test = child.test if isinstance(child, ast.If) else None
            if isinstance(test, (ast.Name, ast.Attribute)) and ast.unparse(test).endswith(
                "TYPE_CHECKING"
            ):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def imported(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The modules of ``modules`` that ``path`` imports, anywhere in it: ``from .x import f``
    imports ``x``; ``from . import x`` the module ``x`` where there is one, else the package.
    Its own parent packages are left out (Python imports them first, whatever the module)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:  # relative: from the package, one level up for each dot but the first
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                target = ".".join([*parts, node.module] if node.module else parts)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    out = set()
    for name in found:
        while name and name not in modules:  # x.y.f where f is a function: the module x.y
            name = name.rpartition(".")[0]
        if name and name != here and not here.startswith(name + "."):
            out.add(name)
    return out


def python_graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = sorted((root / "afn_widget").rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    return {module_name(p, root): imported(p, modules, root) for p in paths}


_JS_IMPORT = re.compile(r"""\b(?:import|export)\b[^;]*?\bfrom\s*["']\./([\w.-]+\.js)["']""")


def js_graph(folder: Path = JS) -> dict[str, set[str]]:
    """``js/x.js`` -> the sibling modules it imports or re-exports from."""
    paths = {p.name: p for p in sorted(folder.glob("*.js"))}
    return {
        name: set(_JS_IMPORT.findall(p.read_text(encoding="utf-8"))) & set(paths)
        for name, p in paths.items()
    }


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that import each other, directly or through others: the strongly
    connected components of ``graph`` with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:  # v is the first of its group: the group is v and all above it
            group = set(stack[stack.index(v) :])
            del stack[stack.index(v) :]
            if len(group) > 1:
                found.append(frozenset(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_circles_are_found_through_any_number_of_modules():
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert set(circles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "a"}})) == {
        frozenset("ab"),
        frozenset("cd"),
    }


def test_imports_are_read_from_functions_but_not_from_type_checking(tmp_path):
    pkg = tmp_path / "afn_widget"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "def f():\n    from .b import g\n    from .sub import c\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n",
        "sub/__init__.py": "from .. import b\n",
        "sub/c.py": "import afn_widget.b\nimport numpy\nfrom . import d\n",
        "sub/d.py": "def h():\n    from ..a import f\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    graph = python_graph(tmp_path)
    assert graph == {
        "afn_widget": set(),
        "afn_widget.a": {"afn_widget.b", "afn_widget.sub", "afn_widget.sub.c"},
        "afn_widget.b": set(),  # the type checker's import never runs: b and a are no circle
        "afn_widget.sub": {"afn_widget.b"},
        "afn_widget.sub.c": {"afn_widget.b", "afn_widget.sub.d"},
        "afn_widget.sub.d": {"afn_widget.a"},
    }
    # a -> sub.c -> sub.d -> a, the last step a lazy import
    assert circles(graph) == [frozenset({"afn_widget.a", "afn_widget.sub.c", "afn_widget.sub.d"})]


def test_the_js_pattern_reads_every_form_of_import(tmp_path):
    (tmp_path / "a.js").write_text(
        'import { b } from "./b.js";\nimport * as c from "./c.js";\n'
        'import {\n  d,\n  e,\n} from "./d.js";\nexport { x } from "./e.js";\n'
        'import y from "some-package";\nconst z = "./f.js";\n'
    )
    for name in "bcdef":
        (tmp_path / f"{name}.js").write_text("")
    assert js_graph(tmp_path)["a.js"] == {"b.js", "c.js", "d.js", "e.js"}


def test_no_python_module_imports_itself_through_others():
    assert set(circles(python_graph())) - KNOWN_CIRCLES == set()
    assert KNOWN_CIRCLES - set(circles(python_graph())) == set(), "no longer circles: drop them"


def test_no_js_module_imports_itself_through_others():
    assert circles(js_graph()) == []


# -- sizes --------------------------------------------------------------------------------------
def _over_the_limits() -> dict[str, int]:
    """Every module, function and JS source over its limit, with its length in lines."""
    over = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            over[rel] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    over[f"{rel}::{node.name}"] = n
    for path in sorted(JS.glob("*.js")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_JS_LINES:
            over[path.relative_to(ROOT).as_posix()] = n
    return over


def test_no_module_function_or_js_source_is_too_long():
    over = _over_the_limits()
    assert {k: n for k, n in over.items() if k not in OVER_THE_LIMITS} == {}
    assert OVER_THE_LIMITS - set(over) == set(), "within the limits now: drop them"


def test_the_view_class_reads_in_one_sitting():
    tree = ast.parse((PACKAGE / "widget.py").read_text(encoding="utf-8"))
    (view,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "AFNView"]
    assert view.end_lineno - view.lineno + 1 < MAX_VIEW_CLASS_LINES
