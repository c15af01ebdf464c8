"""The packages import each other in one direction only (docs/architecture.md).

Every module under ``src/trainlab`` is parsed (not imported); every ``import``
and ``from ... import`` naming ``trainlab`` - at module level or inside a
function, absolute or relative - is resolved to the package it reaches, and no
package may reach a package of a higher layer. Old import paths kept for one
release (``trainlab.deprecation.relocated``) name their targets as strings and
look them up lazily; those targets are checked to exist, and importing the math
packages is checked, in a fresh interpreter, not to load any loop, data, model,
figure or CLI code.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "trainlab"

# From the bottom; a package may import its own layer and the layers below it.
LAYERS: list[tuple[str, ...]] = [
    ("constraints", "constrained", "atomic", "deprecation", "threads"),  # constrained: the checking mixin (arriving)
    ("optim", "schedules", "reference", "init"),  # math; init: weight initializers (arriving)
    ("data", "nn", "regularize"),
    ("train",),
    ("diagnose", "doctor"),
    ("problems",),
    ("report",),
    ("experiments",),
    ("cli",),
]
RANK = {package: i for i, layer in enumerate(LAYERS) for package in layer}
TOP = {"__init__", "__main__"}  # the package root re-exports and starts the CLI: above every layer
MATH = ("optim", "schedules", "reference", "constraints", "atomic")
NOT_FOR_MATH = ("train", "data", "nn", "report", "experiments", "problems", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``path`` that reaches ``trainlab``, resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from trainlab import problems`` reaches trainlab.problems
            found += [(node.lineno, f"{module}.{alias.name}" if module == "trainlab" else module)
                      for alias in node.names]
    return [(line, m) for line, m in found if m == "trainlab" or m.startswith("trainlab.")]


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


MODULES = sorted(ROOT.rglob("*.py"))
EDGES = [(module_name(p), line, target) for p in MODULES for line, target in imports_of(p)]


def test_the_scan_sees_every_kind_of_import() -> None:
    """The parser finds relative, function-level and ``from trainlab import x`` imports."""
    by_module = {(m, t) for m, _, t in EDGES}
    assert ("trainlab.train.epoch_loop", "trainlab.train.descent") in by_module  # module level
    assert ("trainlab.cli.schedules", "trainlab.train.lr_find") in by_module  # inside a function
    assert ("trainlab.experiments.beale", "trainlab.problems") in by_module  # from trainlab import problems
    assert len(EDGES) > 150


def test_every_package_has_a_layer() -> None:
    packages = {package_of(module_name(p)) for p in MODULES} - TOP
    assert packages <= set(RANK), f"place {sorted(packages - set(RANK))} in LAYERS and docs/architecture.md"


@pytest.mark.parametrize("package", MATH)
def test_math_packages_import_no_loop_data_model_figure_or_cli(package: str) -> None:
    bad = [f"{m}:{line} imports {t}" for m, line, t in EDGES
           if package_of(m) == package and package_of(t) in NOT_FOR_MATH]
    assert not bad, "\n".join(bad)


def test_no_package_imports_a_higher_layer() -> None:
    bad = [f"{m}:{line} ({package_of(m)}, layer {RANK[package_of(m)]}) imports {t} "
           f"({package_of(t)}, layer {RANK[package_of(t)]})"
           for m, line, t in EDGES
           if package_of(m) in RANK and package_of(t) in RANK and RANK[package_of(t)] > RANK[package_of(m)]]
    assert not bad, "\n".join(bad)


def relocations() -> list[tuple[str, str, str]]:
    """``(old module, old name, "new.module:new_name")`` of every ``relocated(...)`` re-export."""
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "relocated":
                table = node.args[1]
                if isinstance(table, ast.Dict):
                    pairs = [(ast.literal_eval(k), v) for k, v in zip(table.keys, table.values, strict=True)]
                    for old, value in pairs:
                        target = ast.literal_eval(value) if isinstance(value, ast.Constant) else None
                        found.append((module_name(path), old, target))
                else:  # a comprehension: names come from the module object itself below
                    found.append((module_name(path), "*", None))
    return found


@pytest.mark.parametrize("old_module, old_name, target", relocations())
def test_old_paths_still_resolve_with_a_warning(old_module: str, old_name: str, target: str | None) -> None:
    module = importlib.import_module(old_module)
    table = module.__getattr__.__closure__  # the mapping relocated() closed over
    moved = next(c.cell_contents for c in table if isinstance(c.cell_contents, dict))
    names = moved if old_name == "*" else {old_name: target or moved[old_name]}
    for name, where in names.items():
        new_module, _, new_name = where.partition(":")
        with pytest.warns(DeprecationWarning, match=f"{old_module}.{name} moved to {new_module}.{new_name}"):
            value = getattr(module, name)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert value is getattr(importlib.import_module(new_module), new_name)


def test_importing_the_math_packages_loads_nothing_above_them() -> None:
    code = (
        "import sys, trainlab.optim, trainlab.schedules, trainlab.reference, trainlab.optim.descent, "
        "trainlab.optim.lsgd, trainlab.schedules.lr_find, trainlab.schedules.examples\n"
        f"print(sorted({{m.split('.')[1] for m in sys.modules if m.startswith('trainlab.')}}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(SRC), "PATH": ""})
    loaded = set(ast.literal_eval(done.stdout.strip()))
    assert not loaded & set(NOT_FOR_MATH), loaded
