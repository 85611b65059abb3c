"""The ``kg`` command: a thin layer over the Python API (``kg.build``, ``kg.clean``, ...).

Errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from collections import Counter
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
# Show a progress bar only when a run is long enough for one to help.
_PROGRESS_MIN_ARTICLES = 50


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


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
        Path,
        typer.Option("--output", "-o", help="Graph file to write; the extension picks the format "
                     "(.ttl, .nt, .jsonld, .trig). '-' writes Turtle to stdout."),
    ] = Path("graph.ttl"),
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    max_bytes: Annotated[
        int, typer.Option(help="Skip input files larger than this many bytes.")
    ] = 20_000_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary or progress.")] = False,
) -> None:
    """Read articles and write the knowledge graph, then print a summary.

    Example: kg build seeds/ -o out/graph.ttl
    """
    from kg.build import build as run_build
    from kg.graphio import GraphFileError, check_writable, format_for

    try:
        if str(output) != "-":
            format_for(output)
            check_writable(output)
    except GraphFileError as exc:
        raise fail(str(exc)) from None

    progress = None
    task = None
    show_bar = not quiet and err.is_terminal

    def tick(_result) -> None:
        nonlocal progress, task
        if not show_bar:
            return
        if progress is None:
            progress = Progress(
                TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err, transient=True,
            )
            progress.start()
            task = progress.add_task("articles", total=None)
        progress.advance(task)

    try:
        result = run_build(inputs, jobs=jobs, max_bytes=max_bytes, on_article=tick)
    except Exception as exc:
        if _is_model_not_found(exc):
            raise fail(str(exc)) from None
        raise
    finally:
        if progress is not None:
            progress.stop()
    for problem in result.problems:
        err.print(f"[yellow]skipped[/] {problem.path}: {problem.message}", soft_wrap=True)
    if not result.articles:
        raise fail("no articles could be read from the inputs; nothing written")
    from kg.graphio import write_graph

    try:
        write_graph(result.graph, output)
    except GraphFileError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        _summary(result, output)


def _is_model_not_found(exc: BaseException) -> bool:
    """Whether ``exc`` is kg.nlp's ModelNotFound, without importing spaCy (a second of start-up)
    on runs that never load the model: only kg.nlp can raise it, so it is loaded if it did."""
    nlp = sys.modules.get("kg.nlp")
    return nlp is not None and isinstance(exc, nlp.ModelNotFound)


def _summary(result, output: Path) -> None:
    from rdflib import RDF

    from kg.vocab import GEO, RELATIONS

    out = Console(stderr=str(output) == "-", highlight=False)
    g = result.graph
    by_relation = Counter()
    for name in RELATIONS:
        by_relation[name] = sum(1 for _ in g.triples((None, GEO[name], None)))
    types = Counter(
        str(o).rsplit("#", 1)[-1]
        for s, o in g.subject_objects(RDF.type)
        if o not in (GEO.Evidence, GEO.Article, RDF.Statement)
    )
    evidence = sum(1 for _ in g.subjects(RDF.type, GEO.Evidence))
    out.print(
        f"[bold]{len(result.articles)}[/] articles, {result.words:,} words in "
        f"{result.seconds:.1f}s ({result.words_per_second:,.0f} words/s); "
        f"{sum(by_relation.values())} relations with {evidence} evidence sentences; "
        f"{len(g):,} triples -> {output}",
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
    graph: Annotated[Path, typer.Argument(help="Graph file written by `kg build`.")],
    gold: Annotated[Path, typer.Argument(help="Gold relations (TSV: doc, kind, subject, ...).")],
    aliases: Annotated[
        Path,
        typer.Option("--aliases", "-a", help="Aliases TSV: canonical name, type, surface forms."),
    ],
    doc: Annotated[str | None, typer.Option("--doc", help="Score one document only.")] = None,
) -> None:
    """Score a graph against gold relations: precision, recall, F1, forbidden readings.

    Example: kg eval out/graph.ttl ../shared/gold/dev.tsv --aliases ../shared/gold/aliases.tsv
    """
    from kg.evaluate import evaluate as run_eval
    from kg.evaluate import format_report, load_aliases, load_gold
    from kg.graphio import GraphFileError, read_graph

    for path in (gold, aliases):
        if not path.is_file():
            raise fail(f"{path}: no such file")
    try:
        g = read_graph(graph)
        report = run_eval(g, load_gold(gold), load_aliases(aliases), doc=doc)
    except GraphFileError as exc:
        raise fail(str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(str(exc).splitlines()[0]) from None
    typer.echo(format_report(report))


@app.command("export")
def export_cmd(
    graph: Annotated[
        Path, typer.Argument(help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig).")
    ],
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
) -> None:
    """Convert a graph: Turtle, N-Triples, JSON-LD, TriG, GraphML (Gephi) or a CSV edge list.

    GraphML nodes are the entities and events (label, type, ISO code); edges are the relation
    triples (relation, label, quad class, evidence count, first and last date). The CSV has one
    row per relation triple. Output is deterministic and written atomically.

    Example: kg export out/graph.ttl -f graphml -o out/graph.graphml

    Example: kg export out/graph.ttl -o out/relations.csv (format from the extension)

    Example: kg export out/graph.ttl -f nt -o - | sort | head (to stdout)
    """
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
        data = export_graph(read_graph(graph), fmt)
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


@app.command("stats")
def stats_cmd(
    graph: Annotated[
        Path, typer.Argument(help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig).")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the numbers as JSON instead of tables.")
    ] = False,
    top: Annotated[
        int, typer.Option("--top", "-n", min=0, help="How many of the most connected actors.")
    ] = 10,
) -> None:
    """Summarise a graph: articles, sentences, entities, relations, busiest actors, date range.

    Example: kg stats out/graph.ttl

    Example: kg stats out/graph.ttl --json > stats.json
    """
    import json

    from kg.graphio import GraphFileError, read_graph
    from kg.stats import graph_stats

    try:
        stats = graph_stats(read_graph(graph), top=top)
    except GraphFileError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_stats(stats, str(graph))


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
                escape(shorten(a.label, 50)), escape(shorten(a.type, 30)), f"{a.degree:,}",
                f"{a.out_degree:,}", f"{a.in_degree:,}", f"{a.evidence:,}",
            )
        out.print(t)
    if not stats.triples:
        out.print("the graph is empty")


@app.command("validate")
def validate_cmd(
    graph: Annotated[
        Path, typer.Argument(help="Graph file written by `kg build` (.ttl, .nt, .jsonld, .trig).")
    ],
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
) -> None:
    """Check a graph against the SHACL shapes in ontology/shapes.ttl.

    Checks that every relation links the classes the ontology expects (e.g. 'leaderOf' goes
    from a person to a country or organization), that entities have exactly one label, and
    that evidence nodes have a sentence, an article, an allowed modality and a confidence
    between 0 and 1. Exit status: 0 conforms, 1 violations found, 2 graph or shapes unreadable.

    Example: kg validate out/graph.ttl

    Example: kg validate out/graph.ttl --json > report.json
    """
    import json

    from kg.graphio import GraphFileError, read_graph
    from kg.validate import load_shapes, validate_graph

    try:
        data = read_graph(graph)
    except GraphFileError as exc:
        raise fail(str(exc), code=2) from None
    if shapes is not None and not shapes.is_file():
        raise fail(f"{shapes}: no such file", code=2)
    try:
        shapes_graph = load_shapes(shapes) if shapes is not None else None
    except Exception as exc:  # rdflib raises many parser-specific types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise fail(f"{shapes}: not readable SHACL shapes ({first[:200]})", code=2) from None
    report = validate_graph(data, shapes=shapes_graph)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(report.format(limit=limit or None, source=str(graph)))
    if len(data) == 0:
        err.print("[yellow]warning:[/] the graph is empty: nothing was checked")
    if not report.conforms:
        raise typer.Exit(1)


def run() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
