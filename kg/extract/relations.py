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

from kg.extract.lexicon import Lexicon, Trigger, load_lexicon
from kg.extract.verbs import VerbPatterns
from kg.gazetteer import Gazetteer, load_gazetteer
from kg.linking import DocLinks
from kg.records import Relation


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
    last_words = [doc.vocab.strings.add(words[-1]) for words in lex.comitatives]
    partners = numpy.nonzero(numpy.isin(arrays[:, 1], last_words))[0].tolist()
    k = 0
    for index, sent in enumerate(sents):
        ctx.sentence_index = index
        found: list[Relation] = list(roles[id(sent)])
        while k < len(hits) and hits[k] < sent.end:
            tok = doc[hits[k]]
            k += 1
            for trig in lex.matches(tok):  # the longest expression that states something
                stated = list(ctx.from_trigger(tok, trig, sent))
                if stated:
                    found.extend(stated)
                    break
        if any(sent.start <= i < sent.end for i in places):
            found.extend(ctx.located_visits(sent))
        if any(sent.start <= i < sent.end for i in partners):
            found.extend(ctx.comitatives(sent))
        cancelled = ctx.cancelled(sent)
        ctx.remember(found, index)
        for rel in found:
            if {(rel.subject.key, rel.predicate), ("*", rel.predicate)} & cancelled:
                continue  # "was scheduled to pay a visit ... but his visit was cancelled"
            key = (rel.subject.key, rel.predicate, rel.object.key, rel.start)
            if key not in best or rel.confidence > best[key].confidence:
                best[key] = rel
    return sorted(best.values(), key=lambda r: (r.start, r.predicate, r.subject.key, r.object.key))


class _Context(VerbPatterns):
    """One doc's extractor: roles, verbs, nouns and adjectives over the argument finder."""

    def from_trigger(self, tok: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if trig.pos == "VERB":
            yield from self._verb(tok, trig, sent)
        elif trig.pos == "NOUN":
            yield from self._noun(tok, trig, sent)
        else:
            yield from self._adjective(tok, trig, sent)


def trigger_relations(doc: Doc, trig: Trigger) -> list[Relation]:
    """What one lexicon row reads in a processed doc, wherever its expression occurs: the way
    to check a row (``tests/test_lexicon.py`` runs every row's example through it)."""
    ctx = _Context(doc, doc._.links or DocLinks(), load_lexicon(), load_gazetteer())
    for sent in doc.sents:
        list(ctx.roles(sent))  # roles first: they tie people to their countries
    out: list[Relation] = []
    for tok in doc:
        if trig in load_lexicon().matches(tok):
            out.extend(ctx.from_trigger(tok, trig, tok.sent))
    return out
