"""Persons acting for states: the state-level reading of an article's relations.

Event data is about states and organizations; news names people. The way CAMEO codes "Obama
attacks Russia" as USA -> RUS, each relation whose end is a person is also read at state level:
the person stands for the country or organization they lead or serve at the article's date,

1. as the article itself says (a leaderOf / officialOf relation it states), else
2. as the actor dictionary says for that date (``ontology/actors/actors.tsv``).

A country or organization stands for itself; an event (a visit) for its agent's state. The
person-level graph stays as it is: the state-level ends are written on each evidence node
(``geo:subjectState``, ``geo:objectState``) and read by the saved queries ``state-dyads`` and
``state-balance``, ``kg viz --states`` and ``kg export --states``.

Dictionary offices of the people an article names are also given as background knowledge
(:class:`BackgroundFact`), kept apart from what the text states: no evidence sentence, their own
provenance (the actor dictionary) and dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from kg.actors import ActorDictionary, Office, load_actors, parse_date
from kg.gazetteer import Gazetteer, load_gazetteer
from kg.records import EntityRef, EventRef, Relation

ROLES = ("leaderOf", "officialOf")


@dataclass(frozen=True)
class BackgroundFact:
    """A person's office at an article's date, from the actor dictionary (not from the text)."""

    person: EntityRef
    role: str  # leaderOf | officialOf
    entity: EntityRef
    title: str
    start: date
    end: date | None


class StateReader:
    """Reads one article's relations at state level."""

    def __init__(
        self,
        relations: Iterable[Relation],
        day: date | None,
        actors: ActorDictionary | None = None,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.actors = actors or load_actors()
        self.gaz = gazetteer or load_gazetteer()
        self.day = day
        self.stated: dict[str, EntityRef] = {}  # person key -> what the article says they serve
        for rel in sorted(relations, key=lambda r: (r.predicate != "leaderOf", -r.confidence)):
            if rel.predicate in ROLES and isinstance(rel.object, EntityRef):
                self.stated.setdefault(rel.subject.key, rel.object)

    def office(self, person: EntityRef) -> Office | None:
        """The person's dictionary office at the article's date (the latest begun), if any."""
        if self.day is None:
            return None
        offices = self.actors.offices_of(person.label, self.day)
        return offices[0] if offices else None

    def state_of(self, ref: EntityRef | EventRef) -> EntityRef | None:
        """The country or organization an end of a relation stands for at state level."""
        if isinstance(ref, EventRef):
            return self.state_of(ref.agent) if ref.agent is not None else None
        if ref.type != "Person":
            return ref
        if ref.key in self.stated:
            return self.stated[ref.key]
        office = self.office(ref)
        entry = self.gaz.entries.get(office.entity) if office is not None else None
        return self.gaz.ref(entry) if entry is not None else None

    def roll_up(self, rel: Relation) -> Relation:
        """The relation with its state-level ends filled in (roles are left as they are)."""
        if rel.predicate in ROLES:
            return rel
        return replace(rel, subject_state=self.state_of(rel.subject),
                       object_state=self.state_of(rel.object))  # fmt: skip

    def background(self, people: Iterable[EntityRef]) -> list[BackgroundFact]:
        """The dictionary's offices, at the article's date, of the people it names."""
        out = []
        for person in {p.key: p for p in people if p.type == "Person"}.values():
            office = self.office(person)
            entry = self.gaz.entries.get(office.entity) if office is not None else None
            if office is None or entry is None:
                continue
            out.append(BackgroundFact(person, office.role, self.gaz.ref(entry), office.title,
                                      office.start, office.end))  # fmt: skip
        return sorted(out, key=lambda f: (f.person.key, f.role, f.entity.key))


def read_states(
    relations: list[Relation], article_date: str | None
) -> tuple[list[Relation], list[BackgroundFact]]:
    """An article's relations with their state-level ends, and the background facts (the
    dictionary's offices at the article's date) of the people in them."""
    reader = StateReader(relations, parse_date(article_date))
    people = [r.subject for r in relations] + [
        r.object for r in relations if isinstance(r.object, EntityRef)
    ]
    return [reader.roll_up(r) for r in relations], reader.background(people)
