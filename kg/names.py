"""Keys for names: IRI-safe slugs, and person keys that ignore case, accents and hyphens."""

from __future__ import annotations

import re
import unicodedata

NAME_SPLIT = re.compile(r"[\s\-‐‑]+")


def slug(text: str) -> str:
    """Return an IRI-safe key for a name: ``"Yoon Suk-yeol"`` -> ``"Yoon_Suk_Yeol"``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    return "_".join(w[:1].upper() + w[1:] for w in words) or "unnamed"


def person_key(name: str) -> str:
    """Key of a person: case, hyphens and spacing do not matter ("Suk-yeol" == "Suk Yeol")."""
    return slug(" ".join(p.lower() for p in NAME_SPLIT.split(name) if p))
