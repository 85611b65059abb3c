"""``kg build`` on bad inputs and bad outputs.

Every bad input gets one line on stderr that names it (never a traceback); a build with nothing
usable exits non-zero and writes nothing; a build with at least one good article still writes
the graph and exits 0. Graph files are replaced atomically: a failed build leaves an existing
output byte for byte as it was and no temp files behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDF, Graph

from kg.rdf import article_iri
from kg.vocab import GEO

REPO = Path(__file__).resolve().parent.parent
GOOD_SEED = REPO / "seeds" / "000_46c7afd8f487e697.txt"
GOOD_ID = "good_article"
FIFTY_MB = 50 * 1024 * 1024


def make_missing(tmp: Path) -> Path:
    return tmp / "missing.txt"


def make_empty(tmp: Path) -> Path:
    path = tmp / "empty.txt"
    path.write_bytes(b"")
    return path


def make_binary(tmp: Path) -> Path:
    path = tmp / "binary.txt"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00" + bytes(range(256)) * 8)
    return path


def make_latin1(tmp: Path) -> Path:
    path = tmp / "latin1.txt"
    text = (
        "PARIS (AFP) - Le président français a reçu vendredi à l'Élysée le chancelier allemand "
        "pour évoquer la sécurité européenne et l'aide à l'Ukraine.\n"
    )
    path.write_bytes(text.encode("latin-1"))
    return path


def make_article_less_dir(tmp: Path) -> Path:
    folder = tmp / "no_articles"
    folder.mkdir()
    (folder / "data.csv").write_text("country,capital\nJapan,Tokyo\n")
    (folder / ".hidden.txt").write_text("A hidden file is not an article.\n")
    (folder / "sub").mkdir()
    return folder


def make_huge(tmp: Path) -> Path:
    path = tmp / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(FIFTY_MB)  # sparse: 50 MB in size, nothing written
    return path


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    # name -> (maker, a word the message must contain)
    "missing": (make_missing, "no such file"),
    "empty": (make_empty, "empty"),
    "binary": (make_binary, "binary"),
    "latin1": (make_latin1, "UTF-8"),
    "no-articles-dir": (make_article_less_dir, "no articles"),
    "huge": (make_huge, "too large"),
}


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A real article (a seed) under a name of its own."""
    folder = tmp_path / "good"
    folder.mkdir()
    path = folder / f"{GOOD_ID}.txt"
    shutil.copyfile(GOOD_SEED, path)
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def lines_naming(stderr: str, name: str) -> list[str]:
    return [line for line in stderr.splitlines() if name in line]


def assert_clean_failure(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""


# ---------------------------------------------------------------------------------------------
# Bad inputs


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_input_alone_fails_with_one_line(kg, inputs, outdir, kind):
    maker, reason = BAD_INPUTS[kind]
    bad = maker(inputs)
    out = outdir / "graph.ttl"
    proc = kg("build", bad, "-o", out)
    assert_clean_failure(proc)
    named = lines_naming(proc.stderr, str(bad))
    assert len(named) == 1, proc.stderr
    assert reason.lower() in named[0].lower(), proc.stderr
    assert not out.exists()
    assert list(outdir.iterdir()) == []


def test_bad_inputs_are_skipped_and_the_good_one_is_built(kg, inputs, outdir, good):
    bads = [maker(inputs) for maker, _ in BAD_INPUTS.values()]
    out = outdir / "graph.ttl"
    proc = kg("build", *bads[:3], good, *bads[3:], "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for bad, (_, reason) in zip(bads, BAD_INPUTS.values(), strict=True):
        named = lines_naming(proc.stderr, str(bad))
        assert len(named) == 1, f"{bad}:\n{proc.stderr}"
        assert reason.lower() in named[0].lower(), proc.stderr
    assert str(good) not in proc.stderr
    g = Graph().parse(out, format="turtle")
    assert (article_iri(GOOD_ID), RDF.type, GEO.Article) in g
    assert len(set(g.subjects(RDF.type, GEO.Article))) == 1
    assert proc.stdout.startswith("1 articles"), proc.stdout
    assert f"{len(bads)} input(s) skipped" in proc.stdout
    assert sorted(p.name for p in outdir.iterdir()) == ["graph.ttl"]


def test_huge_file_is_rejected_by_size_quickly(kg, inputs, outdir):
    huge = make_huge(inputs)
    started = time.perf_counter()
    proc = kg("build", huge, "-o", outdir / "graph.ttl")
    elapsed = time.perf_counter() - started
    assert_clean_failure(proc)
    (line,) = lines_naming(proc.stderr, str(huge))
    assert "too large" in line and "--max-bytes" in line, line
    assert elapsed < 30, f"rejecting a 50 MB file took {elapsed:.1f}s"


def test_huge_file_is_judged_by_its_size_without_reading_it(monkeypatch, inputs):
    """The reader refuses a file over the limit from its size alone: it never opens it."""
    from kg.records import InputProblem
    from kg.sources import iter_raw_articles

    huge = make_huge(inputs)
    opened: list[Path] = []
    real_open = Path.open

    def spy_open(self: Path, *args, **kwargs):
        opened.append(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy_open)
    started = time.perf_counter()
    items = list(iter_raw_articles([str(huge)]))
    assert time.perf_counter() - started < 5.0
    assert len(items) == 1 and isinstance(items[0], InputProblem)
    assert "too large" in items[0].message
    assert huge not in opened


def test_max_bytes_is_configurable(kg, inputs, outdir, good):
    size = good.stat().st_size
    # Lowered below the article's size: the article is rejected, naming the new limit.
    proc = kg("build", good, "--max-bytes", str(size - 1), "-o", outdir / "graph.ttl")
    assert_clean_failure(proc)
    (line,) = lines_naming(proc.stderr, str(good))
    assert "too large" in line, line
    # Raised above 50 MB: the huge file is no longer refused for its size (it is all NUL
    # bytes, so it is refused as binary instead).
    huge = make_huge(inputs)
    proc = kg("build", huge, "--max-bytes", str(FIFTY_MB + 1), "-o", outdir / "graph.ttl")
    assert_clean_failure(proc)
    (line,) = lines_naming(proc.stderr, str(huge))
    assert "too large" not in line and "binary" in line, line
    assert list(outdir.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Bad outputs: refused before any input is read


def assert_output_refused(proc: subprocess.CompletedProcess[str], out: Path, reason: str) -> None:
    assert_clean_failure(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(out) in lines[0] and reason in lines[0], proc.stderr


def test_output_in_a_missing_directory(kg, tmp_path, good):
    out = tmp_path / "no" / "such" / "dir" / "graph.ttl"
    proc = kg("build", good, "-o", out)
    assert_output_refused(proc, out, "does not exist")
    assert not (tmp_path / "no").exists()


def test_output_under_a_regular_file(kg, tmp_path, good):
    # Tests run as root, so a read-only directory would still be writable: a parent that is
    # a regular file is the unwritable location.
    parent = tmp_path / "not_a_dir"
    parent.write_text("a file\n")
    out = parent / "graph.ttl"
    proc = kg("build", good, "-o", out)
    assert_output_refused(proc, out, "not a directory")
    assert parent.read_text() == "a file\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only directory")
def test_output_in_a_read_only_directory(kg, tmp_path, good):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    out = folder / "graph.ttl"
    try:
        proc = kg("build", good, "-o", out)
    finally:
        folder.chmod(0o755)
    assert_output_refused(proc, out, "permission denied")
    assert list(folder.iterdir()) == []


def test_output_that_is_a_directory(kg, tmp_path, good):
    out = tmp_path / "graph.ttl"
    out.mkdir()
    proc = kg("build", good, "-o", out)
    assert_output_refused(proc, out, "is a directory")
    assert out.is_dir() and list(out.iterdir()) == []


def test_output_with_unknown_extension(kg, outdir, good):
    out = outdir / "graph.xyz"
    proc = kg("build", good, "-o", out)
    assert_output_refused(proc, out, ".xyz")
    assert ".ttl" in proc.stderr  # says which formats are known
    assert list(outdir.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Atomic writes


def test_failed_build_leaves_existing_output_untouched(kg, inputs, outdir):
    out = outdir / "graph.ttl"
    before = b"# an earlier graph\n<urn:a> <urn:b> <urn:c> .\n"
    out.write_bytes(before)
    mtime = out.stat().st_mtime_ns
    bads = [make_empty(inputs), make_binary(inputs), make_missing(inputs)]
    proc = kg("build", *bads, "-o", out)
    assert_clean_failure(proc)
    assert "nothing written" in proc.stderr
    assert out.read_bytes() == before
    assert out.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in outdir.iterdir()) == ["graph.ttl"]


def test_interrupted_write_keeps_old_file_and_no_temp(monkeypatch, outdir):
    """A write that fails half way (disk full) leaves the old graph and no temp file."""
    from kg import graphio

    out = outdir / "graph.nt"
    before = b"<urn:a> <urn:b> <urn:c> .\n"
    out.write_bytes(before)
    g = Graph()
    g.add((article_iri("x"), RDF.type, GEO.Article))

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graphio.os, "fsync", disk_full)
    with pytest.raises(graphio.GraphFileError, match="No space left on device"):
        graphio.write_graph(g, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in outdir.iterdir()) == ["graph.nt"]


def test_successful_build_replaces_output_without_leftovers(kg, outdir, good):
    out = outdir / "graph.nt"
    out.write_bytes(b"old\n")
    proc = kg("build", good, "-o", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert out.read_bytes() != b"old\n"
    g = Graph().parse(out, format="nt")
    assert (article_iri(GOOD_ID), RDF.type, GEO.Article) in g
    assert sorted(p.name for p in outdir.iterdir()) == ["graph.nt"]


def test_stdout_closed_early_is_reported_not_silently_truncated():
    """``-o -`` into a reader that stops early (``| head``) is an error, not exit 0 with half
    a graph."""
    script = (
        "import sys\n"
        "from rdflib import Graph, Literal, URIRef\n"
        "from kg.graphio import GraphFileError, write_graph\n"
        "g = Graph()\n"
        "for i in range(20000):\n"
        "    g.add((URIRef(f'urn:s{i}'), URIRef('urn:p'), Literal('x' * 200)))\n"
        "try:\n"
        "    write_graph(g, '-', 'nt')\n"
        "except GraphFileError as exc:\n"
        "    print(exc, file=sys.stderr)\n"
        "    sys.exit(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10)  # more than 4 MB are on their way; take 10 bytes and hang up
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 3, stderr
    assert "output closed" in stderr
