"""The ``kg`` command: a thin layer over the Python API (``kg.build``, ``kg.clean``, ...).

Errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg import __version__

app = typer.Typer(
    name="kg",
    help="Build and explore a knowledge graph of geopolitical relations from news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
# The GRAPH argument every command that reads a graph takes.
GraphFile = Annotated[
    Path, typer.Argument(help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig).")
]
# Show a progress bar only when a run is long enough for one to help.
_PROGRESS_MIN_ARTICLES = 50


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


# GRAPH for commands that also read a store (exactly one of GRAPH and --store DIR).
OptionalGraphFile = Annotated[
    Path | None,
    typer.Argument(
        metavar="GRAPH",
        help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig, .nq); "
        "omit it with --store.",
        show_default=False,
    ),
]
StoreDir = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="DIR",
        help="Read an on-disk store (kg build INPUT --store DIR) instead of a GRAPH file.",
        show_default=False,
    ),
]


def _load_graph(graph: Path | None, store: Path | None, code: int = 1):
    """The rdflib graph of GRAPH or of --store DIR; a one-line error for a bad one."""
    from rich.markup import escape

    from kg.graphio import GraphFileError, read_graph
    from kg.store import StoreError, store_graph

    _graph_or_store(graph, store)
    try:
        return read_graph(graph) if graph is not None else store_graph(store)  # type: ignore[arg-type]
    except (GraphFileError, StoreError) as exc:
        raise fail(escape(str(exc)), code) from None


def _open_store(store: Path, code: int = 1):
    """The store of --store DIR, opened read-only; a one-line error for a bad one."""
    from rich.markup import escape

    from kg.store import StoreError, open_store

    try:
        return open_store(store, read_only=True)
    except StoreError as exc:
        raise fail(escape(str(exc)), code) from None


@contextmanager
def _reading_store(store: Path | None, code: int = 1) -> Iterator[None]:
    """A damaged store file met while reading (RocksDB raises RuntimeError): one line."""
    try:
        yield
    except typer.Exit:
        raise  # (click's Exit is a RuntimeError too: an error already reported)
    except RuntimeError as exc:
        if store is None:
            raise
        from kg.store import store_failure

        raise fail(store_failure(store, exc, "reading it"), code) from None


def _store_part(store: Path, predicates, graphs=()):
    """What one command reads of --store DIR (kg.store.subgraph), not the whole store."""
    from kg.store import subgraph

    with _reading_store(store):
        return subgraph(_open_store(store), predicates, graphs)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"geokg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """geokg: news articles in, an RDF knowledge graph of who does what to whom out."""


@app.command()
def build(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Article files or directories (.txt, .html, .jsonl); '-' reads stdin."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Graph file to write; the extension picks the format "
            "(.ttl, .nt, .jsonld, .trig). '-' writes Turtle to stdout. [default: graph.ttl]",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Add to the on-disk Oxigraph store in this directory (created if missing) "
            "instead of writing a file; inputs already stored are skipped.",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="SCHEDULER",
            help="Run extraction on a Dask cluster: a scheduler address (tcp://host:8786) "
            "or 'local' for a cluster of this machine's cores. Needs geokg\\[cluster].",
        ),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(help="Skip input files larger than this many bytes.")
    ] = 20_000_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary or progress.")] = False,
) -> None:
    """Read articles and write the knowledge graph, then print a summary.

    Examples: kg build seeds/ -o out/graph.ttl;  kg build news/ --store kgdb  (run it again on
    the same store later: only new or changed articles are read).
    """
    from kg.build import build as run_build
    from kg.graphio import GraphFileError, check_writable, format_for

    if store is not None and output is not None:
        raise fail("give --output or --store, not both (kg export --store DIR -o FILE)")
    if store is None and output is None:
        output = Path("graph.ttl")
    if dask is not None and jobs > 1:
        raise fail("give --jobs or --dask, not both (Dask workers set their own processes)")
    try:
        if output is not None and str(output) != "-":
            format_for(output)
            check_writable(output)
    except GraphFileError as exc:
        raise fail(str(exc)) from None

    progress = None
    task = None
    show_bar = not quiet and err.is_terminal

    seen = 0

    def tick(_result) -> None:
        nonlocal progress, task, seen
        seen += 1
        if not show_bar or seen < _PROGRESS_MIN_ARTICLES:
            return
        if progress is None:
            progress = Progress(
                TextColumn("extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            progress.start()
            task = progress.add_task("articles", total=None, completed=seen - 1)
        progress.advance(task)

    from rich.markup import escape

    from kg.build import BuildError
    from kg.distributed import DaskError
    from kg.store import StoreError

    try:
        result = run_build(
            inputs, jobs=jobs, max_bytes=max_bytes, on_article=tick, store=store, dask=dask
        )
    except (StoreError, BuildError) as exc:
        raise fail(str(exc)) from None
    except DaskError as exc:  # its messages hold [brackets] ("geokg[cluster]"): not markup
        raise fail(escape(str(exc))) from None
    except Exception as exc:
        if _is_model_not_found(exc):
            raise fail(str(exc)) from None
        raise
    finally:
        if progress is not None:
            progress.stop()
    for problem in result.problems:
        err.print(f"[yellow]skipped[/] {problem.path}: {problem.message}", soft_wrap=True)
    if store is not None:
        if not quiet:
            _store_summary(result)
        if not result.articles and not result.skipped:
            raise fail("no articles could be read from the inputs; nothing stored")
        return
    assert output is not None
    if not result.articles:
        raise fail("no articles could be read from the inputs; nothing written")
    from kg.graphio import write_graph

    try:
        write_graph(result.triples, output)
    except GraphFileError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        _summary(result, output)


def _store_summary(result) -> None:
    """One line: what this run added to the store, and what the store now holds."""
    from kg.store import open_store

    size = len(open_store(result.store, read_only=True))
    Console(highlight=False).print(
        f"[bold]{result.added}[/] articles added ({result.replaced} replaced a changed input), "
        f"{result.skipped} already stored and skipped; {result.words:,} words, "
        f"{result.relations} relations in {result.seconds:.1f}s; "
        f"the store {result.store} holds {size:,} quads",
        soft_wrap=True,
    )


def _is_model_not_found(exc: BaseException) -> bool:
    """Whether ``exc`` is kg.nlp's ModelNotFound, without importing spaCy (a second of start-up)
    on runs that never load the model: only kg.nlp can raise it, so it is loaded if it did."""
    nlp = sys.modules.get("kg.nlp")
    return nlp is not None and isinstance(exc, nlp.ModelNotFound)


def _summary(result, output: Path) -> None:
    from rdflib import RDF

    from kg.vocab import GEO, RELATIONS

    out = Console(stderr=str(output) == "-", highlight=False)
    relations = {GEO[name]: name for name in RELATIONS}
    by_relation = Counter({name: 0 for name in RELATIONS})
    types: Counter[str] = Counter()
    evidence = 0
    for _s, p, o in result.triples:  # each once
        if p in relations:
            by_relation[relations[p]] += 1
        elif p == RDF.type:
            if o == GEO.Evidence:
                evidence += 1
            elif o not in (GEO.Article, RDF.Statement):
                types[str(o).rsplit("#", 1)[-1]] += 1
    out.print(
        f"[bold]{len(result.articles)}[/] articles, {result.words:,} words in "
        f"{result.seconds:.1f}s (model load included); "
        f"{sum(by_relation.values())} relations with {evidence} evidence sentences; "
        f"{len(result.triples):,} triples -> {output}",
        soft_wrap=True,  # one line, whatever the width: a long output path stays whole
    )
    table = Table(title=None, show_header=True, header_style="bold")
    table.add_column("relation")
    table.add_column("edges", justify="right")
    for name, n in sorted(by_relation.items(), key=lambda kv: (-kv[1], kv[0])):
        if n:
            table.add_row(name, str(n))
    out.print(table)
    out.print("entities: " + ", ".join(f"{n} {t}" for t, n in sorted(types.items())))
    if result.problems:
        out.print(f"[yellow]{len(result.problems)} input(s) skipped[/]")


@app.command()
def text(
    file: Annotated[str, typer.Argument(help="An article file (or '-' for stdin).")],
    show_dropped: Annotated[
        bool, typer.Option("--show-dropped", help="Also list the lines judged page furniture.")
    ] = False,
) -> None:
    """Print an article's cleaned body and metadata: what the extractor will read.

    Example: kg text seeds/002_4a7e21c7fb5ed67b.txt
    """
    from kg.clean import clean_article, render_article
    from kg.records import InputProblem
    from kg.sources import iter_raw_articles

    found = False
    for item in iter_raw_articles([file]):
        if isinstance(item, InputProblem):
            err.print(f"[bold red]error:[/] {item.path}: {item.message}", soft_wrap=True)
            continue
        found = True
        typer.echo(render_article(clean_article(item), show_dropped=show_dropped))
    if not found:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    aliases: Annotated[
        Path,
        typer.Option("--aliases", "-a", help="Aliases TSV: canonical name, type, surface forms."),
    ],
    graph: OptionalGraphFile = None,
    gold: Annotated[
        Path | None,
        typer.Argument(
            metavar="GOLD",
            help="Gold relations (TSV: doc, kind, subject, ...).",
            show_default=False,
        ),
    ] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Score one document only.")] = None,
    store: StoreDir = None,
) -> None:
    """Score a graph against gold relations: precision, recall, F1, forbidden readings.

    Example: kg eval out/graph.ttl ../shared/gold/dev.tsv --aliases ../shared/gold/aliases.tsv

    Example: kg eval --store out/store ../shared/gold/dev.tsv -a ../shared/gold/aliases.tsv
    """
    from kg.evaluate import evaluate as run_eval
    from kg.evaluate import format_report, load_aliases, load_gold

    if store is not None and gold is None:  # `kg eval --store DIR GOLD`: GOLD came first
        graph, gold = None, graph
    if gold is None:
        raise fail("give the GOLD relations file (kg eval GRAPH GOLD -a ALIASES)", 2)
    _graph_or_store(graph, store)
    for path in (gold, aliases):
        if not path.is_file():
            raise fail(f"{path}: no such file")
    db = _open_store(store) if store is not None else None
    try:
        rows, names = load_gold(gold), load_aliases(aliases)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(str(exc).splitlines()[0]) from None
    if db is not None:  # the gold documents' graphs and the entities, not the whole store
        from kg.evaluate import EVAL_PREDICATES
        from kg.store import subgraph
        from kg.vocab import ART

        with _reading_store(store):
            g = subgraph(db, EVAL_PREDICATES, [ART[d] for d in dict.fromkeys(r.doc for r in rows)])
    else:
        g = _load_graph(graph, store)
    try:
        report = run_eval(g, rows, names, doc=doc)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(str(exc).splitlines()[0]) from None
    typer.echo(format_report(report))


@app.command("export")
def export_cmd(
    graph: OptionalGraphFile = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="turtle, nt, json-ld, trig, graphml or csv. Default: taken from the --output "
            "extension (.ttl, .nt, .jsonld, .trig, .graphml, .csv).",
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; '-' writes to stdout.")
    ] = "-",
    states: Annotated[
        bool,
        typer.Option(
            "--states",
            help="GraphML and CSV: the state-level network (people stand for the states and "
            "organizations they lead or serve).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
    store: StoreDir = None,
) -> None:
    """Convert a graph: Turtle, N-Triples, JSON-LD, TriG, GraphML (Gephi) or a CSV edge list.

    GraphML nodes are the entities and events (label, type, ISO code); edges are the relation
    triples (relation, label, quad class, evidence count, first and last date). The CSV has one
    row per relation triple. Output is deterministic and written atomically.

    Example: kg export out/graph.ttl -f graphml -o out/graph.graphml

    Example: kg export out/graph.ttl -o out/relations.csv (format from the extension)

    Example: kg export out/graph.ttl -f nt -o - | sort | head (to stdout)

    Example: kg export --store out/store -o out/graph.ttl (RDF streams from the store)

    Example: kg export out/graph.ttl -o out/states.csv --states (state-level edges)
    """
    from rdflib import Graph

    from kg.export import ExportError, export_graph, format_for_path, normalize_format
    from kg.graphio import GraphFileError, check_writable, read_graph, write_bytes_atomic

    try:
        if fmt is not None:
            fmt = normalize_format(fmt)
        elif output != "-":
            fmt = format_for_path(output)
            if fmt is None:
                raise ExportError(
                    f"{output}: cannot tell the format from the extension; give --format "
                    "(turtle, nt, json-ld, trig, graphml or csv)"
                )
        else:
            raise ExportError("give --format when writing to stdout (e.g. -f turtle)")
        check_writable(output)
        _graph_or_store(graph, store)
        if states and fmt not in ("graphml", "csv"):
            export_graph(Graph(), fmt, states=True)  # the one-line ExportError
        if store is not None:
            _export_store(store, fmt, output, quiet, states)
            return
        data = export_graph(read_graph(graph), fmt, states=states)
    except (ExportError, GraphFileError) as exc:
        raise fail(str(exc)) from None
    if output == "-":
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise fail("-: output closed before the export was written") from None
        return
    try:
        write_bytes_atomic(output, data)
    except (GraphFileError, OSError) as exc:
        raise fail(str(exc) if isinstance(exc, GraphFileError) else f"{output}: {exc}") from None
    if not quiet:
        err.print(f"{fmt}: {len(data):,} bytes -> {output}", soft_wrap=True, markup=False)


def _export_store(store: Path, fmt: str, output: str, quiet: bool, states: bool = False) -> None:
    """``kg export --store``: RDF formats stream from Oxigraph to the (atomic) output."""
    import os

    from kg.export import export_store
    from kg.graphio import GraphFileError
    from kg.store import StoreError, store_failure

    try:
        export_store(store, fmt, output, states)  # from the store's snapshot when it is fresh
    except (StoreError, GraphFileError) as exc:
        raise fail(str(exc)) from None
    except RuntimeError as exc:  # RocksDB: a damaged store file
        raise fail(store_failure(store, exc, "reading it")) from None
    except BrokenPipeError:
        raise fail("-: output closed before the export was written") from None
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror or exc}") from None
    if not quiet and output != "-":
        size = os.path.getsize(output)
        err.print(f"{fmt}: {size:,} bytes -> {output}", soft_wrap=True, markup=False)


@app.command("stats")
def stats_cmd(
    graph: OptionalGraphFile = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the numbers as JSON instead of tables.")
    ] = False,
    top: Annotated[
        int, typer.Option("--top", "-n", min=0, help="How many of the most connected actors.")
    ] = 10,
    store: StoreDir = None,
) -> None:
    """Summarise a graph: articles, sentences, entities, relations, busiest actors, date range.

    Example: kg stats out/graph.ttl

    Example: kg stats out/graph.ttl --json > stats.json

    Example: kg stats --store out/store
    """
    import json

    from kg.stats import graph_stats

    _graph_or_store(graph, store)
    if store is not None:  # counted by SPARQL on the store
        from kg.stats import store_stats

        with _reading_store(store):
            stats = store_stats(_open_store(store), top=top)
    else:
        stats = graph_stats(_load_graph(graph, store), top=top)
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_stats(stats, str(graph if graph is not None else store))


def _print_stats(stats, source: str) -> None:
    from rich.markup import escape

    from kg.validate import shorten

    out = Console(highlight=False)
    numeric = {"nodes", "triples", "evidence", "relations", "out", "in"}

    def table(title: str, *columns: str) -> Table:
        t = Table(title=title, title_justify="left", header_style="bold")
        for col in columns:
            t.add_column(col, justify="right" if col in numeric else "left")
        return t

    dates = f"{stats.first_date} .. {stats.last_date}" if stats.first_date else "no dates"
    summary = Table(title=escape(shorten(source, 60)), title_justify="left", show_header=False)
    summary.add_column("what")
    summary.add_column("count", justify="right")
    for name, value in (
        ("triples", f"{stats.triples:,}"),
        ("articles", f"{stats.articles:,} ({stats.dated_articles:,} dated)"),
        ("sentences with relations", f"{stats.sentences:,}"),
        ("evidence nodes", f"{stats.evidence:,}"),
        ("relation triples", f"{stats.relations:,}"),
        ("date range", dates),
    ):
        summary.add_row(name, value)
    out.print(summary)
    if stats.entities:
        t = table("Entities by type", "type", "nodes")
        for name, n in stats.entities.items():
            t.add_row(escape(shorten(name, 40)), f"{n:,}")
        out.print(t)
    if stats.relations:
        t = table("Relations by quad class", "quad class", "triples", "evidence")
        for q in stats.relations_by_quad_class:
            t.add_row(q.quad_class, f"{q.edges:,}", f"{q.evidence:,}")
        out.print(t)
        t = table("Relations by type", "relation", "quad class", "triples", "evidence")
        for r in stats.relations_by_type:
            t.add_row(r.relation, r.quad_class, f"{r.edges:,}", f"{r.evidence:,}")
        out.print(t)
    if stats.top_actors:
        t = table("Most connected actors", "actor", "type", "relations", "out", "in", "evidence")
        for a in stats.top_actors:
            t.add_row(
                escape(shorten(a.label, 50)),
                escape(shorten(a.type, 30)),
                f"{a.degree:,}",
                f"{a.out_degree:,}",
                f"{a.in_degree:,}",
                f"{a.evidence:,}",
            )
        out.print(t)
    if not stats.triples:
        out.print("the graph is empty")


@app.command("validate")
def validate_cmd(
    graph: OptionalGraphFile = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of text.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Show at most this many problems (0: all).")
    ] = 50,
    shapes: Annotated[
        Path | None,
        typer.Option("--shapes", help="SHACL shapes (Turtle) to use instead of the built-in ones."),
    ] = None,
    store: StoreDir = None,
) -> None:
    """Check a graph against the SHACL shapes in ontology/shapes.ttl.

    Checks that every relation links the classes the ontology expects (e.g. 'leaderOf' goes
    from a person to a country or organization), that entities have exactly one label, and
    that evidence nodes have a sentence, an article, an allowed modality and a confidence
    between 0 and 1. Exit status: 0 conforms, 1 violations found, 2 graph or shapes unreadable.

    Example: kg validate out/graph.ttl

    Example: kg validate out/graph.ttl --json > report.json

    Example: kg validate --store out/store
    """
    import json

    from rich.markup import escape

    from kg.graphio import GraphFileError
    from kg.shacl_sparql import Unsupported
    from kg.store import StoreError
    from kg.validate import load_shapes, validate_file, validate_graph, validate_store

    _graph_or_store(graph, store)
    if shapes is not None and not shapes.is_file():
        raise fail(f"{shapes}: no such file", code=2)
    try:
        shapes_graph = load_shapes(shapes) if shapes is not None else None
    except Exception as exc:  # rdflib raises many parser-specific types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise fail(f"{shapes}: not readable SHACL shapes ({first[:200]})", code=2) from None
    try:  # SPARQL on Oxigraph: the store itself, or the file read by Oxigraph's parser
        if store is not None:
            with _reading_store(store, code=2):
                report = validate_store(_open_store(store, code=2), shapes=shapes_graph)
        else:
            report = validate_file(graph, shapes=shapes_graph)  # type: ignore[arg-type]
    except (GraphFileError, StoreError) as exc:
        raise fail(escape(str(exc)), code=2) from None
    except Unsupported:  # shapes beyond the SPARQL engine: pyshacl on an rdflib copy
        data = _load_graph(graph, store, code=2)
        report = validate_graph(data, shapes=shapes_graph, engine="pyshacl")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(report.format(limit=limit or None, source=str(graph or store)))
    if report.triples == 0:
        err.print("[yellow]warning:[/] the graph is empty: nothing was checked")
    if not report.conforms:
        raise typer.Exit(1)


def _iso_date(value: str | None, option: str):
    """A ``YYYY-MM-DD`` option value as a date (None stays None)."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)") from None


@app.command("viz")
def viz_cmd(
    graph: OptionalGraphFile = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write (one self-contained page).")
    ] = Path("graph.html"),
    relation: Annotated[
        list[str] | None,
        typer.Option(
            "--relation",
            "-r",
            help="Only this relation: a name or label (sanctions, 'partner of'). Repeat or "
            "separate with commas for several.",
        ),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option("--entity", "-e", help="Only what lies around this entity (name or alias)."),
    ] = None,
    hops: Annotated[
        int, typer.Option("--hops", min=0, help="With --entity: how many relations away.")
    ] = 1,
    since: Annotated[
        str | None, typer.Option("--since", help="Only evidence dated on or after YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only evidence dated on or before YYYY-MM-DD.")
    ] = None,
    min_evidence: Annotated[
        int,
        typer.Option(
            "--min-evidence",
            min=0,
            help="Only relations stated in at least this many sentences (0: also relations "
            "without evidence).",
        ),
    ] = 1,
    max_nodes: Annotated[
        int | None,
        typer.Option("--max-nodes", min=1, help="Keep only the N most connected actors."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the page.")] = None,
    physics: Annotated[
        str,
        typer.Option(
            "--physics",
            help="Let the browser refine the layout: auto (for views up to 250 actors), on, off.",
        ),
    ] = "auto",
    states: Annotated[
        bool,
        typer.Option(
            "--states",
            help="State level: people stand for the states and organizations they lead or "
            "serve (\"Obama criticizes Putin\" is United States - Russia).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
    store: StoreDir = None,
) -> None:
    """Write an interactive network of the actors as one HTML page that works offline.

    Nodes are actors and events (colour and shape by type, size by number of relations); edges
    are relations (colour by quad class, width by number of sentences, arrows for directed
    relations). Hover shows evidence sentences with source and date, or an actor's type,
    aliases and roles; the page has a legend, entity search and relation filters.

    Example: kg viz out/graph.ttl -o out/graph.html

    Example: kg viz out/graph.ttl -o nato.html --entity NATO --hops 2 --since 2023-01-30

    Example: kg viz big.ttl -o conflict.html -r sanctions -r attacks --max-nodes 300

    Example: kg viz --store out/store -o out/graph.html

    Example: kg viz out/graph.ttl -o states.html --states
    """
    from rich.markup import escape

    from kg.graphio import GraphFileError, check_writable
    from kg.viz import ViewError, ViewOptions, build_view, write_html

    if physics not in ("auto", "on", "off"):
        raise fail(f"--physics: '{escape(physics)}' is not one of auto, on, off")
    options = ViewOptions(
        relations=tuple(relation or ()),
        entity=entity,
        hops=hops,
        since=_iso_date(since, "--since"),
        until=_iso_date(until, "--until"),
        min_evidence=min_evidence,
        max_nodes=max_nodes,
        title=title,
        physics=physics,
        states=states,
    )
    try:
        check_writable(output)
        if store is not None:  # only the predicates the view reads
            from kg.viz import VIEW_PREDICATES

            _graph_or_store(graph, store)
            data = _store_part(store, VIEW_PREDICATES)
        else:
            data = _load_graph(graph, store)
        view = build_view(data, options)
        size = write_html(view, output)
    except (GraphFileError, ViewError) as exc:
        raise fail(escape(str(exc))) from None
    except OSError as exc:
        raise fail(escape(f"{output}: {exc.strerror or exc}")) from None
    if not quiet:
        sentences = sum(e.weight for e in view.edges)
        what = f" ({view.subtitle})" if view.subtitle else ""
        err.print(
            f"{len(view.nodes):,} actors, {len(view.edges):,} relations, {sentences:,} sentences"
            f"{what} -> {output} ({size / 1e6:.1f} MB)",
            soft_wrap=True,
            markup=False,
        )


@app.command("query")
def query_cmd(
    graph: Annotated[
        str | None,
        typer.Argument(
            metavar="GRAPH",
            help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig, ...); "
            "omit it with --store.",
            show_default=False,
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Argument(
            metavar="QUERY",
            help="SPARQL text, a .rq file, or the name of a saved query (see --list).",
            show_default=False,
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help='Bind ?NAME to the string VALUE (repeatable), e.g. --param entity="North Korea".',
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            show_default=False,
            help="table, csv, tsv or json (csv/tsv/json are the W3C SPARQL 1.1 results formats); "
            "default: table on a terminal, csv otherwise. ASK prints true/false, CONSTRUCT and "
            "DESCRIBE print Turtle.",
        ),
    ] = None,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the saved queries and exit.")
    ] = False,
    engine: Annotated[
        str, typer.Option(help="auto (Oxigraph when installed), oxigraph or rdflib.")
    ] = "auto",
    no_ontology: Annotated[
        bool,
        typer.Option(
            "--no-ontology",
            help="Query the graph file alone, without the ontology's triples (quad classes, "
            "CAMEO codes, Goldstein scores, labels of relations).",
        ),
    ] = False,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="DIR",
            help="Query an on-disk store (kg build --store DIR) instead of a GRAPH file, "
            "read-only: its default graph is the union of all its graphs.",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0, help="Stop a query running longer (seconds; 0: never)."),
    ] = 60.0,
    max_memory: Annotated[
        float | None,
        typer.Option(
            "--max-memory",
            min=0.1,
            metavar="GB",
            help="Stop a query when kg grows past this much memory. [default: half the RAM]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a SPARQL query, or a saved one, on a graph (read-only; never uses the network).

    A query is stopped after --timeout seconds (exit 1) or by Ctrl-C (exit 130).

    Example: kg query out/graph.ttl relations-of --param entity="North Korea"
    (or on a store: kg query --store out/store relations-of --param entity="North Korea")
    """
    import os

    from rich.markup import escape

    from kg.graphio import GraphFileError
    from kg.query import (
        ENGINES,
        OUTPUT_FORMATS,
        QueryError,
        QueryParamError,
        QueryRefused,
        QuerySyntaxError,
        QueryTimeout,
        UnknownQuery,
        default_max_memory,
        load_graph,
        load_store,
        parse_params,
        result_table,
        run_query,
        saved_queries,
        serialize_result,
    )
    from kg.store import StoreError

    out = Console(highlight=False)
    if list_queries:
        _list_saved_queries(saved_queries(), out)
        return
    if store is not None:  # then the only positional argument is the QUERY
        if query is not None:
            raise fail("give either a GRAPH file or --store DIR, not both", 2)
        graph, query = None, graph
        if query is None:
            raise fail("give a QUERY (kg query --list shows the saved queries)", 2)
        if no_ontology:
            raise fail("--no-ontology does not apply to --store (the store holds the ontology)", 2)
    elif graph is None or query is None:
        raise fail(
            "give a GRAPH file (or --store DIR) and a QUERY (kg query --list shows the saved "
            "queries)",
            2,
        )
    fmt = output_format or ("table" if out.is_terminal else "csv")
    if fmt not in OUTPUT_FORMATS:
        raise fail(escape(f"--format {fmt}: use one of {', '.join(OUTPUT_FORMATS)}"), 2)
    if engine not in ENGINES:
        raise fail(escape(f"--engine {engine}: use one of {', '.join(ENGINES)}"), 2)
    try:
        params = parse_params(param or [])
        if store is not None:
            loaded = load_store(store)
        else:
            loaded = load_graph(graph, engine=engine, ontology=not no_ontology)
        result = run_query(
            loaded,
            query,
            params,
            engine=engine,
            ontology=not no_ontology,
            timeout=timeout or None,
            max_memory=int(max_memory * 1024**3) if max_memory else default_max_memory(),
        )
    except (QueryTimeout, KeyboardInterrupt) as exc:
        # The engine cannot be interrupted: leave now, without waiting for its thread.
        if isinstance(exc, KeyboardInterrupt):
            err.print("interrupted")
        else:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130 if isinstance(exc, KeyboardInterrupt) else 1)
    except QuerySyntaxError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        if exc.line and exc.text:
            gutter = f"{exc.line:>4} | "
            err.out(gutter + exc.text, highlight=False)
            err.out(" " * (len(gutter) + max(exc.column - 1, 0)) + "^", highlight=False)
        raise typer.Exit(2) from None
    except (QueryRefused, QueryParamError, UnknownQuery) as exc:
        raise fail(escape(str(exc)), 2) from None
    except (QueryError, GraphFileError, StoreError) as exc:
        raise fail(escape(str(exc))) from None
    try:
        if result.type == "SELECT" and fmt == "table":
            out.print(result_table(result))
        else:
            sys.stdout.write(serialize_result(result, fmt))
            sys.stdout.flush()
    except BrokenPipeError:  # `kg query ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def _list_saved_queries(queries, out: Console) -> None:
    """Name and description of every saved query: a table on a terminal, lines otherwise."""
    from rich.text import Text

    if out.is_terminal:
        table = Table(show_header=True, header_style="bold")
        table.add_column("query", no_wrap=True)
        table.add_column("description")
        for q in queries:
            table.add_row(Text(q.name), Text(q.description))
        out.print(table)
        return
    width = max((len(q.name) for q in queries), default=0)
    for q in queries:
        sys.stdout.write(f"{q.name:<{width}}  {q.description}\n")


def _graph_or_store(graph: object | None, store: Path | None) -> None:
    """Exactly one of GRAPH and --store: a one-line error otherwise."""
    if (graph is None) == (store is None):
        raise fail("give a GRAPH file or --store DIR (exactly one of them)", 2)


@app.command("serve")
def serve_cmd(
    graph: OptionalGraphFile = None,
    store: StoreDir = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback only unless you change it).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")
    ] = 7878,
    query_timeout: Annotated[
        float,
        typer.Option("--query-timeout", min=1, help="Stop queries running longer (seconds)."),
    ] = 60.0,
    max_memory: Annotated[
        float | None,
        typer.Option(
            "--max-memory",
            min=0.1,
            metavar="GB",
            help="Restart the SPARQL engine when it grows past this much memory (the query "
            "gets a 503). [default: half the RAM]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve a graph or a store as a read-only SPARQL 1.1 endpoint (Oxigraph's server).

    Results come in JSON, XML, CSV or TSV as the client asks (Accept header); CONSTRUCT and
    DESCRIBE in Turtle. The default graph is the union of all graphs, ontology included.
    Updates are refused, and so are queries kg query refuses (SERVICE, LOAD, FROM a graph not
    in the store, too long, too deeply nested): a 400 with a one-line reason. Ctrl-C stops
    the server.

    Example: kg serve out/graph.ttl --port 7878

    Example: kg serve --store out/store
    """
    import signal

    from rich.markup import escape

    from kg.serve import ServeError, example_curl, is_loopback, start_server
    from kg.store import StoreError

    _graph_or_store(graph, store)
    if not is_loopback(host):
        err.print(
            f"[yellow]warning:[/] listening on {escape(host)}: other machines can query the "
            "graph (read-only, no authentication)",
            soft_wrap=True,
        )
    # SIGTERM stops the server as Ctrl-C does (the temporary store is removed either way).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    handle = None
    try:
        handle = start_server(
            graph,
            store=store,
            host=host,
            port=port,
            query_timeout=query_timeout,
            max_memory=int(max_memory * 1024**3) if max_memory else None,
        )
        source = f"--store {store}" if store is not None else graph
        err.print(
            f"serving {escape(str(source))} read-only at {handle.url} (Ctrl-C stops)\n"
            f"  {escape(example_curl(handle.url))}",
            soft_wrap=True,
        )
        typer.echo(handle.url)  # last: a script that reads it knows the server is up
        code = handle.wait()
        detail = handle.error_output()
        raise fail(escape(f"the oxigraph server stopped (exit code {code}) {detail}".strip()))
    except KeyboardInterrupt:
        if handle is not None:
            handle.stop()
            err.print("stopped")
        raise typer.Exit(0 if handle is not None else 130) from None
    except (ServeError, StoreError) as exc:
        raise fail(escape(str(exc))) from None
    finally:
        if handle is not None:
            handle.stop()


@app.command("push")
def push_cmd(
    graph: OptionalGraphFile = None,
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint",
            "-e",
            help="SPARQL 1.1 Graph Store Protocol URL: Oxigraph http://HOST:7878/store, Fuseki "
            "http://HOST:3030/DATASET/data, GraphDB .../repositories/REPO/rdf-graphs/service.",
            show_default=False,
        ),
    ] = ...,
    store: StoreDir = None,
    graphs: Annotated[
        str,
        typer.Option(
            "--graphs",
            help="store: facts once in the default graph, each article's evidence in its "
            "own named graph (exact counts); article: one self-contained named graph per "
            "article; one: everything in one graph.",
        ),
    ] = "store",
    graph_name: Annotated[
        str | None,
        typer.Option(
            "--graph",
            metavar="IRI",
            help="Named graph for the single (--graphs one) or shared graph, instead of the "
            "default graph.",
        ),
    ] = None,
    no_ontology: Annotated[
        bool, typer.Option("--no-ontology", help="Do not send the ontology's named graph.")
    ] = False,
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="User name for HTTP basic auth.")
    ] = None,
    password_env: Annotated[
        str,
        typer.Option(
            "--password-env",
            metavar="VAR",
            help="Environment variable holding the password (never given on the command line).",
        ),
    ] = "KG_PUSH_PASSWORD",
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for each answer.")
    ] = 60.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
) -> None:
    """Send the graph to a SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph, Fuseki, GraphDB).

    Each graph is replaced (HTTP PUT), so pushing again is safe. The ontology goes to the named
    graph <https://w3id.org/geokg/graph/ontology>.

    Example: kg push out/graph.ttl --endpoint http://127.0.0.1:7878/store

    Example: KG_PUSH_PASSWORD=... kg push --store out/store -e https://host/ds/data --user me
    """
    from rich.markup import escape

    from kg.push import (
        PushError,
        check_endpoint,
        credentials_from_env,
        plan_graphs,
        push_graphs,
        source_triples,
    )
    from kg.serve import ServeError
    from kg.store import StoreError

    _graph_or_store(graph, store)
    try:
        check_endpoint(endpoint)
        credentials = credentials_from_env(user, password_env)
        payloads = plan_graphs(
            source_triples(graph, store=store),
            graphs,
            graph=graph_name,
            ontology=not no_ontology,
        )
        report = push_graphs(
            endpoint, payloads, mode=graphs, credentials=credentials, timeout=timeout
        )
    except (PushError, ServeError, StoreError) as exc:
        raise fail(escape(str(exc))) from None
    if not quiet:
        err.print(
            f"pushed {len(report.graphs)} graphs ({report.articles} article graphs), "
            f"{report.triples:,} triples to {escape(endpoint)} in {report.seconds:.1f}s",
            soft_wrap=True,
        )


def run() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
