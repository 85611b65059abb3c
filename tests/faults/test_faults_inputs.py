"""Fault suite, inputs: what `kg build` does with hostile or odd inputs (issue 11, items 1-3, 9).

Bad, empty, binary, non-UTF-8 and huge files are covered by tests/test_bad_input.py; these add
the cases found since. Every subprocess is bounded in time and address space.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from rdflib import RDF, RDFS, Graph, URIRef

import kg.build
from kg.build import build
from kg.rdf import article_iri
from kg.vocab import GEO
from tests.faults.helpers import SEED, kg_run, long_article


def _evidence_offsets_are_exact(graph: Graph, article: URIRef, body: str) -> int:
    """Every evidence sentence of ``article`` is ``body[charStart:charEnd]``; how many."""
    n = 0
    for ev in graph.subjects(GEO.article, article):
        start = int(graph.value(ev, GEO.charStart))
        end = int(graph.value(ev, GEO.charEnd))
        assert body[start:end] == str(graph.value(ev, GEO.sentence)), (start, end)
        n += 1
    return n


def test_a_long_body_is_read_in_parts_with_exact_offsets(tmp_path, monkeypatch):
    """Parts of 2,000 characters: relations are found in every part, each evidence sentence
    is exactly where its offsets say in the whole body."""
    from kg.clean import clean_article
    from kg.sources import iter_raw_articles

    path = long_article(tmp_path / "long.txt", 12_000)
    (raw,) = iter_raw_articles([str(path)])
    body = clean_article(raw).body
    monkeypatch.setattr(kg.build, "PART_CHARS", 2_000)
    result = build([str(path)])
    (article,) = result.graph.subjects(RDF.type, GEO.Article)
    assert _evidence_offsets_are_exact(result.graph, article, body) > 5
    starts = [int(o) for o in result.graph.objects(None, GEO.charStart)]
    assert max(starts) > 10_000  # found in the last part too
    assert result.words == len(body.split())


@pytest.mark.slow
def test_a_body_over_spacys_max_length_is_built_with_jobs_and_store(tmp_path):
    """1,050,000 characters (spaCy's E088 aborted the whole build): built with the article
    beside it, on two worker processes into a store; evidence past the millionth character."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    long_article(inputs / "long.txt", 1_050_000)
    shutil.copyfile(SEED, inputs / "seed.txt")
    store = tmp_path / "kgdb"
    done = kg_run("build", inputs, "--jobs", "2", "--store", store, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "skipped" not in done.stderr
    assert done.stdout.startswith("2 articles added"), done.stdout
    last = kg_run("query", "--store", store, "--format", "csv",
                  "SELECT (MAX(?e) AS ?n) WHERE { ?ev geo:charEnd ?e }")  # fmt: skip
    assert last.returncode == 0, last.stderr
    assert int(last.stdout.splitlines()[1]) > 1_000_000


def test_a_fifo_in_a_folder_is_skipped_in_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "good.txt")
    os.mkfifo(folder / "wire.txt")  # no writer: opening it for reading would block for ever
    started = time.monotonic()
    done = kg_run("build", folder, "-o", tmp_path / "g.ttl", timeout=120)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 120
    (line,) = [ln for ln in done.stderr.splitlines() if "wire.txt" in ln]
    assert "not a regular file" in line and "named pipe" in line
    assert done.stdout.startswith("1 articles")


def test_a_readme_in_a_corpus_folder_is_not_an_article(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "good.txt")
    readme = folder / "README.md"
    readme.write_text("# Corpus\nArticles collected in January; one a file.\n", encoding="utf-8")
    done = kg_run("build", folder, "-o", tmp_path / "g.ttl")
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if "README.md" in ln]
    assert "not an article" in line
    graph = Graph().parse(tmp_path / "g.ttl")
    assert set(graph.subjects(RDF.type, GEO.Article)) == {article_iri("good")}
    # Named on the command line, a file of that name is read.
    shutil.copyfile(SEED, readme)
    done = kg_run("build", readme, "-o", tmp_path / "r.ttl")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 articles")


@pytest.mark.parametrize("depth", [300, 3000])
def test_html_nested_past_libxml2s_limit_keeps_its_text(tmp_path, depth):
    sentence = "NATO and Japan agreed on Monday to deepen their partnership, officials said."
    page = tmp_path / "deep.html"
    page.write_text(
        "<html><head><title>Deep</title></head><body>"
        + "<div>" * depth
        + f"<p>{sentence}</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )
    done = kg_run("text", page)
    assert done.returncode == 0, done.stderr
    assert sentence in done.stdout
    assert "no article text" not in done.stderr


def test_bidirectional_marks_stay_out_of_labels_and_types(tmp_path):
    path = tmp_path / "marks.txt"
    path.write_text(
        "TOKYO (Reuters) - \u200fJapan\u200f and \u202bNATO\u202c agreed on Monday to deepen "
        "their security partnership, officials said. \u2067Israel\u2069 condemned the missile "
        "launch by North Korea.\n",
        encoding="utf-8",
    )
    graph = build([str(path)]).graph
    labels = {str(o) for o in graph.objects(None, RDFS.label)}
    assert {"Japan", "NATO", "Israel"} <= labels
    marks = {"\u200e", "\u200f", "\u202b", "\u202c", "\u2067", "\u2069"}
    for _, _, text in graph:
        assert not marks & set(str(text)), text
    japan = next(graph.subjects(RDFS.label, _literal("Japan")))
    assert (japan, RDF.type, GEO.Country) in graph


def _literal(text: str):
    from rdflib import Literal

    return Literal(text)


@pytest.mark.parametrize(
    "fragment",
    [
        "In a call with Netanyahu on Sunday.",
        "After talks with Macron in Paris yesterday.",
        "During a call with his Israeli counterpart Benjamin Netanyahu, Starmer also “expresse",
    ],
)
def test_a_verbless_fragment_does_not_hang_the_build(tmp_path, fragment):
    """A caption or a cut paragraph with no verb above "a call with X" looped for ever."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "good.txt")
    (folder / "caption.txt").write_text(f"{fragment}\n", encoding="utf-8")
    done = kg_run("build", folder, "-o", tmp_path / "g.ttl", timeout=120)
    assert done.returncode == 0, done.stderr
    assert Graph().parse(tmp_path / "g.ttl").value(article_iri("good"), RDF.type) == GEO.Article
