"""The package's layers: imports go one way, down the README's layer list, and no two parts import each other.

A *part* is a top-level module of ``recoup_lib`` (``money.py`` -> ``money``) or
a subpackage (``rules/`` -> ``rules``). The README's "Layout" block lists the
parts from the lowest layer to the highest, several on a line where they sit
side by side; every import (at module level or inside a function) must go to
a part listed earlier: a line above, or further left on the same line. The
list is read from the README itself, so the README and the code cannot drift.
``recoup_lib/__init__.py`` (the version) is below every part and imports none;
``recoup_lib/__main__.py`` is the command line's entry point and counts as
``cli``. Every line of the package also keeps to the line length pyproject.toml sets.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "recoup_lib"
ROOT_PART = "recoup_lib"
_LAYER_LINE = re.compile(r"^  ([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*)(?:\s{2,}\S|$)")


def readme_layers(text: str) -> list[list[str]]:
    """The layer list of the README's Layout block: one list of part names per line, lowest first.

    >>> readme_layers("# Kit\\n\\n## Layout\\n\\n```\\nrecoup_lib/  the library\\n  money, errors   cents\\n"
    ...               "  x12             X12 files\\n  rules           the audit\\ntests/\\n```\\n")
    [['money', 'errors'], ['x12'], ['rules']]
    """
    layout = text.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    block = layout.split("```", 2)[1]
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("recoup_lib/"))
    layers = []
    for line in lines[start + 1:]:
        match = _LAYER_LINE.match(line)
        if not match:
            break
        layers.append(match.group(1).split(", "))
    return layers


def part_of(module: str) -> str:
    """``recoup_lib.rules._engine`` -> ``rules``; ``recoup_lib.__main__`` -> ``cli``; the package -> itself."""
    parts = module.split(".")
    if len(parts) == 1:
        return ROOT_PART
    return "cli" if parts[1] == "__main__" else parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    names = list(rel.parts)
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The recoup_lib modules an import statement names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == ROOT_PART]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != ROOT_PART:
        return []
    if source == ROOT_PART:
        # ``from .. import reference`` names a part; ``from .. import __version__`` the package itself.
        return [f"{source}.{a.name}" if a.name in package_parts() else source for a in node.names]
    return [source]


def package_imports() -> list[tuple[str, str, str]]:
    """(importing part, imported part, "file:line") for every import between two parts."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for target in _targets(node, module, path.name == "__init__.py"):
                a, b = part_of(module), part_of(target)
                if a != b:
                    found.append((a, b, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def package_parts() -> set[str]:
    """Top-level modules and subpackages of recoup_lib (not ``__init__`` or ``__main__``)."""
    parts = {p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("__")}
    parts |= {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    return parts


def upward_imports(layers: list[list[str]], imports) -> list[str]:
    """Imports to a part that is not listed before the importer (a line above, or to its left)."""
    rank = {name: (row, col) for row, layer in enumerate(layers) for col, name in enumerate(layer)}
    rank[ROOT_PART] = (-1, 0)
    return [f"{where}: {a} imports {b}" for a, b, where in imports
            if a in rank and b in rank and rank[b] >= rank[a]]


@pytest.fixture(scope="module")
def layers() -> list[list[str]]:
    return readme_layers((ROOT / "README.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imports() -> list[tuple[str, str, str]]:
    return package_imports()


def test_readme_layer_list_is_found_and_names_each_part_once(layers):
    named = [name for layer in layers for name in layer]
    assert len(layers) >= 5, layers
    assert len(named) == len(set(named)), f"a part is listed twice in the README's layers: {named}"


def test_every_part_of_the_package_is_in_the_readme_layer_list(layers):
    listed = {name for layer in layers for name in layer}
    missing = sorted(package_parts() - listed)
    assert not missing, (f"recoup_lib part(s) {', '.join(missing)} missing from the README's Layout block: "
                         "add each on the line of its layer")


def test_every_import_goes_down_the_readme_layer_list(layers, imports):
    upward = upward_imports(layers, imports)
    assert not upward, ("imports that go up (or sideways to the right) in the README's layer list:\n  "
                        + "\n  ".join(upward))


def test_no_line_of_the_package_is_longer_than_pyproject_toml_allows():
    limit = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["line-length"]
    long = [f"{path.relative_to(ROOT)}:{number} ({len(line)} characters)" for path in sorted(PACKAGE.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > limit]
    assert not long, f"lines over {limit} characters:\n  " + "\n  ".join(long)


def test_the_package_itself_imports_no_part(imports):
    assert not [where for a, _, where in imports if a == ROOT_PART]


def test_no_cycle_between_parts(imports):
    graph = defaultdict(set)
    for a, b, _ in imports:
        graph[a].add(b)
    state: dict[str, int] = {}

    def cycle_from(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                found = cycle_from(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = cycle_from(start, [start])
            assert found is None, "import cycle between parts: " + " -> ".join(found)


def test_imports_inside_functions_are_counted(imports):
    """The check sees ``from ..rules import run_audit`` written inside ``appeal_folder``."""
    inside = [where for a, b, where in imports if (a, b) == ("appeals", "rules")]
    assert any(where.startswith("recoup_lib/appeals/_run.py") for where in inside), inside


@pytest.mark.parametrize("module, line, expected", [
    ("recoup_lib.synthetic", "from .. import reference", "reference"),
    ("recoup_lib.synthetic", "from .. import __version__", ROOT_PART),
    ("recoup_lib.synthetic._payer", "from ..appeals import profile_dates", "appeals"),
    ("recoup_lib.cli._audit", "from . import options_checked", "cli"),
    ("recoup_lib.report._build", "import recoup_lib.rules._engine", "rules"),
])
def test_relative_imports_resolve_to_their_part(module, line, expected):
    node = ast.parse(line).body[0]
    is_package = module.count(".") == 1
    assert [part_of(t) for t in _targets(node, module, is_package)] == [expected]


def test_upward_and_sideways_imports_are_reported_downward_ones_not():
    layers = [["money", "errors"], ["rules", "sampling"], ["cli"]]
    imports = [("rules", "money", "a.py:1"), ("sampling", "rules", "b.py:2"), ("rules", "cli", "c.py:3"),
               ("rules", "sampling", "d.py:4"), ("money", "errors", "e.py:5"), ("cli", ROOT_PART, "f.py:6")]
    assert upward_imports(layers, imports) == ["c.py:3: rules imports cli", "d.py:4: rules imports sampling",
                                               "e.py:5: money imports errors"]


def private_names_across_parts() -> list[str]:
    """``from <another part> import _name``: a name its part keeps to itself, used from outside it."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            for target in _targets(node, module, path.name == "__init__.py"):
                if part_of(target) == part_of(module):
                    continue
                names = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name} from {target}" for name in names]
    return found


def test_no_part_imports_another_parts_private_name():
    assert private_names_across_parts() == []
