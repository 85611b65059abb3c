"""Re-parse a sentence the model misread: a known name taken for a verb, a possessive
apostrophe taken for a quote.

The small English model now and then tags an organization's name as a verb in context
("ECOWAS" read as VBZ from its "-s" ending, "Ecowas, as the bloc is known, imposed ...":
ROOT), and the dependency parse of that sentence is then wrong throughout, so no relation in
it can be read. The gazetteer knows better: a span it matched is a name. :class:`NameReparser`
runs after the gazetteer and NER; for each sentence in which a gazetteer name is tagged as a
verb it parses the sentence again, alone (the model's tagger, parser, attribute ruler and
lemmatizer on the sentence as its own doc) with a name the model always reads as one standing
in for the misread word ("NATO" for an organization): entity masking, as relation extractors
do in training. The name keeps its own text and lemma. The same goes for a typographic
apostrophe after a name in -s ("Belarus’ main sponsor"), which the model reads as a closing
quote where a straight one would be a possessive. Such sentences are rare, so is the cost.
"""

from __future__ import annotations

from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

# What the re-parse replaces, token by token (HEAD is relative, so it copies as is).
_ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
# The pipes that produce those attributes, in pipeline order.
_PARSING_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_VERBAL = frozenset({"VERB", "AUX"})
_APOSTROPHE = "'"
# Names the model reads as names in any context, by entity label.
_STAND_IN = {"ORG": "NATO", "GPE": "France", "NORP": "French", "LOC": "Europe", "PERSON": "John"}


class NameReparser:
    """spaCy component: sentences the model misread, parsed again with stand-ins."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        misread = misread_tokens(doc)
        if misread:
            self._reparse(doc, misread)
        return doc

    def _reparse(self, doc: Doc, misread: dict[int, str]) -> None:
        pipes = [self.nlp.get_pipe(n) for n in _PARSING_PIPES if n in self.nlp.pipe_names]
        table = doc.to_array(_ATTRS)
        lemma = _ATTRS.index(LEMMA)
        sents = {doc[i].sent.start: doc[i].sent for i in misread}
        for sent in sents.values():
            words = [misread.get(t.i, t.text) for t in sent]
            alone = Doc(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in sent])
            for pipe in pipes:
                alone = pipe(alone)
            rows = alone.to_array(_ATTRS)  # the same tokens, one row each
            for i in misread:  # a stand-in name keeps the name's own lemma
                if sent.start <= i < sent.end and misread[i] != _APOSTROPHE:
                    rows[i - sent.start, lemma] = doc.vocab.strings.add(doc[i].text)
            table[sent.start : sent.end] = rows
        ents = doc.ents
        doc.from_array(_ATTRS, table)
        doc.ents = ents


def misread_tokens(doc: Doc) -> dict[int, str]:
    """Tokens the model misread, each with the stand-in to parse in its place: a word of a
    gazetteer name tagged as a verb ("ECOWAS" -> "NATO"), and a typographic apostrophe after a
    name in -s read as a closing quote ("Belarus’ main sponsor" -> "Belarus' main sponsor")."""
    out: dict[int, str] = {}
    for ent in doc.ents:
        if ent.id_:  # matched by the gazetteer
            for t in ent:
                if t.pos_ in _VERBAL:
                    out[t.i] = _STAND_IN.get(ent.label_, "NATO")
            after = doc[ent.end] if ent.end < len(doc) else None
            if after is not None and _possessive_quote(after):
                out[after.i] = _APOSTROPHE
    return out


def _possessive_quote(t) -> bool:
    """"’" right after a name in -s, before a word, with no quotation it could close."""
    doc = t.doc
    prev = doc[t.i - 1]
    if t.text != "’" or t.tag_ == "POS" or prev.whitespace_ or not prev.text.endswith(("s", "S")):
        return False
    if t.i + 1 >= len(doc) or not doc[t.i + 1].is_alpha or not t.whitespace_:
        return False
    sent = t.sent
    opened = sum(1 for x in doc[sent.start : t.i] if x.text == "‘")
    closed = sum(1 for x in doc[sent.start : t.i] if x.text == "’" and x.tag_ != "POS")
    return opened <= closed
