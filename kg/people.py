"""Person names the small statistical NER misses, cuts short or mislabels.

``en_core_web_sm`` tags a name in one sentence and misses it in the next ("Olaf Scholz, the
German chancellor" untagged), cuts names with particles ("Ursula von der" + "Leyen" as a GPE),
and keeps honorifics inside them ("Sheikh Abdullah bin Zayed"). The ``geokg_people`` component
runs after ``ner`` and repairs ``doc.ents``:

1. a capitalised run of name words right after a title is a person ("Defence Minister Khawaja
   Asif", "Foreign Minister Dr. Abdullatif bin Rashid Al-Zayani");
2. a PERSON span grows over the rest of its name (particles, hyphens, capitalised words, a
   one-word entity NER gave another label);
3. honorifics ("Mr", "Sheikh", "Dr.") leave the start of a span;
4. every full name found anywhere in the doc, and each of its first and last name parts, is a
   person wherever else it occurs untagged ("Mr Scholz said").

Gazetteer spans (countries, organizations) are never overridden.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from kg.actors import ActorDictionary, load_actors, parse_date
from kg.gazetteer import Gazetteer, load_gazetteer

PERSON = "PERSON"
# Entity labels a lone word cannot be a person's surname under ("May" the month).
_NOT_PEOPLE = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})
_HYPHENS = frozenset({"-", "‐", "‑"})
_MAX_NAME = 6  # tokens in a name run


class PeopleFinder:
    """spaCy component: person spans from titles, name continuations and repeated names."""

    def __init__(
        self,
        nlp: Language,
        gazetteer: Gazetteer | None = None,
        actors: ActorDictionary | None = None,
    ) -> None:
        self.gaz = gazetteer or load_gazetteer()
        self.actors = actors or load_actors()
        self.honorifics = self.gaz.honorifics
        self.particles = self.gaz.name_particles
        self.not_names = self.gaz.org_head_words | self.honorifics
        # Every spelling of every person of the actor dictionary, keyed by the canonical name.
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        by_person: dict[str, list[str]] = {}
        for form in self.actors.names():
            if len(form.split()) >= 2:
                by_person.setdefault(self.actors.canonical(form) or form, []).append(form)
        for name, forms in by_person.items():
            self.matcher.add(name, [nlp.make_doc(f) for f in forms])

    def __call__(self, doc: Doc) -> Doc:
        owner: list[Span | None] = [None] * len(doc)  # which entity claims each token
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                owner[i] = ent
        known = self._known(doc)
        for span in known:  # the dictionary's full names win over what NER made of them
            for i in range(span.start, span.end):
                owner[i] = span
        people = known + [
            e
            for e in doc.ents
            if e.label_ == PERSON and all(owner[i] == e for i in range(e.start, e.end))
        ]
        people += self._titled(doc, owner)
        people = [self._grow(doc, span, owner) for span in people]
        people = [s for s in (self._strip(s) for s in people) if s is not None]
        people += self._repeated(doc, people, owner)
        people += self._dictionary_surnames(doc, people, owner)
        doc.ents = self._merge(doc, people)
        return doc

    # -- the actor dictionary ----------------------------------------------------------

    def _known(self, doc: Doc) -> list[Span]:
        """Full names of the actor dictionary, as PERSON spans whose ``kb_id_`` is the
        canonical name ("Recep Tayyip Erdoğan" -> "Recep Tayyip Erdogan")."""
        spans = [
            Span(doc, start, end, label=PERSON, kb_id=self.actors_key(doc, match_id))
            for match_id, start, end in self.matcher(doc)
        ]
        return [s for s in filter_spans(spans) if s.text[:1].isupper()]

    @staticmethod
    def actors_key(doc: Doc, match_id: int) -> str:
        return doc.vocab.strings[match_id]

    def _dictionary_surnames(
        self, doc: Doc, people: list[Span], owner: list[Span | None]
    ) -> list[Span]:
        """A lone surname no full name in the article explains ("Putin said"): the one person
        of the dictionary with that short name in office at the article's date."""
        day = parse_date(doc._.article_date)
        taken = {i for span in people for i in range(span.start, span.end)}
        found = []
        for t in doc:
            # (the tagger calls a sentence-initial "Trump" an adjective: any capitalised word)
            if t.i in taken or not t.text[:1].isupper() or t.is_stop or not t.is_alpha:
                continue
            other = owner[t.i]
            if other is not None and (
                _gazetteer(other) or other.label_ in _NOT_PEOPLE or len(other) > 1
            ):
                continue
            name = self.actors.surname(t.text, day)
            if name is not None:
                found.append(Span(doc, t.i, t.i + 1, label=PERSON, kb_id=name))
        return found

    # -- finding names ------------------------------------------------------------------

    def is_name_word(self, t: Token) -> bool:
        """A capitalised word that can be part of a person's name."""
        low = t.lower_
        return (
            t.text[:1].isupper()
            and not t.is_stop
            and any(c.isalpha() for c in t.text)
            and low not in self.gaz.title_words
            and low not in self.not_names
            and t.pos_ in ("PROPN", "NOUN", "ADJ", "X")
        )

    def _run(self, doc: Doc, start: int, owner: list[Span | None]) -> int:
        """End of the name run that starts at ``start`` (``start`` if there is none)."""
        end = start
        i = start
        while i < len(doc) and i - start < _MAX_NAME:
            t = doc[i]
            if _gazetteer(owner[i]):
                break
            if self.is_name_word(t):
                i += 1
                end = i
            elif (
                end > start
                and (t.lower_ in self.particles or t.text in _HYPHENS)
                and i + 1 < len(doc)
                and self.is_name_word(doc[i + 1])
                and (t.text not in _HYPHENS or not doc[i - 1].whitespace_)
            ):
                i += 1
            elif end == start and t.lower_ in self.particles and t.i + 1 < len(doc):
                i += 1  # "al-Sisi", "bin Salman" may open the run
            else:
                break
        return end

    def _titled(self, doc: Doc, owner: list[Span | None]) -> list[Span]:
        """ "Defence Minister Khawaja Asif": the capitalised run after a capitalised title."""
        found = []
        for t in doc:
            if not t.text[:1].isupper() or t.lower_ not in self.gaz.title_words:
                continue
            if self.gaz.title_role(_phrase_ending(doc, t.i, self.gaz.title_words)) is None:
                continue
            start = t.i + 1
            while start < len(doc) and doc[start].lower_.rstrip(".") in self.honorifics:
                start += 1
            if start >= len(doc):
                continue
            taken = owner[start]
            if taken is not None and (taken.label_ == PERSON or _gazetteer(taken)):
                continue  # NER or the gazetteer already has it
            end = self._run(doc, start, owner)
            if end > start:
                found.append(Span(doc, start, end, label=PERSON))
        return found

    def _grow(self, doc: Doc, span: Span, owner: list[Span | None]) -> Span:
        """Extend a PERSON span over the rest of its name ("Ursula von der" + "Leyen")."""
        end = span.end
        while end < len(doc) and self._may_take(doc, end, span, owner):
            t = doc[end]
            glue = t.text in _HYPHENS or t.lower_ in self.particles
            if glue and end + 1 < len(doc) and self.is_name_word(doc[end + 1]):
                if t.text in _HYPHENS and (doc[end - 1].whitespace_ or t.whitespace_):
                    break  # a dash between words, not a hyphenated name
                end += 2
            elif self.is_name_word(t) and t.pos_ == "PROPN" and doc[end - 1].text[:1].isupper():
                end += 1
            else:
                break
        return span if end == span.end else Span(doc, span.start, end, label=PERSON)

    def _may_take(self, doc: Doc, i: int, span: Span, owner: list[Span | None]) -> bool:
        """A token another entity holds may join a name only if that entity is a single word
        NER mislabelled ("Leyen" as GPE), never a gazetteer entry."""
        other = owner[i]
        if other is None or other == span or other.label_ == PERSON:
            return True
        return not _gazetteer(other) and other.end - other.start == 1 and self.is_name_word(doc[i])

    def _strip(self, span: Span) -> Span | None:
        """Drop honorifics and titles from the start of a span ("Sheikh Abdullah ...")."""
        start = span.start
        doc = span.doc
        while start < span.end - 1 and (
            doc[start].lower_.rstrip(".") in self.honorifics
            or doc[start].lower_ in self.gaz.title_words
        ):
            start += 1
        if not any(self.is_name_word(t) for t in doc[start : span.end]):
            return None
        return span if start == span.start else Span(doc, start, span.end, label=PERSON)

    def _repeated(self, doc: Doc, people: list[Span], owner: list[Span | None]) -> list[Span]:
        """Untagged occurrences of a full name, or of its first or last part, found elsewhere."""
        names: dict[tuple[str, ...], int] = {}
        for span in people:
            words = tuple(t.text for t in span if t.text not in _HYPHENS)
            if len(words) < 2:
                continue
            names[tuple(t.text for t in span)] = len(span)
            for part in (words[0], words[-1]):
                if part.lower() not in self.particles and len(part) > 1:
                    names.setdefault((part,), 1)
        if not names:
            return []
        claimed = [o is not None for o in owner]
        for span in people:
            for i in range(span.start, span.end):
                claimed[i] = True
        found = []
        longest = max(names.values())
        texts = [t.text for t in doc]
        firsts = {name[0] for name in names}
        i = 0
        while i < len(doc):
            hit = 0
            if texts[i] in firsts:
                for n in range(min(longest, len(doc) - i), 0, -1):
                    if tuple(texts[i : i + n]) in names and not any(claimed[i : i + n]):
                        hit = n
                        break
            if hit and (hit > 1 or doc[i].pos_ == "PROPN"):
                found.append(Span(doc, i, i + hit, label=PERSON))
                i += hit
            else:
                i += 1
        return found

    @staticmethod
    def _merge(doc: Doc, people: Iterable[Span]) -> tuple[Span, ...]:
        """doc.ents with the person spans in: gazetteer spans first, then people, then NER."""
        taken = [False] * len(doc)
        out: list[Span] = []

        def take(span: Span) -> None:
            if span.start < span.end and not any(taken[span.start : span.end]):
                out.append(span)
                for i in range(span.start, span.end):
                    taken[i] = True

        for span in people:
            if span.kb_id_:  # the dictionary's full names: "Israel Katz" is no Israel
                take(span)
        for ent in doc.ents:
            if _gazetteer(ent):
                take(ent)
        for span in sorted(people, key=lambda s: (s.start, -len(s))):
            take(span)
        for ent in doc.ents:
            if not _gazetteer(ent) and ent.label_ != PERSON:
                take(ent)
        return tuple(sorted(out, key=lambda s: s.start))


def _gazetteer(span: Span | None) -> bool:
    return span is not None and bool(span.ent_id_)


def _phrase_ending(doc: Doc, i: int, title_words: frozenset[str]) -> str:
    """The run of title words that ends at token ``i`` ("Foreign Minister")."""
    j = i
    while j > 0 and doc[j - 1].lower_ in title_words:
        j -= 1
    return " ".join(t.lower_ for t in doc[j : i + 1])
