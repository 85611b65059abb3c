"""The gazetteer: countries, organizations, titles and generic nouns the extractor recognises.

The data lives in ``ontology/gazetteer/*.tsv`` (UTF-8, first line a header, ``#`` lines are
comments, ``|`` separates several values in one cell):

* ``countries.tsv``: ``key name iso2 iso3 aliases capitals seats demonyms``
* ``organizations.tsv``: ``key name type aliases seats``
* ``titles.tsv``: ``title role applies_to``
* ``generic_nouns.tsv``: ``noun refers_to``

:func:`load_gazetteer` reads them once. :meth:`Gazetteer.match` resolves a surface form ("the
U.S.", "NATO's", "Seoul", "South Korean") to an entry; :meth:`Gazetteer.ruler_patterns` turns
every form into a spaCy ``EntityRuler`` pattern.

Matching rules (the same in :meth:`~Gazetteer.match` and in the ruler patterns):

* case-insensitive, except short all-caps abbreviations (at most 4 letters once dots, spaces and
  hyphens are removed: ``US``, ``U.S.``, ``EU``, ``IS``, ``ROK``, ``G7``), which match only in
  exact case, so the pronoun "us" or the verb "is" never match;
* forms that are also ordinary lower-case English words ("turkey", "china", "poles", "white
  house", "group of seven", see :data:`COMMON_WORD_FORMS`) do not match when their capitalised
  words are written all in lower case;
* :meth:`~Gazetteer.match` also ignores a leading "the", a trailing possessive ("'s", or "'"
  after an s), curly vs straight apostrophes and runs of whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.paths import data_file
from kg.records import EntityRef

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer

COUNTRY = "Country"
ORGANIZATION_TYPES = frozenset({"IntergovernmentalOrganization", "Organization", "ArmedGroup"})
ROLES = frozenset({"leaderOf", "officialOf"})
APPLIES_TO = frozenset({"Country", "Organization", "any"})

# Kinds of surface form, in order of preference: when one normalised form belongs to two
# entries (only "Brussels", documented in the data files), the earlier kind wins.
FORMS = ("name", "alias", "seat", "capital", "demonym")

# Forms (lower-cased, normalised) that are also ordinary English words or phrases. They match
# only when their capitalised words are not written all in lower case ("Turkey" and "TURKEY",
# never "turkey"; "White House", never "a white house").
COMMON_WORD_FORMS = frozenset(
    {
        # countries and their forms
        "turkey", "china", "chile", "japan", "chad", "guinea", "panama", "jersey", "guernsey",
        "heard island", "polish", "pole", "poles", "french", "dutch", "danish", "dane", "danes",
        "swiss", "swede", "swedes", "kiwi", "kiwis", "afghan", "afghans", "maltese",
        "cayenne", "lima", "manila", "muscat", "wellington", "white house", "blue house",
        # organizations
        "security council", "general assembly", "human rights council", "islamic state",
        "islamic state group", "islamic jihad", "quad", "world court", "atlantic alliance",
        "group of seven", "group of 7", "group of 20", "group of twenty", "non-aligned nations",
    }
)  # fmt: skip

_COLUMNS = {
    "countries.tsv": ("key", "name", "iso2", "iso3", "aliases", "capitals", "seats", "demonyms"),
    "organizations.tsv": ("key", "name", "type", "aliases", "seats"),
    "titles.tsv": ("title", "role", "applies_to"),
    "generic_nouns.tsv": ("noun", "refers_to"),
    "title_modifiers.tsv": ("word", "effect"),
}
_KEY_RE = re.compile(r"[A-Za-z0-9_\-]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_LEADING_THE = re.compile(r"^the\s+(?=\S)", re.IGNORECASE)
_ABBREVIATION_NOISE = re.compile(r"[.\s\-]")
_EDGE_PUNCTUATION = ' ,.;:!?"()[]'


@dataclass(frozen=True)
class GazEntry:
    """A country or an organization, with every name it goes by."""

    key: str  # IRI-safe slug, e.g. "South_Korea", "NATO"
    label: str  # canonical name, e.g. "South Korea"
    type: str  # "Country" | "IntergovernmentalOrganization" | "Organization" | "ArmedGroup"
    iso2: str | None
    iso3: str | None
    aliases: tuple[str, ...]
    capitals: tuple[str, ...]
    seats: tuple[str, ...]  # metonyms for the government: "Kremlin", "White House"
    demonyms: tuple[str, ...]

    @property
    def iso(self) -> str | None:
        """The ISO codes as ``EntityRef.iso`` writes them ("KR/KOR"), or None."""
        if self.iso2 and self.iso3:
            return f"{self.iso2}/{self.iso3}"
        return self.iso2 or self.iso3

    def phrases(self, form: str) -> tuple[str, ...]:
        """The phrases of one kind of form ("name", "alias", "capital", "seat", "demonym")."""
        if form == "name":
            return (self.label,)
        by_form = {
            "alias": self.aliases,
            "capital": self.capitals,
            "seat": self.seats,
            "demonym": self.demonyms,
        }
        if form not in by_form:
            raise ValueError(f"unknown form {form!r}; expected one of {FORMS}")
        return by_form[form]

    def all_phrases(self) -> Iterator[tuple[str, str]]:
        """Yield ``(form, phrase)`` for every surface form of the entry."""
        for form in FORMS:
            for phrase in self.phrases(form):
                yield form, phrase


@dataclass(frozen=True)
class Match:
    """A surface form resolved to a gazetteer entry."""

    entry: GazEntry
    form: str  # "name" | "alias" | "capital" | "seat" | "demonym"


def normalize_surface(surface: str) -> str:
    """Normalise a surface form for lookup, keeping its case.

    Unifies apostrophes, collapses whitespace, and strips a leading "the" and a trailing
    possessive: ``"the  U.S.’s"`` becomes ``"U.S."``.
    """
    text = unicodedata.normalize("NFC", surface).translate(_APOSTROPHES)
    text = " ".join(text.split())
    text = _LEADING_THE.sub("", text)
    if text[-2:].lower() == "'s":
        text = text[:-2].rstrip()
    elif text.endswith("s'"):
        text = text[:-1]
    return text


def is_abbreviation(form: str) -> bool:
    """Whether a form is a short all-caps abbreviation that must match in exact case.

    At most 4 letters once dots, spaces and hyphens are removed, all capitals: "US", "U.S.",
    "ROK", "DPRK", "G-7" are; "NATO's" is not (apostrophe), "BiH" and "ASEAN" are not.
    """
    compact = _ABBREVIATION_NOISE.sub("", form)
    letters = sum(ch.isalpha() for ch in compact)
    return compact.isalnum() and compact.isupper() and letters <= 4


def _title_key(phrase: str) -> str:
    """Normalise a title phrase: lower case, hyphens as spaces, no possessive or edge marks."""
    text = unicodedata.normalize("NFC", phrase).translate(_APOSTROPHES).lower()
    text = text.replace("-", " ").strip(_EDGE_PUNCTUATION)
    if text.endswith("'s"):
        text = text[:-2]
    return " ".join(text.split())


def _lowercase_clash(stored: str, surface: str) -> bool:
    """Whether ``surface`` writes a capitalised word of ``stored`` all in lower case."""
    return any(
        word[:1].isupper() and written.islower()
        for word, written in zip(stored.split(), surface.split(), strict=False)
    )


class Gazetteer:
    """Countries and organizations by key, plus titles and generic nouns, with lookups."""

    entries: dict[str, GazEntry]
    titles: dict[str, tuple[str, str]]
    generic_nouns: dict[str, str]

    def __init__(
        self,
        entries: Iterable[GazEntry],
        titles: dict[str, tuple[str, str]] | None = None,
        generic_nouns: dict[str, str] | None = None,
    ) -> None:
        self.entries = {}
        for entry in entries:
            if entry.key in self.entries:
                raise ValueError(f"duplicate gazetteer key {entry.key!r}")
            self.entries[entry.key] = entry
        self.titles = dict(titles or {})
        self.generic_nouns = dict(generic_nouns or {})
        self._title_index = {_title_key(title): value for title, value in self.titles.items()}
        # Every word that occurs in a title: the linker walks left over these from a name.
        self.title_words = frozenset(
            w for title in self.titles for w in re.split(r"[\s\-]+", title.lower()) if w
        )
        self.media: frozenset[str] = frozenset()
        self.org_head_words: frozenset[str] = frozenset()
        self.honorifics: frozenset[str] = frozenset()  # "mr", "sheikh", "dr"
        self.name_particles: frozenset[str] = frozenset()  # "bin", "von", "da"
        self.title_modifiers: dict[str, str] = {}  # "former" -> former, "caretaker" -> current
        # exact-case index for abbreviations; lower-case index for everything else, with the
        # stored form kept when it is a common word (to refuse an all-lower-case surface)
        self._exact: dict[str, list[Match]] = {}
        self._folded: dict[str, list[tuple[Match, str | None]]] = {}
        for form in FORMS:
            for entry in self.entries.values():
                for phrase in entry.phrases(form):
                    self._index(phrase, Match(entry, form))

    def _index(self, phrase: str, match: Match) -> None:
        key = normalize_surface(phrase)
        if not key:
            return
        if is_abbreviation(key):
            bucket = self._exact.setdefault(key, [])
            if all(m.entry.key != match.entry.key for m in bucket):
                bucket.append(match)
            return
        folded = key.lower()
        guard = key if folded in COMMON_WORD_FORMS else None
        bucket_f = self._folded.setdefault(folded, [])
        if all(m.entry.key != match.entry.key for m, _ in bucket_f):
            bucket_f.append((match, guard))

    @classmethod
    def from_directory(cls, directory: Path) -> Gazetteer:
        """Read the four TSV files of a gazetteer folder."""
        entries = [_country(row) for row in _read_tsv(directory / "countries.tsv")]
        entries += [_organization(row) for row in _read_tsv(directory / "organizations.tsv")]
        titles: dict[str, tuple[str, str]] = {}
        for row in _read_tsv(directory / "titles.tsv"):
            title, role, applies_to = row["title"].lower(), row["role"], row["applies_to"]
            if role not in ROLES or applies_to not in APPLIES_TO:
                raise ValueError(f"titles.tsv: bad role/applies_to for {title!r}")
            titles[title] = (role, applies_to)
        nouns = {
            row["noun"].lower(): row["refers_to"]
            for row in _read_tsv(directory / "generic_nouns.tsv")
        }
        return cls(entries, titles, nouns)

    # -- lookups -------------------------------------------------------------------------

    def ref(self, entry: GazEntry) -> EntityRef:
        """The :class:`~kg.records.EntityRef` for a gazetteer entry."""
        return EntityRef(
            key=entry.key, label=entry.label, type=entry.type, iso2=entry.iso2, iso3=entry.iso3
        )

    def is_media(self, surface: str) -> bool:
        """True for news agencies and outlets (sources, not actors): "Reuters", "Yonhap"."""
        return normalize_surface(surface).lower() in self.media

    def match_all(self, surface: str) -> tuple[Match, ...]:
        """Every entry a surface form may name, preferred first (see :meth:`match`)."""
        key = normalize_surface(surface)
        if not key:
            return ()
        found = list(self._exact.get(key, ()))
        for match, guard in self._folded.get(key.lower(), ()):
            if guard is not None and _lowercase_clash(guard, key):
                continue
            if all(m.entry.key != match.entry.key for m in found):
                found.append(match)
        return tuple(found)

    def match(self, surface: str) -> Match | None:
        """Resolve a surface form ("the U.S.", "NATO's", "Seoul", "Russians") to an entry.

        Returns None when nothing matches. When a form belongs to two entries (only
        "Brussels": the EU's seat and Belgium's capital) the one listed first in
        :data:`FORMS` order wins; :meth:`match_all` returns both.
        """
        found = self.match_all(surface)
        return found[0] if found else None

    def title_role(self, phrase: str) -> tuple[str, str] | None:
        """``(role, applies_to)`` of the longest known title at the end of ``phrase``.

        "Japanese Prime Minister" gives ``("leaderOf", "Country")``; "Deputy Prime Minister"
        gives ``("officialOf", "Country")``; "NATO Secretary-General" gives
        ``("leaderOf", "Organization")``. Hyphens count as spaces; case is ignored.
        """
        words = _title_key(phrase).split()
        for start in range(len(words)):
            found = self._title_index.get(" ".join(words[start:]))
            if found is not None:
                return found
        return None

    # -- spaCy ---------------------------------------------------------------------------

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """spaCy ``EntityRuler`` token patterns for every name, alias, capital, seat, demonym.

        Each pattern is ``{"label": L, "pattern": [...], "id": "<key>|<form>"}`` with ``L``
        ``GPE`` for country names, aliases and capitals, ``ORG`` for organizations and seats,
        ``NORP`` for demonyms. Phrases are tokenised with a blank English tokenizer; tokens
        use ``LOWER`` (``ORTH`` for case-sensitive abbreviations), apostrophes match straight
        or curly. A token sequence that two entries share gets only the preferred entry's
        pattern.
        """
        tokenizer = _tokenizer()
        patterns: list[dict[str, Any]] = []
        seen: set[str] = set()
        for form in FORMS:
            for entry in self.entries.values():
                for phrase in entry.phrases(form):
                    key = normalize_surface(phrase)
                    exact = is_abbreviation(key)
                    guarded = key.lower() in COMMON_WORD_FORMS
                    tokens = [
                        _token_pattern(token.text, exact=exact, guarded=guarded)
                        for token in tokenizer(phrase)
                    ]
                    signature = repr(tokens)
                    if not tokens or signature in seen:
                        continue
                    seen.add(signature)
                    patterns.append(
                        {
                            "label": _label(entry, form),
                            "pattern": tokens,
                            "id": f"{entry.key}|{form}",
                        }
                    )
        return patterns

    def matcher_phrases(self) -> dict[str, list[str]]:
        """Phrases for a lower-casing ``PhraseMatcher``, keyed ``"<label>|<key>|<form>"``;
        phrases with an apostrophe come in straight and curly spelling."""
        out: dict[str, list[str]] = {}
        for form in FORMS:
            for entry in self.entries.values():
                for phrase in entry.phrases(form):
                    variants = {
                        phrase,
                        phrase.replace("'", "\u2019"),
                        phrase.replace("\u2019", "'"),
                    }
                    key = f"{_label(entry, form)}|{entry.key}|{form}"
                    out.setdefault(key, []).extend(sorted(variants))
        return out


def _label(entry: GazEntry, form: str) -> str:
    if form == "demonym":
        return "NORP"
    if form == "seat" or entry.type != COUNTRY:
        return "ORG"
    return "GPE"


def _token_pattern(text: str, *, exact: bool, guarded: bool) -> dict[str, Any]:
    """One token dict: LOWER (or ORTH), either apostrophe, not all-lower-case if guarded."""
    variants = {text, text.replace("'", "\u2019")}
    attr = "ORTH" if exact else "LOWER"
    values = sorted(variants if exact else {v.lower() for v in variants})
    spec: dict[str, Any] = {attr: values[0] if len(values) == 1 else {"IN": values}}
    if guarded and text[:1].isupper():
        spec["IS_LOWER"] = False
    return spec


@cache
def _tokenizer() -> Tokenizer:
    import spacy

    return spacy.blank("en").tokenizer


# -- reading the TSV files -----------------------------------------------------------------


def _read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a gazetteer TSV file as dicts; checks the header and the number of cells."""
    expected = _COLUMNS[path.name]
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    with path.open(encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = [cell.strip() for cell in line.split("\t")]
            if header is None:
                header = cells
                if tuple(header) != expected:
                    raise ValueError(f"{path}: header {header} != {list(expected)}")
                continue
            if len(cells) > len(header):
                raise ValueError(f"{path}:{lineno}: {len(cells)} cells, expected {len(header)}")
            cells += [""] * (len(header) - len(cells))  # editors may drop trailing tabs
            rows.append(dict(zip(header, cells, strict=True)))
    if header is None:
        raise ValueError(f"{path}: empty file")
    return rows


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def _check_key(key: str, path: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"{path}: key {key!r} is not IRI-safe")
    return key


def _country(row: dict[str, str]) -> GazEntry:
    return GazEntry(
        key=_check_key(row["key"], "countries.tsv"),
        label=row["name"],
        type=COUNTRY,
        iso2=row["iso2"] or None,
        iso3=row["iso3"] or None,
        aliases=_split(row["aliases"]),
        capitals=_split(row["capitals"]),
        seats=_split(row["seats"]),
        demonyms=_split(row["demonyms"]),
    )


def _organization(row: dict[str, str]) -> GazEntry:
    if row["type"] not in ORGANIZATION_TYPES:
        raise ValueError(f"organizations.tsv: {row['key']!r} has unknown type {row['type']!r}")
    return GazEntry(
        key=_check_key(row["key"], "organizations.tsv"),
        label=row["name"],
        type=row["type"],
        iso2=None,
        iso3=None,
        aliases=_split(row["aliases"]),
        capitals=(),
        seats=_split(row["seats"]),
        demonyms=(),
    )


@cache
def load_gazetteer() -> Gazetteer:
    """The package's gazetteer (``ontology/gazetteer``), read once and cached."""
    gazetteer = Gazetteer.from_directory(data_file("gazetteer"))
    gazetteer.media = _media_names(data_file("cleaning", "agencies.tsv"))
    gazetteer.org_head_words = _word_list("org_head_words.txt")
    gazetteer.honorifics = _word_list("honorifics.txt")
    gazetteer.name_particles = _word_list("name_particles.txt")
    gazetteer.title_modifiers = {
        row["word"].lower(): row["effect"]
        for row in _read_tsv(data_file("gazetteer", "title_modifiers.tsv"))
    }
    return gazetteer


def _word_list(name: str) -> frozenset[str]:
    """A one-word-per-line file of ``ontology/gazetteer``, lower case, ``#`` comments."""
    text = data_file("gazetteer", name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _media_names(path: Path) -> frozenset[str]:
    """Lower-cased names and aliases of the news agencies the cleaner knows."""
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if line.startswith("#") or len(cells) < 2 or cells[0] == "name":
            continue
        names.add(cells[0].strip().lower())
        names.update(a.strip().lower() for a in cells[1].split("|") if a.strip())
    return frozenset(names)
