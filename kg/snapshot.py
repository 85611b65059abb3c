"""An export snapshot kept beside a store: ``kg export --store`` in a second, not a quarter minute.

Reading a million quads back out of RocksDB costs a lookup per term (about 15 s for the
1.1M-triple benchmark store, the same in Oxigraph's own dump). A store therefore keeps, in
``DIR/geokg-snapshot/``, the union graph as it exports it: ``graph.nt`` (N-Triples) and
``graph.ttl`` (Turtle), in the order and layout of :func:`kg.export.export_store`. An export
copies them (TriG and N-Quads are line-by-line rewrites of the same bytes) instead of reading
the store.

Freshness: ``stamp`` holds a fingerprint of the store's own files (names, sizes and times of
everything but RocksDB's info logs) taken when the snapshot was written. Any write to the store
changes its files, so a snapshot whose stamp differs is stale and never used: the export then
reads the store (the slow way) and writes a new snapshot if it can. ``kg build --store``
rewrites the snapshot after a build that changed the store, and re-stamps it after one that
changed nothing (RocksDB rewrites its logs on every open for writing).

RocksDB leaves files it does not recognise, and subdirectories, alone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO

SNAPSHOT_DIR = "geokg-snapshot"
FILES = {"nt": "graph.nt", "turtle": "graph.ttl"}
STAMP = "stamp"


def store_stamp(path: str | Path) -> str:
    """A fingerprint of the store's files: it changes whenever the store is written."""
    digest = hashlib.sha256()
    with os.scandir(path) as entries:
        names = sorted(
            (e.name, e.stat(follow_symlinks=False))
            for e in entries
            if e.is_file(follow_symlinks=False) and not e.name.startswith("LOG")
        )
    for name, st in names:
        digest.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def snapshot_dir(path: str | Path) -> Path:
    return Path(path) / SNAPSHOT_DIR


def fresh(path: str | Path) -> Path | None:
    """The snapshot folder of the store at ``path`` if it matches the store's content now."""
    folder = snapshot_dir(path)
    try:
        stamp = (folder / STAMP).read_text(encoding="ascii").strip()
    except OSError:
        return None
    if stamp != store_stamp(path) or not all((folder / f).is_file() for f in FILES.values()):
        return None
    return folder


def write(path: str | Path) -> bool:
    """Write the snapshot of the store at ``path`` (not open for writing elsewhere).

    Returns False, leaving no snapshot, when the store changed while it was written or the
    folder cannot be written. The stamp goes last: a reader never trusts half a snapshot.
    """
    import pyoxigraph as ox

    from kg.export import _compactor, _serialize_store
    from kg.store import open_store

    folder = snapshot_dir(path)
    before = store_stamp(path)
    try:
        folder.mkdir(exist_ok=True)
        (folder / STAMP).unlink(missing_ok=True)
        store = open_store(path, read_only=True)
        nt = folder / (FILES["nt"] + ".tmp")
        with nt.open("wb") as fh:
            _serialize_store(store, "nt", fh)
        del store
        ttl = folder / (FILES["turtle"] + ".tmp")
        with ttl.open("wb") as fh:  # the same triples in the same order, as Turtle
            ox.serialize(
                ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES),
                fh,
                format=ox.RdfFormat.TURTLE,
                prefixes=dict(sorted(_compactor().namespaces)),
            )
        if store_stamp(path) != before:
            return False
        os.replace(nt, folder / FILES["nt"])
        os.replace(ttl, folder / FILES["turtle"])
        (folder / STAMP).write_text(before + "\n", encoding="ascii")
    except OSError:
        return False
    return True


def restamp(path: str | Path) -> None:
    """Mark the snapshot fresh again after a write that left the store's content as it was."""
    folder = snapshot_dir(path)
    if (folder / STAMP).is_file():
        (folder / STAMP).write_text(store_stamp(path) + "\n", encoding="ascii")


def copy(folder: Path, fmt: str, graph_iri: str, fh: BinaryIO) -> None:
    """Write the snapshot in ``fmt`` (nt, turtle, nq or trig) to ``fh``.

    TriG is Oxigraph's layout of the same Turtle inside one graph block (each statement line
    indented by a tab); N-Quads adds the graph name to each N-Triples line.
    """
    if fmt in FILES:
        with (folder / FILES[fmt]).open("rb") as src:
            shutil.copyfileobj(src, fh, 1 << 22)
        return
    if fmt == "nq":
        name = f" <{graph_iri}> .\n".encode()
        with (folder / FILES["nt"]).open("rb") as src:
            while chunk := src.readlines(1 << 22):
                # every line ends " .\n": N-Triples escapes line breaks inside literals
                fh.write(b"".join(line[:-3] + name for line in chunk))
        return
    data = (folder / FILES["turtle"]).read_bytes()
    head_end = 0
    while data.startswith(b"@prefix", head_end):
        head_end = data.index(b"\n", head_end) + 1
    body = data[head_end:]
    fh.write(data[:head_end] + f"<{graph_iri}> {{\n".encode())
    if body:
        fh.write(b"\t" + body[:-1].replace(b"\n", b"\n\t") + b"\n")
    fh.write(b"}\n")
