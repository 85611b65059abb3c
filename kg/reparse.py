"""Re-parse a sentence whose known name the tagger took for a verb.

The small English model now and then tags an organization's name as a verb in context
("ECOWAS" read as VBZ from its "-s" ending, "Ecowas, as the bloc is known, imposed ...":
ROOT), and the dependency parse of that sentence is then wrong throughout, so no relation in
it can be read. The gazetteer knows better: a span it matched is a name. :class:`NameReparser`
runs after the gazetteer and NER; for each sentence in which a gazetteer name is tagged as a
verb it parses the sentence again, alone (the model's tagger, parser, attribute ruler and
lemmatizer on the sentence as its own doc) with a name the model always reads as one standing
in for the misread word ("NATO" for an organization): entity masking, as relation extractors
do in training. The name keeps its own text and lemma. Such sentences are rare, so is the cost.
"""

from __future__ import annotations

from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span

# What the re-parse replaces, token by token (HEAD is relative, so it copies as is).
_ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
# The pipes that produce those attributes, in pipeline order.
_PARSING_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_VERBAL = frozenset({"VERB", "AUX"})
# Names the model reads as names in any context, by entity label.
_STAND_IN = {"ORG": "NATO", "GPE": "France", "NORP": "French", "LOC": "Europe", "PERSON": "John"}


class NameReparser:
    """spaCy component: sentences with a gazetteer name tagged as a verb, parsed alone."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        broken = self._misread_sentences(doc)
        if broken:
            self._reparse(doc, broken)
        return doc

    @staticmethod
    def _misread_sentences(doc: Doc) -> list[Span]:
        """Sentences holding a gazetteer span (``span_id`` set) with a verb-tagged token."""
        found: dict[int, Span] = {}
        for ent in doc.ents:
            if ent.id_ and any(t.pos_ in _VERBAL for t in ent):
                sent = ent.sent
                found[sent.start] = sent
        return list(found.values())

    def _reparse(self, doc: Doc, sents: list[Span]) -> None:
        pipes = [self.nlp.get_pipe(n) for n in _PARSING_PIPES if n in self.nlp.pipe_names]
        table = doc.to_array(_ATTRS)
        for sent in sents:
            stand_ins = self._stand_ins(sent)
            words = [stand_ins.get(t.i, t.text) for t in sent]
            alone = Doc(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in sent])
            for pipe in pipes:
                alone = pipe(alone)
            rows = alone.to_array(_ATTRS)  # the same tokens, one row each
            lemma = _ATTRS.index(LEMMA)
            for i in stand_ins:  # the name keeps its own lemma
                rows[i - sent.start, lemma] = doc.vocab.strings.add(doc[i].text)
            table[sent.start : sent.end] = rows
        ents = doc.ents
        doc.from_array(_ATTRS, table)
        doc.ents = ents

    @staticmethod
    def _stand_ins(sent: Span) -> dict[int, str]:
        """A plain name of the same kind for each verb-tagged token of a gazetteer name, so
        the model reads the sentence as it would with a name it knows."""
        out = {}
        for ent in sent.ents:
            if ent.id_:
                for t in ent:
                    if t.pos_ in _VERBAL:
                        out[t.i] = _STAND_IN.get(ent.label_, "NATO")
        return out
