"""The layer rule (docs/architecture.md): an app imports only apps in lower layers, never one above it.

    crmsim (settings, urls, shared API plumbing, vocabulary, errors)  <-  scenarios  <-  crm  <-  simulations

A module may import its own app and any lower layer. Every import statement counts, also those inside
functions and under ``if TYPE_CHECKING:`` (a type that needs an upper layer is a design smell, not an
exception). Migrations are left out: Django writes their dependencies itself (``crm.0001`` depends on
``simulations.0001`` because the rows' foreign key names ``simulations.Simulation`` by string), and they
import only what they run (``simulations.wizard_profile`` for a validator), never by design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS: tuple[str, ...] = ("crmsim", "scenarios", "crm", "simulations")
"""Lowest first."""


def imported_modules(tree: ast.AST, module: str) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in ``tree``; relative imports are resolved against ``module``."""
    package = module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join([*base, node.module] if node.module else base)
            else:
                yield node.lineno, node.module or ""


def upward_imports(source: str, module: str) -> list[str]:
    """The imports in ``source`` (the text of ``module``) that point to a higher layer than its own."""
    own = LAYERS.index(module.split(".")[0])
    problems = []
    for line, name in imported_modules(ast.parse(source), module):
        top = name.split(".")[0]
        if top in LAYERS and LAYERS.index(top) > own:
            problems.append(f"{module}:{line} imports {name} ({top} is above {LAYERS[own]})")
    return problems


def app_modules() -> Iterator[tuple[Path, str]]:
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            yield path, ".".join(relative.with_suffix("").parts)


def test_every_app_module_imports_only_its_own_layer_and_below() -> None:
    modules = list(app_modules())
    assert len(modules) > 50, "the walk found too few modules to be looking at the apps"
    problems = [p for path, module in modules for p in upward_imports(path.read_text(), module)]
    assert problems == []


def test_the_rule_catches_a_planted_upward_import() -> None:
    planted = (
        "from __future__ import annotations\n"
        "from scenarios.models import ScenarioPreset\n"
        "def f():\n"
        "    import simulations.models\n"
        "    from . import models\n"
    )
    assert upward_imports(planted, "crm.models") == [
        "crm.models:4 imports simulations.models (simulations is above crm)",
    ]
    assert upward_imports(planted, "crmsim.views") == [
        "crmsim.views:2 imports scenarios.models (scenarios is above crmsim)",
        "crmsim.views:4 imports simulations.models (simulations is above crmsim)",
    ]
    assert upward_imports(planted, "simulations.api.records") == []


def test_relative_imports_resolve_to_their_package() -> None:
    tree = ast.parse("from .plan import Plan\nfrom .. import models\n")
    assert [name for _, name in imported_modules(tree, "simulations.engine.slots")] == [
        "simulations.engine.plan",
        "simulations",
    ]
