"""Imports flow one way (STYLE.md): each stage may import only the stages listed for it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "crowdsafety"

#: stage -> stages of ours it may import (besides itself). api, cli and service wire the rest.
ALLOWED = {
    "domain": set(),
    "sites": {"domain"},
    "sources": {"domain"},
    "store": {"domain"},
    "ingest": {"domain", "store"},
    "picture": {"domain"},
    "forecast": {"domain", "picture"},
    "decide": {"domain", "picture", "forecast"},
    "chat": {"domain"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crowdsafety."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("crowdsafety.")}
    return found


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_stage_imports_only_what_it_may(stage):
    folder = PACKAGE / stage
    if not folder.exists():
        pytest.skip(f"{stage} not built yet")
    bad = {
        f"{path.relative_to(PACKAGE)} imports crowdsafety.{other}"
        for path in folder.rglob("*.py")
        for other in _imports(path) - ALLOWED[stage] - {stage}
    }
    assert not bad, sorted(bad)
