"""Relation extraction from the dependency parse, driven by the lexicon in ``ontology/lexicon/``.

For every token whose lemma and part of speech are a lexicon trigger, the extractor finds the
trigger's subject and objects in the parse, resolves them to linked entities and yields a
:class:`~kg.records.Relation`. Pattern families:

- verbs, active and passive ("Russia invaded Ukraine", "Ukraine, which was invaded by Russia");
  control and xcomp chains hand subjects down ("Japan has been quick to join the sanctions",
  "urged South Korea to increase its support": South Korea supports);
- nouns ("Russia's invasion of Ukraine", "the partnership between NATO and Japan", "US-led
  sanctions", "his visits to South Korea and Japan"), with their agent taken from a possessive,
  a modifier, a by-phrase or the subject of a support verb ("Tokyo has imposed sanctions on
  Moscow");
- relational nouns ("NATO member Poland", "Japan, a close ally of the United States");
- conjunctions distribute over subjects and objects; conjoined subjects of a symmetric predicate
  relate to each other ("Japan and NATO must remain united");
- reported speech: a relation in the complement of a verb of saying is kept, attributed to the
  speaker ("Stoltenberg said China is threatening Taiwan");
- negation drops a relation ("China was not our adversary", "a policy of not providing weapons");
  modals, "if" and planning words mark it planned or hypothetical;
- events as targets ("North Korea condemned his visits": a Visit node);
- roles from titles and appositions ("Japanese Prime Minister Fumio Kishida") and visits from
  where an official speaks ("Speaking in Seoul, Stoltenberg ...": he visits South Korea).

Notes: the approach follows dictionary event coders (PETRARCH's verb patterns, CAMEO's actor
dictionaries) but reads spaCy's dependency parse instead of a constituency parse, and keeps the
sentence, offsets and rule for every relation.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy
from spacy.attrs import LEMMA, LOWER
from spacy.tokens import Doc, Span, Token

from kg.extract.arguments import EVALUATIVE, STATE_OR_ORG, Arg, unique_args
from kg.extract.lexicon import Lexicon, Trigger, load_lexicon
from kg.extract.roles import RoleFinder
from kg.extract.syntax import conj_chain
from kg.gazetteer import Gazetteer, load_gazetteer
from kg.linking import PERSON, DocLinks
from kg.records import EntityRef, EventRef, Relation
from kg.vocab import SYMMETRIC

# Prepositions that put a visit-like noun inside the clause of its agent ("said during a visit").
_CIRCUMSTANTIAL = frozenset({"during", "on", "after", "before", "throughout", "ahead", "amid"})
_VISIT_NOUNS = frozenset({"visit", "trip", "tour", "stop"})


class RelationExtractor:
    """spaCy component: read relations off the parse into ``doc._.relations``."""

    def __init__(self, lexicon: Lexicon | None = None, gazetteer: Gazetteer | None = None):
        self.lex = lexicon or load_lexicon()
        self.gaz = gazetteer or load_gazetteer()
        if not Doc.has_extension("relations"):
            Doc.set_extension("relations", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = extract_relations(doc, self.lex, self.gaz)
        return doc


def extract_relations(doc: Doc, lex: Lexicon, gaz: Gazetteer) -> list[Relation]:
    """All relations stated in a doc processed by the linker, one per (triple, sentence)."""
    ctx = _Context(doc, doc._.links or DocLinks(), lex, gaz)
    best: dict[tuple, Relation] = {}
    sents = list(doc.sents)
    # Roles first: a later apposition ("Stoltenberg, secretary general of the alliance") tells
    # whose official speaks "in Tokyo" in the first sentence.
    roles = {id(sent): list(ctx.roles(sent)) for sent in sents}
    # Only tokens whose lemma is a trigger, or the word "in", need a look: find them in one
    # pass over the doc's arrays instead of touching every Token object.
    arrays = doc.to_array([LEMMA, LOWER])
    wanted = numpy.fromiter(lex.lemma_hashes(doc.vocab.strings), dtype=arrays.dtype)
    hit = numpy.isin(arrays[:, 0], wanted) | numpy.isin(arrays[:, 1], wanted)
    hits = numpy.nonzero(hit)[0].tolist()
    places = numpy.nonzero(arrays[:, 1] == doc.vocab.strings.add("in"))[0].tolist()
    k = 0
    for sent in sents:
        found: list[Relation] = list(roles[id(sent)])
        while k < len(hits) and hits[k] < sent.end:
            tok = doc[hits[k]]
            k += 1
            trig = lex.trigger(tok.lemma_, tok.pos_)
            if trig is not None:
                found.extend(ctx.from_trigger(tok, trig, sent))
        if any(sent.start <= i < sent.end for i in places):
            found.extend(ctx.located_visits(sent))
        for rel in found:
            key = (rel.subject.key, rel.predicate, rel.object.key, rel.start)
            if key not in best or rel.confidence > best[key].confidence:
                best[key] = rel
    return sorted(best.values(), key=lambda r: (r.start, r.predicate, r.subject.key, r.object.key))


class _Context(RoleFinder):
    """Relations from lexicon triggers, on top of roles and argument finding."""

    # -- relations from lexicon triggers --------------------------------------------------

    def from_trigger(self, tok: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if trig.pos == "VERB":
            yield from self._verb(tok, trig, sent)
        elif trig.pos == "NOUN":
            yield from self._noun(tok, trig, sent)
        else:
            yield from self._adjective(tok, trig, sent)

    def _verb(self, verb: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if self.negated(verb):
            return
        subjects = self.subjects(verb)
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        if passive:
            subjects = [
                a
                for c in verb.children
                if c.dep_ == "agent"
                for p in c.children
                for a in self.args(p)
            ]
        objects: list[Arg] = []
        relation = trig.relation
        for slot in trig.objects:
            if slot == "conj_subj":
                continue
            objects = self._verb_slot(verb, slot, trig, passive)
            if objects:
                break
        if relation == "transfer":
            with_theme = self._with_theme(verb)
            if with_theme is not None and not passive:
                relation = with_theme  # the recipient is the direct object
                objects = [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
            else:
                relation = self._theme(verb)
            if relation is None:
                return
        if relation in EVALUATIVE and not objects:
            objects = self._evaluated(verb)
        base = trig.confidence - (0.05 if passive else 0.0)
        yield from self._emit(
            subjects,
            relation,
            objects,
            verb,
            None,
            sent,
            trig.name,
            base,
            conj_subj="conj_subj" in trig.objects,
        )

    def _verb_slot(self, verb: Token, slot: str, trig: Trigger, passive: bool) -> list[Arg]:
        if slot == "dobj":
            if passive:
                return self.passive_objects(verb)
            return [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
        if slot == "dative":
            out = []
            for c in verb.children:
                if c.dep_ == "dative":
                    out.extend(
                        self.args(c)
                        if c.pos_ != "ADP"
                        else [a for p in c.children if p.dep_ == "pobj" for a in self.args(p)]
                    )
            return out
        if slot.startswith("prep:"):
            return self._prep(verb, slot[5:], owners=trig.relation in EVALUATIVE)
        if slot == "for_clause":  # "called for Seoul to provide"
            for c in verb.children:
                if c.dep_ in ("advcl", "ccomp", "xcomp") and any(
                    g.dep_ == "mark" and g.lower_ == "for" for g in c.children
                ):
                    return [a for g in c.children if g.dep_ == "nsubj" for a in self.args(g)]
            return []
        if slot == "ccomp_subj":  # "warned that Beijing was keeping a close eye"
            return [
                a
                for c in verb.children
                if c.dep_ == "ccomp"
                for g in c.children
                if g.dep_ in ("nsubj", "nsubjpass")
                for a in self.args(g)
            ]
        return []

    def _evaluated(self, verb: Token) -> list[Arg]:
        """Target of praise/criticism aimed at a thing: an event node or the thing's owner."""
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ != "dobj":
                continue
            for noun in conj_chain(c):
                event = self._event(noun)
                if event is not None:
                    out.append(event)
                else:
                    out.extend(self.owner(noun))
        return out

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

    def _theme(self, verb: Token, phrase: Token | None = None) -> str | None:
        """What a transfer verb moves (weapons, or aid/support), read in ``phrase`` or in the
        verb's object."""
        found = None
        heads = (
            [phrase]
            if phrase is not None
            else [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
        )
        for head in heads:
            for t in head.subtree:
                rel = self.lex.themes.get(t.lemma_.lower())
                if rel == "suppliesWeaponsTo":
                    return rel
                found = found or rel
        return found

    def _with_theme(self, verb: Token) -> str | None:
        """ "supplied Kyiv with Patriot missiles": the theme is in the with-phrase."""
        for c in verb.children:
            if c.dep_ == "prep" and c.lower_ == "with":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return self._theme(verb, p)
        return None

    def _noun(self, noun: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        governor = (
            noun.head
            if noun.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass", "attr", "conj")
            else noun
        )
        pred = governor if governor.pos_ in ("VERB", "AUX", "ADJ") else noun
        if noun.dep_ == "pobj" and governor.head is not governor:
            pred = governor.head
        if self.negated(pred, noun):
            return
        if noun.dep_ == "dobj" and governor.lemma_.lower() in self.lex.negation:
            return  # "severed ties with", "lifted sanctions on"
        if "head" in trig.objects:
            yield from self._relational_noun(noun, trig, sent)
            return
        agents = self._noun_agents(noun, trig)
        objects = self._noun_objects(noun, trig)
        relation = trig.relation
        if "between" in trig.objects and not objects:
            sides = self._between(noun)
            if len(sides) >= 2 and relation in SYMMETRIC:
                yield from self._emit(
                    sides,
                    relation,
                    [],
                    noun,
                    noun,
                    sent,
                    trig.name,
                    trig.confidence,
                    conj_subj=True,
                    pred=pred,
                )
                return
        yield from self._emit(
            agents,
            relation,
            objects,
            noun,
            noun,
            sent,
            trig.name,
            trig.confidence - 0.05,
            conj_subj="conj_subj" in trig.objects,
            pred=pred,
        )

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
            elif slot == "governor":
                found += self._governor_subject(noun)
        return unique_args(found)

    def _governor_subject(self, noun: Token) -> list[Arg]:
        """Subject of a support verb over the noun ("Tokyo imposed sanctions", "during a visit")."""
        head = noun.head
        if (
            noun.dep_ in ("dobj", "nsubjpass", "attr")
            and head.lemma_.lower() in self.lex.support_verbs
        ):
            return self.subjects(head)
        if noun.dep_ == "dobj" and head.pos_ == "VERB":
            phrasal = " ".join(
                [head.lemma_.lower()] + [c.lower_ for c in head.children if c.dep_ == "prt"]
            )
            if phrasal in self.lex.support_verbs:
                return self.subjects(head)
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

    def _noun_objects(self, noun: Token, trig: Trigger) -> list[Arg]:
        governor = noun.head if noun.dep_ == "dobj" and noun.head.pos_ == "VERB" else None
        for slot in trig.objects:
            if slot.startswith("prep:"):
                # "increase its support to Ukraine": the PP may hang on the support verb
                found = self._prep(noun, slot[5:], owners=True)
                if not found and governor is not None:
                    found = self._prep(governor, slot[5:], owners=True)
                for c in noun.children:  # "support offered to Ukraine by Japan"
                    if not found and c.dep_ == "acl":
                        found = self._prep(c, slot[5:], owners=True)
            elif slot == "mod":  # "his Japan visit": the modifier is the destination
                found = [a for a in self.modifiers(noun) if a.ref.type != PERSON]
            else:
                found = []
            if found:
                return found
        return []

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
            described,
            trig.relation,
            others,
            noun,
            noun,
            sent,
            trig.name,
            trig.confidence,
            pred=head if head.pos_ in ("VERB", "AUX") else noun,
        )

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
            subjects,
            trig.relation,
            objects,
            adj,
            None,
            sent,
            trig.name,
            trig.confidence,
            conj_subj="conj_subj" in trig.objects,
            pred=clause,
        )
