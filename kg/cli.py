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
    from kg.nlp import ModelNotFound

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
    except ModelNotFound as exc:
        raise fail(str(exc)) from None
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
        f"{len(g):,} triples -> {output}"
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
        Path, typer.Option("--aliases", "-a", help="Aliases TSV: canonical name, type, surface forms.")
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


def run() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
