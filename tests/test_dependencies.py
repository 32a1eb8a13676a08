"""The dependencies pyproject.toml declares are the ones the code imports, and the fast path's
private torch APIs are turned off on a torch release they were not checked on."""

from __future__ import annotations

import ast
import re
import sys
import warnings
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import torch
from torch import nn

from gankit.config import load_config
from gankit.fast import torch_private
from gankit.training.optim import build_optimizer

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = (ImportError, ModuleNotFoundError)


def _name(requirement: str) -> str:
    """The distribution a requirement names, normalised as PyPI does (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement)[0]).lower()


def _catches_import_error(node: ast.Try) -> bool:
    names = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
    return any(e.__name__ in name for e in OPTIONAL for name in names)


def _imports() -> tuple[set[str], set[str]]:
    """Top-level third-party modules src/gankit imports: (required, optional), where optional
    ones are imported only inside a try that handles their ImportError."""
    required: set[str] = set()
    optional: set[str] = set()
    for path in (ROOT / "src" / "gankit").rglob("*.py"):
        tree = ast.parse(path.read_text())
        guarded = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.Try) and _catches_import_error(node)
            for stmt in node.body
            for inner in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != "gankit" and top not in sys.stdlib_module_names:
                    (optional if id(node) in guarded else required).add(top)
    return required, optional - required


def _distributions(module: str) -> set[str]:
    return {_name(d) for d in packages_distributions().get(module, [module])}


@pytest.mark.integration
def test_declared_dependencies_are_the_imported_ones() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    required, optional = _imports()
    undeclared = {m for m in required if not _distributions(m) & (runtime | extras)}
    assert undeclared == set(), "imported but not declared in pyproject.toml"
    imported = set().union(*(_distributions(m) for m in required | optional))
    assert runtime - imported == set(), "declared in dependencies but never imported"


def test_an_untested_torch_release_turns_each_private_api_off_with_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = [nn.Parameter(torch.zeros(2))]
    cfg = load_config("dcgan").optim.g
    torch_private.available.cache_clear()
    try:
        assert torch_private.available("torch.optim.Adam._init_group")  # 2.13: on
        assert type(build_optimizer(params, cfg, "fused-flat")) is not torch.optim.Adam
        for version in ("2.14.0+cpu", "3.0.0"):
            monkeypatch.setattr(torch, "__version__", version)
            torch_private.available.cache_clear()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                first = build_optimizer(params, cfg, "fused-flat")
                second = build_optimizer(params, cfg, "fused-flat")
            assert type(first) is type(second) is torch.optim.Adam  # the plain path
            messages = [str(w.message) for w in caught]
            assert messages == [
                f"this torch ({version}) is not 2.13, the release gankit's use of "
                "torch.optim.Adam._init_group was checked on; the flat-view fused Adam falls "
                "back to the plain path (torch 2.13 has it)"
            ]
    finally:
        torch_private.available.cache_clear()
