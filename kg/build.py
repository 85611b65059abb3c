"""The main job: inputs -> cleaned articles -> spaCy -> relations -> one RDF graph.

``build(inputs)`` is what ``kg build`` runs; a notebook user calls it the same way and keeps
working with the returned :class:`BuildResult` (its ``graph`` is an rdflib ``Graph``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from rdflib import Graph

from kg.clean import clean_article
from kg.rdf import ArticleResult, GraphBuilder
from kg.records import Article, InputProblem
from kg.sources import iter_raw_articles

# Mentions whose surface form names the entity (kept as skos:altLabel): not pronouns,
# descriptions, demonyms, or capitals (a capital is a name for the government only when it acts).
_NAMING_FORMS = frozenset({"name", "alias", "seat", "person", "surname", "org"})
BATCH_SIZE = 32  # articles per nlp.pipe batch and per worker task


@dataclass
class BuildResult:
    """Everything a build produced."""

    graph: Graph
    articles: list[Article] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    relations: int = 0
    words: int = 0
    seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def read_articles(
    inputs: Sequence[str], problems: list[InputProblem], max_bytes: int | None = None
) -> Iterator[Article]:
    """Cleaned articles from files, directories, JSON Lines or ``-``; problems are collected."""
    kwargs = {"max_bytes": max_bytes} if max_bytes else {}
    for item in iter_raw_articles(inputs, **kwargs):
        if isinstance(item, InputProblem):
            problems.append(item)
            continue
        article = clean_article(item)
        if not article.body.strip():
            problems.append(InputProblem(item.path, "no article text found"))
            continue
        yield article


def extract(articles: Iterable[Article], batch_size: int = BATCH_SIZE) -> Iterator[ArticleResult]:
    """Run the pipeline over articles (one process), yielding one result per article."""
    remaining = iter(articles)
    first = next(remaining, None)
    if first is None:
        return  # nothing to read: do not spend seconds importing spaCy and loading the model
    from kg.nlp import load_pipeline

    nlp = load_pipeline()
    pairs = ((a.body, a) for a in itertools.chain([first], remaining))
    for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield _result(doc, article)


def _result(doc, article: Article) -> ArticleResult:
    relations = [replace(r, article_id=article.id) for r in doc._.relations]
    mentions = []
    for link in doc._.links.links:
        if link.form in _NAMING_FORMS:
            surface = doc[link.start : link.end].text
            mentions.extend((ref, surface) for ref in link.entities)
    return ArticleResult(
        article=article,
        relations=relations,
        mentions=mentions,
        sentences=sum(1 for _ in doc.sents),
        words=len(article.body.split()),
    )


def _extract_batch(articles: list[Article]) -> list[ArticleResult]:
    return list(extract(articles))


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for a in articles:
        batch.append(a)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def extract_parallel(
    articles: Iterable[Article], jobs: int, batch_size: int = BATCH_SIZE
) -> Iterator[ArticleResult]:
    """Like :func:`extract` over ``jobs`` processes; results come back in input order."""
    if jobs <= 1:
        yield from extract(articles, batch_size)
        return
    # Each worker loads the model once (load_pipeline is cached per process).
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for batch in pool.map(_extract_batch, _batches(articles, batch_size)):
            yield from batch


def build(
    inputs: Sequence[str],
    jobs: int = 1,
    max_bytes: int | None = None,
    on_article: Callable[[ArticleResult], None] | None = None,
) -> BuildResult:
    """Build the knowledge graph of everything in ``inputs``.

    ``jobs`` > 1 runs extraction in that many processes (same graph as ``jobs=1``).
    ``on_article`` is called after each article (progress reporting).
    """
    started = time.perf_counter()
    problems: list[InputProblem] = []
    articles = _unique_ids(read_articles(inputs, problems, max_bytes))
    builder = GraphBuilder()
    result = BuildResult(graph=Graph(), problems=problems)
    for res in extract_parallel(articles, jobs=max(1, jobs)):
        builder.add(res)
        result.articles.append(res.article)
        result.relations += len(res.relations)
        result.words += res.words
        if on_article is not None:
            on_article(res)
    result.graph = builder.build()
    result.seconds = time.perf_counter() - started
    return result


def _unique_ids(articles: Iterable[Article]) -> Iterator[Article]:
    """Two inputs with the same stem ("a/x.txt", "b/x.txt") get distinct article IRIs."""
    seen: dict[str, int] = {}
    for a in articles:
        n = seen.get(a.id, 0)
        seen[a.id] = n + 1
        yield a if n == 0 else replace(a, id=f"{a.id}-{n + 1}")
