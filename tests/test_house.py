"""The house rules, read from the code with ``ast``: no import cycles between keyvox's modules, a small
package root, no long modules; and every file path the documents name exists.

Every ``import`` and ``from ... import`` counts wherever it stands (an import inside a function is still
a tie between two modules), and so does ``importlib.import_module("keyvox....")`` with a literal name;
only imports under ``if TYPE_CHECKING:`` are left out, as the import contract in pyproject.toml leaves
them out. The layers themselves are ``lint-imports``' job (scripts/test.sh runs it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers.paths import REPO

PACKAGE = REPO / "keyvox"
MAX_ROOT_MODULES = 6
"""Modules directly in ``keyvox/`` besides ``__init__`` and ``__main__``: everything else lives in a layer."""
MAX_MODULE_LINES = 500


def module_name(package_dir: Path, path: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside an ``if TYPE_CHECKING:`` body (its ``else`` runs, so it counts)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for statement in node.body:
                skipped.update(id(sub) for sub in ast.walk(statement))
    return skipped


def imported_names(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Dotted names a module imports; ``from a import b`` gives ``a.b`` (a submodule, or a name in ``a``)."""
    skipped = _type_checking_nodes(tree)
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Each module of the package, and the package's modules it imports (resolved to the longest module)."""
    paths = {module_name(package_dir, path): path for path in sorted(package_dir.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for imported in imported_names(tree, name, path.name == "__init__.py"):
            parts = imported.split(".")
            while parts and ".".join(parts) not in paths:
                parts.pop()
            target = ".".join(parts)
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def root_modules(package_dir: Path) -> list[str]:
    return sorted(p.name for p in package_dir.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def long_modules(package_dir: Path, limit: int) -> list[str]:
    lengths = (
        (len(p.read_text(encoding="utf-8").splitlines()), p) for p in sorted(package_dir.rglob("*.py"))
    )
    return [f"{p.relative_to(package_dir.parent)} ({n} lines)" for n, p in lengths if n > limit]


def test_no_import_cycles_between_keyvox_modules():
    graph = import_graph(PACKAGE)
    # A clean result must come from the real graph, not an empty one (322 ties when this was written).
    assert len(graph) > 100 and sum(map(len, graph.values())) > 250
    assert cycles(graph) == []


def test_the_package_root_holds_few_modules():
    assert len(root_modules(PACKAGE)) <= MAX_ROOT_MODULES, root_modules(PACKAGE)


def test_no_module_is_over_500_lines():
    assert long_modules(PACKAGE, MAX_MODULE_LINES) == []


REPO_PATH = re.compile(
    r"(?<![\w./-])((?:keyvox|tests|benchmarks|scripts|docs)/[\w./-]*\.(?:py|md|sh|json|toml))\b"
)
"""A file of the repository named by its path from the root, as the documents name them."""


def missing_paths(markdown: str, root: Path) -> list[str]:
    """Named paths that do not exist; a file name in capitals (``results/NAME.json``) is a placeholder."""
    named = {path for path in REPO_PATH.findall(markdown) if not Path(path).stem.isupper()}
    return sorted(path for path in named if not (root / path).exists())


def test_every_path_the_documents_name_exists():
    documents = [*REPO.glob("*.md"), *REPO.glob("docs/*.md"), *REPO.glob("benchmarks/*.md")]
    assert len(documents) >= 5
    missing = {
        str(doc.relative_to(REPO)): found
        for doc in documents
        if (found := missing_paths(doc.read_text(encoding="utf-8"), REPO))
    }
    assert missing == {}


def test_a_moved_file_is_reported(tmp_path):
    (tmp_path / "keyvox" / "core").mkdir(parents=True)
    (tmp_path / "keyvox" / "core" / "live.py").write_text("", encoding="utf-8")
    text = (
        "See `keyvox/core/live.py` and keyvox/live.py (moved), tests/core/test_live.py, benchmarks/NAME.json."
    )
    assert missing_paths(text, tmp_path) == ["keyvox/live.py", "tests/core/test_live.py"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_planted_cycle_through_a_lazy_import_is_found(tmp_path):
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import helper\n",
            "pkg/sub/__init__.py": "",
            # Closed inside a function, relative, two levels up: still a tie.
            "pkg/b.py": "def helper():\n    from .sub import c\n    return c\n",
            "pkg/sub/c.py": "import pkg.a\n",
            "pkg/d.py": "from pkg import a\n",  # imports into the cycle, is not part of it
        },
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_a_planted_cycle_through_import_module_is_found(tmp_path):
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import importlib\n\ndef load():\n    return importlib.import_module('pkg.b')\n",
            "pkg/b.py": "from . import a\n",
        },
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]


def test_an_import_only_for_type_checking_is_no_cycle(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.b import B\n",
        "pkg/b.py": "from pkg.a import A\n",
    }
    assert cycles(import_graph(_write(tmp_path / "typing", files))) == []
    # The same import outside the guard is a cycle, so the guard is what made the difference.
    files["pkg/a.py"] = "from pkg.b import B\n"
    assert cycles(import_graph(_write(tmp_path / "plain", files))) == [["pkg.a", "pkg.b"]]


def test_root_modules_and_long_modules_are_counted(tmp_path):
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/__main__.py": "",
            "pkg/one.py": "x = 1\n" * 3,
            "pkg/sub/__init__.py": "",
            "pkg/sub/two.py": "x = 1\n" * 4,
        },
    )
    assert root_modules(package) == ["one.py"]
    assert long_modules(package, 3) == ["pkg/sub/two.py (4 lines)"]
