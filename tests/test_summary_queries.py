"""The saved queries that read relation summaries give the rows their evidence-counting
versions gave (``tests/evidence_queries/``: the saved queries before summaries existed).

Compared on the seed graph (both engines), on the seed store, and on a store built in small
batches with a replaced article, where the summaries were merged and recounted.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from test_query import SEED_PARAMS, rows

import kg.build
from kg.build import build
from kg.graphio import write_graph
from kg.query import _bindings, execute, load_graph, load_store, prepare

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REFERENCE = Path(__file__).resolve().parent / "evidence_queries"
NAMES = sorted(p.stem for p in REFERENCE.glob("*.rq"))


def both(graph, name: str, engine: str) -> tuple[list, list]:
    """Rows of the saved query and of its evidence-counting version on ``graph``."""
    params = SEED_PARAMS.get(name, {})
    saved = prepare(name, parse_saved=engine == "rdflib")
    reference = prepare((REFERENCE / f"{name}.rq").read_text(encoding="utf-8"))
    reference = replace(reference, saved=saved.saved)  # hide the parameter columns alike
    out = []
    for prepared in (saved, reference):
        result = execute(graph, prepared, _bindings(prepared, params), engine=engine)
        # SAMPLE picks any reported sentence: compare the rest
        out.append([r[:-1] if name == "reported" else r for r in rows(result)])
    return out[0], out[1]


@pytest.fixture(scope="module")
def graph_file(seed_graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sumq") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def replaced_store(tmp_path_factory) -> Path:
    """Seeds in batches of two, then one article cut in half and built again (replaced)."""
    tmp = tmp_path_factory.mktemp("sumq-store")
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    path = tmp / "kgdb"
    patch = pytest.MonkeyPatch()
    patch.setattr(kg.build, "STORE_COMMIT", 2)
    try:
        build([str(corpus)], store=path)
        target = sorted(corpus.iterdir())[2]
        lines = target.read_text(encoding="utf-8").splitlines()
        target.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
        assert build([str(corpus)], store=path).replaced == 1
    finally:
        patch.undo()
    return path


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("name", NAMES)
def test_same_rows_as_counting_the_evidence_on_a_graph(name, engine, graph_file):
    new, old = both(load_graph(graph_file, engine=engine), name, engine)
    assert new == old
    if name != "reported":
        assert new


@pytest.mark.parametrize("name", NAMES)
def test_same_rows_as_counting_the_evidence_on_stores(name, seed_store, replaced_store):
    for store in (seed_store, replaced_store):
        new, old = both(load_store(store), name, "oxigraph")
        assert new == old
