"""``--store DIR`` on ``kg export``, ``viz``, ``stats``, ``validate`` and ``eval``, and
``kg.export.export_store``: reading a store gives what reading the graph file gives.

The seeds are built once for the module, into a graph file and (``kg build --store``'s code
path, :func:`kg.build.build` with ``store=``) into an on-disk store.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph

from kg.export import EXTENSIONS, FORMATS, GRAPH_IRI, export_graph, export_store
from kg.graphio import GraphFileError, write_graph
from kg.store import open_store, store_graph
from kg.vocab import GEO

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PARSERS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "trig": "trig", "nq": "nquads"}
QUAD_FORMATS = ("trig", "nq")


@pytest.fixture(scope="module")
def seed_file(seed_graph: Graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def store_dir(seed_store: Path) -> Path:
    return seed_store


def triples_of(data: bytes, fmt: str) -> set:
    """The triples of an export; quad formats must hold them all in the one graph GRAPH_IRI."""
    if fmt in QUAD_FORMATS:
        ds = Dataset()
        ds.parse(data=data, format=PARSERS[fmt])
        quads = list(ds.quads((None, None, None, None)))
        assert {str(g) for *_, g in quads} == {str(GRAPH_IRI)}
        return {(s, p, o) for s, p, o, _ in quads}
    return set(Graph().parse(data=data, format=PARSERS[fmt]))


def exported(store_dir: Path, fmt: str, path: Path) -> bytes:
    export_store(open_store(store_dir, read_only=True), fmt, path)
    return path.read_bytes()


# ---------------------------------------------------------------------------------------------
# kg.export.export_store


def test_store_holds_the_graph_kg_build_writes(seed_graph: Graph, store_dir: Path) -> None:
    assert set(store_graph(store_dir)) == set(seed_graph)


@pytest.mark.parametrize("fmt", [*FORMATS, "nq"])
def test_export_store_matches_the_graph_export(
    seed_graph: Graph, store_dir: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"graph{EXTENSIONS.get(fmt, '.nq')}"
    data = exported(store_dir, fmt, out)
    if fmt in PARSERS:
        assert triples_of(data, fmt) == set(seed_graph)
    else:  # graphml, csv: the same writer on the same graph
        assert data == export_graph(seed_graph, fmt)
    if fmt == "json-ld":
        assert data == export_graph(seed_graph, fmt)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left behind


def test_turtle_uses_the_project_prefixes(store_dir: Path, tmp_path: Path) -> None:
    text = exported(store_dir, "turtle", tmp_path / "g.ttl").decode("utf-8")
    assert "@prefix ent: <https://w3id.org/geokg/id/> ." in text
    assert re.search(r"^ent:\S+ a geo:", text, re.M)
    body = "".join(line for line in text.splitlines(True) if not line.startswith("@prefix"))
    assert "<https://w3id.org/geokg/id/" not in body


@pytest.mark.parametrize("fmt", ["turtle", "nt", "trig"])
def test_export_store_is_deterministic_across_reopening(
    store_dir: Path, tmp_path: Path, fmt: str
) -> None:
    first = exported(store_dir, fmt, tmp_path / "a")
    again = exported(store_dir, fmt, tmp_path / "a")  # replaces the file
    reopened = exported(store_dir, fmt, tmp_path / "b")  # a new read-only handle
    assert first == again == reopened


def test_export_store_replaces_the_target_atomically(store_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.nt"
    out.write_bytes(b"old")
    data = exported(store_dir, "nt", out)
    assert data != b"old" and data.endswith(b" .\n")
    with pytest.raises(GraphFileError, match="does not exist"):
        export_store(open_store(store_dir, read_only=True), "nt", tmp_path / "missing" / "g.nt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.nt"]


@pytest.mark.parametrize(("fmt", "syntax"), [("turtle", "turtle"), ("trig", "trig")])
def test_rapper_accepts_the_store_export(
    seed_graph: Graph, store_dir: Path, tmp_path: Path, fmt: str, syntax: str
) -> None:
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper not installed (Debian/Ubuntu: apt-get install raptor2-utils)")
    path = tmp_path / f"g.{fmt}"
    exported(store_dir, fmt, path)
    proc = subprocess.run(
        [rapper, "-i", syntax, "-c", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"returned {len(seed_graph)} triples" in proc.stderr


# ---------------------------------------------------------------------------------------------
# The commands


@pytest.mark.parametrize("fmt", ["turtle", "csv"])
def test_cli_export_from_store(
    kg, seed_file: Path, store_dir: Path, tmp_path: Path, fmt: str
) -> None:
    ext = EXTENSIONS[fmt]
    from_store, from_file = tmp_path / f"s{ext}", tmp_path / f"f{ext}"
    proc = kg("export", "--store", store_dir, "-o", from_store)
    assert proc.returncode == 0, proc.stderr
    assert f"-> {from_store}" in proc.stderr
    assert kg("export", seed_file, "-o", from_file).returncode == 0
    if fmt == "csv":
        assert from_store.read_bytes() == from_file.read_bytes()
    else:
        assert triples_of(from_store.read_bytes(), fmt) == triples_of(from_file.read_bytes(), fmt)
    piped = kg("export", "--store", store_dir, "-f", fmt, "-o", "-")
    assert piped.returncode == 0 and piped.stdout.encode("utf-8") == from_store.read_bytes()


def test_cli_stats_from_store(kg, seed_file: Path, store_dir: Path) -> None:
    from_store = kg("stats", "--store", store_dir, "--json")
    from_file = kg("stats", seed_file, "--json")
    assert from_store.returncode == from_file.returncode == 0, from_store.stderr
    assert json.loads(from_store.stdout) == json.loads(from_file.stdout)
    assert json.loads(from_store.stdout)["triples"] > 100


def test_cli_validate_from_store(kg, store_dir: Path) -> None:
    proc = kg("validate", "--store", store_dir, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["conforms"] is True


def test_cli_viz_from_store(kg, seed_file: Path, store_dir: Path, tmp_path: Path) -> None:
    def counts(*source: str | Path) -> tuple[int, int, int]:
        proc = kg("viz", *source, "-o", tmp_path / "v.html")
        assert proc.returncode == 0, proc.stderr
        m = re.search(r"([\d,]+) actors, ([\d,]+) relations, ([\d,]+) sentences", proc.stderr)
        assert m, proc.stderr
        return tuple(int(x.replace(",", "")) for x in m.groups())  # type: ignore[return-value]

    from_store = counts("--store", store_dir)
    assert from_store == counts(seed_file)
    assert from_store[0] > 5 and from_store[1] > 5


def test_cli_eval_from_store(kg, seed_file: Path, store_dir: Path, gold_dir: Path) -> None:
    gold, aliases = gold_dir / "dev.tsv", gold_dir / "aliases.tsv"
    from_store = kg("eval", "--store", store_dir, gold, "--aliases", aliases)
    from_file = kg("eval", seed_file, gold, "--aliases", aliases)
    assert from_store.returncode == from_file.returncode == 0, from_store.stderr
    assert "precision" in from_store.stdout
    assert from_store.stdout == from_file.stdout


@pytest.fixture(scope="module")
def bad_stores(tmp_path_factory, seed_file: Path) -> dict[str, tuple[Path, str]]:
    root = tmp_path_factory.mktemp("bad")
    (root / "other").mkdir()
    (root / "other" / "notes.txt").write_text("not a store\n")
    return {
        "missing": (root / "missing", "no store here"),
        "other files": (root / "other", "not a geokg store"),
        "plain file": (seed_file, "not a store directory"),
    }


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        (["export", "-f", "turtle", "-o", "-"], "missing"),
        (["stats"], "other files"),
        (["validate"], "plain file"),
        (["viz", "-o", "{tmp}/v.html"], "missing"),
        (["eval", "{gold}", "-a", "{gold}"], "plain file"),
    ],
)
def test_cli_bad_store_is_a_one_line_error(
    kg, bad_stores, tmp_path: Path, command: list[str], bad: str
) -> None:
    path, message = bad_stores[bad]
    args = [a.format(tmp=tmp_path, gold=path) for a in command]  # eval: any existing file
    proc = kg(*args, "--store", path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert message in proc.stderr and str(path) in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("command", ["export", "validate"])
def test_cli_needs_exactly_one_of_graph_and_store(
    kg, seed_file: Path, store_dir: Path, command: str
) -> None:
    for args in ([], [seed_file, "--store", store_dir]):
        extra = ["-f", "nt"] if command == "export" else []
        proc = kg(command, *args, *extra)
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr
        assert "GRAPH file or --store DIR" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_store_stats_by_sparql_equal_the_stats_of_the_copied_graph(store_dir: Path) -> None:
    from kg.stats import graph_stats, store_stats
    from kg.store import store_graph

    assert store_stats(store_dir, top=50) == graph_stats(store_graph(store_dir), top=50)


def test_the_parts_of_a_store_viz_and_eval_read_give_the_same_results(store_dir: Path) -> None:
    from kg.evaluate import EVAL_PREDICATES
    from kg.store import store_graph, subgraph
    from kg.viz import VIEW_PREDICATES, ViewOptions, build_view

    whole = store_graph(store_dir)
    part = subgraph(store_dir, VIEW_PREDICATES)
    assert 0 < len(part) < len(whole)
    for options in (ViewOptions(), ViewOptions(entity="NATO", hops=2, since=None)):
        assert build_view(part, options) == build_view(whole, options)
    docs = {o for o in whole.objects(None, GEO.article)}
    for_eval = subgraph(store_dir, EVAL_PREDICATES, docs)
    evidence = set(whole.subjects(RDF.type, GEO.Evidence))  # what eval reads, by article
    assert evidence and {
        t for t in for_eval.triples((None, RDF.subject, None)) if t[0] in evidence
    } == {t for t in whole.triples((None, RDF.subject, None)) if t[0] in evidence}
