"""The added real-news gold corpus (benchmarks/gold/news-extra) is well formed: every row has
its columns, a known kind and relation, canonical entity names, and evidence quoted exactly
from its article; every article has a source and rows; the split file names real documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.evaluate import load_aliases, load_gold
from kg.vocab import RELATIONS

REPO = Path(__file__).resolve().parent.parent
EXTRA = REPO / "benchmarks" / "gold" / "news-extra"
SHARED_NEWS = REPO.parent / "shared" / "gold" / "news"


def _docs() -> set[str]:
    return {p.stem for p in (EXTRA / "articles").glob("*.txt")}


def test_rows_are_well_formed():
    rows = load_gold(EXTRA / "gold.tsv")  # raises on a bad kind or relation
    assert len(rows) > 300
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (EXTRA / "articles").glob("*.txt")}
    for row in rows:
        assert row.doc in texts, row
        assert set(row.predicates) <= set(RELATIONS), row
        assert row.evidence and row.evidence in texts[row.doc], f"evidence not quoted: {row}"
    assert {row.doc for row in rows if row.kind == "req"} == set(texts)


def test_every_article_has_a_source():
    lines = (EXTRA / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]
    sources = {line.split("\t")[0].removesuffix(".txt") for line in lines if line.strip()}
    assert sources == _docs()
    assert all(line.split("\t")[1].startswith("http") for line in lines if line.strip())


@pytest.mark.skipif(not SHARED_NEWS.is_dir(), reason="needs ../shared/gold/news")
def test_names_are_canonical():
    names = set(load_aliases(SHARED_NEWS / "aliases.tsv")) | set(
        load_aliases(EXTRA / "aliases.tsv")
    )
    for row in load_gold(EXTRA / "gold.tsv"):
        missing = [n for n in row.names() if n not in names]
        assert not missing, f"{row}: {missing} not in aliases"


def test_split_names_real_documents():
    docs = _docs() | ({p.stem for p in (SHARED_NEWS / "articles").glob("*.txt")})
    split = REPO / "benchmarks" / "news_split.tsv"
    listed = [
        line.split("\t")[0]
        for line in split.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(listed) == len(set(listed)) >= 10
    if SHARED_NEWS.is_dir():
        assert set(listed) <= docs
    else:
        assert {d for d in listed if d[0] in "de"} <= docs
