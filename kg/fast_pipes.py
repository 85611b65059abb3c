"""spaCy's attribute ruler and lemmatizer, with the same output, decided once per kind of token.

Both are lookups dressed as per-token Python loops; together they took a fifth of the English
model's time in ``kg build``. The replacements give the same token attributes (tested on the
seeds) at a dictionary lookup per token.

The English model's ``attribute_ruler`` maps fine-grained tags to parts of speech and
morphology and fixes a few lemmas (179 patterns, almost all of one token). spaCy runs them
through a ``Matcher`` on every token of every doc, which took 15 % of the model's time in
``kg build`` for what is a table lookup. :class:`FastAttributeRuler` keeps spaCy's patterns,
order and precedence (later rules win) but decides the one-token patterns once per distinct
combination of the attributes they read (tag, lower-case form, dependency, ...), so a doc
costs a dictionary lookup per token; patterns of several tokens, or with operators it does not
evaluate itself, still go through a ``Matcher`` of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, NORM, ORTH, POS, TAG
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

# Token attributes a one-token pattern may test, with the ID of their array column.
_COLUMNS = {"TAG": TAG, "LOWER": LOWER, "DEP": DEP, "IS_SPACE": IS_SPACE, "ORTH": ORTH,
            "TEXT": ORTH, "NORM": NORM, "POS": POS}
_STRING_VALUED = frozenset({"TAG", "LOWER", "DEP", "ORTH", "TEXT", "NORM", "POS"})

Test = Callable[[Any], bool]


class _Exact:
    """The test ``value == want``, with ``want`` visible for indexing."""

    __slots__ = ("exact",)

    def __init__(self, want: Any) -> None:
        self.exact = want

    def __call__(self, value: Any) -> bool:
        return value == self.exact


def _value_test(value: Any) -> Test | None:
    """A test of one attribute value as the Matcher would apply it, or None if unsupported."""
    if not isinstance(value, dict):
        return _Exact(value)
    if len(value) != 1:
        return None
    (op, arg), = value.items()
    if op == "IN":
        allowed = frozenset(arg)
        return lambda v: v in allowed
    if op == "NOT_IN":
        banned = frozenset(arg)
        return lambda v: v not in banned
    if op == "REGEX":
        rx = re.compile(arg)
        return lambda v: isinstance(v, str) and rx.search(v) is not None
    return None


def _token_test(spec: dict[str, Any]) -> tuple[tuple[str, Test], ...] | None:
    """The tests of a one-token pattern, or None when it needs the Matcher."""
    tests = []
    for key, value in spec.items():
        key = key.upper()
        test = _value_test(value) if key in _COLUMNS else None
        if test is None:
            return None
        tests.append((key, test))
    return tuple(tests)


class FastAttributeRuler(AttributeRuler):
    """An ``AttributeRuler`` (same patterns, same result) that memoises one-token patterns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: _Compiled | None = None

    def add(self, patterns: Iterable, attrs: dict, index: int = 0) -> None:
        super().add(patterns, attrs, index)
        self._compiled = None  # recompile on the next doc

    def __call__(self, doc: Doc) -> Doc:
        compiled = self._compiled or self._compile()
        per_token, may_start = compiled.simple_matches(doc)
        extra: dict[int, list[int]] = {}
        matches = compiled.matcher(doc, allow_missing=True) if may_start else ()
        for match_id, start, end in matches:
            attr_id = int(self.vocab.strings[match_id])
            i = range(start, end)[self.indices[attr_id]]
            extra.setdefault(i, []).append(attr_id)
        for i, ids in extra.items():
            per_token[i] = tuple(sorted(per_token[i] + tuple(ids)))
        merged_cache: dict[tuple[int, ...], dict] = {}
        for i, ids in enumerate(per_token):
            if not ids:
                continue
            merged = merged_cache.get(ids)
            if merged is None:
                merged = merged_cache[ids] = self._merged(ids)
            set_token_attrs(doc[i], merged)
        return doc

    def _merged(self, ids: tuple[int, ...]) -> dict:
        """The attributes rules ``ids`` set, later rules overriding earlier ones."""
        merged: dict = {}
        for attr_id in ids:
            merged.update(self.attrs[attr_id])
        return merged

    def _compile(self) -> _Compiled:
        simple: list[tuple[int, tuple[tuple[str, Test], ...]]] = []
        starts: list[tuple[tuple[str, Test], ...] | None] = []  # first tokens of the others
        matcher = Matcher(self.vocab, validate=False)
        for attr_id, pattern in enumerate(self._patterns_by_rule()):
            for token_patterns in pattern:
                first = _token_test(token_patterns[0])
                if first is not None and len(token_patterns) == 1:
                    simple.append((attr_id, first))
                else:
                    matcher.add(str(attr_id), [token_patterns])
                    starts.append(first)
        self._compiled = _Compiled(self.vocab, simple, starts, matcher)
        return self._compiled

    def _patterns_by_rule(self) -> list[list[list[dict]]]:
        """The Matcher patterns of each rule, by its position (attribute ID)."""
        return [self.matcher.get(str(i))[1] for i in range(len(self.attrs))]


class _Compiled:
    """One-token rules as tests on attribute values, decided once per token signature."""

    def __init__(self, vocab, simple: list, starts: list, matcher: Matcher) -> None:
        self.vocab = vocab
        self.matcher = matcher
        # The Matcher runs on a doc only if one of its patterns may start there: some token
        # passes the pattern's first-token tests (a first token with an operator always may).
        self.always_match = any(first is None for first in starts)
        # Rules (and first tokens of the Matcher's patterns, as rule -1) indexed by an exact
        # value they require, so a new signature is tested against a handful of rules only.
        self.index: dict[tuple[str, object], list[tuple[int, tuple]]] = {}
        self.unindexed: list[tuple[int, tuple]] = []
        rules = simple + [(-1, first) for first in starts if first is not None]
        for attr_id, tests in rules:
            key = _index_key(tests)
            bucket = self.unindexed if key is None else self.index.setdefault(key, [])
            bucket.append((attr_id, tests))
        self.keys = sorted({key for _, tests in rules for key, _ in tests})
        self.columns = [_COLUMNS[k] for k in self.keys]
        self.memo: dict[tuple[int, ...], tuple[tuple[int, ...], bool]] = {}

    def simple_matches(self, doc: Doc) -> tuple[list[tuple[int, ...]], bool]:
        """The IDs of the one-token rules each token matches (in rule order), and whether
        a pattern of the Matcher may match in the doc."""
        if not len(doc):
            return [], False
        if not self.columns:
            return [()] * len(doc), True
        memo = self.memo
        out = []
        may_start = self.always_match
        for row in map(tuple, doc.to_array(self.columns).tolist()):
            decided = memo.get(row)
            if decided is None:
                decided = memo[row] = self._decide(row)
            out.append(decided[0])
            may_start = may_start or decided[1]
        return out, may_start

    def _decide(self, row: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
        strings = self.vocab.strings
        values = {
            key: (strings[v] if v else "") if key in _STRING_VALUED else bool(v)
            for key, v in zip(self.keys, row, strict=True)
        }
        candidates = list(self.unindexed)
        for key, value in values.items():
            candidates.extend(self.index.get((key, value), ()))
        passed = {
            attr_id
            for attr_id, tests in candidates
            if all(test(values[key]) for key, test in tests)
        }
        may_start = -1 in passed
        passed.discard(-1)
        return tuple(sorted(passed)), may_start


def _index_key(tests: tuple[tuple[str, Test], ...]) -> tuple[str, object] | None:
    """An exact (attribute, value) a token must have to pass ``tests``, if there is one."""
    for preferred in ("LOWER", "ORTH", "TEXT", "NORM", "TAG", "POS", "DEP", "IS_SPACE"):
        for key, test in tests:
            want = getattr(test, "exact", None)
            if key == preferred and want is not None:
                return key, want
    return None


@Language.factory(
    "geokg_attribute_ruler",
    default_config={"validate": False, "scorer": {"@scorers": "spacy.attribute_ruler_scorer.v1"}},
)
def make_fast_attribute_ruler(nlp: Language, name: str, validate: bool, scorer) -> AttributeRuler:
    """spaCy's attribute ruler, decided once per kind of token (see :class:`FastAttributeRuler`)."""
    return FastAttributeRuler(nlp.vocab, name, validate=validate, scorer=scorer)


class FastLemmatizer(EnglishLemmatizer):
    """spaCy's English rule lemmatizer, memoised by what a lemma depends on: the word, its
    part of speech and its morphology (``is_base_form`` and the rules read nothing else), so
    each distinct (word, POS, morphology) is lemmatised once, by spaCy's own code."""

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "rule":
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables()
        memo: dict[tuple[int, int, int], int] = self.__dict__.setdefault("_memo", {})
        table = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = table[:, 3].copy()
        strings = self.vocab.strings
        for i, key in enumerate(map(tuple, table[:, :3].tolist())):
            if lemmas[i] and not self.overwrite:
                continue  # set by the attribute ruler
            lemma = memo.get(key)
            if lemma is None:
                lemma = memo[key] = strings.add(self.lemmatize(doc[i])[0])
            lemmas[i] = lemma
        doc.from_array([LEMMA], numpy.ascontiguousarray(lemmas.reshape(-1, 1)))
        return doc


@Language.factory(
    "geokg_lemmatizer",
    default_config={"mode": "rule", "overwrite": False,
                    "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}},
)  # fmt: skip
def make_fast_lemmatizer(nlp: Language, name: str, mode: str, overwrite: bool, scorer):
    """spaCy's English lemmatizer, each (word, POS, morphology) lemmatised once."""
    return FastLemmatizer(nlp.vocab, None, name, mode=mode, overwrite=overwrite, scorer=scorer)
