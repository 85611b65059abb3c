"""Throughput of ``kg build`` against bare spaCy ``nlp.pipe`` on the same text.

What is measured
----------------
A corpus of ``--articles`` raw pages is written to a temporary folder: the seed files in
``seeds/`` copied under distinct file names (so every copy gets its own article id and the
cleaner runs on real scraped pages, not on pre-cleaned text). Then, each run in a fresh Python
process (so model loading, the gazetteer and lexicon caches and the allocator never carry over
from one run to the next), in this order:

``bare spaCy nlp.pipe``
    the English model as geokg loads it (``kg.nlp.load_base_model()``: tok2vec, tagger, parser,
    attribute_ruler, lemmatizer, ner) running ``nlp.pipe`` over the *cleaned article bodies*,
    with the batch size geokg uses (``kg.build.BATCH_SIZE``). Reading and cleaning happen
    before the timer starts; the docs are consumed and dropped.
``kg build (API)``
    ``kg.build.build([corpus], jobs=1)`` end to end: reading, cleaning, the full pipeline with
    geokg's components (geokg_gazetteer, geokg_linker, geokg_relations) and graph building.
    ``kg.nlp.load_pipeline()`` is called first and the timer starts after it, so model loading
    is excluded exactly as for bare spaCy. Serialising the graph to Turtle is timed separately
    (printed below the table) because ``build()`` does not do it.
``kg build --jobs 1 (CLI)``
    the ``kg build CORPUS -o graph.ttl -q`` command, wall clock: interpreter start, imports,
    model loading, extraction, graph building and writing the Turtle file. For reference.
``kg build --jobs N (API)`` / ``(CLI)``, N > 1
    ``build([corpus], jobs=N)`` in a process that has *not* loaded the model (as the CLI runs
    it), and the CLI with ``--jobs N``: wall clock including starting the N worker processes,
    each of which loads the model.

Words are the whitespace-separated words of the cleaned bodies (``len(body.split())``), the
same count for every run; throughput is words / timed wall-clock seconds. Model load time is
reported in its own column and is never inside the timed seconds (except in the CLI and
``--jobs N`` rows, as said above).

Also per run: CPU seconds of the timed part (all threads and worker processes; for CLI rows the
whole command), peak RSS in MB (``resource.getrusage`` / ``wait4``: the largest single process
of the run, main or worker, not a sum) and ``others``: how many cores *other* programs kept busy
on average during the run (from ``/proc/stat``). On a shared machine wall-clock times are only
trustworthy when ``others`` is near 0; the CPU-time ratio printed at the end is less sensitive
to such load (but not immune: the two vCPUs of a small VM may share one physical core).
``--wait-idle S`` waits (up to S seconds) for the machine to go quiet before each run.

The code measured is a snapshot of ``kg/`` and ``ontology/`` copied at start-up (put first on
``PYTHONPATH`` of every run), so edits made to the working tree during a long benchmark do not
mix versions; ``--no-snapshot`` measures the live tree instead.

With ``--repeat R`` every run is repeated R times (interleaved, round by round) and the best
(shortest) time is reported together with the spread.

Usage::

    .venv/bin/python benchmarks/throughput.py                  # 1,000 articles, --jobs 1 2
    .venv/bin/python benchmarks/throughput.py --articles 2000 --jobs 1 2 --repeat 3
    .venv/bin/python benchmarks/throughput.py --articles 50 --no-cli   # quick smoke run

The target (issue 10) is ``kg build`` at >= 100 % of bare spaCy throughput: geokg's own
components must pay for themselves (see the README of ``benchmarks/`` for how).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
TARGET = 1.00
_RESULT_PREFIX = "BENCH-RESULT "
_BUSY_OTHERS = 0.2  # cores used by other programs above which wall-clock numbers are suspect


# ---------------------------------------------------------------------------------------------
# Corpus and code snapshot


def make_corpus(dest: Path, articles: int, seeds: Path = SEEDS) -> list[Path]:
    """Write ``articles`` raw pages into ``dest``: the seeds cycled under distinct file names.

    The copy number goes into the file stem (``000_46c7...-r0007.txt``), so each copy has
    its own article id and IRI.
    """
    sources = sorted(p for p in seeds.iterdir() if p.is_file() and not p.name.startswith("."))
    if not sources:
        raise SystemExit(f"no seed files in {seeds}")
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for n in range(articles):
        src = sources[n % len(sources)]
        target = dest / f"{src.stem}-r{n // len(sources):04d}{src.suffix}"
        shutil.copyfile(src, target)
        written.append(target)
    return written


def snapshot_code(dest: Path) -> str:
    """Copy ``kg/`` and ``ontology/`` into ``dest``; return a short hash of what was copied."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("kg", "ontology"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    digest = hashlib.sha1()
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(dest)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Child-process side: one measurement, result printed as one JSON line


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _emit(result: dict[str, Any]) -> None:
    result["rss_self_mb"] = _rss_mb(resource.RUSAGE_SELF)
    result["rss_children_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    print(_RESULT_PREFIX + json.dumps(result), flush=True)


def measure_spacy(corpus: str) -> None:
    """Bare spaCy: load the base model, clean the bodies untimed, time ``nlp.pipe``."""
    t0 = time.perf_counter()
    from kg.build import BATCH_SIZE, read_articles
    from kg.nlp import load_base_model

    nlp = load_base_model()
    load = time.perf_counter() - t0

    t0 = time.perf_counter()
    problems: list = []
    bodies = [a.body for a in read_articles([corpus], problems)]
    prepare = time.perf_counter() - t0
    words = sum(len(b.split()) for b in bodies)

    t0, c0 = time.perf_counter(), time.process_time()
    docs = 0
    for _doc in nlp.pipe(bodies, batch_size=BATCH_SIZE):
        docs += 1
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    _emit(
        {
            "articles": docs,
            "words": words,
            "seconds": seconds,
            "cpu": cpu,
            "load": load,
            "untimed_clean": prepare,
            "pipes": nlp.pipe_names,
            "model": f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}",
            "problems": len(problems),
            "batch_size": BATCH_SIZE,
            "kg_path": str(Path(sys.modules["kg"].__file__ or "").parent),
        }
    )


def measure_kg(corpus: str, jobs: int) -> None:
    """``kg.build.build`` end to end; with jobs == 1 the pipeline is loaded before the timer."""
    t0 = time.perf_counter()
    from kg.build import build
    from kg.export import export_triples
    from kg.nlp import load_pipeline

    load = None
    pipes: list[str] = []
    if jobs == 1:
        pipes = load_pipeline().pipe_names
        load = time.perf_counter() - t0

    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    result = build([corpus], jobs=jobs)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0 + _children_cpu() - k0  # workers are reaped by now

    t0 = time.perf_counter()
    data = export_triples(result.triples, "turtle")  # as kg build -o graph.ttl writes it
    serialise = time.perf_counter() - t0
    _emit(
        {
            "articles": len(result.articles),
            "words": result.words,
            "seconds": seconds,
            "cpu": cpu,
            "load": load,
            "serialise": serialise,
            "turtle_bytes": len(data),
            "triples": len(result.triples),
            "relations": result.relations,
            "pipes": pipes,
            "problems": len(result.problems),
        }
    )


# ---------------------------------------------------------------------------------------------
# Parent side


@dataclass
class Run:
    """One row of the table: a kind of run and its repeated measurements."""

    name: str
    kind: str  # "spacy" | "kg" | "cli"
    jobs: int = 1
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best(self) -> dict[str, Any]:
        return min(self.samples, key=lambda s: s["seconds"])

    @property
    def words_per_second(self) -> float:
        best = self.best
        return best["words"] / best["seconds"] if best["seconds"] else 0.0

    @property
    def words_per_cpu_second(self) -> float:
        best = min(self.samples, key=lambda s: s["cpu"])
        return best["words"] / best["cpu"] if best["cpu"] else 0.0


def busy_cpu_seconds() -> float | None:
    """CPU seconds all programs have used since boot (``/proc/stat``), or None off Linux."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(limit: float, quiet: float = 0.25) -> float | None:
    """Wait up to ``limit`` s until other programs use under ``quiet`` cores; return the load."""
    deadline = time.monotonic() + limit
    load = None
    while True:
        before = busy_cpu_seconds()
        time.sleep(2.0)
        after = busy_cpu_seconds()
        if before is None or after is None:
            return None
        load = (after - before) / 2.0
        if load < quiet or time.monotonic() >= deadline:
            return load


def _kg_command() -> list[str]:
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg"]


@dataclass
class Child:
    """How a child process went: exit status, wall time, resources, others' load, stdout."""

    code: int
    wall: float
    cpu: float
    rss_mb: float
    others: float | None
    stdout: str


def _run_child(cmd: list[str], log: Path, env: dict[str, str], cwd: Path) -> Child:
    """Run ``cmd`` and collect its resource usage (``wait4``: the process and its children)."""
    out_path = log.with_suffix(".out")
    with out_path.open("w") as out, log.open("w") as err:
        busy0 = busy_cpu_seconds()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        busy1 = busy_cpu_seconds()
        proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    others = None
    if busy0 is not None and busy1 is not None and wall > 0:
        others = max(0.0, (busy1 - busy0 - cpu) / wall)
    return Child(proc.returncode, wall, cpu, usage.ru_maxrss / 1024, others, out_path.read_text())


def run_once(run: Run, corpus: Path, work: Path, words: int | None, env: dict[str, str]):
    """One measurement of ``run`` in a fresh process; returns its sample dict."""
    log = work / f"{run.kind}-j{run.jobs}.log"
    if run.kind == "cli":
        graph = work / f"graph-j{run.jobs}.ttl"
        cmd = [*_kg_command(), "build", str(corpus), "-o", str(graph), "-q",
               "--jobs", str(run.jobs)]  # fmt: skip
        child = _run_child(cmd, log, env, work)
        if child.code != 0:
            raise SystemExit(f"{run.name} failed (exit {child.code}):\n{log.read_text()[-3000:]}")
        return {
            "articles": None,
            "words": words,
            "seconds": child.wall,
            "cpu": child.cpu,
            "load": None,
            "rss_mb": child.rss_mb,
            "others": child.others,
            "graph_bytes": graph.stat().st_size,
        }
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", run.kind,
           "--jobs", str(run.jobs), "--corpus", str(corpus)]  # fmt: skip
    child = _run_child(cmd, log, env, work)
    lines = [ln for ln in child.stdout.splitlines() if ln.startswith(_RESULT_PREFIX)]
    if child.code != 0 or not lines:
        raise SystemExit(f"{run.name} failed (exit {child.code}):\n{log.read_text()[-3000:]}")
    result = json.loads(lines[-1][len(_RESULT_PREFIX) :])
    result["rss_mb"] = child.rss_mb
    result["others"] = child.others
    return result


def _fmt_opt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(runs: list[Run], baseline: Run, repeat: int) -> None:
    """The results table: one row per run, best of ``repeat``."""
    base, base_cpu = baseline.words_per_second, baseline.words_per_cpu_second
    headers = ["run", "articles", "words", "seconds", "words/s", "vs spaCy", "cpu s",
               "vs spaCy (cpu)", "load s", "peak RSS MB", "others"]  # fmt: skip
    if repeat > 1:
        headers.insert(4, "spread s")
    rows: list[list[str]] = []
    for run in runs:
        best = run.best
        others = best.get("others")
        row = [
            run.name,
            _fmt_opt(best.get("articles"), ","),
            f"{best['words']:,}",
            f"{best['seconds']:.2f}",
            f"{run.words_per_second:,.0f}",
            f"{run.words_per_second / base:.1%}" if base else "-",
            f"{min(s['cpu'] for s in run.samples):.2f}",
            f"{run.words_per_cpu_second / base_cpu:.1%}" if base_cpu else "-",
            _fmt_opt(best.get("load"), ".2f"),
            f"{max(s['rss_mb'] for s in run.samples):,.0f}",
            _fmt_opt(others, ".2f"),
        ]
        if repeat > 1:
            times = [s["seconds"] for s in run.samples]
            row.insert(4, f"{min(times):.2f}-{max(times):.2f}")
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def _print_notes(runs: list[Run], baseline: Run, cli: bool) -> None:
    b = baseline.best
    triples = {}
    for run in runs:
        if run.kind != "kg":
            continue
        s = run.best
        triples[run.name] = s["triples"]
        print(
            f"{run.name}: {s['relations']:,} relations, {s['triples']:,} triples; "
            f"Turtle serialisation (not in build()) {s['serialise']:.2f}s "
            f"for {s['turtle_bytes'] / 1e6:.1f} MB"
        )
        if s["words"] != b["words"] or s["articles"] != b["articles"]:
            print(
                f"  WARNING: {s['articles']} articles / {s['words']} words differ "
                f"from bare spaCy's {b['articles']} / {b['words']}"
            )
    if len(set(triples.values())) > 1:
        print(f"WARNING: the kg runs built graphs of different sizes: {triples}")
    if any(r.kind == "kg" and r.jobs > 1 for r in runs):
        print(
            "*  wall clock of build(jobs=N): includes starting the workers, each loading the model"
        )
    if cli:
        print(
            "** wall clock of the command: interpreter start, imports, model loading, build "
            "and writing Turtle"
        )
    print("cpu s: CPU time of the timed part, worker processes included (CLI: whole command)")
    print("peak RSS: largest single process of the run (main or worker), not a sum")
    print("others: cores other programs kept busy during the run (should be ~0; the best run's)")
    busy = [r.best["others"] for r in runs if (r.best.get("others") or 0) > _BUSY_OTHERS]
    if busy:
        print(
            f"WARNING: other programs used up to {max(busy):.1f} cores during reported runs: "
            "wall-clock times are inflated (CPU times less so); rerun on a quiet machine "
            "(--wait-idle S, --repeat R)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Words/s of `kg build` against bare spaCy nlp.pipe on the same text.",
    )
    parser.add_argument("--articles", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[1, 2],
        help="job counts to measure `kg build` with (default: 1 2)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="repeat every run this many times, report the best (default 1)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the corpus, code snapshot, logs and graphs (folder printed)",
    )
    parser.add_argument("--no-cli", action="store_true", help="skip the `kg build` CLI runs")
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="measure the live kg/ tree instead of a copy taken at start-up",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="S",
        help="before each run wait up to S seconds for other programs to go "
        "quiet (default 0: don't wait)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    parser.add_argument("--worker", choices=["spacy", "kg"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # child process: one measurement
        if args.worker == "spacy":
            measure_spacy(args.corpus)
        else:
            measure_kg(args.corpus, args.jobs[0])
        return 0

    if args.articles < 1 or args.repeat < 1 or min(args.jobs) < 1:
        parser.error("--articles, --repeat and --jobs must be positive")
    jobs = sorted(set(args.jobs))

    runs: list[Run] = [Run("bare spaCy nlp.pipe", "spacy")]
    for n in jobs:
        runs.append(Run("kg build (API)" if n == 1 else f"kg build --jobs {n} (API)*", "kg", n))
        if not args.no_cli:
            runs.append(Run(f"kg build --jobs {n} (CLI)**", "cli", n))

    work = Path(tempfile.mkdtemp(prefix="geokg-bench-"))
    corpus = work / "corpus"
    env = dict(os.environ)
    try:
        if args.no_snapshot:
            code = f"live tree {REPO / 'kg'}"
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        else:
            digest = snapshot_code(work / "src")
            code = f"snapshot of kg/ + ontology/ taken at start-up (content sha1 {digest})"
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(work / "src"), env.get("PYTHONPATH")])
            )
        make_corpus(corpus, args.articles)
        print(
            f"geokg throughput benchmark, {datetime.now():%Y-%m-%d %H:%M}, "
            f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}"
        )
        print(f"code: {code}")
        print(f"corpus: {args.articles:,} raw pages from {SEEDS.name}/ in {corpus}")
        words: int | None = None
        for rnd in range(args.repeat):
            for run in runs:
                label = f"[{rnd + 1}/{args.repeat}] " if args.repeat > 1 else ""
                if args.wait_idle > 0:
                    wait_for_idle(args.wait_idle)
                print(f"  {label}{run.name} ...", end="", flush=True, file=sys.stderr)
                sample = run_once(run, corpus, work, words, env)
                if run.kind == "spacy":
                    words = sample["words"]
                run.samples.append(sample)
                others = sample.get("others")
                busy = f", others {others:.2f} cores" if others is not None else ""
                print(
                    f" {sample['seconds']:.1f}s (cpu {sample['cpu']:.1f}s{busy})",
                    file=sys.stderr,
                    flush=True,
                )

        baseline = runs[0]
        b = baseline.best
        print(f"model: {b['model']}; bare spaCy pipes: {', '.join(b['pipes'])}")
        kg1 = next((r for r in runs if r.kind == "kg" and r.jobs == 1), None)
        if kg1 is not None:
            print(f"kg pipes: {', '.join(kg1.best['pipes'])}")
        print(
            f"kg imported from {b['kg_path']}; nlp.pipe batch size {b['batch_size']}; cleaning "
            f"before the bare-spaCy timer took {b['untimed_clean']:.2f}s"
        )
        print()
        print_table(runs, baseline, args.repeat)
        print()
        _print_notes(runs, baseline, cli=not args.no_cli)
        if kg1 is not None:
            ratio = kg1.words_per_second / baseline.words_per_second
            cpu_ratio = kg1.words_per_cpu_second / baseline.words_per_cpu_second
            verdict = "OK" if ratio >= TARGET else "BELOW TARGET"
            busy = max((r.best.get("others") or 0.0) for r in (baseline, kg1))
            if busy > _BUSY_OTHERS:
                verdict += f" -- UNRELIABLE: other programs used {busy:.1f} cores, see CPU time"
            print(f"\nkg build / bare spaCy (CPU time) = {cpu_ratio * 100:.1f} %")
            print(f"kg build / bare spaCy = {ratio * 100:.1f} % (target >= 100 %) {verdict}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"articles": args.articles, "code": code, "runs": [asdict(r) for r in runs]},
                    indent=2,
                )
            )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
