"""The dated actor dictionary: who held which office when (``ontology/actors/actors.tsv``).

Heads of state and government, foreign and defence ministers of the countries most in the news
and the heads of the main intergovernmental organizations, 2015 to the file's ``as of`` date,
with name variants. geokg uses it to

- give one canonical node to every spelling of a person ("Erdoğan", "Erdogan", "Recep Tayyip
  Erdogan"; "Yoon Suk Yeol", "Yoon Suk-yeol");
- find people the statistical NER misses, and read a lone surname ("Putin said") as the one
  office-holder of that name at the article's date;
- complete a title the text gives without its country ("Foreign Minister Annalena Baerbock"),
  and resolve a description ("the French president") at the article's date;
- state a person's office at the article's date as background knowledge, kept apart from what
  the text says (see :mod:`kg.rdf`).

Correctness over size: a wrong date is worse than a missing row; an open ``end`` means "in
office at the as-of date".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kg.names import person_key
from kg.paths import data_file

# Entities whose people news names by the first word of their name ("Xi", "Yoon", "Lai").
_FAMILY_NAME_FIRST = frozenset({"China", "Taiwan", "North_Korea", "South_Korea", "Vietnam"})
_REGNAL = re.compile(r"\b[IVX]+$")  # "Charles III", "Abdullah II"
_AS_OF = re.compile(r"^#\s*as of:\s*(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Office:
    """One row of the dictionary: a person in one office for one term."""

    name: str  # canonical person name
    role: str  # leaderOf | officialOf
    title: str  # normalised title: "president", "foreign minister", "acting president"
    entity: str  # gazetteer key of the country or organization
    start: date
    end: date | None  # None: in office at the dictionary's as-of date
    variants: tuple[str, ...] = ()

    def holds_on(self, day: date) -> bool:
        """Whether the term covers ``day`` (an open term covers any later day)."""
        return self.start <= day and (self.end is None or day <= self.end)

    @property
    def office(self) -> str:
        """The title without "acting " ("acting president" is a president)."""
        return self.title.removeprefix("acting ")


class ActorDictionary:
    """Offices by person, by short name and by (title, entity), with dated lookups."""

    def __init__(self, offices: Iterable[Office], as_of: date | None = None,
                 title_map: dict[str, tuple[str, ...]] | None = None) -> None:  # fmt: skip
        self.offices = list(offices)
        self.as_of = as_of
        self.title_map = title_map or {}
        self.by_key: dict[str, str] = {}  # person_key of any spelling -> canonical name
        self.short: dict[str, set[str]] = {}  # person_key of a short form ("Putin") -> names
        self._of: dict[str, list[Office]] = {}
        for o in self.offices:
            self._of.setdefault(o.name, []).append(o)
            for form in (o.name, *o.variants):
                self.by_key.setdefault(person_key(form), o.name)
            for form in _short_forms(o):
                self.short.setdefault(person_key(form), set()).add(o.name)

    def canonical(self, name: str) -> str | None:
        """The dictionary's name for a spelling of a person's name, or None."""
        return self.by_key.get(person_key(name))

    def names(self) -> list[str]:
        """Every spelling of every person (full names and variants), for a phrase matcher."""
        out = {form for o in self.offices for form in (o.name, *o.variants)}
        return sorted(out)

    def offices_of(self, name: str, on: date | None = None) -> list[Office]:
        """The person's offices, those held on ``on`` if given (latest start first)."""
        found = self._of.get(name, [])
        if on is not None:
            found = [o for o in found if o.holds_on(on)]
        return sorted(found, key=lambda o: o.start, reverse=True)

    def surname(self, form: str, on: date | None = None) -> str | None:
        """The one person a short form ("Putin", "Xi", "Abiy") names at a date, or None when
        it names nobody or several people then."""
        names = self.short.get(person_key(form), set())
        if len(names) <= 1 or on is None:
            return next(iter(names)) if len(names) == 1 else None
        current = {n for n in names if self.offices_of(n, on)}
        return next(iter(current)) if len(current) == 1 else None

    def holders(self, text_title: str, entity: str, on: date) -> list[str]:
        """Who held the office a text title names ("the French president") on a date."""
        return sorted(
            {o.name for o in self.offices if o.entity == entity and o.holds_on(on)
             and self.title_matches(text_title, o)}
        )  # fmt: skip

    def title_matches(self, text_title: str, office: Office) -> bool:
        """Whether a title written in an article can name this office."""
        key = " ".join(text_title.lower().replace("-", " ").split())
        for wanted in self.title_map.get(key, ()):
            if wanted.startswith("*"):
                if office.role == wanted[1:]:
                    return True
            elif office.office == wanted:
                return True
        return False

    def office_for_title(self, name: str, text_title: str, on: date | None) -> Office | None:
        """The office of ``name`` that a bare title in the text names, at the date (or, with
        no date, the only such office the person ever held)."""
        found = [o for o in self.offices_of(name, on) if self.title_matches(text_title, o)]
        if on is None and len({(o.office, o.entity) for o in found}) > 1:
            return None
        return found[0] if found else None


def _short_forms(o: Office) -> list[str]:
    """How news names the person alone: the surname (or the family name of an East Asian name)
    and the listed one-word variants ("Abiy", "Lula", "MBS")."""
    out = [v for v in o.variants if " " not in v and "." not in v]
    words = o.name.split()
    if len(words) < 2 or _REGNAL.search(o.name) or " bin " in o.name or " Al " in o.name:
        return out
    out.append(words[0] if o.entity in _FAMILY_NAME_FIRST else words[-1])
    return out


def _iso(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def parse_date(text: str | None) -> date | None:
    """An article's ISO date as a ``date`` (None for none or a malformed one)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


@functools.cache
def load_actors() -> ActorDictionary:
    """The package's actor dictionary, read once."""
    offices = []
    as_of = None
    header = None
    for line in data_file("actors", "actors.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            m = _AS_OF.match(line)
            as_of = as_of or (date.fromisoformat(m.group(1)) if m else None)
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        offices.append(
            Office(
                name=row["name"],
                role=row["role"],
                title=row["title"],
                entity=row["entity"],
                start=date.fromisoformat(row["start"]),
                end=_iso(row["end"]),
                variants=tuple(v.strip() for v in row["variants"].split("|") if v.strip()),
            )
        )
    title_map: dict[str, tuple[str, ...]] = {}
    for line in data_file("actors", "title_map.tsv").read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if line.startswith("#") or len(cells) < 2 or cells[0] == "text_title":
            continue
        title_map[cells[0]] = (*title_map.get(cells[0], ()), cells[1].strip())
    return ActorDictionary(offices, as_of, title_map)
