"""The main job: inputs -> cleaned articles -> spaCy -> relations -> one RDF graph.

``build(inputs)`` is what ``kg build`` runs; a notebook user calls it the same way and keeps
working with the returned :class:`BuildResult` (its ``graph`` is an rdflib ``Graph``).
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, Graph

from kg.clean import clean_article
from kg.parts import PART_CHARS, split_body
from kg.rdf import ArticleResult, GraphBuilder, Triple
from kg.records import Article, EntityRef, InputProblem, RawArticle
from kg.rollup import read_states
from kg.sources import iter_raw_articles
from kg.vocab import ENT, bind_prefixes

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Mentions whose surface form names the entity (kept as skos:altLabel): not pronouns,
# descriptions, demonyms, or capitals (a capital is a name for the government only when it acts).
_NAMING_FORMS = frozenset({"name", "alias", "seat", "person", "surname", "org"})
BATCH_SIZE = 32  # articles per nlp.pipe batch and per worker task
BATCH_CHARS = 400_000  # at most this many characters per nlp.pipe batch (bounds its memory)
STORE_COMMIT = 64  # articles per store transaction


@dataclass
class BuildResult:
    """Everything a build produced."""

    triples: list[Triple] = field(default_factory=list)  # the graph, each triple once
    articles: list[Article] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    relations: int = 0
    words: int = 0
    seconds: float = 0.0
    store: Path | None = None  # the store built into, if any
    added: int = 0  # articles added to the store
    skipped: int = 0  # inputs skipped: their content was already in the store
    replaced: int = 0  # articles whose earlier version (same input, other content) was replaced

    _graph: Graph | None = field(default=None, repr=False, compare=False)

    @property
    def graph(self) -> Graph:
        """The triples as an rdflib Graph (built on first use: writing a graph file does not
        need one)."""
        if self._graph is None:
            self._graph = bind_prefixes(Graph())
            self._graph.addN((s, p, o, self._graph) for s, p, o in self.triples)
        return self._graph

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def content_hash(raw: RawArticle) -> str:
    """SHA-256 (hex) of an input's text and declared metadata: what decides its graph."""
    digest = hashlib.sha256()
    for part in (raw.text, raw.title, raw.date, raw.url, raw.source, raw.id):
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def read_articles(
    inputs: Sequence[str],
    problems: list[InputProblem],
    max_bytes: int | None = None,
    admit: Callable[[RawArticle, str], bool] | None = None,
) -> Iterator[Article]:
    """Cleaned articles from files, directories, JSON Lines or ``-``; problems are collected.

    ``admit(raw, content_hash)`` is asked before an input is cleaned; a False skips it (an
    incremental build skips what its store already holds).
    """
    kwargs = {"max_bytes": max_bytes} if max_bytes else {}
    for item in iter_raw_articles(inputs, **kwargs):
        if isinstance(item, InputProblem):
            problems.append(item)
            continue
        digest = content_hash(item)
        if admit is not None and not admit(item, digest):
            continue
        article = replace(clean_article(item), content_hash=digest)
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
    limit = min(PART_CHARS, nlp.max_length)
    parts = _parts(nlp, itertools.chain([first], remaining), limit)
    read: list[_Part] = []  # the parts of the current article read so far
    for batch in _part_batches(parts, batch_size, BATCH_CHARS):
        for doc, (article, offset, last) in nlp.pipe(batch, as_tuples=True, batch_size=len(batch)):
            read.append(_part(doc, offset, article.id))
            if last:
                yield _result(read, article)
                read = []


@dataclass
class _Part:
    """What one pipeline call found in a part of a body (offsets already in the whole body)."""

    relations: list
    mentions: list
    sentences: int


def _parts(nlp, articles: Iterable[Article], limit: int) -> Iterator[tuple[Doc, tuple]]:
    """``(doc, (article, offset, last))`` for each part of each body (most have one part);
    each doc carries its article's date (:func:`kg.nlp.make_doc`)."""
    from kg.nlp import make_doc

    for article in articles:
        pieces = split_body(article.body, limit)
        for n, (offset, text) in enumerate(pieces, start=1):
            doc = make_doc(nlp, article if len(pieces) == 1 else replace(article, body=text))
            yield doc, (article, offset, n == len(pieces))


def _part_batches(parts: Iterable[tuple[Doc, tuple]], size: int, chars: int) -> Iterator[list]:
    """Batches of at most ``size`` parts and, past the first part, ``chars`` characters: the
    parser's memory grows with the characters of a batch, not the number of texts."""
    batch: list[tuple[Doc, tuple]] = []
    held = 0
    for part in parts:
        length = len(part[0].text)
        if batch and (len(batch) >= size or held + length > chars):
            yield batch
            batch, held = [], 0
        batch.append(part)
        held += length
    if batch:
        yield batch


def _part(doc: Doc, offset: int, article_id: str) -> _Part:
    relations = [
        replace(r, article_id=article_id, start=r.start + offset, end=r.end + offset)
        for r in doc._.relations
    ]
    mentions = []
    for link in doc._.links.links:
        if link.form in _NAMING_FORMS:
            surface = doc[link.start : link.end].text
            mentions.extend((ref, surface) for ref in link.entities)
    return _Part(relations, mentions, sum(1 for _ in doc.sents))


def _result(parts: Sequence[_Part], article: Article) -> ArticleResult:
    """One article's result from its parts (one for all but very long bodies)."""
    relations, background = read_states([r for p in parts for r in p.relations], article.date)
    return ArticleResult(
        article=article,
        relations=relations,
        mentions=[m for p in parts for m in p.mentions],
        sentences=sum(p.sentences for p in parts),
        words=len(article.body.split()),
        background=background,
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


class BuildError(Exception):
    """A build that could not finish (a worker process died); the message is one line."""


def extract_parallel(
    articles: Iterable[Article], jobs: int, batch_size: int | None = None
) -> Iterator[ArticleResult]:
    """Like :func:`extract` over ``jobs`` processes; results come back in input order.

    Raises BuildError when a worker process dies (killed, or out of memory).
    """
    size = batch_size or BATCH_SIZE
    if jobs <= 1:
        yield from extract(articles, size)
        return
    # Each worker loads the model once (load_pipeline is cached per process).
    try:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            for batch in pool.map(_extract_batch, _batches(articles, size)):
                yield from batch
    except BrokenProcessPool:
        raise BuildError("a worker process died (killed, or out of memory?)") from None


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does, however it ends (``kill -9`` included).

    Run first in every worker: a worker left behind by a killed build would hold its memory
    (a loaded model) for as long as it ran. On Linux the kernel sends SIGKILL when the parent
    dies (``PR_SET_PDEATHSIG``); elsewhere a thread checks every second.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass  # no prctl: watch instead
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _is_extraction_failure(exc: Exception) -> bool:
    """A failure of the workers (local or Dask), as opposed to a bug or a store error."""
    if isinstance(exc, BuildError):
        return True
    distributed = sys.modules.get("kg.distributed")  # imported only by Dask builds
    return distributed is not None and isinstance(exc, distributed.DaskError)


def build(
    inputs: Sequence[str],
    jobs: int = 1,
    max_bytes: int | None = None,
    on_article: Callable[[ArticleResult], None] | None = None,
    store: str | Path | None = None,
    dask: str | None = None,
) -> BuildResult:
    """Build the knowledge graph of everything in ``inputs``.

    ``jobs`` > 1 runs extraction in that many processes (same graph as ``jobs=1``).
    ``on_article`` is called after each article (progress reporting).

    With ``store`` (a directory) the graph goes into an on-disk Oxigraph store instead of
    memory (see :mod:`kg.store`): inputs whose content is already there are skipped, an input
    whose content changed replaces its earlier version, and articles are committed in batches,
    so an interrupted build keeps what it committed and the next one resumes. ``graph`` is then
    left empty; ``added``, ``skipped`` and ``replaced`` count articles.

    ``dask`` (a scheduler address or ``"local"``) runs extraction on a Dask cluster instead of
    ``jobs`` processes (:func:`kg.distributed.extract_dask`; failures raise its ``DaskError``).
    """
    if store is not None:
        return _build_into_store(inputs, Path(store), jobs, max_bytes, on_article, dask)
    started = time.perf_counter()
    problems: list[InputProblem] = []
    articles = _unique_ids(read_articles(inputs, problems, max_bytes))
    builder = GraphBuilder()
    result = BuildResult(problems=problems)
    for res in _extract(articles, jobs, dask):
        builder.add(res)
        _count(result, res, on_article)
    result.triples = list(builder.triples())
    result.seconds = time.perf_counter() - started
    return result


def _extract(articles: Iterable[Article], jobs: int, dask: str | None) -> Iterator[ArticleResult]:
    """Extraction on a Dask cluster when asked, else over ``jobs`` local processes."""
    if dask is not None:
        from kg.distributed import extract_dask

        return extract_dask(articles, dask, batch_size=BATCH_SIZE)
    return extract_parallel(articles, jobs=max(1, jobs))


def _count(
    result: BuildResult, res: ArticleResult, on_article: Callable[[ArticleResult], None] | None
) -> None:
    result.articles.append(res.article)
    result.relations += len(res.relations)
    result.words += res.words
    if on_article is not None:
        on_article(res)


def _build_into_store(
    inputs: Sequence[str],
    path: Path,
    jobs: int,
    max_bytes: int | None,
    on_article: Callable[[ArticleResult], None] | None,
    dask: str | None = None,
) -> BuildResult:
    from kg import snapshot
    from kg import store as kgstore

    started = time.perf_counter()
    snapshot_was_fresh = snapshot.fresh(path) is not None if path.is_dir() else False
    db = kgstore.open_store(path, create=True)
    with kgstore.store_errors(path, "reading what it holds"):
        index = kgstore.read_index(db)
    problems: list[InputProblem] = []
    result = BuildResult(problems=problems, store=path)
    changed: dict[str, str] = {}  # input path -> stored article id, for inputs that changed

    def admit(raw: RawArticle, digest: str) -> bool:
        if digest in index.hashes:
            result.skipped += 1
            return False
        index.hashes.add(digest)  # the same text twice in one run: read it once
        stored = index.by_path.get(raw.path)
        if stored is not None:
            changed[raw.path] = stored[0]
        return True

    articles = read_articles(inputs, problems, max_bytes, admit=admit)
    replacing: set[str] = set()  # ids of stored articles this run replaces
    articles = _store_ids(articles, index.ids, changed, replacing)
    pending: list[ArticleResult] = []
    stored = 0  # articles committed by this run

    def commit() -> None:
        nonlocal stored
        builder = GraphBuilder(known=index.entities)
        for res in pending:
            builder.add(res)
        triples = builder.triples()
        replace_ids = [r.article.id for r in pending if r.article.id in replacing]
        try:
            kgstore.write_articles(db, triples, replace=replace_ids, renames=builder.renames)
        except (OSError, RuntimeError) as exc:  # disk full, a damaged file: one line
            message = kgstore.store_failure(path, exc, "storing articles")
            raise kgstore.StoreError(
                f"{message}; the {stored} articles this run stored before it are kept"
            ) from None
        stored += len(pending)
        for key in builder.renames:
            index.entities.pop(key, None)
        index.entities.update(_described(triples, index.entities))
        result.replaced += len(replace_ids)
        pending.clear()

    try:
        for res in _extract(articles, jobs, dask):
            pending.append(res)
            _count(result, res, on_article)
            if len(pending) >= STORE_COMMIT:
                commit()
    except Exception as exc:  # a worker or the cluster failed: keep every finished article
        if not _is_extraction_failure(exc):
            raise
        if pending:
            commit()
        raise type(exc)(
            f"{exc}; the {stored} articles finished before it are in the store: "
            "run the same build again to resume"
        ) from None
    if pending:
        commit()
    with kgstore.store_errors(path, "finishing the build"):
        if result.replaced:
            kgstore.drop_orphan_relations(db)
        kgstore.load_ontology(db)  # the ontology of this version of geokg
        db.flush()
    db = None  # closes it: the export snapshot is taken from the store as it is on disk
    result.added = len(result.articles)
    if result.added:
        snapshot.write(path)
    elif snapshot_was_fresh:
        snapshot.restamp(path)
    result.seconds = time.perf_counter() - started
    return result


def _described(triples, known) -> dict[str, EntityRef]:
    """Entities a batch described (type and label), as the store now holds them."""
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    ent = str(ENT)
    for (s, p, o), graph in triples.items():
        if graph is not None or not str(s).startswith(ent):
            continue
        if p == RDFS.label:
            labels[str(s)[len(ent) :]] = str(o)
        elif p == RDF.type:
            types[str(s)[len(ent) :]] = str(o).rsplit("#", 1)[-1]
    return {
        key: EntityRef(key=key, label=label, type=types.get(key, "Actor"))
        for key, label in labels.items()
        if key not in known
    }


def _store_ids(
    articles: Iterable[Article], taken: set[str], changed: dict[str, str], replacing: set[str]
) -> Iterator[Article]:
    """Article ids for a store: a new version of a stored article keeps its id, others get a
    free one.

    A new version is an input from the same path that gets the same id as the stored article
    (the same file edited). Standard input, or a JSON Lines line holding another article,
    is a new article. The ids being replaced are added to ``replacing``.
    """
    for a in _unique_ids(articles):
        if changed.get(a.path) == a.id and a.id not in replacing:
            replacing.add(a.id)
            yield a
            continue
        art_id, n = a.id, 1
        while art_id in taken:
            n += 1
            art_id = f"{a.id}-{n}"
        taken.add(art_id)
        yield a if art_id == a.id else replace(a, id=art_id)


def _unique_ids(articles: Iterable[Article]) -> Iterator[Article]:
    """Two inputs with the same stem ("a/x.txt", "b/x.txt") get distinct article IRIs."""
    seen: dict[str, int] = {}
    for a in articles:
        n = seen.get(a.id, 0)
        seen[a.id] = n + 1
        yield a if n == 0 else replace(a, id=f"{a.id}-{n + 1}")
