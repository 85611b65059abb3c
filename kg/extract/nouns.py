"""Nominal and adjectival triggers: event nouns, relational nouns, adjectives.

- event nouns name a relation with its agent in a possessive, a modifier, a by- or from-phrase,
  or the subject of a support verb or of the clause the noun is circumstantial to ("Russia's
  invasion of Ukraine", "US-led sanctions", "Tokyo has imposed sanctions on Moscow", "a state
  visit from Xi to Moscow", "Following a call with Mikati, Barrot said");
- relational nouns describe an entity ("NATO member Poland", "Japan, a close ally of the
  United States");
- adjectives hold of a subject ("grateful to Japan", "Japan and NATO must remain united").
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span, Token

from kg.extract.arguments import STATE_OR_ORG, Arg, unique_args
from kg.extract.events import Events
from kg.extract.lexicon import Trigger, is_one_of
from kg.linking import PERSON
from kg.records import EntityRef, EventRef, Relation
from kg.vocab import SYMMETRIC

# Prepositions that put an event noun inside the clause of its agent ("said during a visit",
# "Following a call with Mikati, Barrot said").
_CIRCUMSTANTIAL = frozenset(
    {"during", "on", "after", "before", "throughout", "ahead", "amid", "following", "in", "at"}
)
_VISIT_NOUNS = frozenset({"visit", "trip", "tour", "stop"})
# Verbs whose "with" phrase is their subject's own act ("responded with missile strikes").
_RESPONSE_VERBS = frozenset({"respond", "retaliate", "react", "reply", "answer", "hit"})
# Verbs whose subjects are the parties of the event noun they are "in" ("engaged in talks").
_TAKING_PART = frozenset({"engage"})
# Dependencies of a noun whose governing verb decides its negation and modality.
_GOVERNED = frozenset({"dobj", "pobj", "nsubj", "nsubjpass", "attr", "conj"})


class NounPatterns(Events):
    """Relations stated by nouns and adjectives."""

    def _noun(self, noun: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        governor = noun.head if noun.dep_ in _GOVERNED else noun
        pred = governor if governor.pos_ in ("VERB", "AUX", "ADJ") else noun
        if noun.dep_ == "pobj" and governor.head.i != governor.i:
            pred = governor.head
        if self.negated(pred, noun):
            return
        if noun.dep_ == "dobj" and is_one_of(governor, self.lex.negation) and not self._done(noun):
            return  # "severed ties with", "lifted sanctions on" (not "rejected the MoU signed")
        if "head" in trig.objects:
            yield from self._relational_noun(noun, trig, sent)
            return
        relation = trig.relation
        if relation == "transfer":
            relation = self._noun_theme(noun)  # "arms sales to Taiwan", "delivery of tanks"
            if relation is None:
                return
        agents = self._noun_agents(noun, trig)
        with self.place_objects(relation):
            objects, slot = self._noun_slot_objects(noun, trig)
        # "negotiations involving Rubio, Vance and Modi": one meeting of all of them
        options = trig.options | {"clique"} if slot == "members" else trig.options
        if "inverse" in trig.options:
            agents, objects = objects, agents
        if "between" in trig.objects and not objects and (
            relation in SYMMETRIC or "mutual" in trig.options
        ):
            sides = self._between(noun)
            if len(sides) >= 2:
                yield from self._emit(
                    sides, relation, [], noun, noun, sent, trig.name, trig.confidence,
                    conj_subj=True, pred=pred, options=trig.options,
                )  # fmt: skip
                return
        conj_subj = "conj_subj" in trig.objects and not objects
        if conj_subj:
            # "Japan and Korea held talks": the coordinated subjects of the support verb (or
            # a coordinated possessor) meet each other, not agents found by different slots
            agents = self._coordinated_agents(noun)
        yield from self._emit(
            agents, relation, objects, noun, noun, sent, trig.name, trig.confidence - 0.05,
            conj_subj=conj_subj, pred=pred, options=options,
        )  # fmt: skip

    # -- agents ---------------------------------------------------------------------------

    def _noun_agents(self, noun: Token, trig: Trigger) -> list[Arg]:
        """Every agent the noun's agent slots find: "the US-led sanctions" that Japan joins
        have two (the United States and Japan)."""
        found: list[Arg] = []
        for slot in trig.agents:
            if slot == "poss":
                found += self._poss(noun)
            elif slot == "mod":
                found += self.modifiers(noun, people=True)
            elif slot == "by":
                found += self._by(noun)
            elif slot == "from":
                found += self._prep(noun, "from")
            elif slot == "governor":
                found += self._governor_subject(noun)
            elif slot == "clause":
                found += self._clause_subject(noun)
            elif slot == "speaker" and not found:
                # "Trudeau said there were credible allegations of India's involvement"
                speaker = self.speaker(noun.head if noun.head.i != noun.i else noun)
                found += [speaker] if speaker is not None else []
        return unique_args(found)

    def _coordinated_agents(self, noun: Token) -> list[Arg]:
        """The parties of a joint act: "China and Russia held drills", "their joint drills"."""
        for found in (
            self._poss(noun),
            self._support_subjects(noun),
            self.modifiers(noun, people=True),  # "after the pair held talks"
        ):
            if len(found) >= 2:
                return found
        return []

    def _support_subjects(self, noun: Token) -> list[Arg]:
        head = noun.head
        if noun.dep_ in ("dobj", "nsubjpass", "attr") and self._support_verb(head):
            return self.subjects(head)
        if (
            noun.dep_ == "pobj"
            and head.lower_ == "in"
            and head.head.lemma_.lower() in _TAKING_PART
        ):
            return self.subjects(head.head)  # "engaged in talks", "took part in the drills"
        return []

    def _governor_subject(self, noun: Token) -> list[Arg]:
        """Subject of a support verb over the noun ("Tokyo imposed sanctions", "during a visit")."""
        head = noun.head
        if noun.dep_ in ("dobj", "nsubjpass", "attr") and self._support_verb(head):
            return self.subjects(head)
        if head.dep_ == "ROOT" and head.pos_ == "PROPN" and (
            noun.dep_ == "dobj"
            or (
                noun.dep_ == "appos"
                and any(c.dep_ in ("amod", "acl") and self._support_verb(c) for c in noun.children)
            )
        ):
            # the parser made the actor the root ("Ecowas, as the bloc is known, imposed
            # sanctions on Niger": sanctions <-dobj- Ecowas, or <-appos- with "imposed" its amod)
            return self.args(head)
        if (
            noun.dep_ == "pobj"
            and head.lower_ == "with"
            and head.head.lemma_.lower() in _RESPONSE_VERBS
        ):
            return self.subjects(head.head)  # "Pakistan responded with drone attacks"
        if (
            noun.dep_ == "pobj"
            and head.lower_ in _CIRCUMSTANTIAL
            and noun.lemma_.lower() in _VISIT_NOUNS
        ):
            clause = head.head
            if clause.pos_ in ("VERB", "AUX"):
                return self.subjects(clause)
        if noun.dep_ == "conj":
            return self._governor_subject(head)
        return []

    def _support_verb(self, verb: Token) -> bool:
        """A light verb that lends its subject to its object noun ("held talks", "carried out
        strikes", "slapped sanctions")."""
        if verb.pos_ not in ("VERB", "AUX"):
            return False
        return is_one_of(verb, self.lex.support_verbs)

    def _clause_subject(self, noun: Token) -> list[Arg]:
        """ "In a statement following a call with Mikati, Barrot said": the subject of the
        clause the noun's phrase modifies."""
        t = noun
        for _ in range(4):
            head = t.head
            if head.i == t.i:
                return []
            if t.dep_ == "pobj" and head.lower_ in _CIRCUMSTANTIAL | {"with", "after"}:
                clause = head.head
                while clause.pos_ not in ("VERB", "AUX") and clause.head.i != clause.i:
                    clause = clause.head
                if clause.pos_ in ("VERB", "AUX"):
                    return [a for a in self.subjects(clause) if a.token.i != noun.i]
                return []
            if head.pos_ == "VERB" and head.tag_ == "VBG" and t.dep_ in ("dobj", "prep"):
                t = head  # "following a call with X": following is a verb
                continue
            t = head
        return []

    # -- objects --------------------------------------------------------------------------

    def _noun_objects(self, noun: Token, trig: Trigger) -> list[Arg]:
        return self._noun_slot_objects(noun, trig)[0]

    def _noun_slot_objects(self, noun: Token, trig: Trigger) -> tuple[list[Arg], str]:
        """The objects of a noun trigger and the slot that found them."""
        governor = noun.head if noun.dep_ == "dobj" and noun.head.pos_ == "VERB" else None
        for slot in trig.objects:
            if slot.startswith("prep:"):
                # "increase its support to Ukraine": the PP may hang on the support verb, or
                # inside an of-phrase ("the provision of weapons to Ukraine")
                found = self._prep(noun, slot[5:], owners=True)
                if not found and governor is not None:
                    found = self._prep(governor, slot[5:], owners=True)
                for p in self._of_objects(noun):
                    if not found and slot[5:] != "of":
                        found = self._prep(p, slot[5:], owners=True)
                for c in noun.children:  # "support offered to Ukraine by Japan"
                    if not found and c.dep_ == "acl":
                        found = self._prep(c, slot[5:], owners=True)
            elif slot == "mod":  # "his Japan visit": the modifier is the destination
                found = [a for a in self.modifiers(noun) if a.ref.type != PERSON]
            elif slot == "members":  # "negotiations involving Rubio, Vance and Modi"
                found = self._listed_members(noun, 0)
            elif slot == "acl_obj":  # "allegations linking the Indian government with ..."
                found = [
                    a
                    for c in noun.children
                    if c.dep_ == "acl"
                    for g in c.children
                    if g.dep_ == "dobj"
                    for a in self.args(g)
                ]
            else:
                found = []
            if found:
                return found, slot
        return [], ""

    @staticmethod
    def _of_objects(noun: Token) -> list[Token]:
        return [
            p
            for c in noun.children
            if c.dep_ == "prep" and c.lower_ == "of"
            for p in c.children
            if p.dep_ == "pobj"
        ]

    def _noun_theme(self, noun: Token) -> str | None:
        """What a transfer noun moves: its modifiers and of-phrase ("arms sales", "deliveries
        of tanks"); weapons win over aid."""
        found = None
        for c in noun.children:
            if c.dep_ in ("compound", "amod", "nmod") or (c.dep_ == "prep" and c.lower_ == "of"):
                for t in c.subtree:
                    rel = self.lex.themes.get(t.lemma_.lower())
                    if rel == "suppliesWeaponsTo":
                        return rel
                    found = found or rel
        return found

    def cancelled(self, sent: Span) -> set[tuple[str, str]]:
        """(agent, relation) of the acts a sentence calls off: "his visit was cancelled",
        "Biden called off the trip", "pulled out of the summit"."""
        out: set[tuple[str, str]] = set()
        for noun in sent:
            if noun.pos_ != "NOUN":
                continue
            head = noun.head
            if noun.dep_ in ("nsubjpass", "dobj"):
                verb = head
            elif noun.dep_ == "pobj" and head.lower_ in ("of", "from") and head.head.i != head.i:
                verb = head.head  # "pulled out of the summit"
            else:
                continue
            if not is_one_of(verb, self.lex.negation) or verb.pos_ != "VERB":
                continue
            for trig in self.lex.matches(noun):
                agents = self._noun_agents(noun, trig)
                if noun.dep_ != "nsubjpass" and not agents:
                    agents = self.subjects(verb)
                out.update((a.ref.key, trig.relation) for a in agents)
                if not agents:  # "the visit was cancelled": whoever's visit the sentence told
                    out.add(("*", trig.relation))
        return out

    # -- events ---------------------------------------------------------------------------

    def _event(self, noun: Token) -> Arg | None:
        """A Visit event node for "his visits to South Korea and Japan"."""
        if noun.lemma_.lower() not in _VISIT_NOUNS:
            return None
        trig = self.lex.trigger(noun.lemma_, "NOUN")
        if trig is None:
            return None
        agents = [a for a in self._noun_agents(noun, trig) if isinstance(a.ref, EntityRef)]
        dests = [a for a in self._noun_objects(noun, trig) if isinstance(a.ref, EntityRef)]
        if not agents:
            return None
        agent = agents[0].ref
        places = tuple(sorted({a.ref for a in dests}, key=lambda r: r.key))
        names = " and ".join(a.ref.label for a in dests) if dests else ""
        label = f"{agent.label}'s visit" + (f" to {names}" if names else "")
        key = "_".join(["Visit", agent.key, *(p.key for p in places)])
        ref = EventRef(key=key, type="Visit", label=label, agent=agent, participants=places)
        return Arg(ref, noun.text, noun)

    # -- relational nouns and adjectives --------------------------------------------------

    def _relational_noun(self, noun: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        """Relational nouns: "NATO member Poland", "Japan, a close ally of the United States"."""
        head = noun.head
        if noun.dep_ in ("compound", "appos"):
            described = self.args(head)
        elif noun.dep_ == "attr":
            described = self.subjects(head)
        else:
            described = [a for c in noun.children if c.dep_ == "appos" for a in self.args(c)]
        if not described:
            return
        others = (
            self._prep(noun, "of")
            or [a for a in self.modifiers(noun) if a.ref.type in STATE_OR_ORG]
            or [a for a in self._poss(noun) if a.via != "pronoun"]
        )
        yield from self._emit(
            described, trig.relation, others, noun, noun, sent, trig.name, trig.confidence,
            pred=head if head.pos_ in ("VERB", "AUX") else noun, options=trig.options,
        )  # fmt: skip

    def _adjective(self, adj: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if self.negated(adj):
            return
        clause = adj.head if adj.dep_ in ("acomp", "xcomp", "conj") else adj
        subjects = self.subjects(clause) if clause is not adj else self.subjects(adj)
        objects: list[Arg] = []
        for slot in trig.objects:
            if slot.startswith("prep:"):
                for c in adj.children:
                    if c.dep_ == "prep" and c.lower_ == slot[5:]:
                        for p in c.children:
                            if p.dep_ == "pobj":
                                objects.extend(self.args(p) or self.owner(p))
            if objects:
                break
        yield from self._emit(
            subjects, trig.relation, objects, adj, None, sent, trig.name, trig.confidence,
            conj_subj="conj_subj" in trig.objects, pred=clause, options=trig.options,
        )  # fmt: skip
