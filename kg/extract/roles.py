"""Roles and presence: leaderOf/officialOf from titles, visits from where an official speaks.

"Japanese Prime Minister Fumio Kishida" and "Stoltenberg, secretary general of the ...
alliance" give roles; a person whose role ties them to one country or organization, found
"in Seoul" (speaking, arriving, "while in South Korea"), visits South Korea.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Span, Token

from kg.extract.arguments import STATE_OR_ORG, Arg, ArgumentFinder
from kg.extract.syntax import clause_of_prep
from kg.linking import COUNTRY, PERSON, Link
from kg.records import Relation


@dataclass(frozen=True)
class _Title:
    """A title found next to a person's name, and the organizations it points to."""

    role: str  # leaderOf | officialOf
    applies: str  # Country | Organization | any
    orgs: list[Arg]
    rule: str


class RoleFinder(ArgumentFinder):
    """Adds roles and located visits to the argument finder."""

    # -- roles and located visits ---------------------------------------------------------

    def roles(self, sent: Span) -> Iterator[Relation]:
        """leaderOf / officialOf from a title before a name or in an apposition."""
        for link in self.links.in_span(sent.start, sent.end):
            if link.form not in ("person", "surname"):
                continue
            person = link.entities[0]
            # "Nigerian President Bola Tinubu, the ECOWAS chairman": one role from each title.
            for title in filter(None, (self._title_before(link), self._title_apposed(link))):
                orgs, rule, conf = title.orgs, title.rule, 0.9
                if not orgs and title.applies in ("Country", "any"):
                    # "In Seoul, ... Foreign Minister Park Jin": the story's place, less certain.
                    orgs, rule, conf = self._story_place(sent), rule + "+location", 0.6
                for org in orgs:
                    if org.ref.type not in STATE_OR_ORG or org.ref == person:
                        continue
                    if title.applies == "Country" and org.ref.type != COUNTRY:
                        continue
                    self.affiliation.setdefault(person.key, org.ref)
                    token = self.doc[link.end - 1]
                    subj = Arg(person, self.doc[link.start : link.end].text, token)
                    yield self._relation(subj, title.role, org, token, sent, rule, conf)
                    break

    def _title_before(self, link: Link) -> _Title | None:
        """A title before a name: "Japan's Prime Minister Fumio Kishida"."""
        doc = self.doc
        j = link.start
        words: list[Token] = []
        while j > 0:
            t = doc[j - 1]
            if t.lower_ in self.gaz.title_words or (t.text in ("-", "‐") and words):
                words.insert(0, t)
                j -= 1
            else:
                break
        if not words:
            return None
        phrase = "".join(t.text_with_ws for t in words).strip().lower()
        phrase = phrase.replace(" - ", "-").replace(" -", "-").replace("- ", "-")
        role = self.gaz.title_role(phrase)
        if role is None:
            return None
        org_args: list[Arg] = []
        k = j - 1
        if k >= 0 and doc[k].lower_ in ("'s", "’s"):
            k -= 1
        if k >= 0:
            org_link = self.links.at(doc[k])
            if org_link is not None and org_link.form not in ("pronoun",):
                text = doc[org_link.start : org_link.end].text
                org_args = [Arg(r, text, doc[k]) for r in org_link.entities]
        return _Title(role[0], role[1], org_args, f"title:{phrase}")

    def _title_apposed(self, link: Link) -> _Title | None:
        """A title in apposition: "Stoltenberg, secretary general of the ... alliance"."""
        head = self.doc[link.end - 1]
        for c in head.children:
            if c.dep_ != "appos":
                continue
            words = [g for g in c.lefts if g.dep_ == "compound"] + [c]
            phrase = " ".join(t.lower_ for t in words)
            role = self.gaz.title_role(phrase)
            if role is None:
                continue
            org_args = self._prep(c, "of") or self._poss(c) or self.modifiers(c)
            return _Title(role[0], role[1], org_args, f"apposition:{phrase}")
        return None

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
            places = [
                a
                for p in t.children
                if p.dep_ == "pobj"
                for a in self.args(p)
                if self.links.at(a.token) is not None
                and self.links.at(a.token).form in ("capital", "name", "alias")
                and a.ref.type == COUNTRY
            ]
            if not places:
                continue
            clause = clause_of_prep(t)
            if clause is None or self.negated(clause):
                continue
            for person in self.subjects(clause):
                home = self.affiliation.get(person.ref.key)
                if person.ref.type != PERSON or home is None:
                    continue
                for place in places:
                    if place.ref == home:
                        continue
                    yield self._relation(
                        person,
                        "visits",
                        place,
                        clause,
                        sent,
                        "location:in",
                        0.65,
                        modality=self.modality(clause),
                    )
