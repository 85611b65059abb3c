"""The relation lexicon and word lists, loaded from ``ontology/lexicon/``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from kg.paths import data_file


@dataclass(frozen=True)
class Trigger:
    """One lexicon row: a word that states a relation, and where its arguments are."""

    lemma: str
    pos: str  # VERB | NOUN | ADJ
    relation: str  # geo: local name, or "transfer" (decided by the theme)
    objects: tuple[str, ...]
    agents: tuple[str, ...]
    confidence: float
    example: str

    @property
    def name(self) -> str:
        """The rule name recorded on evidence nodes, e.g. ``lexicon:urge/VERB``."""
        return f"lexicon:{self.lemma}/{self.pos}"


@dataclass(frozen=True)
class Lexicon:
    """Everything the relation extractor looks words up in."""

    triggers: dict[tuple[str, str], Trigger]  # (lemma, pos) -> trigger
    support_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    object_control: frozenset[str]
    modality: dict[str, tuple[str, str]]  # word -> (modality, how)
    negation: frozenset[str]
    themes: dict[str, str]  # lemma -> relation
    proxy_nouns: frozenset[str]  # "forces", "government": stand for their owner

    def lemma_hashes(self, strings) -> frozenset[int]:
        """Hashes (in a spaCy StringStore) of every trigger lemma, for fast array scans."""
        return frozenset(strings.add(lemma) for lemma, _ in self.triggers)

    def trigger(self, lemma: str, pos: str) -> Trigger | None:
        """Return the trigger for a lemma with this part of speech (PROPN counts as NOUN)."""
        pos = "NOUN" if pos == "PROPN" else pos
        return self.triggers.get((lemma.lower(), pos))


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _words(name: str) -> frozenset[str]:
    return frozenset(row[0].strip().lower() for row in _rows(data_file("lexicon", name)))


@functools.cache
def load_lexicon() -> Lexicon:
    """Load the lexicon files once per process."""
    triggers: dict[tuple[str, str], Trigger] = {}
    for row in _rows(data_file("lexicon", "relations.tsv")):
        row += [""] * (7 - len(row))
        lemma, pos, relation, objects, agents, confidence, example = row[:7]
        trig = Trigger(
            lemma=lemma.lower(),
            pos=pos,
            relation=relation,
            objects=tuple(o for o in objects.split("|") if o),
            agents=tuple(a for a in agents.split("|") if a),
            confidence=float(confidence or 0.7),
            example=example,
        )
        triggers[(trig.lemma, trig.pos)] = trig
    modality = {
        row[0].lower(): (row[1], row[2]) for row in _rows(data_file("lexicon", "modality.tsv"))
    }
    themes = {row[0].lower(): row[1] for row in _rows(data_file("lexicon", "themes.tsv"))}
    return Lexicon(
        triggers=triggers,
        support_verbs=_words("support_verbs.txt"),
        speech_verbs=_words("speech_verbs.txt"),
        object_control=_words("object_control.txt"),
        modality=modality,
        negation=_words("negation.txt"),
        themes=themes,
        proxy_nouns=_words("proxy_nouns.txt"),
    )
