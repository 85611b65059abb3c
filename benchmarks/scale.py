"""Scale benchmark: ``kg build --store`` on 10,000 articles, re-builds, store queries, export.

What is measured (the issue's targets in brackets)
--------------------------------------------------
Corpus
    ``--articles`` (default 10,000) synthetic articles in one JSON Lines file: each is
    ``--sentences`` (default 6) sentences drawn with a seeded ``random.Random`` from the
    cleaned bodies of the five seed articles (split by spaCy's rule-based ``sentencizer``,
    sentences of at least 6 words), under distinct ids (``syn-000001``...), a seed title and
    a date spread over 2024. Words = ``len(body.split())`` of the bodies ``kg build`` reads
    (``kg.build.read_articles`` over the file, before any timer).
Builds
    every build is the real CLI in a fresh process, ``kg build CORPUS --store DIR -q`` into a
    fresh store directory, with ``--jobs 1``, ``--jobs 2`` and ``--dask local`` (a
    LocalCluster of one worker per core: 2 on the 2-core machine). Wall clock from start to
    exit, so words/s include interpreter start, imports, model loading (and cluster start-up
    for Dask). The "start-up" column is the same command on a one-article corpus, and
    "words/s excl. start-up" = words / (full - start-up). [--jobs 2 >= 1.7x --jobs 1]
Peak memory
    the highest sum of the RSS of the whole process tree (the command, its worker processes,
    Dask's nanny and workers), sampled every 0.2 s. Forked workers share pages, so the sum
    over-counts somewhat; a spike shorter than 0.2 s can be missed.
Re-build
    ``kg build CORPUS --store DIR -q`` again on the unchanged corpus into the ``--jobs 1``
    store: every input is hashed and skipped. Its time against the full ``--jobs 1`` build;
    the store's quad count is checked unchanged. [< 5 % of a full build]
Store and queries
    on the ``--jobs 1`` store: ``kg.store.open_store(read_only=True)``, its quad count, its
    triples (default graph + article graphs, without the ontology), ``kg.query.load_store``;
    then every saved query through ``kg.query.run_query`` on that graph, best of
    ``--repeat``. Parameterised queries run for the most-connected entity (first row of
    ``most-connected``; ``other`` = the second) and for a typical one (the entity at rank
    2 % of ``entities``, most mentioned first, as benchmarks/query_latency.py does).
    [saved queries < 0.5 s on 1M triples]
Export
    the store's export snapshot is written first (``kg.snapshot.write``, timed: what ``kg
    build --store`` does after a build), then ``kg export --store DIR -o graph.ttl``,
    ``-o graph.nt`` and ``-o graph.trig`` (CLI, wall clock, peak memory) and
    ``kg.export.export_store(DIR, ...)`` in-process. [Turtle export of 1M triples < 3 s]
Commands
    ``kg stats --store``, ``kg validate --store`` and ``kg viz --store --entity HUB`` (CLI,
    wall clock, peak memory).
Before/after
    with ``--baseline REV`` each saved query of git revision REV runs beside the current one
    on the same store, in turn, best of ``--repeat`` each: the ratio of one run. ``--store
    DIR`` (repeatable) measures stores built before instead of building.
1M-triple store
    when the built store holds fewer than 1,000,000 triples, the store/query/export section
    is also run on a store made from benchmarks/query_latency.py's synthetic graph
    (``write_synthetic``, ``--synthetic-articles`` articles, ~1M triples at 7,000, loaded by
    its ``load_into_store`` in the store layout); the query and export targets are then
    judged on that store.

The last table compares each measured value with its target. On a shared machine wall-clock
times move with other load: the "others" column is the number of cores other programs kept
busy during a run (``/proc/stat``); trust rows where it is near 0.

Usage::

    .venv/bin/python benchmarks/scale.py                    # the full run (~40 min, 2 cores)
    .venv/bin/python benchmarks/scale.py --articles 200     # smoke run, a few minutes
    .venv/bin/python benchmarks/scale.py --jobs-only --skip-dask   # builds at --jobs 1, 2 only
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from throughput import busy_cpu_seconds  # noqa: E402  (after the path set-up)

MIN_WORDS = 6  # shorter "sentences" are headings, captions or fragments
MILLION = 1_000_000
TARGETS = {
    "speedup": 1.7,  # --jobs 2 words/s over --jobs 1
    "rebuild": 0.05,  # unchanged re-build / full build
    "query": 0.5,  # seconds, every saved query on 1M triples
    "turtle": 3.0,  # seconds, Turtle export of 1M triples
}


# -- corpus -----------------------------------------------------------------------------------


def seed_sentences(seeds: Path = REPO / "seeds") -> tuple[list[str], list[str]]:
    """Sentences (>= MIN_WORDS words, whitespace normalised) and titles of the seed articles."""
    import spacy

    from kg.build import read_articles

    problems: list = []
    articles = list(read_articles([str(seeds)], problems))
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    sentences: list[str] = []
    for doc in nlp.pipe(a.body for a in articles):
        for sent in doc.sents:
            text = " ".join(sent.text.split())
            if len(text.split()) >= MIN_WORDS and text not in sentences:
                sentences.append(text)
    titles = [a.title for a in articles if a.title]
    return sentences, titles


def write_corpus(path: Path, articles: int, per_article: int, seed: int = 2024) -> int:
    """Write ``articles`` JSON Lines records recombining seed sentences; return raw words.

    Each article is ``per_article`` distinct sentences drawn with ``random.Random(seed)``, two
    sentences a paragraph, with its own id, a seed title and a date in 2024: deterministic.
    """
    sentences, titles = seed_sentences()
    if per_article > len(sentences):
        raise SystemExit(f"--sentences {per_article}: the seeds have only {len(sentences)}")
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(1, articles + 1):
            picked = rng.sample(sentences, per_article)
            paragraphs = [" ".join(picked[j : j + 2]) for j in range(0, len(picked), 2)]
            record = {
                "id": f"syn-{i:06d}",
                "title": rng.choice(titles),
                "date": (start + timedelta(days=rng.randrange(366))).isoformat(),
                "text": "\n\n".join(paragraphs),
            }
            words += sum(len(s.split()) for s in picked)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return words


def corpus_words(path: Path) -> tuple[int, int]:
    """(articles, words) as ``kg build`` reads them: cleaned bodies, ``len(body.split())``."""
    from kg.build import read_articles

    problems: list = []
    n = words = 0
    for article in read_articles([str(path)], problems):
        n += 1
        words += len(article.body.split())
    if problems:
        raise SystemExit(f"corpus problems: {problems[:3]}")
    return n, words


# -- measured commands ------------------------------------------------------------------------


@dataclass
class Run:
    """One command: wall clock, CPU of the tree (waited-for processes), peak tree RSS."""

    label: str
    argv: list[str]
    seconds: float = math.nan
    cpu: float = math.nan
    peak_mb: float = math.nan
    others: float | None = None
    code: int = 0
    log: str = ""


def _tree_rss(proc) -> int:
    """Summed RSS (bytes) of a process and all its descendants; vanished ones count 0."""
    import psutil

    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in members:
        with contextlib.suppress(psutil.Error):  # it exited meanwhile
            total += p.memory_info().rss
    return total


def measure(label: str, argv: list[str], log: Path, cwd: Path) -> Run:
    """Run ``argv`` to completion, timing it and sampling the process tree's RSS every 0.2 s."""
    import psutil

    run = Run(label, argv)
    peak = 0
    done = threading.Event()
    with log.open("w") as out:
        busy0 = busy_cpu_seconds()
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        proc = psutil.Process(child.pid)

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        run.seconds = time.perf_counter() - t0
        busy1 = busy_cpu_seconds()
        done.set()
        sampler.join()
        child.returncode = run.code = os.waitstatus_to_exitcode(status)
    run.cpu = usage.ru_utime + usage.ru_stime
    run.peak_mb = peak / 2**20
    if busy0 is not None and busy1 is not None and run.seconds > 0:
        run.others = max(0.0, (busy1 - busy0 - run.cpu) / run.seconds)
    run.log = log.read_text(errors="replace")[-2000:]
    if run.code != 0:
        print(f"!! {label} failed (exit {run.code}); end of its output:\n{run.log}")
    return run


def kg_command() -> list[str]:
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg"]


def cli_supports(command: str, option: str) -> bool:
    """Whether ``kg COMMAND --help`` lists ``option`` (options other helpers are adding)."""
    done = subprocess.run(
        [*kg_command(), command, "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    return option in done.stdout


# -- store, queries, export -------------------------------------------------------------------


@dataclass
class StoreReport:
    """What the store section measured on one store."""

    name: str
    repeat: int = 3
    open_s: float = math.nan
    quads: int = 0
    count_s: float = math.nan
    triples: int = 0
    triples_s: float = math.nan
    load_store_s: float = math.nan
    disk_mb: float = math.nan
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    queries: list[tuple[str, float, Any]] = field(default_factory=list)  # (case, s, rows)
    exports: list[Run] = field(default_factory=list)
    export_bytes: dict[str, int] = field(default_factory=dict)
    export_api: dict[str, float] = field(default_factory=dict)  # format -> s, export_store
    cli_query: Run | None = None
    baseline: str = ""  # git revision whose saved queries ran beside the current ones
    baseline_queries: dict[str, float] = field(default_factory=dict)  # case -> s
    snapshot_s: float = math.nan  # writing the export snapshot (kg.snapshot.write)
    commands: list[Run] = field(default_factory=list)  # kg stats/validate/viz --store


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def baseline_text(revision: str, name: str) -> str | None:
    """The text of saved query ``name`` at git ``revision`` (None if it did not exist)."""
    done = subprocess.run(
        ["git", "show", f"{revision}:ontology/queries/{name}.rq"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    return done.stdout if done.returncode == 0 else None


def run_text(graph, name: str, text: str, params: dict[str, str]):
    """Run ``text`` as the saved query ``name`` would run (its parameters bound, columns hidden)."""
    from dataclasses import replace

    from kg.query import _bindings, execute, prepare

    prepared = replace(prepare(name, parse_saved=False), text=text)
    return execute(graph, prepared, _bindings(prepared, params), engine="oxigraph")


def store_section(
    name: str,
    store_dir: Path,
    work: Path,
    *,
    repeat: int,
    export: bool,
    baseline: str = "",
    commands: bool = True,
) -> StoreReport:
    """Open the store, count it, run every saved query on it, export it (CLI).

    With ``baseline`` (a git revision) each saved query of that revision runs beside the
    current one, alternating, on the same store: the before/after ratio of one run.
    """
    import pyoxigraph as ox
    from query_latency import _rows, _timed

    from kg.query import load_store, run_query, saved_queries
    from kg.store import ONTOLOGY_GRAPH, open_store

    rep = StoreReport(name, repeat, baseline=baseline)
    rep.disk_mb = _disk_mb(store_dir)
    gc.collect()
    t = time.perf_counter()
    store = open_store(store_dir, read_only=True)
    rep.open_s = time.perf_counter() - t
    t = time.perf_counter()
    rep.quads = len(store)
    rep.count_s = time.perf_counter() - t
    # the graph's triples = quads outside the ontology graph (the graphs share no triples);
    # iterating union_triples in Python would take ~40 s at 1M, and export measures that
    t = time.perf_counter()
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    rep.triples = rep.quads - sum(1 for _ in store.quads_for_pattern(None, None, None, ontology))
    rep.triples_s = time.perf_counter() - t
    del store
    t = time.perf_counter()
    graph = load_store(store_dir)
    rep.load_store_s = time.perf_counter() - t
    print(f"[{name}] {rep.quads:,} quads, {rep.triples:,} triples; querying", flush=True)

    rep.params = pick_params(graph)
    for q in saved_queries():
        whiches = ["hub", "typical"] if q.params else ["-"]
        for which in whiches:
            params = {p: rep.params[which][p] for p in q.params} if q.params else {}
            case = q.name if which in ("-", "hub") else f"{q.name} (typical)"
            old = baseline_text(baseline, q.name) if baseline else None
            best_old = math.inf
            seconds, rows = math.inf, None
            try:
                for _ in range(repeat):  # old and new in turn: both see the same machine
                    if old is not None:
                        s, _r = _timed(lambda g=graph, o=old, q=q, p=params: _rows(
                            run_text(g, q.name, o, p)), 1)  # fmt: skip
                        best_old = min(best_old, s)
                    s, rows = _timed(
                        lambda g=graph, q=q, p=params: _rows(run_query(g, q.name, p)), 1
                    )
                    seconds = min(seconds, s)
            except Exception as exc:  # report it in the table, keep measuring the others
                seconds, rows = math.nan, f"error: {str(exc).splitlines()[0][:60]}"
            rep.queries.append((case, seconds, rows))
            if old is not None:
                rep.baseline_queries[case] = best_old
            before = f"  (before {_fmt_s(best_old)})" if old is not None else ""
            print(
                f"  {case:24} {_fmt_s(seconds):>10}  {rows} rows{before}",
                file=sys.stderr,
                flush=True,
            )
    del graph
    gc.collect()

    rep.cli_query = measure(
        "kg query --store DIR most-connected",
        [*kg_command(), "query", "--store", str(store_dir), "most-connected", "-f", "csv"],
        work / f"{name}-cli-query.log",
        work,
    )
    if export:
        from kg import snapshot

        shutil.rmtree(snapshot.snapshot_dir(store_dir), ignore_errors=True)
        t = time.perf_counter()
        snapshot.write(store_dir)  # what kg build --store does after a build
        rep.snapshot_s = time.perf_counter() - t
        for fmt, suffix in (("Turtle", "ttl"), ("N-Triples", "nt"), ("TriG", "trig")):
            out = work / f"{name}-export.{suffix}"
            run = measure(
                f"kg export --store DIR -o graph.{suffix} ({fmt})",
                [*kg_command(), "export", "--store", str(store_dir), "-o", str(out), "-q"],
                work / f"{name}-export-{suffix}.log",
                work,
            )
            rep.exports.append(run)
            rep.export_bytes[suffix] = out.stat().st_size if out.exists() else 0
            out.unlink(missing_ok=True)
            rep.export_api[suffix] = _export_api(store_dir, suffix, out)
    if commands:
        hub = rep.params.get("hub", {}).get("entity", "")
        for label, args in (
            ("kg stats --store DIR --json", ["stats", "--store", str(store_dir), "--json"]),
            ("kg validate --store DIR", ["validate", "--store", str(store_dir)]),
            (
                "kg viz --store DIR --entity HUB",
                ["viz", "--store", str(store_dir), "--entity", hub, "-o", str(work / "v.html")],
            ),
        ):
            rep.commands.append(
                measure(label, [*kg_command(), *args], work / f"{name}-{args[0]}.log", work)
            )
            (work / "v.html").unlink(missing_ok=True)
    return rep


def _export_api(store_dir: Path, fmt: str, out: Path) -> float:
    """Seconds of ``kg.export.export_store`` in this process (no CLI start-up), or NaN."""
    try:
        from kg.export import export_store
    except ImportError:
        return math.nan
    from kg.store import open_store

    open_store(store_dir, read_only=True)  # opened once before: the OS caches the files
    gc.collect()
    t = time.perf_counter()
    export_store(store_dir, fmt, out)  # a directory: from its snapshot when it is fresh
    seconds = time.perf_counter() - t
    out.unlink(missing_ok=True)
    return seconds


def pick_params(graph) -> dict[str, dict[str, str]]:
    """Parameters: the most-connected entity (and the second) and a typical one.

    The typical one is ranked at 2 % of the ``entities`` query's order (most mentioned
    first), past the first dozen and at most the median.
    """
    from kg.query import run_query

    top = [str(row["actor"]) for row in run_query(graph, "most-connected") if row["actor"]]
    ranked = [str(row["label"]) for row in run_query(graph, "entities")]
    ranked = list(dict.fromkeys(ranked))  # an entity with several types is listed once each
    if len(top) < 2 or len(ranked) < 2:
        raise SystemExit("the store holds too few entities to pick query parameters")
    # rank 2 % but past the dozen hubs, as query_latency.py; at most the median on a store
    # with few entities (the recombined corpus names only a few dozen)
    rank = min(max(12, len(ranked) // 50), len(ranked) // 2, len(ranked) - 2)
    return {
        "hub": {"entity": top[0], "other": top[1]},
        "typical": {"entity": ranked[rank], "other": ranked[rank + 1]},
    }


def synthetic_store(folder: Path, articles: int) -> tuple[Path, float, int]:
    """A ~1M-triple store from query_latency's synthetic graph; (dir, load seconds, quads)."""
    from query_latency import load_into_store, write_synthetic

    ttl = folder / "synthetic.ttl"
    t = time.perf_counter()
    triples, _typical = write_synthetic(ttl, articles=articles, entities=5000)
    print(f"synthetic graph: {triples:,} triples in {time.perf_counter() - t:.1f}s", flush=True)
    store_dir = folder / "store-synthetic"
    t = time.perf_counter()
    quads = load_into_store(ttl, store_dir)
    seconds = time.perf_counter() - t
    ttl.unlink()
    return store_dir, seconds, quads


# -- output -----------------------------------------------------------------------------------


def _fmt_s(seconds: float) -> str:
    if math.isnan(seconds):
        return "error"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _others(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _table(title: str, columns: list[str]):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    return table


def _print(table) -> None:
    from rich.console import Console

    Console(width=150, highlight=False).print(table)


def print_builds(builds: dict[str, tuple[Run, Run | None]], words: int) -> None:
    table = _table(
        f"Builds into a fresh store ({words:,} words; wall clock of the CLI, model load included)",
        [
            "run",
            "seconds",
            "words/s",
            "start-up s",
            "words/s excl. start-up",
            "cpu s",
            "peak RSS MB (tree)",
            "others",
        ],
    )
    for label, (run, one) in builds.items():
        startup = one.seconds if one is not None and one.code == 0 else math.nan
        net = run.seconds - startup
        table.add_row(
            label,
            f"{run.seconds:.1f}" + ("" if run.code == 0 else f" (exit {run.code})"),
            f"{words / run.seconds:,.0f}",
            "-" if math.isnan(startup) else f"{startup:.1f}",
            f"{words / net:,.0f}" if net > 0 else "-",
            f"{run.cpu:.1f}",
            f"{run.peak_mb:,.0f}",
            _others(run.others),
        )
    _print(table)


def print_store(rep: StoreReport) -> None:
    table = _table(f"Store {rep.name}: load", ["step", "time", "result"])
    table.add_row(
        "open_store(read_only=True)", _fmt_s(rep.open_s), f"{rep.disk_mb:,.0f} MB on disk"
    )
    table.add_row("len(store)", _fmt_s(rep.count_s), f"{rep.quads:,} quads (with the ontology)")
    table.add_row(
        "triples (quads minus the ontology graph)", _fmt_s(rep.triples_s), f"{rep.triples:,}"
    )
    table.add_row("kg.query.load_store", _fmt_s(rep.load_store_s), "")
    if rep.cli_query is not None:
        table.add_row(
            "CLI kg query --store DIR most-connected",
            _fmt_s(rep.cli_query.seconds),
            f"peak {rep.cli_query.peak_mb:,.0f} MB, exit {rep.cli_query.code}",
        )
    _print(table)
    hub, typ = rep.params.get("hub", {}), rep.params.get("typical", {})
    print(
        f"Saved queries on {rep.name} ({rep.triples:,} triples), Python API, best of "
        f"{rep.repeat}; parameters: entity={hub.get('entity')!r} other={hub.get('other')!r} "
        f"(most connected), (typical) entity={typ.get('entity')!r} other={typ.get('other')!r}"
    )
    columns = ["query", "time", "rows", f"< {TARGETS['query']} s"]
    if rep.baseline_queries:
        columns += [f"before ({rep.baseline[:10]})", "before / now"]
    table = _table("", columns)
    for case, seconds, rows in rep.queries:
        ok = not math.isnan(seconds) and seconds < TARGETS["query"]
        row = [case, _fmt_s(seconds), str(rows), "yes" if ok else "NO"]
        if rep.baseline_queries:
            old = rep.baseline_queries.get(case, math.nan)
            row += [_fmt_s(old), f"{old / seconds:.1f}x" if seconds > 0 else "-"]
        table.add_row(*row)
    _print(table)
    if rep.exports:
        table = _table(
            f"Export of {rep.name} ({rep.triples:,} triples; CLI wall clock incl. start-up)",
            ["command", "seconds", "export_store() s", "MB", "peak RSS MB", "others"],
        )
        print(f"export snapshot written (kg.snapshot.write) in {rep.snapshot_s:.1f} s")
        for run, suffix in zip(rep.exports, ("ttl", "nt", "trig"), strict=False):
            api = rep.export_api.get(suffix, math.nan)
            table.add_row(
                run.label,
                f"{run.seconds:.2f}" + ("" if run.code == 0 else f" (exit {run.code})"),
                "-" if math.isnan(api) else f"{api:.2f}",
                f"{rep.export_bytes.get(suffix, 0) / 1e6:,.1f}",
                f"{run.peak_mb:,.0f}",
                _others(run.others),
            )
        _print(table)
    if rep.commands:
        table = _table(
            f"Commands on {rep.name} (CLI wall clock incl. start-up)",
            ["command", "seconds", "peak RSS MB", "exit", "others"],
        )
        for run in rep.commands:
            table.add_row(
                run.label, f"{run.seconds:.2f}", f"{run.peak_mb:,.0f}", str(run.code),
                _others(run.others),
            )  # fmt: skip
        _print(table)


def _verdict(measured: float | None, target: float, *, below: bool) -> str:
    if measured is None or math.isnan(measured):
        return "n/a"
    met = measured < target if below else measured >= target
    return "met" if met else "NOT MET"


def print_targets(rows: list[tuple[str, str, str, str]]) -> None:
    table = _table("Targets", ["target", "measured", "goal", "verdict"])
    for row in rows:
        table.add_row(*row)
    _print(table)


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10_000, help="synthetic articles")
    ap.add_argument("--sentences", type=int, default=6, help="sentences per article")
    ap.add_argument("--seed", type=int, default=2024, help="RNG seed of the corpus")
    ap.add_argument(
        "--jobs-only",
        action="store_true",
        help="only the builds (--jobs 1, 2 and Dask): no re-build, store, query or export",
    )
    ap.add_argument("--skip-dask", action="store_true", help="no --dask local build")
    ap.add_argument("--repeat", type=int, default=3, help="runs per saved query; best kept")
    ap.add_argument(
        "--synthetic-articles",
        type=int,
        default=7000,
        help="articles of the ~1M-triple synthetic store used when the built store is smaller "
        "(7000 ~ 1M triples; 0: no synthetic store)",
    )
    ap.add_argument(
        "--store",
        type=Path,
        action="append",
        help="measure this existing store (built before; repeatable) instead of building: "
        "queries, export, commands only",
    )
    ap.add_argument(
        "--baseline",
        default="",
        metavar="REV",
        help="also run the saved queries of git revision REV beside the current ones "
        "(before/after in one run)",
    )
    ap.add_argument("--workdir", type=Path, help="where the temporary folder goes")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    if args.articles < 1 or args.sentences < 1:
        ap.error("--articles and --sentences must be at least 1")

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="geokg-scale-", dir=args.workdir))
    started = time.perf_counter()
    try:
        return run_benchmark(args, work)
    finally:
        print(f"total {time.perf_counter() - started:.0f}s")
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_stores(args: argparse.Namespace, work: Path) -> int:
    """``--store DIR``: the store, query, export and command sections on existing stores."""
    results: dict[str, Any] = {"stores": []}
    for store_dir in args.store:
        rep = store_section(
            store_dir.name, store_dir, work, repeat=args.repeat, export=True,
            baseline=args.baseline,
        )  # fmt: skip
        print_store(rep)
        results["stores"].append(
            {
                **{k: v for k, v in asdict(rep).items() if k not in ("exports", "commands",
                                                                     "cli_query")},
                "exports": [asdict(x) for x in rep.exports],
                "commands": [asdict(x) for x in rep.commands],
            }
        )  # fmt: skip
    _write_json(args.json, results)
    return 0


def run_benchmark(args: argparse.Namespace, work: Path) -> int:
    import dask.system

    if args.store:
        return run_stores(args, work)

    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    print(
        f"geokg {head or '?'}; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"work folder {work}",
        flush=True,
    )
    corpus = work / "corpus.jsonl"
    t = time.perf_counter()
    raw_words = write_corpus(corpus, args.articles, args.sentences, args.seed)
    n_articles, words = corpus_words(corpus)
    print(
        f"corpus: {n_articles:,} articles x {args.sentences} sentences, {words:,} words "
        f"({raw_words:,} before cleaning), {corpus.stat().st_size / 1e6:.1f} MB, "
        f"written and read in {time.perf_counter() - t:.1f}s",
        flush=True,
    )
    one = work / "one.jsonl"
    with corpus.open(encoding="utf-8") as src:
        one.write_text(src.readline(), encoding="utf-8")

    configs = [("kg build --jobs 1", ["--jobs", "1"]), ("kg build --jobs 2", ["--jobs", "2"])]
    if args.skip_dask:
        print("note: --skip-dask: no Dask build")
    elif not cli_supports("build", "--dask"):
        print("note: kg build has no --dask option yet: Dask build skipped")
    else:
        workers = dask.system.CPU_COUNT
        if workers != 2:
            print(f"note: --dask local starts {workers} workers here (one per core), not 2")
        configs.append((f"kg build --dask local ({workers} workers)", ["--dask", "local"]))

    results: dict[str, Any] = {"articles": n_articles, "words": words, "builds": {}}
    builds: dict[str, tuple[Run, Run | None]] = {}
    for i, (label, opts) in enumerate(configs):
        store = work / f"store-{i}"
        print(f"{label}: one-article start-up run, then {n_articles:,} articles", flush=True)
        startup = measure(
            label + " (1 article)",
            [*kg_command(), "build", str(one), "--store", str(work / f"one-{i}"), "-q", *opts],
            work / f"build-{i}-one.log",
            work,
        )
        shutil.rmtree(work / f"one-{i}", ignore_errors=True)
        run = measure(
            label,
            [*kg_command(), "build", str(corpus), "--store", str(store), "-q", *opts],
            work / f"build-{i}.log",
            work,
        )
        print(f"  {run.seconds:.1f}s, peak {run.peak_mb:,.0f} MB", flush=True)
        builds[label] = (run, startup)
        results["builds"][label] = {"full": asdict(run), "one_article": asdict(startup)}
        if i > 0 and not args.keep:  # only the --jobs 1 store is used below
            shutil.rmtree(store, ignore_errors=True)
    print()
    print_builds(builds, words)
    full1 = builds["kg build --jobs 1"][0]
    full2 = builds["kg build --jobs 2"][0]
    speedup = full1.seconds / full2.seconds if full1.code == 0 and full2.code == 0 else math.nan
    s1, s2 = builds["kg build --jobs 1"][1], builds["kg build --jobs 2"][1]
    net1, net2 = full1.seconds - s1.seconds, full2.seconds - s2.seconds
    ok = s1.code == 0 and s2.code == 0 and net1 > 0 and net2 > 0
    net_speedup = net1 / net2 if ok else math.nan  # tiny corpora: start-up is all there is
    target_rows = [
        (
            "--jobs 2 / --jobs 1 words/s (wall clock, start-up included)",
            f"{speedup:.2f}x",
            f">= {TARGETS['speedup']}x",
            _verdict(speedup, TARGETS["speedup"], below=False),
        ),
        (
            "  the same, start-up excluded",
            "-" if math.isnan(net_speedup) else f"{net_speedup:.2f}x",
            f">= {TARGETS['speedup']}x",
            "",
        ),
    ]
    results["speedup"] = speedup
    if args.jobs_only:
        print_targets(target_rows)
        _write_json(args.json, results)
        return 0

    # -- unchanged re-build
    from kg.store import open_store

    store1 = work / "store-0"
    quads_before = len(open_store(store1, read_only=True))
    rebuild = measure(
        "kg build --jobs 1 (unchanged corpus, same store)",
        [*kg_command(), "build", str(corpus), "--store", str(store1), "-q", "--jobs", "1"],
        work / "rebuild.log",
        work,
    )
    quads_after = len(open_store(store1, read_only=True))
    ratio = rebuild.seconds / full1.seconds
    table = _table(
        "Incremental re-build of the unchanged corpus (into the --jobs 1 store)",
        ["run", "seconds", "of the full build", "quads before -> after", "peak RSS MB", "others"],
    )
    table.add_row(
        rebuild.label,
        f"{rebuild.seconds:.2f}" + ("" if rebuild.code == 0 else f" (exit {rebuild.code})"),
        f"{ratio:.1%}",
        f"{quads_before:,} -> {quads_after:,}" + ("" if quads_before == quads_after else " !"),
        f"{rebuild.peak_mb:,.0f}",
        _others(rebuild.others),
    )
    _print(table)
    results["rebuild"] = {**asdict(rebuild), "ratio": ratio, "quads": [quads_before, quads_after]}
    target_rows.append(
        (
            "unchanged re-build / full --jobs 1 build",
            f"{ratio:.1%} ({rebuild.seconds:.1f}s)",
            f"< {TARGETS['rebuild']:.0%}",
            _verdict(ratio, TARGETS["rebuild"], below=True),
        )
    )

    # -- store, queries, export
    export = cli_supports("export", "--store")
    if not export:
        print("note: kg export has no --store option yet: export skipped")
    reports = [
        store_section(
            "built", store1, work, repeat=args.repeat, export=export, baseline=args.baseline
        )
    ]
    print_store(reports[0])
    big = reports[0] if reports[0].triples >= MILLION else None
    if big is None:
        print(
            f"note: the built store holds {reports[0].triples:,} triples (< 1M): the 1M-triple "
            "targets are judged on a synthetic store (benchmarks/query_latency.py's graph)",
            flush=True,
        )
        if args.synthetic_articles > 0:
            sdir, load_s, quads = synthetic_store(work, args.synthetic_articles)
            print(f"synthetic store: {quads:,} quads loaded in {load_s:.1f}s", flush=True)
            rep = store_section(
                "synthetic", sdir, work, repeat=args.repeat, export=export, baseline=args.baseline
            )
            print_store(rep)
            reports.append(rep)
            big = rep if rep.triples >= MILLION else None
            if big is None:
                print(f"note: the synthetic store has only {rep.triples:,} triples")
    results["stores"] = [
        {
            **{k: v for k, v in asdict(r).items() if k not in ("exports", "cli_query")},
            "exports": [asdict(x) for x in r.exports],
        }
        for r in reports
    ]

    where = f"on {big.name} ({big.triples:,} triples)" if big else "no 1M-triple store"
    worst = max((q for q in big.queries), key=lambda q: q[1]) if big else None
    slow = [q[0] for q in big.queries if not q[1] < TARGETS["query"]] if big else []
    target_rows.append(
        (
            f"slowest saved query {where}",
            f"{_fmt_s(worst[1])} ({worst[0]}); {len(slow)} over" if worst else "-",
            f"< {TARGETS['query']} s each",
            "n/a" if worst is None else ("NOT MET" if slow else "met"),
        )
    )
    turtle = big.exports[0] if big and big.exports else None
    api = big.export_api.get("ttl", math.nan) if big else math.nan
    target_rows.append(
        (
            f"Turtle export {where}: kg export (CLI wall clock)",
            f"{turtle.seconds:.2f}s" if turtle else "skipped",
            f"< {TARGETS['turtle']:.0f} s",
            _verdict(turtle.seconds if turtle and turtle.code == 0 else None, TARGETS["turtle"],
                     below=True),
        )
    )  # fmt: skip
    target_rows.append(
        (
            "  the same, export_store() in-process (no start-up)",
            "-" if math.isnan(api) else f"{api:.2f}s",
            f"< {TARGETS['turtle']:.0f} s",
            _verdict(api, TARGETS["turtle"], below=True),
        )
    )
    peak = max(run.peak_mb for run, _ in builds.values())
    target_rows.append(("peak memory of a build (process tree)", f"{peak:,.0f} MB", "-", ""))
    print_targets(target_rows)
    _write_json(args.json, results)
    return 0


def _write_json(path: Path | None, results: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"raw results in {path}")


if __name__ == "__main__":
    sys.exit(main())
