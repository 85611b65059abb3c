"""Records that flow between the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawArticle:
    """One input document as read from disk, stdin or a JSON Lines row, before cleaning.

    ``text`` is the raw page text (HTML already converted to text by the reader); metadata
    fields are those the input itself declared (JSON Lines keys, the seed ``date`` line is
    parsed later by the cleaner).
    """

    path: str  # input path; "-" for stdin; "file.jsonl:3" for the 3rd line of a JSON Lines file
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) when the input declared one
    url: str | None = None
    source: str | None = None
    is_html: bool = False
    id: str | None = None  # declared identifier (JSON Lines ``id`` key, or "<stem>-<line>")


@dataclass(frozen=True)
class Article:
    """A cleaned article: the body text the extractor reads, and its metadata."""

    id: str  # stable identifier, used for the article IRI
    path: str
    body: str  # body paragraphs joined by blank lines; furniture removed
    title: str | None = None
    date: str | None = None  # ISO 8601 date
    source: str | None = None  # news agency or outlet, e.g. "Reuters"
    url: str | None = None
    teasers: tuple[str, ...] = ()  # teaser paragraphs kept as snippets, never body text
    dropped: tuple[str, ...] = ()  # lines judged furniture (for `kg text --show-dropped`)
    content_hash: str | None = None  # SHA-256 of the raw input (kg.build.content_hash)


@dataclass(frozen=True)
class InputProblem:
    """An input that could not be read or held no article; reported, the run goes on."""

    path: str
    message: str


@dataclass(frozen=True)
class EntityRef:
    """A canonical entity as the linker resolved it."""

    key: str  # stable slug for the IRI, e.g. "South_Korea"
    label: str  # canonical name, e.g. "South Korea"
    type: str  # ontology class local name: Country, Organization, Person, Event, ...
    iso2: str | None = None  # ISO 3166-1 alpha-2 code for countries ("KR")
    iso3: str | None = None  # ISO 3166-1 alpha-3 code ("KOR")


@dataclass(frozen=True)
class Mention:
    """A span of text that refers to an entity."""

    entity: EntityRef
    text: str
    start: int  # character offsets in the article body
    end: int


@dataclass(frozen=True)
class EventRef:
    """An event the text makes the target of a relation ("condemned his visits")."""

    key: str
    type: str  # ontology class local name, e.g. "Visit"
    label: str
    agent: EntityRef | None = None
    participants: tuple[EntityRef, ...] = ()  # destinations of a visit, parties to a meeting


@dataclass(frozen=True)
class Relation:
    """One relation stated in one sentence, with the evidence for it."""

    subject: EntityRef
    predicate: str  # local name of a relation property in the ontology, e.g. "urges"
    object: EntityRef | EventRef
    article_id: str
    sentence: str
    start: int  # character offsets of the sentence in the article body
    end: int
    modality: str = "asserted"  # asserted | planned | reported | hypothetical
    speaker: EntityRef | None = None  # who said it, when reported
    confidence: float = 0.8
    rule: str = ""  # lexicon entry or pattern that fired, e.g. "verb:urge"
    surface: dict[str, str] = field(default_factory=dict)  # surface forms of subject/object
    event: EventRef | None = None  # the act the sentence refers to ("condemned the move")
    # State-level ends (kg.rollup): the country or organization each end stands for
    subject_state: EntityRef | None = None
    object_state: EntityRef | None = None
