"""The ``kg`` command end to end: build (formats, stdout, determinism, --jobs), text, eval, help.

The seed graphs are built once per module, two ``kg`` processes at a time, and shared by the
tests that inspect them.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph
from rdflib.compare import isomorphic

from kg.vocab import GEO, RELATIONS

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_COUNT = len(list(SEEDS.glob("*.txt")))
TICKER = re.compile(r"^[A-Z]{2,}\s+\d+\.\d+\s+(In|De)creased By", re.MULTILINE)
SCORE_LINE = re.compile(
    r"^(?P<doc>\S+|overall \(\d+ docs?\)): precision \d\.\d{3} \(\d+/\d+\)\s+"
    r"recall \d\.\d{3} \(\d+/\d+\)\s+F1 \d\.\d{3}",
    re.MULTILINE,
)
RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".trig": "trig"}


@dataclass(frozen=True)
class Built:
    """One ``kg build`` run over the seeds: the finished process and the file it wrote."""

    proc: subprocess.CompletedProcess[str]
    path: Path | None  # None when the graph went to stdout


# name -> (output relative to the build folder, extra arguments, PYTHONHASHSEED)
PLAN: dict[str, tuple[str, list[str], str]] = {
    "ttl": ("graph.ttl", ["--jobs", "1"], "1"),
    "nt": ("graph.nt", [], "1"),
    "jsonld": ("graph.jsonld", [], "0"),
    "trig": ("graph.trig", [], "0"),
    "stdout": ("-", [], "0"),
    "ttl-hashseed2": ("hashseed2/graph.ttl", [], "2"),
    "nt-hashseed2": ("hashseed2/graph.nt", [], "2"),
    "ttl-jobs2": ("jobs2/graph.ttl", ["--jobs", "2"], "3"),
}


@pytest.fixture(scope="module")
def seed_builds(kg, tmp_path_factory) -> dict[str, Built]:
    """Every seed build the tests below need, run in separate processes, two at a time."""
    folder = tmp_path_factory.mktemp("seed-builds")
    (folder / "hashseed2").mkdir()
    (folder / "jobs2").mkdir()

    def run(name: str) -> Built:
        output, extra, hashseed = PLAN[name]
        proc = kg(
            "build", SEEDS, "-o", output, *extra, cwd=folder, env={"PYTHONHASHSEED": hashseed}
        )
        return Built(proc, None if output == "-" else folder / output)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(PLAN, pool.map(run, PLAN), strict=True))


def built(seed_builds: dict[str, Built], name: str) -> Built:
    """A build that must have succeeded; its stderr is shown when it did not."""
    b = seed_builds[name]
    assert b.proc.returncode == 0, f"kg build ({name}) failed:\n{b.proc.stderr}"
    assert "Traceback" not in b.proc.stderr
    return b


def parse(path: Path) -> Graph:
    """Parse a graph file in the format its extension names; a TriG dataset is flattened."""
    fmt = RDF_FORMATS[path.suffix]
    if fmt == "trig":
        ds = Dataset(default_union=True)
        ds.parse(path, format="trig")
        g = Graph()
        for triple in ds.triples((None, None, None)):
            g.add(triple)
        return g
    return Graph().parse(path, format=fmt)


def relation_count(g: Graph) -> int:
    return sum(1 for name in RELATIONS for _ in g.triples((None, GEO[name], None)))


# ---------------------------------------------------------------------------------------------
# kg build


def test_build_writes_turtle_and_prints_summary(seed_builds):
    b = built(seed_builds, "ttl")
    assert b.path is not None and b.path.is_file()
    g = parse(b.path)
    assert len(g) > 100
    assert relation_count(g) > 0
    assert len(set(g.subjects(RDF.type, GEO.Article))) == SEED_COUNT
    # The summary: one line (not folded at 80 columns) ending with the output path, then a table.
    first = b.proc.stdout.splitlines()[0]
    assert re.fullmatch(
        rf"{SEED_COUNT} articles, [\d,]+ words in .*; \d+ relations with \d+ evidence sentences; "
        r"[\d,]+ triples -> graph\.ttl",
        first,
    ), b.proc.stdout
    assert "relation" in b.proc.stdout and "edges" in b.proc.stdout
    assert "entities:" in b.proc.stdout


@pytest.mark.parametrize("name", ["nt", "jsonld", "trig"])
def test_other_formats_hold_the_same_triples(seed_builds, name):
    turtle = parse(built(seed_builds, "ttl").path)
    other_path = built(seed_builds, name).path
    assert other_path is not None and other_path.stat().st_size > 0
    other = parse(other_path)
    assert len(other) == len(turtle)
    assert isomorphic(other, turtle)


def test_nt_output_is_sorted_n_triples(seed_builds):
    lines = built(seed_builds, "nt").path.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)


def test_dash_output_writes_turtle_to_stdout(seed_builds):
    b = built(seed_builds, "stdout")
    turtle_file = built(seed_builds, "ttl").path
    assert b.proc.stdout.startswith("@prefix")
    g = Graph().parse(data=b.proc.stdout, format="turtle")
    assert isomorphic(g, parse(turtle_file))
    assert b.proc.stdout == turtle_file.read_text(encoding="utf-8")
    # The summary goes to stderr so that stdout is nothing but the graph.
    assert "triples -> -" in b.proc.stderr
    assert not (turtle_file.parent / "-").exists()


@pytest.mark.parametrize("ext", ["ttl", "nt"])
def test_builds_are_byte_identical_across_hash_seeds(seed_builds, ext):
    first = built(seed_builds, ext).path.read_bytes()
    second = built(seed_builds, f"{ext}-hashseed2").path.read_bytes()
    assert first, "empty graph file"
    assert first == second


def test_jobs_2_gives_the_same_graph_as_jobs_1(seed_builds):
    one = built(seed_builds, "ttl").path.read_bytes()
    two = built(seed_builds, "ttl-jobs2").path.read_bytes()
    assert one == two


def test_parallel_extraction_keeps_input_order(nlp):
    """Several batches over two worker processes give the one-process graph, in input order."""
    from kg.build import extract, extract_parallel, read_articles
    from kg.graphio import serialize
    from kg.rdf import build_graph

    problems: list = []
    articles = list(read_articles([str(SEEDS)], problems))
    assert not problems and len(articles) == SEED_COUNT
    serial = list(extract(articles))
    parallel = list(extract_parallel(articles, jobs=2, batch_size=2))
    assert [r.article.id for r in parallel] == [a.id for a in articles]
    assert serialize(build_graph(parallel), "nt") == serialize(build_graph(serial), "nt")


# ---------------------------------------------------------------------------------------------
# kg text


def test_text_shows_metadata_and_body_without_tickers(kg):
    proc = kg("text", "seeds/002_4a7e21c7fb5ed67b.txt", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(
        r"^title:\s+Japan and NATO pledge ‘firm’ response to China, Russia threats$",
        out,
        re.MULTILINE,
    ), out
    assert re.search(r"^date:\s+2023-01-31$", out, re.MULTILINE), out
    assert re.search(r"^source:\s+AFP$", out, re.MULTILINE), out
    assert "Jens Stoltenberg said Tuesday in Tokyo" in out
    assert "independent representative office" in out
    # The raw file carries a stock ticker; none of it reaches the cleaned text.
    raw = (SEEDS / "002_4a7e21c7fb5ed67b.txt").read_text(encoding="utf-8")
    assert TICKER.search(raw)
    assert not TICKER.search(out)
    assert "Increased By" not in out and "Decreased By" not in out


def test_text_of_a_missing_file_fails_cleanly(kg, tmp_path):
    proc = kg("text", tmp_path / "nope.txt")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "nope.txt" in proc.stderr


# ---------------------------------------------------------------------------------------------
# kg eval


def test_eval_scores_a_fresh_seed_graph(kg, seed_builds, gold_dir):
    graph = built(seed_builds, "ttl").path
    proc = kg("eval", graph, gold_dir / "dev.tsv", "--aliases", gold_dir / "aliases.tsv")
    assert proc.returncode == 0, proc.stderr
    scored = [m.group("doc") for m in SCORE_LINE.finditer(proc.stdout)]
    gold_docs = sorted(
        {
            line.split("\t")[0]
            for line in (gold_dir / "dev.tsv").read_text().splitlines()[1:]
            if line.strip() and not line.startswith("#")
        }
    )
    assert scored[:-1] == gold_docs, proc.stdout
    assert scored[-1] == f"overall ({len(gold_docs)} docs)", proc.stdout


def test_eval_one_doc(kg, seed_builds, gold_dir):
    graph = built(seed_builds, "ttl").path
    proc = kg(
        "eval",
        graph,
        gold_dir / "dev.tsv",
        "--aliases",
        gold_dir / "aliases.tsv",
        "--doc",
        "001_5ea7afdffe8cb43a",
    )
    assert proc.returncode == 0, proc.stderr
    scored = [m.group("doc") for m in SCORE_LINE.finditer(proc.stdout)]
    assert scored == ["001_5ea7afdffe8cb43a", "overall (1 doc)"], proc.stdout


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *names: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:"), proc.stderr
    for name in names:
        assert name in lines[0], proc.stderr


def test_eval_missing_gold_file(kg, seed_builds, gold_dir, tmp_path):
    graph = built(seed_builds, "ttl").path
    missing = tmp_path / "no-gold.tsv"
    proc = kg("eval", graph, missing, "--aliases", gold_dir / "aliases.tsv")
    assert_one_line_error(proc, "no-gold.tsv")
    assert proc.stdout == ""


def test_eval_missing_aliases_file(kg, seed_builds, gold_dir, tmp_path):
    graph = built(seed_builds, "ttl").path
    proc = kg("eval", graph, gold_dir / "dev.tsv", "--aliases", tmp_path / "no-aliases.tsv")
    assert_one_line_error(proc, "no-aliases.tsv")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.ttl", b"this is not RDF { at all ;;\n"),
        ("binary.ttl", b"\x00\x01\x02\xff\xfe binary \x00 junk"),
        ("article.txt", (SEEDS / "000_46c7afd8f487e697.txt").read_bytes()),
        ("broken.jsonld", b'{"@id": "x", '),
        ("missing.ttl", None),
    ],
)
def test_eval_rejects_a_graph_that_is_not_rdf(kg, gold_dir, tmp_path, name, content):
    graph = tmp_path / name
    if content is not None:
        graph.write_bytes(content)
    proc = kg("eval", graph, gold_dir / "dev.tsv", "--aliases", gold_dir / "aliases.tsv")
    assert_one_line_error(proc, name)
    assert proc.stdout == ""


# ---------------------------------------------------------------------------------------------
# help


def test_top_level_help(kg):
    proc = kg("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("build", "text", "eval"):
        assert re.search(rf"\b{command}\b", proc.stdout), proc.stdout


def test_build_help(kg):
    proc = kg("build", "--help")
    assert proc.returncode == 0, proc.stderr
    for option in ("--output", "--jobs", "--max-bytes", "--quiet"):
        assert option in proc.stdout, proc.stdout


def test_version(kg):
    from kg import __version__

    proc = kg("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"geokg {__version__}"
