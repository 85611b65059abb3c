"""Where the package's data files (ontology, lexicon, gazetteer, queries) live.

In a source checkout they sit in the top-level ``ontology/`` folder; an installed wheel carries
the same folder as ``kg/ontology`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return the folder holding the ontology and its data files."""
    for candidate in (_PACKAGE / "ontology", _PACKAGE.parent / "ontology"):
        if (candidate / "geokg.ttl").is_file():
            return candidate
    raise FileNotFoundError("geokg data files not found (expected kg/ontology or ./ontology)")


def data_file(*parts: str) -> Path:
    """Return the path of one data file, e.g. ``data_file("gazetteer", "countries.tsv")``."""
    return data_dir().joinpath(*parts)
