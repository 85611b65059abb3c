"""The export snapshot beside a store (kg.snapshot): used only while it matches the store.

The reference is the export streamed from the open store (``export_store(open_store(...))``),
which reads every quad: exporting the directory, from the snapshot, must give the same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import snapshot
from kg.build import build
from kg.export import export_store
from kg.store import open_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(p for p in SEEDS.iterdir() if p.is_file())
FORMATS = ("turtle", "nt", "trig", "nq")


def streamed(path: Path, fmt: str, tmp: Path) -> bytes:
    out = tmp / f"streamed.{fmt}"
    export_store(open_store(path, read_only=True), fmt, out)
    return out.read_bytes()


def exported(path: Path, fmt: str, tmp: Path) -> bytes:
    out = tmp / f"exported.{fmt}"
    export_store(path, fmt, out)
    return out.read_bytes()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "kgdb"
    build([str(p) for p in SEED_FILES[:3]], store=path)
    return path


def test_a_build_leaves_a_fresh_snapshot_with_the_stores_bytes(store: Path, tmp_path: Path):
    assert snapshot.fresh(store) is not None
    for fmt in FORMATS:
        data = exported(store, fmt, tmp_path)
        assert data == streamed(store, fmt, tmp_path), fmt
        assert data.count(b"\n") > 100
    parsed = ox.Dataset(ox.parse(exported(store, "trig", tmp_path), format=ox.RdfFormat.TRIG))
    assert len(parsed) == len(ox.Dataset(ox.parse(exported(store, "nq", tmp_path),
                                                 format=ox.RdfFormat.N_QUADS)))  # fmt: skip


def test_builds_refresh_or_restamp_it(store: Path, tmp_path: Path):
    before = exported(store, "nt", tmp_path)
    build([str(SEEDS)], store=store)  # adds two articles: a new snapshot
    assert snapshot.fresh(store) is not None
    after = exported(store, "nt", tmp_path)
    assert after != before and after == streamed(store, "nt", tmp_path)
    again = build([str(SEEDS)], store=store)  # nothing new: the same snapshot, re-stamped
    assert again.added == 0 and snapshot.fresh(store) is not None
    assert exported(store, "nt", tmp_path) == after


def test_a_store_changed_behind_its_back_is_exported_from_the_store(store: Path, tmp_path):
    db = ox.Store(str(store))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    db.add(ox.Quad(ox.NamedNode("https://w3id.org/geokg/id/X"), label, ox.Literal("X")))
    del db
    assert snapshot.fresh(store) is None  # its files changed: the snapshot is stale
    for fmt in FORMATS:
        data = exported(store, fmt, tmp_path)
        assert b'"X"' in data
        assert data == streamed(store, fmt, tmp_path)
    assert snapshot.fresh(store) is not None  # written anew by the first export


def test_a_read_only_store_folder_streams_instead(store: Path, tmp_path, monkeypatch):
    shutil.rmtree(snapshot.snapshot_dir(store))
    monkeypatch.setattr(snapshot, "write", lambda path: False)  # e.g. no write permission
    assert exported(store, "turtle", tmp_path) == streamed(store, "turtle", tmp_path)
    assert snapshot.fresh(store) is None


def test_opening_read_only_keeps_it_fresh(store: Path):
    stamp = snapshot.store_stamp(store)
    db = open_store(store, read_only=True)
    assert len(db) > 0
    del db
    assert snapshot.store_stamp(store) == stamp
