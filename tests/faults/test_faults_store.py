"""Fault suite, disks and stores: full disks, damaged and locked stores, kill -9 (items 7-9).

Full disks are real: a tmpfs of a few hundred kilobytes, mounted in a private mount namespace
(`unshare -m`) that ends with the test, so nothing outside sees it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rdflib import RDF, Graph

from kg.vocab import GEO
from tests.conftest import kg_command, kg_env
from tests.faults.helpers import (
    SEED,
    alive,
    can_mount_tmpfs,
    children,
    corpus,
    kg_popen,
    kg_run,
    limited,
    one_line_error,
)

needs_tmpfs = pytest.mark.skipif(
    not can_mount_tmpfs(), reason="needs root to mount a tmpfs in a private mount namespace"
)
ARTICLES = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a geo:Article }"


def on_small_disk(tmp_path: Path, size: str, steps: list[list[object]]) -> list[tuple]:
    """Run kg commands one after another with ``tmp_path/disk`` a tmpfs of ``size``.

    A step ``["remount", SIZE]`` grows the disk. Returns (exit code, stdout, stderr) a step.
    """
    disk = tmp_path / "disk"
    disk.mkdir()
    lines = ["set -u", f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(disk))} || exit 77"]
    for n, step in enumerate(steps):
        if step[0] == "remount":
            lines.append(f"mount -o remount,size={step[1]} {shlex.quote(str(disk))}")
            continue
        out, err = tmp_path / f"step{n}.out", tmp_path / f"step{n}.err"
        argv = " ".join(shlex.quote(str(a)) for a in kg_command(*step))
        lines.append(f"{argv} >{shlex.quote(str(out))} 2>{shlex.quote(str(err))}")
        lines.append(f"echo $? >{shlex.quote(str(tmp_path / f'step{n}.rc'))}")
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", "\n".join(lines)],
        env=kg_env(), timeout=600, check=False, capture_output=True, text=True,
        preexec_fn=limited,
    )  # fmt: skip
    if done.returncode == 77:
        pytest.skip("cannot mount a tmpfs here")
    results = []
    for n, step in enumerate(steps):
        if step[0] == "remount":
            continue
        rc = int((tmp_path / f"step{n}.rc").read_text())
        results.append((rc, (tmp_path / f"step{n}.out").read_text(),
                        (tmp_path / f"step{n}.err").read_text()))  # fmt: skip
    return results


def completed(result: tuple) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess([], *result)


@needs_tmpfs
def test_a_full_disk_during_a_store_build_is_one_line_and_the_next_build_resumes(tmp_path):
    inputs = corpus(tmp_path / "in")
    n = len(list(inputs.iterdir()))
    store = tmp_path / "disk" / "kgdb"
    full, resumed, count = on_small_disk(
        tmp_path,
        "600k",
        [
            ["build", inputs, "--store", store],
            ["remount", "64m"],
            ["build", inputs, "--store", store, "-q"],
            ["query", "--store", store, "--format", "csv", ARTICLES],
        ],
    )
    line = one_line_error(completed(full), "disk is full", "run the same command again")
    assert str(store) in line
    assert resumed[0] == 0, resumed[2]
    assert count[0] == 0, count[2]
    assert int(count[1].splitlines()[1]) == n  # every article, once


@needs_tmpfs
def test_a_full_disk_for_an_output_file_keeps_the_old_one(tmp_path):
    out = tmp_path / "disk" / "graph.ttl"
    keep = tmp_path / "kept.ttl"
    before = "<urn:a> <urn:b> <urn:c> .\n"
    script_steps = [["build", SEED.parent, "-o", out]]
    disk = tmp_path / "disk"
    disk.mkdir()
    argv = " ".join(shlex.quote(str(a)) for a in kg_command(*script_steps[0]))
    script = "\n".join([
        f"mount -t tmpfs -o size=48k tmpfs {shlex.quote(str(disk))} || exit 77",
        f"printf %s {shlex.quote(before)} > {shlex.quote(str(out))}",
        f"{argv} 2>{shlex.quote(str(tmp_path / 'err'))}",
        f"echo $? > {shlex.quote(str(tmp_path / 'rc'))}",
        f"cp {shlex.quote(str(out))} {shlex.quote(str(keep))}",
        f"ls -A {shlex.quote(str(disk))} > {shlex.quote(str(tmp_path / 'ls'))}",
    ])  # fmt: skip
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", script],
        env=kg_env(), timeout=300, check=False, preexec_fn=limited,
    )  # fmt: skip
    if done.returncode == 77:
        pytest.skip("cannot mount a tmpfs here")
    proc = subprocess.CompletedProcess([], int((tmp_path / "rc").read_text()), "",
                                       (tmp_path / "err").read_text())  # fmt: skip
    one_line_error(proc, "No space left on device")
    assert keep.read_text() == before  # the old graph, byte for byte
    assert (tmp_path / "ls").read_text().split() == ["graph.ttl"]  # no temp file left


def _damage(store: Path) -> None:
    """Overwrite one 4 KB block in the middle of every table file (what a bad disk does)."""
    for table in store.glob("*.sst"):
        size = table.stat().st_size
        if size > 8192:
            with table.open("r+b") as handle:
                handle.seek(size // 2)
                handle.write(os.urandom(4096))


def test_a_damaged_store_gives_one_line_errors_never_a_traceback(seed_store, tmp_path):
    store = tmp_path / "kgdb"
    shutil.copytree(seed_store, store)
    _damage(store)
    build = kg_run("build", corpus(tmp_path / "news"), "--store", store)
    one_line_error(build, "damaged")
    gold, aliases = tmp_path / "gold.tsv", tmp_path / "aliases.tsv"
    gold.write_text(
        "doc\tkind\tsubject\tpredicate\tobject\tevidence\n"
        "000_46c7afd8f487e697\treq\tNATO\tpartnerOf\tJapan\twith Japan\n",
        encoding="utf-8",
    )
    aliases.write_text("NATO\tOrganization\tthe alliance\n", encoding="utf-8")
    for args in (
        ("query", "--store", store, "--max-memory", "1", "relation-counts"),
        ("query", "--store", store, "--max-memory", "1", ARTICLES),
        ("export", "--store", store, "-o", tmp_path / "out.nt"),
        ("stats", "--store", store),
        ("viz", "--store", store, "-o", tmp_path / "view.html"),
        ("validate", "--store", store),
        ("eval", "--store", store, gold, "-a", aliases),
    ):
        done = kg_run(*args, timeout=120)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        if done.returncode != 0:  # what reads no damaged block still works
            assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)


def test_a_store_being_created_is_in_use_not_foreign(tmp_path):
    """The moment a build has locked a new store but not yet written it (the race of two
    builds on a fresh store): the second is told the store is in use, by which process."""
    store = tmp_path / "kgdb"
    store.mkdir()
    holder = subprocess.Popen(
        ["python3", "-c",
         "import fcntl, sys, time\n"
         f"f = open({str(store / 'LOCK')!r}, 'w')\n"
         "fcntl.lockf(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        for args in (("build", SEED, "--store", store), ("query", "--store", store, ARTICLES)):
            done = kg_run(*args, timeout=120)
            one_line_error(done, "in use", f"process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()


def test_kill_9_of_a_jobs_build_takes_its_workers_with_it(tmp_path):
    inputs = corpus(tmp_path / "in", copies=2)
    proc = kg_popen("build", inputs, "--jobs", "2", "-o", tmp_path / "g.ttl")
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers = children(proc.pid)
            time.sleep(0.05)
        assert len(workers) == 2, "the build did not start two workers"
        time.sleep(1.0)  # loading their models
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if alive(w)], "workers outlived their build"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in children(proc.pid):
            os.kill(w, signal.SIGKILL)


def test_kill_9_of_a_store_build_then_resume_loses_nothing(tmp_path):
    inputs = corpus(tmp_path / "in", copies=3)  # 90 articles: the first batch is committed
    n = len(list(inputs.iterdir()))
    store = tmp_path / "kgdb"
    proc = kg_popen("build", inputs, "--store", store)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not _stored(store):
            time.sleep(0.5)  # killed right after its first commit of 64 articles
        assert proc.poll() is None, "the build ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert 0 < _stored(store) < n  # whole batches only, and not all of them
    resumed = kg_run("build", inputs, "--store", store, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    count = kg_run("query", "--store", store, "--format", "csv", ARTICLES)
    assert int(count.stdout.splitlines()[1]) == n
    # The same graph as one uninterrupted build of the same inputs.
    whole = tmp_path / "whole.nt"
    assert kg_run("build", inputs, "-o", whole, "-q", timeout=300).returncode == 0
    export = tmp_path / "store.nt"
    assert kg_run("export", "--store", store, "-o", export, "-q").returncode == 0
    a, b = Graph().parse(whole), Graph().parse(export)
    assert set(a.subjects(RDF.type, GEO.Article)) == set(b.subjects(RDF.type, GEO.Article))
    assert len(set(a.subjects(RDF.type, GEO.Evidence))) == len(
        set(b.subjects(RDF.type, GEO.Evidence))
    )


def _stored(store: Path) -> int:
    """Articles a store being written holds now (read-only: the writer keeps its lock)."""
    import pyoxigraph as ox

    try:
        db = ox.Store.read_only(str(store))
        (row,) = db.query(
            f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ GRAPH ?a {{ ?a a <{GEO.Article}> }} }}"
        )
    except (OSError, RuntimeError, ValueError):
        return 0
    return int(row["n"].value)
