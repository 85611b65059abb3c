"""Places and presence: where something happens, and visits from where people are.

A place phrase names a country directly ("in Japan", "in Seoul", a city of the gazetteer) or
through a place noun ("in Uzbekistan's historic city of Samarkand", "the Japanese city of
Hiroshima"). Visits follow from presence:

- a person whose role ties them to a country or organization, found "in Seoul" (speaking,
  arriving, "while in South Korea"), visits South Korea;
- attending or convening for an event abroad visits its place ("attended the SCO summit in
  Samarkand", "convened for their summit in Hiroshima"); the host's own people do not.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span, Token

from kg.extract.arguments import Arg, unique_args
from kg.extract.framing import Framing
from kg.extract.lexicon import is_one_of
from kg.extract.syntax import clause_of_prep
from kg.linking import COUNTRY, PERSON
from kg.records import EntityRef, Relation

# Link forms that name a country as a place.
PLACE_FORMS = frozenset({"capital", "name", "alias", "city"})
# Nouns for places inside a country ("the Japanese city of Hiroshima").
_PLACE_NOUNS = frozenset(
    {
        "city", "capital", "town", "village", "port", "resort", "region", "province", "state",
        "island", "border", "area", "district", "county", "base", "embassy", "headquarters",
    }
)  # fmt: skip
_LOCATIVE = frozenset({"in", "at"})


class Presence(Framing):
    """Countries named as places, and the visits presence implies."""

    def place_countries(self, tok: Token, depth: int = 0) -> list[Arg]:
        """The countries a place phrase headed by ``tok`` names."""
        if depth > 3:
            return []
        link = self.links.at(tok)
        if link is not None:
            if link.form in PLACE_FORMS and link.entities[0].type == COUNTRY:
                text = self.doc[link.start : link.end].text
                return [Arg(ref, text, tok) for ref in link.entities]
            return []
        if tok.lemma_.lower() not in _PLACE_NOUNS:
            return []
        found = [a for a in self._poss(tok) + self.modifiers(tok) if a.ref.type == COUNTRY]
        for c in tok.children:
            if not found and c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    if p.dep_ == "pobj":
                        found = self.place_countries(p, depth + 1)
        return found

    def _locative_places(self, head: Token) -> list[Arg]:
        out: list[Arg] = []
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in _LOCATIVE:
                for p in c.children:
                    if p.dep_ == "pobj":
                        out += self.place_countries(p)
        return out

    def event_places(self, verb: Token) -> list[Arg]:
        """Where the event a verb is about takes place: "attended the summit in Samarkand",
        "convened for their summit in Hiroshima", "a summit hosted by Egypt"."""
        found = self._locative_places(verb)
        nouns = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
        nouns += [p for c in verb.children if c.dep_ == "prep" for p in c.children]
        for noun in nouns:
            found += self._locative_places(noun)
            for c in noun.children:  # "a summit hosted by Egypt"
                if c.dep_ == "acl" and c.lemma_.lower() == "host":
                    found += [a for a in self._by(noun) if a.ref.type == COUNTRY]
        return unique_args(found)

    def _presence(self, clause: Token) -> bool:
        """A verb that places its subject where its locative says, in a real situation ("If
        Putin wins in Ukraine" is no visit)."""
        return (
            not is_one_of(clause, self.lex.remote_verbs)
            and self.modality(clause) != "hypothetical"
        )

    def venue_visits(self, parties, anchor, sent, rule, modality, speaker) -> Iterator[Relation]:
        places = self._venue(anchor)
        seen: set[tuple[str, str]] = set()
        for party in parties:
            home = self.home_of(party.ref) if isinstance(party.ref, EntityRef) else None
            for place in places:
                key = (party.ref.key, place.ref.key)
                if home is None or home == place.ref or key in seen:
                    continue  # nobody visits home; someone from nowhere known visits nothing
                seen.add(key)
                rel = self._relation(
                    party, "visits", place, anchor, sent, rule + "+venue", 0.6, modality, speaker
                )
                if rel is not None:
                    yield rel

    def _venue(self, anchor: Token) -> list[Arg]:
        """Where a meeting or signing happened: a place phrase on its verb or noun, or on the
        verb governing the noun ("held talks in Doha", "the summit in Alaska")."""
        found = self._locative_places(anchor)
        if anchor.pos_ in ("VERB", "AUX"):
            found = found or self.event_places(anchor)
        elif anchor.head.i != anchor.i:
            found = found or self._locative_places(anchor.head)
        return unique_args(found)

    # -- presence -------------------------------------------------------------------------

    def _story_place(self, sent: Span) -> list[Arg]:
        """Country of an "In Seoul, ..." opening: where an unaffiliated official serves."""
        for t in sent:
            if t.dep_ == "prep" and t.lower_ == "in" and t.i - sent.start <= 1:
                for p in t.children:
                    if p.dep_ == "pobj":
                        link = self.links.at(p)
                        if link is not None and link.form in ("capital", "name", "alias"):
                            return self.args(p)
        return []

    def located_visits(self, sent: Span) -> Iterator[Relation]:
        """A foreign official speaking or being "in Seoul" visits South Korea."""
        for t in sent:
            if t.dep_ != "prep" or t.lower_ != "in":
                continue
            places = [a for p in t.children if p.dep_ == "pobj" for a in self.place_countries(p)]
            if not places:
                continue
            clause = clause_of_prep(t)
            if clause is None or self.negated(clause) or not self._presence(clause):
                continue
            for person in self.subjects(clause):
                home = self.affiliation.get(person.ref.key)
                if person.ref.type != PERSON or home is None:
                    continue
                for place in places:
                    if place.ref == home:
                        continue
                    rel = self._relation(
                        person, "visits", place, clause, sent, "location:in", 0.65,
                        modality=self.modality(clause),
                    )  # fmt: skip
                    if rel is not None:
                        yield rel
