"""Shared fixtures: the spaCy pipeline (loaded once per session) and a runner for the ``kg`` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
GOLD = REPO.parent / "shared" / "gold"

# Runs `python -m kg ARGS...` in a subprocess and returns the finished process (text mode).
KgRunner = Callable[..., "subprocess.CompletedProcess[str]"]


def kg_command(*args: str | os.PathLike[str]) -> list[str]:
    """The argv that runs the ``kg`` command of this checkout with the test's interpreter."""
    return [sys.executable, "-m", "kg", *map(str, args)]


def kg_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a ``kg`` subprocess: UTF-8 output, the checkout importable."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.pop("COLUMNS", None)
    if extra:
        env.update(extra)
    return env


def run_kg(
    *args: str | os.PathLike[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """Run ``kg ARGS`` to completion, capturing stdout and stderr as UTF-8 text."""
    return subprocess.run(
        kg_command(*args),
        cwd=cwd,
        env=kg_env(env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def nlp():
    """The full geokg spaCy pipeline, loaded once for every test that calls the Python API."""
    from kg.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def seed_graph():
    """The graph of the five seed articles, built once per test session (do not modify it)."""
    from kg.build import build

    graph = build([str(SEEDS)]).graph
    assert len(graph) > 100, "the seed build produced an almost empty graph"
    return graph


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    """The seeds built into an on-disk store by ``build(store=...)``, once per session.

    Tests read it (open it read-only); a test that writes must work on a copy.
    """
    from kg.build import build

    path = tmp_path_factory.mktemp("seed-store") / "kgdb"
    result = build([str(SEEDS)], store=path)
    assert result.added == sum(1 for p in SEEDS.iterdir() if p.is_file())
    return path


@pytest.fixture(scope="session")
def kg() -> KgRunner:
    """``kg(*args, cwd=..., env=...)`` runs the CLI in a subprocess."""
    return run_kg


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    """The shared gold relations (../shared/gold from the repository root)."""
    if not (GOLD / "dev.tsv").is_file() or not (GOLD / "aliases.tsv").is_file():
        pytest.skip(f"gold files not found in {GOLD} (dev.tsv, aliases.tsv); eval tests skipped")
    return GOLD
