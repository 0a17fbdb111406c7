"""The house points down: graph, web and workers call billing; billing uses models and the
plugin manager; models import nothing of ours; plugins never reach up into the API. Read
from the source, so a stray import fails here rather than in review."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "remit"

# What each layer must never import. The wiring (settings, database, runtime, app, CLI)
# sits at the top: only it reads the process configuration and hands it down.
WIRING = ["remit.settings", "remit.runtime", "remit.db", "remit.app", "remit.cli"]
FORBIDDEN = {
    "billing": [
        "remit.graph",
        "remit.web",
        "remit.workers",
        *WIRING,
        "stripe",
        "remit.plugins.stripe",
    ],
    "models": [
        "remit.billing",
        "remit.graph",
        "remit.web",
        "remit.workers",
        "remit.plugins",
        *WIRING,
    ],
    "plugins": ["remit.graph", "remit.web", "remit.workers", "remit.billing", *WIRING],
    # Migrations are wiring too: a data migration may read the settings and use billing.
    "models/migrations": ["remit.graph", "remit.web", "remit.workers"],
    "graph": ["remit.web", "remit.workers", "remit.models.migrations"],
    "workers": ["remit.graph", "remit.web"],
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            # `from remit import settings` names a module, not an attribute.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(layer: str) -> list[str]:
    forbidden = FORBIDDEN[layer]
    found = []
    nested = [other for other in FORBIDDEN if other.startswith(f"{layer}/")]
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        if any(path.is_relative_to(PACKAGE / other) for other in nested):
            continue
        for module in sorted(imported_modules(path)):
            if any(module == name or module.startswith(f"{name}.") for name in forbidden):
                found.append(f"{path.relative_to(PACKAGE)} imports {module}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    assert violations(layer) == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("from remit import settings\nfrom remit.graph.errors import UserError\n")

    assert imported_modules(module) >= {"remit.settings", "remit.graph.errors"}
