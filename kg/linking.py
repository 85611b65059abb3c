"""Entity linking and in-article coreference: from spaCy entity spans to canonical entities.

Every named-entity span is resolved to an :class:`~kg.records.EntityRef`: gazetteer entries
(countries, capitals, seats of government, demonyms, organizations) by their key, people by
their normalised full name. A surname alone ("Stoltenberg", which ``en_core_web_sm`` often
tags ORG or GPE) is linked to the full name used earlier in the article. Pronouns ("he", "his"),
definite descriptions ("the alliance", "the country", "the secretary general") and "the pair"
are linked to the salient antecedent of the right type.

The linker runs as the spaCy component ``geokg_linker`` and leaves its results on
``doc._.links`` (a :class:`DocLinks`).
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

import numpy
from spacy.attrs import LOWER
from spacy.tokens import Doc, Span, Token

from kg.actors import ActorDictionary, load_actors, parse_date
from kg.gazetteer import Gazetteer, load_gazetteer
from kg.names import NAME_SPLIT, person_key, slug
from kg.records import EntityRef

_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
PERSON = "Person"
COUNTRY = "Country"
ORG_TYPES = frozenset({"Organization", "IntergovernmentalOrganization", "ArmedGroup"})

_PERSON_PRONOUNS = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
# "the two leaders", "both sides", "the three countries": how many a group noun stands for.
_GROUP_COUNTS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5}
_LAST_LIST = -1  # "these nations": as many as the last list named
_STATE_TYPES = frozenset({"Country", "IntergovernmentalOrganization", "Organization"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Sentences back that a pronoun or definite description may reach for its antecedent.
_PRONOUN_WINDOW = 3
_DESCRIPTION_WINDOW = 8
# Labels under which spaCy's statistical NER finds actors we do not have in the gazetteer.
_NER_PERSON = "PERSON"
_NER_ORG = "ORG"
# Words of organization names that say what kind of body it is, not whose.
_GENERIC_ORG_WORDS = frozenset(
    {"foreign", "defence", "defense", "interior", "finance", "national", "federal", "state",
     "affairs", "external", "home", "the", "of", "and", "for", "security"}
)  # fmt: skip


@dataclass(frozen=True)
class Link:
    """A span of the doc (token offsets) that refers to one or more entities."""

    start: int
    end: int
    entities: tuple[EntityRef, ...]
    # name | alias | capital | seat | demonym | person | surname | org | pronoun | description
    form: str


@dataclass
class DocLinks:
    """The linker's results for one doc."""

    links: list[Link] = field(default_factory=list)
    by_token: dict[int, Link] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # person key -> title seen before it
    _actor_positions: list[int] = field(default_factory=list)
    _actors: list[EntityRef] = field(default_factory=list)

    def add(self, link: Link) -> None:
        self.links.append(link)
        for i in range(link.start, link.end):
            self.by_token[i] = link
        if len(link.entities) == 1 and link.entities[0].type != PERSON and link.form != "demonym":
            self._actor_positions.append(link.start)
            self._actors.append(link.entities[0])

    def in_span(self, start: int, end: int) -> list[Link]:
        """Links that start within token offsets [start, end) (links are sorted by start)."""
        starts = [lk.start for lk in self.links]
        return self.links[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]

    def at(self, token: Token) -> Link | None:
        """The link covering this token, if any."""
        return self.by_token.get(token.i)

    def last_actor_position(self, i: int) -> int | None:
        """Token index of the most recent country or organization mention before ``i``."""
        k = bisect.bisect_left(self._actor_positions, i)
        return self._actor_positions[k - 1] if k > 0 else None

    def last_actor_before(self, i: int, exclude: EntityRef | None = None) -> EntityRef | None:
        """The most recent country or organization mentioned before token ``i``."""
        k = bisect.bisect_left(self._actor_positions, i)
        while k > 0:
            k -= 1
            if self._actors[k] != exclude:
                return self._actors[k]
        return None


class EntityLinker:
    """spaCy component: resolve entity spans and coreferent expressions to entities."""

    def __init__(
        self, gazetteer: Gazetteer | None = None, actors: ActorDictionary | None = None
    ) -> None:
        self.gaz = gazetteer or load_gazetteer()
        self.actors = actors or load_actors()
        if not Doc.has_extension("links"):
            Doc.set_extension("links", default=None)

    def __call__(self, doc: Doc) -> Doc:
        links = DocLinks()
        persons = self._people(doc)
        for ent in doc.ents:
            if ent.label_ == _NER_PERSON:
                ent = _extend_name(ent)
            link = self._link_span(ent, persons)
            if link is not None:
                links.add(link)
        self._corefer(doc, links)
        links.links.sort(key=lambda lk: lk.start)
        doc._.links = links
        return doc

    # -- named mentions -------------------------------------------------------------------

    def _people(self, doc: Doc) -> dict[str, EntityRef]:
        """Full names of people in the doc, indexed by each of their name parts."""
        by_part: dict[str, EntityRef] = {}
        for ent in doc.ents:
            if ent.label_ != _NER_PERSON or ent.ent_id_:
                continue
            name = ent.kb_id_ or self._strip_title(_extend_name(ent))
            parts = [p for p in NAME_SPLIT.split(name) if p]
            if len(parts) < 2:
                continue
            ref = self._person(name)
            # Family name first (Yoon Suk-yeol) or last (Fumio Kishida): both may stand alone,
            # and so may a surname with its particles ("von der Leyen", "bin Mubarak").
            for part in (parts[0], parts[-1], *_particle_surnames(parts, self.gaz)):
                by_part.setdefault(person_key(part), ref)
        return by_part

    def _strip_title(self, ent: Span) -> str:
        """The name without a title spaCy left inside the span ("President Yoon" -> "Yoon")."""
        tokens = list(ent)
        while len(tokens) > 1 and tokens[0].lower_ in self.gaz.title_words:
            tokens = tokens[1:]
        text = "".join(t.text_with_ws for t in tokens).strip()
        return re.sub(r"(['’]s)$", "", text).strip()

    def _link_span(self, ent: Span, persons: dict[str, EntityRef]) -> Link | None:
        if ent.kb_id_ and ent.label_ == _NER_PERSON:  # the actor dictionary's canonical name
            return Link(ent.start, ent.end, (self._person(ent.kb_id_),), "person")
        if ent.ent_id_:  # from the gazetteer ruler: "<key>|<form>"
            key, _, form = ent.ent_id_.partition("|")
            entry = self.gaz.entries.get(key)
            if entry is None:
                return None
            return Link(ent.start, ent.end, (self.gaz.ref(entry),), form or "name")
        if ent.label_ not in (_NER_PERSON, _NER_ORG, "GPE", "NORP"):
            return None
        match = self.gaz.match(ent.text)
        if match is not None:
            return Link(ent.start, ent.end, (self.gaz.ref(match.entry),), match.form)
        name = self._strip_title(ent)
        parts = [p for p in NAME_SPLIT.split(name) if p]
        if not parts or (len(ent) == 1 and ent[0].lower_ in _event_words()):
            return None  # "The MoU was inked by ...": NER's person is the agreement
        known = persons.get(person_key(name))
        if known is not None and (len(parts) == 1 or known.label != name):
            return Link(ent.start, ent.end, (known,), "surname")
        if len(parts) == 1 and ent.label_ == _NER_PERSON:
            # no full name in the article: the dictionary's one holder of that name then
            listed = self.actors.surname(name, parse_date(ent.doc._.article_date))
            if listed is not None:
                return Link(ent.start, ent.end, (self._person(listed),), "surname")
        if ent.label_ == _NER_PERSON or self._titled(ent):
            return Link(ent.start, ent.end, (self._person(name),), "person")
        if ent.label_ == _NER_ORG and self._plausible_org(ent):
            name = _LEADING_THE.sub("", name)  # "the Pacific Alliance" is named Pacific Alliance
            ref = EntityRef(key=slug(name), label=name, type="Organization")
            return Link(ent.start, ent.end, (ref,), "org")
        return None

    def _person(self, name: str) -> EntityRef:
        """A person node, named as the actor dictionary names them when it knows them."""
        name = self.actors.canonical(name) or name
        return EntityRef(key=person_key(name), label=name, type=PERSON)

    def _titled(self, ent: Span) -> bool:
        """A name with a title before it ("Secretary-General Stoltenberg") or in apposition
        ("Stoltenberg, secretary general of ...") is a person whatever NER called it."""
        doc = ent.doc
        if ent.start > 0 and doc[ent.start - 1].lower_ in self.gaz.title_words:
            return doc[ent.start - 1].pos_ in ("PROPN", "NOUN")
        head = ent.root
        for c in head.children:
            if c.dep_ == "appos":
                words = [g.lower_ for g in c.lefts if g.dep_ == "compound"] + [c.lower_]
                if self.gaz.title_role(" ".join(words)):
                    return True
        return False

    def _plausible_org(self, ent: Span) -> bool:
        """An unknown ORG span may be an actor unless it is a news outlet, a lone word in caps,
        or only generic words ("Foreign Ministry", "Defence Ministry": whose ministry?)."""
        text = ent.text.strip()
        if self.gaz.is_media(text):
            return False
        generic = self.gaz.title_words | self.gaz.org_head_words | _GENERIC_ORG_WORDS
        if all(t.lower_ in generic or not t.is_alpha for t in ent):
            return False
        # en_core_web_sm tags many stray capitalised words as ORG (regions, events, products):
        # keep acronyms and names headed by an organization word.
        if text.isupper() and text.isalpha() and 2 <= len(text) <= 6:
            return True
        return ent[-1].lower_ in self.gaz.org_head_words

    # -- coreference ----------------------------------------------------------------------

    def _corefer(self, doc: Doc, links: DocLinks) -> None:
        """Link pronouns, definite descriptions and "the pair" to earlier mentions."""
        sent_index = _SentenceIndex(doc)
        persons: list[tuple[int, int, bool, EntityRef]] = []  # (token, sentence, is_subject, ref)
        named = sorted(links.links, key=lambda lk: lk.start)
        k = 0
        # Only pronouns and generic nouns can corefer: find them in the doc's LOWER array
        # rather than visiting every Token object.
        lowers = doc.to_array(LOWER)
        wanted = numpy.fromiter(self._coref_hashes(doc), dtype=lowers.dtype)
        for i in numpy.nonzero(numpy.isin(lowers, wanted))[0].tolist():
            tok = doc[i]
            while k < len(named) and named[k].start <= tok.i:
                lk = named[k]
                head = doc[lk.end - 1]
                for ref in lk.entities:
                    if ref.type == PERSON:
                        persons.append(
                            (lk.start, sent_index[lk.start], head.dep_ in _SUBJECT_DEPS, ref)
                        )
                        title = self._title_before(doc, lk.start)
                        if title:
                            links.titles.setdefault(ref.key, title)
                k += 1
            if tok.i in links.by_token:
                continue
            low = tok.lower_
            here = sent_index[tok.i]
            if low in _PERSON_PRONOUNS and tok.pos_ == "PRON":
                ref = self._salient_person(persons, here, exclude=self._clause_subject(tok, links))
                if ref is not None:
                    links.add(Link(tok.i, tok.i + 1, (ref,), "pronoun"))
            elif self._group_size(tok):
                self._group(doc, tok, here, named, links, sent_index)
            elif tok.pos_ in ("NOUN", "PROPN") and self._generic(tok) and self._definite(tok):
                self._describe(doc, tok, here, persons, links, sent_index)

    def _coref_hashes(self, doc: Doc) -> set[int]:
        """LOWER hashes of the words that may start coreference: pronouns, generic nouns,
        plural group nouns ("leaders", "countries")."""
        words = set(_PERSON_PRONOUNS)
        words.update(noun.split()[-1] for noun in self.gaz.generic_nouns)
        words.update(_plural(noun.split()[-1]) for noun in self.gaz.group_nouns)
        return {doc.vocab.strings.add(w) for w in words}

    def _group_size(self, tok: Token) -> int:
        """How many entities "the two leaders", "both sides", "the three countries" stand for
        (0 if the token is no such group)."""
        if tok.tag_ not in ("NNS", "NNPS") or tok.lemma_.lower() not in self.gaz.group_nouns:
            return 0
        for c in tok.children:
            if c.dep_ in ("nummod", "det", "predet", "quantmod") and c.lower_ in _GROUP_COUNTS:
                return _GROUP_COUNTS[c.lower_]
            if c.dep_ == "det" and c.lower_ in ("these", "those"):
                return _LAST_LIST  # "accusing these nations of interfering"
        return 0

    def _group(self, doc: Doc, tok: Token, here: int, named: list[Link], links, sent_index):
        """Link a group to the last N distinct people (or countries and organizations)
        mentioned before it: "Kishida met Yoon ... the two leaders agreed"."""
        size = self._group_size(tok)
        kind = self.gaz.group_nouns[tok.lemma_.lower()]
        if any(c.dep_ == "prep" for c in tok.children):
            return  # "the two parties to the Ethiopian conflict": the phrase says who
        window = _PRONOUN_WINDOW if kind == PERSON else _DESCRIPTION_WINDOW
        if size == _LAST_LIST:
            found = _last_list(doc, tok, named, kind, sent_index, window)
            if found:
                start = min([tok.i] + [c.i for c in tok.lefts if c.dep_ in ("det", "amod")])
                links.add(Link(start, tok.i + 1, tuple(found), "description"))
            return
        # Candidates in the window, ranked by how often the article named them so far, then
        # by recency: "the two countries" of a story on India and China are India and China,
        # even if the summit's host was named last.
        counts: dict[EntityRef, list[int]] = {}
        for lk in named:
            if lk.start >= tok.i or lk.form in ("pronoun", "description", "city"):
                continue
            for ref in lk.entities:
                if ref.type == kind or (kind == "Actor" and ref.type in _STATE_TYPES):
                    entry = counts.setdefault(ref, [0, -1])
                    entry[0] += 1
                    if here - sent_index[lk.start] <= window:
                        entry[1] = lk.start
        ranked = sorted(
            (ref for ref, (_, last) in counts.items() if last >= 0),
            key=lambda r: (-counts[r][0], -counts[r][1]),
        )
        if len(ranked) >= size:
            found = sorted(ranked[:size], key=lambda r: counts[r][1])
            start = min([tok.i] + [c.i for c in tok.lefts if c.dep_ in ("nummod", "det", "amod")])
            links.add(Link(start, tok.i + 1, tuple(found), "description"))

    def _generic(self, tok: Token) -> bool:
        """A generic noun ("alliance") or title ("secretary general") that may corefer."""
        if tok.lower_ in self.gaz.generic_nouns:
            return True
        left = [c.lower_ for c in tok.lefts if c.dep_ == "compound"]
        return bool(left) and " ".join([*left, tok.lower_]) in self.gaz.generic_nouns

    @staticmethod
    def _clause_subject(tok: Token, links: DocLinks) -> EntityRef | None:
        """The subject an object pronoun cannot refer to ("Xi invited him": him is not Xi)."""
        if tok.lower_ not in ("him", "her") or tok.dep_ not in ("dobj", "pobj", "dative"):
            return None
        verb = tok.head if tok.dep_ != "pobj" else tok.head.head
        for _ in range(3):  # "Xi held talks ... and invited him": the subject of the conjunct
            for c in verb.children:
                if c.dep_ == "nsubj":
                    link = links.at(c)
                    if link is not None and len(link.entities) == 1:
                        return link.entities[0]
                    return None
            if verb.dep_ != "conj":
                break
            verb = verb.head
        return None

    @staticmethod
    def _salient_person(
        persons: list, here: int, exclude: EntityRef | None = None
    ) -> EntityRef | None:
        """The antecedent of a personal pronoun: a recent subject, else the most recent person."""
        recent = [p for p in persons if here - p[1] <= _PRONOUN_WINDOW and p[3] != exclude]
        if not recent:
            return None
        subjects = [p for p in recent if p[2]]
        return (subjects or recent)[-1][3]

    @staticmethod
    def _definite(tok: Token) -> bool:
        """ "the alliance", "this country": a definite description (the parser may hang the
        article elsewhere, as in "the pair held talks")."""
        if any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children):
            return True
        j = tok.i - 1
        while j >= 0 and tok.doc[j].dep_ in ("compound", "amod") and tok.doc[j].head.i >= tok.i:
            j -= 1
        return j >= 0 and tok.doc[j].lower_ in ("the", "this", "that")

    def _title_before(self, doc: Doc, start: int) -> str | None:
        """The title words right before a person's name ("Secretary General Jens ...")."""
        j = start
        words: list[str] = []
        while j > 0 and (doc[j - 1].lower_ in self.gaz.title_words or doc[j - 1].text in "-‐"):
            j -= 1
            words.insert(0, doc[j].lower_)
        phrase = " ".join(words).replace(" - ", "-").replace(" -", "-")
        role = self.gaz.title_role(phrase) if phrase else None
        return phrase if role else None

    def _describe_office(self, doc: Doc, tok: Token, phrase: str, owner: Link, links) -> None:
        """Link "the French president" to the holder of that office at the article's date."""
        day = parse_date(doc._.article_date)
        ref = owner.entities[0]
        if day is None or ref.type == PERSON or owner.form == "pronoun":
            return
        if any(self.gaz.title_modifiers.get(c.lower_, "current") != "current" for c in tok.lefts):
            return  # "the former Nigerian leader" is not the one in office
        titled = [
            c for c in tok.lefts if c.lower_ in self.gaz.title_words and c.i not in links.by_token
        ]
        words = " ".join([c.lower_ for c in titled] + [tok.lower_])
        holders = self.actors.holders(words, ref.key, day)
        if len(holders) == 1:
            start = titled[0].i if titled else tok.i
            links.add(Link(start, tok.i + 1, (self._person(holders[0]),), "description"))

    def _describe(self, doc, tok, here, persons, links, sent_index) -> None:
        """Resolve "the alliance", "the country", "the secretary general", "the pair"."""
        phrase = tok.lower_
        # Multi-word titles: "the secretary general", "the prime minister".
        left = [c for c in tok.lefts if c.dep_ == "compound"]
        if left:
            phrase = " ".join([c.lower_ for c in left] + [tok.lower_])
        kind = self.gaz.generic_nouns.get(phrase) or self.gaz.generic_nouns.get(tok.lower_)
        start = left[0].i if left else tok.i
        if kind == "Pair":
            distinct: list[EntityRef] = []
            for p in reversed(persons):
                if here - p[1] > _PRONOUN_WINDOW:
                    break
                if p[3] not in distinct:
                    distinct.append(p[3])
                if len(distinct) == 2:
                    links.add(Link(start, tok.i + 1, tuple(reversed(distinct)), "description"))
                    return
            return
        if kind == PERSON:
            owners = [
                links.by_token[c.i]
                for c in tok.children
                if c.dep_ in ("amod", "compound", "poss") and c.i in links.by_token
            ]
            if owners:
                # "the French president": not the last president named, but France's, whom
                # the actor dictionary names at the article's date
                self._describe_office(doc, tok, phrase, owners[0], links)
                return
            wanted = phrase.replace("-", " ")
            for p in reversed(persons):
                title = links.titles.get(p[3].key, "").replace("-", " ")
                if title and (title.endswith(wanted) or wanted.endswith(title.split()[-1])):
                    links.add(Link(start, tok.i + 1, (p[3],), "description"))
                    return
            return
        if any(c.i in links.by_token for c in tok.children if c.dep_ in ("amod", "compound")):
            return  # "the American government": its modifier names it (a proxy noun)
        want = ORG_TYPES if kind == "Organization" else {kind}
        for lk in reversed(links.links):
            if lk.start >= tok.i or here - sent_index[lk.start] > _DESCRIPTION_WINDOW:
                continue
            if lk.form in ("pronoun", "description", "demonym"):
                continue
            ref = lk.entities[0]
            if ref.type in want:
                links.add(Link(start, tok.i + 1, (ref,), "description"))
                return


class _SentenceIndex:
    """Sentence number of a token index, by bisection over sentence starts."""

    def __init__(self, doc: Doc) -> None:
        self.starts = [sent.start for sent in doc.sents]

    def __getitem__(self, i: int) -> int:
        return bisect.bisect_right(self.starts, i) - 1


def _plural(noun: str) -> str:
    if noun.endswith("man"):
        return noun[:-3] + "men"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _particle_surnames(parts: list[str], gaz: Gazetteer) -> list[str]:
    """ "Ursula von der Leyen" -> ["von der Leyen"]: the surname from its first particle."""
    for i, part in enumerate(parts[1:-1], start=1):
        if part.lower() in gaz.name_particles:
            return [" ".join(parts[i:])]
    return []


@functools.cache
def _event_words() -> frozenset[str]:
    """Nouns of the relation lexicon (deal, MoU, summit, ...), lower-cased: words NER
    sometimes takes, alone, for a person or an organization."""
    from kg.extract.lexicon import load_lexicon  # here: importing kg.extract imports this module

    return frozenset(lemma for lemma, pos in load_lexicon().triggers if pos == "NOUN")


def _last_list(doc: Doc, tok: Token, named: list[Link], kind: str, sent_index, window: int):
    """The entities of the last coordinated list of that kind before ``tok`` ("Argentina,
    Chile and Peru ... these nations"), within ``window`` sentences, if it has two or more."""
    here = sent_index[tok.i]
    by_token = {lk.end - 1: lk for lk in named if lk.form not in ("pronoun", "description")}
    for lk in sorted(named, key=lambda k: -k.start):
        if lk.start >= tok.i or here - sent_index[lk.start] > window or lk.end - 1 not in by_token:
            continue
        root = doc[lk.end - 1]
        while root.dep_ == "conj" and root.head.i != root.i:
            root = root.head
        members: list[EntityRef] = []
        for t in _coordinated(root):
            link = by_token.get(t.i)
            for ref in link.entities if link is not None else ():
                if (ref.type == kind or (kind == "Actor" and ref.type in _STATE_TYPES)) and (
                    ref not in members
                ):
                    members.append(ref)
        if len(members) >= 2:
            return members
    return []


def _coordinated(tok: Token) -> list[Token]:
    """A token and its conjuncts, in text order."""
    out, frontier = [tok], [tok]
    while frontier:
        for c in frontier.pop().children:
            if c.dep_ == "conj":
                out.append(c)
                frontier.append(c)
    return sorted(out, key=lambda t: t.i)


def _extend_name(ent: Span) -> Span:
    """Grow a PERSON span over the rest of a name NER cut short ("Yoon Suk" + "Yeol"): proper
    nouns to its right that its tokens hang on as compounds."""
    doc = ent.doc
    end = ent.end
    while end < len(doc) and not doc[end].ent_type_:
        tok = doc[end]
        if (
            tok.text in ("-", "‐")
            and not doc[end - 1].whitespace_
            and not tok.whitespace_
            and end + 1 < len(doc)
            and doc[end + 1].is_alpha
        ):
            end += 2  # "Suk" "-" "yeol": a hyphenated given name
        elif (
            tok.pos_ == "PROPN"
            and tok.text[:1].isupper()
            and doc[end - 1].dep_ == "compound"
            and doc[end - 1].head.i == end
        ):
            end += 1
        else:
            break
    return ent if end == ent.end else Span(doc, ent.start, end, label=ent.label, kb_id=ent.kb_id)


def entity_at(doc: Doc, token: Token) -> Link | None:
    """The link covering ``token`` in a doc processed by the linker."""
    links: DocLinks | None = doc._.links
    return links.at(token) if links is not None else None
