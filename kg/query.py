"""SPARQL over a geokg graph: saved queries, safe parameters, read-only and offline (``kg query``).

``run_query(graph_or_path, query, params)`` runs SPARQL text, a ``.rq`` file or a saved query
(``ontology/queries/NAME.rq``, listed by :func:`saved_queries`) and returns an rdflib
:class:`~rdflib.query.Result`.

Decisions (``benchmarks/query_latency.py`` has the numbers):

- Queries run on Oxigraph (oxrdflib's ``Graph(store="Oxigraph")``, queried through pyoxigraph)
  when it is installed: it reads a 1M-triple Turtle file in ~4 s where rdflib's parser takes
  ~70 s, and the saved queries run 10-50x faster than on rdflib's engine. An rdflib graph
  handed in from Python is copied into Oxigraph first (via N-Triples, ~1.5 s per 100k
  triples, cheaper than one slow query). ``engine="rdflib"`` keeps rdflib's engine, the
  fallback without oxrdflib.
- The ontology (``ontology/geokg.ttl``) is added to the default graph, so queries can join a
  relation property with its ``geo:quadClass``, ``geo:cameoCode``, ``geo:goldsteinScore`` and
  ``rdfs:label`` (``ontology=False`` queries the graph alone).
- Queries are parsed with rdflib's SPARQL parser and checked on the parsed algebra, so comments
  and strings cannot hide anything: ``SERVICE``, ``FROM``/``FROM NAMED`` of a graph that is not
  in the dataset, ``LOAD`` and every other update are refused (:class:`QueryRefused`) before
  anything runs. A ``SERVICE`` keyword outside comments, strings and IRIs is refused as well
  (Oxigraph's parser is not rdflib's, and Oxigraph has an HTTP client), and rdflib runs inside
  :func:`offline`, which blocks Python network calls.
- Parameters (``params={"entity": "North Korea"}``) are bound as RDF literals through the
  engines' binding interfaces (rdflib ``initBindings``, Oxigraph ``substitutions``), never
  pasted into the query text. Oxigraph binds only variables a SELECT returns, so a saved query
  selects its parameters and the column is dropped from its result.
- Saved queries are written for both engines: the entity lookup, then one UNION (or pattern)
  from it, everything else (labels, dates, titles) in OPTIONALs; never an OPTIONAL on a
  variable that may be unbound; whole-graph questions in one GROUP BY pass, not FILTER NOT
  EXISTS or MINUS. rdflib evaluates a join lazily (the left side's bindings pushed into the
  right) only if neither side holds another join; Oxigraph may scan everything for a lone
  pattern or an OPTIONAL chain after the lookup. Written naively, the 2-hop ``neighbours``
  query took minutes on 100k triples; now it takes seconds on a million.
"""

from __future__ import annotations

import contextvars
import csv
import difflib
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from typing import Literal as TypingLiteral

from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Identifier

from kg.graphio import FORMATS, GraphFileError
from kg.paths import data_dir, data_file
from kg.summary import ensure_summaries, missing_summaries
from kg.vocab import GEO, bind_prefixes

Engine = TypingLiteral["auto", "oxigraph", "rdflib"]
T = TypeVar("T")
ENGINES: tuple[str, ...] = ("auto", "oxigraph", "rdflib")
OUTPUT_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json")
QUERY_DIR = "queries"
MAX_CELL = 300
"""Table cells longer than this many characters are cut (csv, tsv and json keep everything)."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_PARAM_LINE = re.compile(r"^#\s*param\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_QUAD_FORMATS = frozenset({"trig", "nquads", "json-ld"})
_KINDS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
_UPDATE_NAMES = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}


# -- errors ----------------------------------------------------------------------------------


class QueryError(Exception):
    """A query could not be run; the message is one line for the user."""


class QuerySyntaxError(QueryError):
    """The query is not valid SPARQL; ``line`` and ``column`` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0, text: str = "") -> None:
        where = f" at line {line}, column {column}" if line else ""
        super().__init__(f"syntax error{where}: {message}")
        self.line = line
        self.column = column
        self.text = text
        """The offending line of the query."""


class QueryRefused(QueryError):
    """The query would reach outside the graph (network, files) or change it."""


class QueryTooComplex(QueryRefused):
    """The query passes a size, nesting or operator limit (:func:`check_limits`)."""


class QueryTimeout(QueryError):
    """The query ran longer than its time limit, or grew past its memory bound."""


class QueryParamError(QueryError):
    """A ``--param`` is missing, unknown or malformed."""


class UnknownQuery(QueryError):
    """QUERY names no saved query and no file."""


# -- saved queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedQuery:
    """A query shipped in ``ontology/queries/NAME.rq``.

    The file's first line is ``# description``; lines ``# param NAME: help`` declare the
    parameters it needs.
    """

    name: str
    description: str
    path: Path
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The SPARQL text of the query."""
        return self.path.read_text(encoding="utf-8")

    @property
    def usage(self) -> str:
        """How to call it: ``relations-of --param entity=...``."""
        return " ".join([self.name, *(f"--param {p}=..." for p in self.params)])


def _read_saved(path: Path) -> SavedQuery:
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[0] if lines else ""
    description = first.lstrip("#").strip() if first.startswith("#") else ""
    params: dict[str, str] = {}
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        match = _PARAM_LINE.match(line)
        if match:
            params[match.group(1)] = match.group(2).strip()
    return SavedQuery(path.stem, description, path, params)


def saved_queries() -> list[SavedQuery]:
    """The saved queries shipped with geokg, sorted by name."""
    folder = data_dir() / QUERY_DIR
    return [_read_saved(p) for p in sorted(folder.glob("*.rq"))]


def saved_query(name: str) -> SavedQuery:
    """The saved query called ``name``; an unknown name raises QueryError with suggestions."""
    path = data_file(QUERY_DIR, name + ".rq")
    if _NAME.match(name) and path.is_file():
        return _read_saved(path)
    names = [q.name for q in saved_queries()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else " (kg query --list shows them)"
    raise UnknownQuery(f"no saved query named '{name}'{hint}")


def resolve_query(query: str) -> tuple[str, SavedQuery | None]:
    """Turn QUERY (SPARQL text, a ``.rq`` file or a saved query name) into SPARQL text.

    A saved query's name wins; otherwise a one-line QUERY that names a file (or ends in
    ``.rq`` or ``.sparql``) is read, and another single word is an unknown saved query.
    Anything else is SPARQL text.
    """
    text = query.strip()
    if not text:
        raise QuerySyntaxError("the query is empty")
    if "\n" in text or len(text) > 1024:
        return query, None
    if _NAME.match(text) and data_file(QUERY_DIR, text + ".rq").is_file():
        saved = _read_saved(data_file(QUERY_DIR, text + ".rq"))
        return saved.text, saved
    path = Path(text)
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a name too long for the file system: SPARQL text, then
        is_file = False
    if is_file or path.suffix.lower() in (".rq", ".sparql"):
        if not is_file:
            raise UnknownQuery(f"{text}: no such query file")
        try:
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{text}: cannot read the query ({exc})") from None
    if _NAME.match(text):
        saved_query(text)  # raises UnknownQuery, with the closest names
    return query, None


# -- parsing and checking --------------------------------------------------------------------


@cache
def prefixes() -> dict[str, str]:
    """The predeclared prefixes (geo:, ent:, art:, evid:, rdf:, rdfs:, ..., schema:)."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    return {p: str(ns) for p, ns in graph.namespaces() if p}


@dataclass
class PreparedQuery:
    """A parsed query that passed the safety checks."""

    text: str
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: frozenset[str]
    saved: SavedQuery | None = None
    parsed: Any = None  # the rdflib algebra (rdflib.plugins.sparql.sparql.Query)
    graphs: frozenset[URIRef] = frozenset()  # FROM / FROM NAMED graphs (all in the dataset)
    projected: frozenset[str] = frozenset()  # the variables a SELECT returns


def prepare(
    query: str, *, local_graphs: frozenset[URIRef] = frozenset(), parse_saved: bool = True
) -> PreparedQuery:
    """Resolve, parse and check a query; raise QuerySyntaxError or QueryRefused.

    ``local_graphs`` are the named graphs of the dataset that ``FROM``/``FROM NAMED`` may name.
    With ``parse_saved=False`` a saved query (shipped with geokg, checked by the tests) is not
    parsed by rdflib: its parser takes ~0.4 s a query, longer than Oxigraph takes to run one.
    """
    text, saved = resolve_query(query)
    check_limits(text)
    if saved is not None and not parse_saved:
        params = frozenset(saved.params)
        return PreparedQuery(text, _kind(text), params, saved, projected=params)
    try:
        parsed = parseQuery(text)
    except RecursionError:  # rdflib's parser recurses per triple pattern and per bracket
        raise QueryTooComplex(
            "the query is too complex to check (too many triple patterns or operators in one "
            "group); split it into smaller queries"
        ) from None
    except Exception as exc:  # pyparsing's ParseException and friends
        _refuse_update(text)
        _refuse_keywords(text)
        raise _syntax_error(exc, text) from None
    try:
        algebra = translateQuery(parsed, initNs=prefixes())
    except Exception as exc:  # e.g. an undeclared prefix
        raise _syntax_error(exc, text) from None
    root = algebra.algebra
    graphs = set()
    for clause in root.get("datasetClause") or ():
        # CompValue.get returns the key itself for a missing key: test membership instead.
        kind = "FROM" if "default" in clause else "FROM NAMED"
        iri = clause["default"] if kind == "FROM" else clause["named"]
        if iri not in local_graphs:
            raise QueryRefused(
                f"{kind} <{iri}> is refused: kg query reads only the graph it is given and never "
                "loads graphs from the network or from files"
            )
        graphs.add(iri)
    names, variables = _walk(root)
    if "ServiceGraphPattern" in names:
        raise QueryRefused(_SERVICE_REFUSED)
    # Belt and braces: Oxigraph has its own parser (and an HTTP client for SERVICE), so a
    # SERVICE keyword that rdflib's parser did not see is refused too.
    _refuse_keywords(text)
    return PreparedQuery(
        text=text,
        kind=_KINDS.get(root.name, root.name),
        variables=frozenset(variables),
        saved=saved,
        parsed=algebra,
        graphs=frozenset(graphs),
        projected=frozenset(str(v) for v in root.get("PV") or ()),
    )


_SERVICE_REFUSED = (
    "SERVICE is refused: kg query never sends queries to other endpoints over the network"
)
# What can hide a keyword: comments, strings (long and short) and IRIs.
_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
_SERVICE_KEYWORD = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:-])", re.IGNORECASE)


def _code_only(text: str) -> str:
    """``text`` with comments, strings and IRIs blanked out (same length, same lines)."""
    return _NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _refuse_keywords(text: str) -> None:
    """Refuse a SERVICE keyword in the query's code (not in a comment, string or IRI)."""
    if _SERVICE_KEYWORD.search(_code_only(text)):
        raise QueryRefused(_SERVICE_REFUSED)


MAX_QUERY_CHARS = 100_000
"""Longest query text accepted (a VALUES block of a few thousand values fits)."""
MAX_NESTING = 24
"""Deepest nesting of (), {} and [] accepted (rdflib's parser, which checks every query, runs
out of recursion past about 30)."""
MAX_OPERATORS = 250
"""Most operators accepted in one query: graph-pattern keywords (OPTIONAL, UNION, MINUS, BIND,
FILTER, GRAPH, EXISTS, SELECT, VALUES), property-path operators (| / + * ^) and expression
operators (&& || ! + * /). 3,000 additions in one expression crash Oxigraph's server."""
_OPERATORS = re.compile(
    r"(?<![\w:?$])(?:OPTIONAL|UNION|MINUS|BIND|FILTER|GRAPH|EXISTS|SELECT|VALUES)(?![\w:])"
    r"|&&|\|\||[|/+*!^]",
    re.IGNORECASE,
)


def check_limits(text: str) -> None:
    """Refuse (QueryTooComplex) a query too long, too deeply nested or with too many operators.

    Checked on the text, before any parser sees it: a 10 KB query of 5,000 nested parentheses
    or 20,000 UNIONs overflows Oxigraph's stack (and rdflib's parser takes 20 s to reject
    it), and a few thousand property-path alternatives or BINDs crash Oxigraph's server.
    Comments, strings and IRIs do not count.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex(
            f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})"
        )
    code = _code_only(text)
    depth = deepest = 0
    for char in code:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryTooComplex(
            f"the query nests too deeply ({deepest} levels of brackets; the limit is "
            f"{MAX_NESTING})"
        )
    operators = len(_OPERATORS.findall(code))
    if operators > MAX_OPERATORS:
        raise QueryTooComplex(
            f"the query is too complex ({operators} operators: OPTIONAL, UNION, FILTER, BIND, "
            f"path, arithmetic and others; the limit is {MAX_OPERATORS})"
        )


def _kind(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query keyword outside comments."""
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", line, re.IGNORECASE)
        if match:
            return match.group(1).upper()
    return "SELECT"


def _walk(node: Any) -> tuple[set[str], set[str]]:
    """Every algebra node name and every variable name below ``node``."""
    names: set[str] = set()
    variables: set[str] = set()
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Variable):
            variables.add(str(item))
        elif isinstance(item, CompValue):
            names.add(item.name)
            stack.extend(item.values())
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return names, variables


def _refuse_update(text: str) -> None:
    """Raise QueryRefused if ``text`` parses as a SPARQL update."""
    try:
        update = parseUpdate(text)
    except Exception:
        return
    operations = [op for op in (update.get("request") or ()) if isinstance(op, CompValue)]
    if not operations:
        return
    ops = sorted({_UPDATE_NAMES.get(op.name, op.name) for op in operations})
    if "LOAD" in ops:
        raise QueryRefused(
            "LOAD is refused: kg query never loads graphs from the network or from files"
        )
    raise QueryRefused(
        f"{', '.join(ops)} is refused: kg query only reads the graph (SPARQL updates are not "
        "allowed)"
    )


def _syntax_error(exc: Exception, text: str) -> QuerySyntaxError:
    """A QuerySyntaxError with line and column from a pyparsing or rdflib error."""
    lineno = getattr(exc, "lineno", None)
    col = getattr(exc, "col", None)
    message = str(getattr(exc, "msg", "") or exc).strip().splitlines()
    first = message[0] if message else type(exc).__name__
    if isinstance(lineno, int) and isinstance(col, int):
        lines = text.splitlines() or [""]
        line_text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        token = _token_at(line_text, col)
        if (lineno, col) > (1, 1) and re.match(r"Expected \{?SelectQuery", first):
            # pyparsing names the whole query it gave up on; the position is the useful part
            return QuerySyntaxError(f"unexpected {token}", lineno, col, line_text)
        return QuerySyntaxError(f"{first}, found {token}", lineno, col, line_text)
    prefix = re.search(r"Unknown namespace prefix\s*:\s*(\S+)", first)
    if prefix:
        match = re.search(rf"(?<![\w:<]){re.escape(prefix.group(1))}:", text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            line_text = text.splitlines()[line - 1]
            return QuerySyntaxError(
                f"undeclared prefix '{prefix.group(1)}:'", line, column, line_text
            )
        return QuerySyntaxError(f"undeclared prefix '{prefix.group(1)}:'")
    return QuerySyntaxError(first[:300])


def _token_at(line_text: str, col: int) -> str:
    """The word at ``col`` (1-based) of ``line_text``, quoted, or ``end of query``."""
    rest = line_text[col - 1 :].strip()
    return f"'{rest.split(None, 1)[0][:40]}'" if rest else "end of query"


# -- loading graphs --------------------------------------------------------------------------


_OFFLINE: contextvars.ContextVar[bool] = contextvars.ContextVar("kg_query_offline", default=False)
_NETWORK_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "urllib.Request"})
_hook_installed = False


def _offline_hook(event: str, args: tuple) -> None:
    if event in _NETWORK_EVENTS and _OFFLINE.get():
        raise QueryRefused(f"kg query does not use the network (blocked {event} {args[:2]!r})")


@contextmanager
def offline() -> Iterator[None]:
    """Within this block, this thread's Python code cannot open network connections.

    A second line of defence for rdflib, which would fetch SERVICE endpoints, FROM graphs and
    JSON-LD contexts from the network (those are refused before anything runs; this catches
    whatever was not foreseen). It uses an audit hook (PEP 578), installed once per process
    and inert outside the block. Oxigraph's own HTTP client is not Python code: SERVICE is
    refused before a query reaches it.
    """
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_offline_hook)
        _hook_installed = True
    token = _OFFLINE.set(True)
    try:
        yield
    finally:
        _OFFLINE.reset(token)


def oxigraph_available() -> bool:
    """True when oxrdflib (Oxigraph as an rdflib store) is installed."""
    try:
        import oxrdflib  # noqa: F401
    except ImportError:
        return False
    return True


def _pick_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise QueryError(f"unknown engine '{engine}' (use {', '.join(ENGINES)})")
    if engine == "auto":
        return "oxigraph" if oxigraph_available() else "rdflib"
    if engine == "oxigraph" and not oxigraph_available():
        raise QueryError("engine 'oxigraph' needs the oxrdflib package (pip install oxrdflib)")
    return engine


def _is_oxigraph(graph: Graph) -> bool:
    return type(graph.store).__name__ == "OxigraphStore"


def load_graph(path: str | Path, *, engine: Engine | str = "auto", ontology: bool = True) -> Graph:
    """Read a graph file for querying (Oxigraph-backed when available) plus the ontology.

    Raises GraphFileError with a one-line message for a missing, unreadable or malformed file.
    Load once and pass the returned graph to :func:`run_query` to run several queries.
    """
    engine = _pick_engine(engine)
    p = Path(path)
    if not p.exists():
        raise GraphFileError(f"{path}: no such file")
    if p.is_dir():
        raise GraphFileError(f"{path}: is a directory, not a graph file")
    try:
        with p.open("rb"):
            pass
    except OSError as exc:
        raise GraphFileError(f"{path}: {exc.strerror or exc}") from None
    fmt = FORMATS.get(p.suffix.lower(), "turtle")
    quads = fmt in _QUAD_FORMATS
    if engine == "oxigraph":
        graph = Graph(store="Oxigraph")
        graph.default_union = quads  # a dataset file: query the union of its graphs
        parser = "ox-" + fmt
    else:
        graph = Dataset(default_union=True) if quads else Graph()
        parser = fmt
    bind_prefixes(graph)
    try:
        with offline():  # rdflib's JSON-LD parser would fetch a remote @context
            graph.parse(p, format=parser)
    except Exception as exc:  # both parsers raise many exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GraphFileError(f"{path}: not a readable {fmt} graph ({first[:200]})") from None
    ensure_summaries(graph)  # a file written before summaries existed: the queries read them
    if ontology:
        graph.parse(
            data_file("geokg.ttl"), format="ox-turtle" if engine == "oxigraph" else "turtle"
        )
    return graph


def load_store(path: str | Path) -> Graph:
    """Open an on-disk store (``kg build --store DIR``) read-only for querying.

    Returns an Oxigraph-backed rdflib Graph over the store itself (nothing is copied) whose
    default graph is the union of all the store's graphs: the facts, every article's provenance
    and the ontology (kept in its own named graph). Pass it to :func:`run_query` like a loaded
    file. Raises kg.store.StoreError with a one-line message for a path that is not a store.
    """
    if not oxigraph_available():
        raise QueryError("querying a store needs the oxrdflib package (pip install oxrdflib)")
    from oxrdflib import OxigraphStore

    from kg.store import check_summaries, open_store

    store = open_store(path, read_only=True)
    check_summaries(store, path)
    graph = bind_prefixes(Graph(store=OxigraphStore(store=store)))
    graph.default_union = True
    return graph


@cache
def _ontology_graph() -> Graph:
    return Graph().parse(data_file("geokg.ttl"), format="turtle")


def _has_ontology(graph: Graph) -> bool:
    return (GEO.condemns, GEO.quadClass, None) in graph


# -- running ---------------------------------------------------------------------------------


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``["entity=North Korea"]`` -> ``{"entity": "North Korea"}`` (for ``--param``)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not _PARAM_NAME.match(name):
            raise QueryParamError(
                f'--param {pair!r}: expected NAME=VALUE, e.g. entity="North Korea"'
            )
        params[name] = value
    return params


def _bindings(prepared: PreparedQuery, params: Mapping[str, Any] | None) -> dict[str, Identifier]:
    params = dict(params or {})
    saved = prepared.saved
    if saved is not None:
        missing = [p for p in saved.params if p not in params]
        if missing:
            need = " ".join(f"--param {p}=..." for p in missing)
            raise QueryParamError(f"saved query '{saved.name}' needs {need}")
    bindings: dict[str, Identifier] = {}
    for name, value in params.items():
        name = str(name).lstrip("?$")
        if not _PARAM_NAME.match(name):
            raise QueryParamError(f"--param {name}: not a valid variable name")
        if saved is not None and name not in saved.params:
            takes = ", ".join(saved.params) or "no parameters"
            raise QueryParamError(f"--param {name}: saved query '{saved.name}' takes {takes}")
        if name not in prepared.variables:
            raise QueryParamError(f"--param {name}: the query has no variable ?{name}")
        if isinstance(value, Identifier):
            bindings[name] = value
        elif isinstance(value, bool | int | float):
            bindings[name] = Literal(value)
        else:
            bindings[name] = Literal(str(value))
    return bindings


def run_query(
    graph_or_path: Graph | str | Path,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    engine: Engine | str = "auto",
    ontology: bool = True,
    timeout: float | None = None,
    max_memory: int | None = None,
) -> Result:
    """Run a query (SPARQL text, a ``.rq`` path or a saved query name) on a graph.

    ``graph_or_path`` is a graph file (read with :func:`load_graph`) or an rdflib Graph (an
    Oxigraph-backed one is queried with Oxigraph, any other with rdflib's engine, as is: it is
    not copied). ``params`` bind query variables to literals (strings become plain literals;
    rdflib terms are bound as given). With ``ontology`` the ontology's triples are visible in
    the default graph. Returns an rdflib Result: rows for SELECT (``result.vars``, iterate),
    ``result.askAnswer`` for ASK, ``result.graph`` for CONSTRUCT/DESCRIBE.

    ``timeout`` (seconds) and ``max_memory`` (bytes of this process's resident memory) bound
    the evaluation (see :func:`run_bounded`); QueryTimeout when one is passed.

    Raises QuerySyntaxError, QueryRefused, QueryParamError, QueryError, GraphFileError.
    """
    if isinstance(graph_or_path, Graph):
        graph = graph_or_path
        use = _pick_engine(engine)
        if _is_oxigraph(graph):
            use = "oxigraph" if engine == "auto" else use
        elif use == "oxigraph":  # copying and querying beats rdflib's engine at every size
            graph = to_oxigraph(graph, ontology=ontology and not _has_ontology(graph))
            ensure_summaries(graph)
        else:
            parts = [graph]
            if ontology and not _has_ontology(graph):
                parts.append(_ontology_graph())
            extra = missing_summaries(graph)  # the saved queries read them
            if extra is not None:
                parts.append(extra)
            if len(parts) > 1:
                graph = ReadOnlyGraphAggregate(parts)
    else:
        use = _pick_engine(engine)
        graph = load_graph(graph_or_path, engine=use, ontology=ontology)

    prepared = prepare(query, local_graphs=_named_graphs(graph), parse_saved=use == "rdflib")
    bindings = _bindings(prepared, params)
    if timeout is None and max_memory is None:
        return execute(graph, prepared, bindings, engine=use)
    return run_bounded(
        lambda: execute(graph, prepared, bindings, engine=use),
        timeout=timeout,
        max_memory=max_memory,
    )


DEFAULT_TIMEOUT = 60.0
"""Seconds a query may run in ``kg query`` and ``kg serve`` unless told otherwise."""
_POLL = 0.1  # seconds between checks of the clock and the memory


def default_max_memory() -> int:
    """Half of this machine's physical memory, in bytes (the default memory bound)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def resident_memory(pid: int | str = "self") -> int | None:
    """Resident memory of a process in bytes (Linux ``/proc``), None when unknown."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def run_bounded(
    call: Callable[[], T], *, timeout: float | None, max_memory: int | None = None
) -> T:
    """``call()`` in a worker thread, waited for at most ``timeout`` seconds while this
    process stays under ``max_memory`` bytes resident; QueryTimeout otherwise.

    Both engines run a query in native code or in long loops that neither a signal nor an
    exception can stop; waiting for it in a thread keeps this thread free to notice a time
    limit, a memory bound or Ctrl-C (KeyboardInterrupt propagates). A query given up on runs
    on in its daemon thread until it ends: ``kg query`` then exits at once.
    """
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the waiting thread
            outcome.append((False, exc))

    worker = threading.Thread(target=work, name="geokg-query", daemon=True)
    worker.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        worker.join(_POLL)
        if outcome:
            ok, value = outcome[0]
            if ok:
                return value
            raise value
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout(
                f"the query ran longer than {timeout:g} s and was stopped (raise --timeout, "
                "or make it more selective)"
            )
        used = resident_memory() if max_memory else None
        if used is not None and max_memory is not None and used > max_memory:
            raise QueryTimeout(
                f"the query grew past {max_memory / 1024**3:.1f} GB of memory and was stopped "
                "(see --max-memory)"
            )


def _named_graphs(graph: Graph) -> frozenset[URIRef]:
    """The named graphs of a dataset (what FROM and FROM NAMED may name); none for a graph."""
    if isinstance(graph, Dataset):
        graphs = graph.graphs()
    elif graph.context_aware:
        graphs = graph.contexts()
    else:
        return frozenset()
    return frozenset(g.identifier for g in graphs if isinstance(g.identifier, URIRef))


def execute(
    graph: Graph, prepared: PreparedQuery, bindings: Mapping[str, Identifier], *, engine: str
) -> Result:
    """Run a prepared (checked) query on ``graph`` with the given engine.

    Oxigraph binds a SELECT's parameter only if the SELECT returns it (SEP-0007 substitution);
    a query that binds an unselected variable runs on rdflib's engine over the same store.
    """
    ns = prefixes()
    if (
        engine == "oxigraph"
        and bindings
        and (
            prepared.kind == "DESCRIBE"
            or (prepared.kind == "SELECT" and not set(bindings) <= prepared.projected)
        )
    ):
        engine = "rdflib"
    if engine == "oxigraph":
        try:
            result = _oxigraph_query(graph, prepared.text, ns, bindings)
        except SyntaxError as exc:  # Oxigraph's parser is stricter in a few places
            raise _syntax_error(exc, prepared.text) from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"query failed: {str(exc).splitlines()[0][:300]}") from None
        return _normalise(result, prepared)
    parsed = prepared.parsed if prepared.parsed is not None else prepared.text
    try:
        with offline():
            result = graph.query(parsed, initNs=ns, initBindings=dict(bindings))
            result.bindings  # noqa: B018  (rows are computed here, inside the guard)
    except Exception as exc:  # rdflib evaluation errors have many types
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query failed: {message[:300]}") from None
    return _normalise(result, prepared)


def _oxigraph_query(
    graph: Graph, text: str, ns: Mapping[str, str], bindings: Mapping[str, Identifier]
) -> Result:
    """Run ``text`` on an Oxigraph-backed graph; the rows become rdflib terms.

    pyoxigraph is called directly (oxrdflib's own ``query`` converts every term of every row
    anew, which takes longer than Oxigraph takes to answer a GROUP BY on a million triples);
    terms are converted once each. Without pyoxigraph's store the graph's own query is used.
    """
    store = getattr(graph.store, "_inner", None)
    if store is None:  # an oxrdflib without the attribute: the slower public path
        # the text, not the parsed query: a parsed one would make rdflib evaluate it itself
        return graph.query(text, initNs=dict(ns), initBindings=dict(bindings))
    import pyoxigraph as ox

    convert = _OxTerms()
    kwargs: dict[str, Any] = {"prefixes": dict(ns)}
    if graph.default_union:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = convert.to_ox(graph.identifier)
        kwargs["named_graphs"] = []  # a graph has no named graphs (as with rdflib)
    if bindings:
        kwargs["substitutions"] = {
            ox.Variable(name): convert.to_ox(value) for name, value in bindings.items()
        }
    answer = store.query(text, **kwargs)
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
    elif isinstance(answer, ox.QuerySolutions):
        result = Result("SELECT")
        names = [v.value for v in answer.variables]
        result.vars = [Variable(n) for n in names]
        variables = result.vars
        rdf = convert.to_rdflib
        result.bindings = [
            {v: rdf(t) for v, t in zip(variables, solution, strict=True) if t is not None}
            for solution in answer
        ]
    else:
        result = Result("CONSTRUCT")
        result.graph = bind_prefixes(Graph())
        rdf = convert.to_rdflib
        for triple in answer:
            result.graph.add((rdf(triple.subject), rdf(triple.predicate), rdf(triple.object)))
    return result


class _OxTerms:
    """Term conversion between rdflib and pyoxigraph, each distinct term converted once."""

    def __init__(self) -> None:
        self._rdflib: dict[Any, Any] = {}

    def to_rdflib(self, term: Any) -> Any:
        """A pyoxigraph term as an rdflib term (a string literal as a plain literal)."""
        try:
            return self._rdflib[term]
        except KeyError:
            pass
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            out: Any = URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            out = BNode(term.value)
        elif isinstance(term, ox.Literal):
            datatype = term.datatype.value
            if term.language:
                out = Literal(term.value, lang=term.language)
            elif datatype == _XSD_STRING:
                out = Literal(term.value)
            else:
                out = Literal(term.value, datatype=URIRef(datatype))
        else:  # an RDF-star triple term: rdflib has no such term
            out = Literal(str(term))
        self._rdflib[term] = out
        return out

    @staticmethod
    def to_ox(term: Any) -> Any:
        """An rdflib term (or graph name) as a pyoxigraph term."""
        import pyoxigraph as ox

        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        raise QueryError(f"cannot bind {term!r}")


_XSD_STRING = str(XSD.string)


def to_oxigraph(graph: Graph, *, ontology: bool = False) -> Graph:
    """Copy an rdflib graph (any store) into a new Oxigraph-backed Graph, for fast queries.

    The copy goes through N-Triples (N-Quads for a dataset), which Oxigraph loads in native
    code: ~2 s per 100k triples, most of it rdflib serialising. With ``ontology`` the
    ontology's triples are added to the copy.
    """
    import pyoxigraph as ox

    copy = bind_prefixes(Graph(store="Oxigraph"))
    quads = graph.context_aware and not isinstance(graph, ReadOnlyGraphAggregate)
    data = graph.serialize(format="nquads" if quads else "nt", encoding="utf-8")
    copy.default_union = quads
    store = getattr(copy.store, "_inner", None)
    if store is None:
        copy.parse(data=data, format="ox-nquads" if quads else "ox-nt")
    else:
        store.load(
            data,
            format=ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES,
            to_graph=None if quads else _OxTerms.to_ox(copy.identifier),
        )
    if ontology:
        copy.parse(data_file("geokg.ttl"), format="ox-turtle")
    return copy


def _plain(term: Any) -> Any:
    """``"x"^^xsd:string`` -> ``"x"`` (Oxigraph types every simple literal explicitly)."""
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term


def _normalise(result: Result, prepared: PreparedQuery) -> Result:
    """Materialise the rows (so a result can be printed more than once) with plain strings.

    A saved query selects its parameters only so that Oxigraph can bind them: those columns
    (the same value in every row) are dropped.
    """
    if result.type == "SELECT":
        hidden = {Variable(p) for p in prepared.saved.params} if prepared.saved else set()
        rows = [
            {k: _plain(v) for k, v in b.items() if v is not None and k not in hidden}
            for b in result.bindings
        ]
        result.vars = [v for v in result.vars or () if v not in hidden]
        result.bindings = rows
    elif result.type in ("CONSTRUCT", "DESCRIBE") and result.graph is not None:
        graph = bind_prefixes(Graph())
        for s, p, o in result.graph:
            graph.add((s, p, _plain(o)))
        result.graph = graph
    return result


# -- output ----------------------------------------------------------------------------------


def compact(term: Any) -> str:
    """A term as a short string: ``ent:North_Korea``, a literal's text, ``_:b0``, '' if unbound."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        short = f"<{text}>"
        best = ""
        for prefix, ns in prefixes().items():
            if text.startswith(ns) and len(ns) > len(best):
                local = text[len(ns) :]
                if _LOCAL_NAME.fullmatch(local):
                    best, short = ns, f"{prefix}:{local}"
        return short
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def serialize_result(result: Result, fmt: str) -> str:
    """A result as text: csv, tsv or json (W3C SPARQL 1.1 results formats) or turtle.

    CONSTRUCT and DESCRIBE results are Turtle whatever ``fmt`` is; ASK is ``true``/``false``
    in csv and tsv, ``{"head": {}, "boolean": ...}`` in json.
    """
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = bind_prefixes(result.graph if result.graph is not None else Graph())
        return graph.serialize(format="turtle")
    if result.type == "ASK":
        if fmt == "json":
            return result.serialize(format="json").decode("utf-8") + "\n"
        return ("true" if result.askAnswer else "false") + "\n"
    if fmt == "json":
        return result.serialize(format="json").decode("utf-8") + "\n"
    if fmt == "csv":
        return _csv(result)
    if fmt == "tsv":
        return _tsv(result)
    raise QueryError(f"unknown output format '{fmt}' (use {', '.join(OUTPUT_FORMATS)})")


def _csv(result: Result) -> str:
    """W3C SPARQL 1.1 CSV: a header of variable names, then the values' plain text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [str(v) for v in result.vars or ()]
    writer.writerow(names)
    for row in result.bindings:
        writer.writerow(
            ["" if row.get(Variable(n)) is None else _csv_term(row[Variable(n)]) for n in names]
        )
    return out.getvalue()


def _csv_term(term: Any) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _tsv(result: Result) -> str:
    """W3C SPARQL 1.1 TSV: a header of ``?names``, then terms in Turtle syntax."""
    names = [str(v) for v in result.vars or ()]
    lines = ["\t".join("?" + n for n in names)]
    for row in result.bindings:
        lines.append("\t".join(_tsv_term(row.get(Variable(n))) for n in names))
    return "\n".join(lines) + "\n"


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    return str(term)


def result_table(result: Result, *, max_cell: int = MAX_CELL) -> Any:
    """A SELECT result as a rich Table; long cells are cut and whitespace runs folded."""
    from rich.table import Table
    from rich.text import Text

    names = [str(v) for v in result.vars or ()]
    rows = list(result.bindings)
    table = Table(show_header=True, header_style="bold", caption=f"{len(rows)} rows")
    for name in names:
        table.add_column(name, overflow="fold")
    for row in rows:
        cells = []
        for name in names:
            text = " ".join(compact(row.get(Variable(name))).split())
            if len(text) > max_cell:
                text = text[: max_cell - 1] + "…"
            cells.append(Text(text))  # Text, not str: no rich markup in labels is interpreted
        table.add_row(*cells)
    return table
