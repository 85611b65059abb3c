"""The relation lexicon and word lists, loaded from ``ontology/lexicon/``.

A trigger is one word or a multi-word expression:

- a verb with its particles, prepositions or light-verb object: "call on", "turn down",
  "lash out at", "pay tribute to", "stand with" (the first word is the verb; each other word
  must be a particle, preposition or object attached to it);
- a noun with its modifiers: "phone call", "air strike", "state visit" (the last word is the
  noun; the others modify it);
- an adjective: "grateful", "united".

Several entries may share a head word ("call" urges, "call on" urges, "phone call" meets):
:meth:`Lexicon.match` picks the longest one whose words are all there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Token

from kg.paths import data_file

POS = frozenset({"VERB", "NOUN", "ADJ"})
# Prepositions that may end a noun trigger ("call on": the call is on someone).
PREPOSITIONS = frozenset({"on", "for", "to", "with", "against", "of", "from", "upon"})
# Options of a lexicon row (its eighth column):
OPTIONS = frozenset(
    {
        "inverse",  # the object acts on the subject: "buy arms from Russia" (Russia supplies)
        "planned",  # states an intention: "pledged aid to Ukraine"
        "mutual",  # both sides act on each other: "clashed with", "fighting between"
        "person_object",  # the object must be a person ("told Xi": meets him)
        "state_object",  # the object must be a country or an organization
        "org_object",  # the object must be an organization ("withdrew from ECOWAS")
        "no_complement",  # not when the verb has a second, predicative object ("called X a liar")
        "patient_subject",  # the passive subject is the subject ("was admitted to the UN")
        "passive_only",  # only in the passive ("was disappointed by China")
        "clique",  # the objects meet each other too ("was joined on the call by A, B and C")
    }
)
# Dependencies by which the extra words of a verb trigger hang on it (or on each other).
_VERB_WORD_DEPS = frozenset(
    {
        "prt", "prep", "dobj", "advmod", "dative", "acomp", "attr", "agent", "npadvmod", "pobj",
        "xcomp", "aux", "oprd", "mark",
    }
)  # fmt: skip
_NOUN_WORD_DEPS = frozenset({"compound", "amod", "nmod", "npadvmod"})


@dataclass(frozen=True)
class Trigger:
    """One lexicon row: an expression that states a relation, and where its arguments are."""

    lemma: str  # the head word: the verb, the noun (last word) or the adjective
    pos: str  # VERB | NOUN | ADJ
    relation: str  # geo: local name, or "transfer" (decided by the theme)
    objects: tuple[str, ...]
    agents: tuple[str, ...]
    confidence: float
    example: str
    words: tuple[str, ...] = ()  # the other words of a multi-word trigger
    options: frozenset[str] = frozenset()

    @property
    def phrase(self) -> str:
        """The expression as written in the lexicon ("call on", "phone call")."""
        if self.pos == "NOUN":
            mods = [w for w in self.words if w not in PREPOSITIONS]
            preps = [w for w in self.words if w in PREPOSITIONS]
            return " ".join((*mods, self.lemma, *preps))
        return " ".join((self.lemma, *self.words))

    @property
    def name(self) -> str:
        """The rule name recorded on evidence nodes, e.g. ``lexicon:call on/VERB``."""
        return f"lexicon:{self.phrase}/{self.pos}"

    def matches(self, tok: Token) -> bool:
        """Whether every extra word of the trigger is attached to ``tok`` as it must be."""
        if not self.words:
            return True
        if self.pos == "NOUN":
            mods = {_key(c) for c in tok.children if c.dep_ in _NOUN_WORD_DEPS and c.i < tok.i}
            mods |= {_key(c) for c in tok.doc[max(0, tok.i - len(self.words)) : tok.i]}
            mods |= {c.lower_ for c in tok.children if c.dep_ == "prep"}  # "call on"
            return all(w in mods for w in self.words)
        found: set[str] = set()
        frontier = [tok]
        for _ in range(3):  # the verb's children, and theirs ("take aim at": at <- aim;
            nxt = []  # "called for Seoul to provide": for <- provide)
            for head in frontier:
                for c in head.children:
                    if c.dep_ in _VERB_WORD_DEPS:
                        found.add(c.lower_)
                        found.add(c.lemma_.lower())
                    if c.dep_ in _VERB_WORD_DEPS or c.dep_ in ("advcl", "ccomp"):
                        nxt.append(c)
            frontier = nxt
        return all(w in found for w in self.words)


def _lemma_variants(lemma: str) -> tuple[str, ...]:
    """Spellings of a head word the lemmatizer may have cut: "lambast" for "lambaste",
    "extoll" for "extol"."""
    out = [lemma + "e"]
    if len(lemma) > 3 and lemma[-1] == lemma[-2]:
        out.append(lemma[:-1])
    return tuple(out)


def is_one_of(tok: Token, words: frozenset[str]) -> bool:
    """Whether a token's lemma, a spelling the lemmatizer may have cut from it ("stag" for
    "staged", "din" for "dined"), or the verb with its particles ("call off"), is one of
    ``words``."""
    lemma = tok.lemma_.lower()
    if lemma in words or any(v in words for v in _lemma_variants(lemma)):
        return True
    particles = [c.lower_ for c in tok.children if c.dep_ == "prt"]  # "call off", "step up"
    return bool(particles) and " ".join([lemma, *particles]) in words


def _key(t: Token) -> str:
    return t.lemma_.lower() if t.pos_ == "NOUN" else t.lower_


_HEAD_HASHES: dict[int, tuple[Lexicon, frozenset[int]]] = {}


@dataclass(frozen=True)
class Lexicon:
    """Everything the relation extractor looks words up in."""

    triggers: dict[tuple[str, str], tuple[Trigger, ...]]  # (head lemma, pos) -> entries
    support_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    object_control: frozenset[str]
    modality: dict[str, tuple[str, str]]  # word -> (modality, how)
    negation: frozenset[str]
    themes: dict[str, str]  # lemma -> relation
    proxy_nouns: frozenset[str]  # "forces", "government": stand for their owner
    threat_frames: frozenset[str] = frozenset()  # "vow", "threaten": a hostile act is a threat
    state_verbs: frozenset[str] = frozenset()  # "strengthen": its object's state holds
    pointer_nouns: frozenset[str] = frozenset()  # "an end to X's strikes" is about X
    remote_verbs: frozenset[str] = frozenset()  # "wins in Ukraine": the subject need not be there
    agentive_nouns: frozenset[str] = frozenset()  # "the statement of X" is X's
    naming_nouns: frozenset[str] = frozenset()  # "X and Y, a group known as Z": members of Z
    comitatives: frozenset[tuple[str, ...]] = frozenset()  # "alongside", "together with"
    event_nouns: dict[str, str] = field(default_factory=dict)  # "move" -> move, "deal" -> agreement

    def lemma_hashes(self, strings) -> frozenset[int]:
        """Hashes (in a spaCy StringStore) of every trigger head word, for fast array scans
        ("cooperate" is also found as the "operate" of "co-operate")."""
        # spaCy's string hashes do not depend on the store: one set serves every doc
        cached = _HEAD_HASHES.get(id(self))
        if cached is None or cached[0] is not self:
            cached = _HEAD_HASHES[id(self)] = (self, self._head_hashes(strings))
        return cached[1]

    def _head_hashes(self, strings) -> frozenset[int]:
        heads = {lemma for lemma, _ in self.triggers}
        heads |= {lemma[2:] for lemma in heads if lemma.startswith("co") and len(lemma) > 6}
        # what the lemmatizer makes of some verbs: "lambasted" -> lambast, "extolled" -> extoll
        heads |= {lemma[:-1] for lemma in heads if lemma.endswith("e")}
        heads |= {lemma + lemma[-1] for lemma in heads if lemma[-1:] in "lt"}
        return frozenset(strings.add(lemma) for lemma in heads)

    def entries(self, lemma: str, pos: str) -> tuple[Trigger, ...]:
        """The triggers with this head word and part of speech (PROPN counts as NOUN)."""
        pos = "NOUN" if pos == "PROPN" else pos
        return self.triggers.get((lemma.lower(), pos), ())

    def trigger(self, lemma: str, pos: str) -> Trigger | None:
        """The single-word trigger for a lemma with this part of speech, if there is one."""
        return next((t for t in self.entries(lemma, pos) if not t.words), None)

    def matches(self, tok: Token) -> list[Trigger]:
        """The triggers headed by ``tok`` whose other words are all there, longest first."""
        lemma = tok.lemma_.lower()
        doc = tok.doc
        if tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].lower_ == "co":
            lemma = "co" + lemma  # "co-operate", "co-ordination"
        entries = ()
        for form in (lemma, *_lemma_variants(lemma), tok.lower_):
            entries = self.entries(form, tok.pos_)
            if entries:
                break
        return [trig for trig in entries if trig.matches(tok)]

    def match(self, tok: Token) -> Trigger | None:
        """The longest trigger headed by ``tok`` whose other words are all there."""
        found = self.matches(tok)
        return found[0] if found else None

    def __iter__(self):
        for group in self.triggers.values():
            yield from group

    def __len__(self) -> int:
        return sum(len(group) for group in self.triggers.values())


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _phrases(name: str) -> list[tuple[str, ...]]:
    """The lines of a phrase list, each as a tuple of lower-cased words."""
    return [tuple(row[0].lower().split()) for row in _rows(data_file("lexicon", name))]


def _words(name: str) -> frozenset[str]:
    return frozenset(row[0].strip().lower() for row in _rows(data_file("lexicon", name)))


def parse_trigger(row: list[str]) -> Trigger:
    """One row of ``relations.tsv`` as a :class:`Trigger` (raises ValueError if malformed)."""
    row = row + [""] * (8 - len(row))
    phrase, pos, relation, objects, agents, confidence, example, options = row[:8]
    words = [w for w in phrase.strip().lower().split() if w not in ("a", "an", "the")]
    if not words or pos not in POS:
        raise ValueError(f"bad trigger or part of speech: {row[:2]}")
    opts = frozenset(o.strip() for o in options.split(",") if o.strip())
    if not opts <= OPTIONS:
        raise ValueError(f"{phrase}: unknown options {sorted(opts - OPTIONS)}")
    if pos == "NOUN":  # the noun is the last word that is not a preposition ("call on")
        k = max(i for i, w in enumerate(words) if w not in PREPOSITIONS or i == 0)
        head, rest = words[k], words[:k] + words[k + 1 :]
    else:
        head, rest = words[0], words[1:]
    return Trigger(
        lemma=head,
        pos=pos,
        relation=relation,
        objects=tuple(o for o in objects.split("|") if o),
        agents=tuple(a for a in agents.split("|") if a),
        confidence=float(confidence or 0.7),
        example=example,
        words=tuple(rest),
        options=opts,
    )


def group_triggers(triggers: Iterable[Trigger]) -> dict[tuple[str, str], tuple[Trigger, ...]]:
    """Index triggers by (head, pos), longest expression first; a repeated phrase is an error."""
    groups: dict[tuple[str, str], list[Trigger]] = {}
    seen: set[tuple[str, str]] = set()
    for trig in triggers:
        if (trig.phrase, trig.pos) in seen:
            raise ValueError(f"duplicate trigger {trig.phrase!r}/{trig.pos}")
        seen.add((trig.phrase, trig.pos))
        groups.setdefault((trig.lemma, trig.pos), []).append(trig)
    return {k: tuple(sorted(v, key=lambda t: -len(t.words))) for k, v in groups.items()}


@functools.cache
def load_lexicon() -> Lexicon:
    """Load the lexicon files once per process."""
    triggers = [parse_trigger(row) for row in _rows(data_file("lexicon", "relations.tsv"))]
    modality = {
        row[0].lower(): (row[1], row[2]) for row in _rows(data_file("lexicon", "modality.tsv"))
    }
    themes = {row[0].lower(): row[1] for row in _rows(data_file("lexicon", "themes.tsv"))}
    return Lexicon(
        triggers=group_triggers(triggers),
        support_verbs=_words("support_verbs.txt"),
        speech_verbs=_words("speech_verbs.txt"),
        object_control=_words("object_control.txt"),
        modality=modality,
        negation=_words("negation.txt"),
        themes=themes,
        proxy_nouns=_words("proxy_nouns.txt"),
        threat_frames=_words("threat_frames.txt"),
        state_verbs=_words("state_verbs.txt"),
        pointer_nouns=_words("pointer_nouns.txt"),
        remote_verbs=_words("remote_verbs.txt"),
        agentive_nouns=_words("agentive_nouns.txt"),
        naming_nouns=_words("naming_nouns.txt"),
        comitatives=frozenset(_phrases("comitatives.txt")),
        event_nouns={
            row[0].lower(): row[1].strip()
            for row in _rows(data_file("lexicon", "event_nouns.tsv"))
            if row[0] != "noun"
        },
    )
