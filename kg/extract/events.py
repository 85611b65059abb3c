"""Acts the article reported, and later references to them ("the move", "the attack", "the
deal").

As sentences are read in order, every attack, agreement and other act of a state or
organization is remembered as an event (:class:`~kg.records.EventRef`: an Attack with its agent
and target, an Agreement with its parties, an Event for any other move). A definite event noun
with no owner of its own ("Qatar condemned the attack", "the Russian embassy condemned the
move", "Egypt and Greece rejected the deal") then stands for the latest act of its kind: the
relation is aimed at the act's agent (or at an agreement's parties), and its evidence is about
the event.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from kg.extract.arguments import Arg
from kg.extract.roles import RoleFinder
from kg.records import EntityRef, EventRef, Relation

_ATTACKS = frozenset({"attacks", "invades"})
# Acts a "move" or "decision" can refer back to (not words: praise, criticism, roles).
_MOVES = frozenset(
    {"suppliesWeaponsTo", "supports", "sanctions", "visits", "agreesWith", "cooperatesWith",
     "attacks", "invades", "memberOf", "rejects", "threatens"}
)  # fmt: skip
_DEFINITE = frozenset({"the", "this", "that", "these", "those", "such"})
# How many sentences back a reference may reach.
_WINDOW = 6


class Events(RoleFinder):
    """The acts an article reported so far, and the references back to them."""

    def remember(self, relations: Iterable[Relation], sentence: int) -> None:
        """Record the acts one sentence stated, for the references of later sentences."""
        if not hasattr(self, "acts"):
            self.acts: list[tuple[int, str, EventRef]] = []
        for rel in relations:
            if not isinstance(rel.object, EntityRef) or rel.modality == "hypothetical":
                continue
            if rel.predicate in _ATTACKS:
                kind = "attack"
                event = _event("Attack", f"{rel.subject.label}'s attack on {rel.object.label}",
                               rel.subject, (rel.object,))  # fmt: skip
            elif rel.predicate == "agreesWith":
                kind = "agreement"
                parties = tuple(sorted((rel.subject, rel.object), key=lambda r: r.key))
                names = " and ".join(p.label for p in parties)
                event = _event("Agreement", f"agreement between {names}", None, parties)
            elif rel.predicate in _MOVES and rel.subject.type != "Person":
                kind = "move"
                event = _event("Event", f"{rel.subject.label}'s move", rel.subject, (rel.object,))
            else:
                continue
            self.acts.append((sentence, kind, event))

    def referred_act(self, noun: Token, sentence: int) -> list[Arg]:
        """ "the attack", "the move", "such a hostile measure": the agent (or parties) of the
        latest act of that kind, carrying the event."""
        kind = self.lex.event_nouns.get(noun.lemma_.lower())
        if kind is None or not any(
            c.dep_ in ("det", "predet") and c.lower_ in _DEFINITE for c in noun.children
        ):
            return []
        for seen, act_kind, event in reversed(getattr(self, "acts", [])):
            if sentence - seen > _WINDOW:
                break
            if act_kind != kind and not (kind == "move" and act_kind != "agreement"):
                continue
            ends = event.participants if event.agent is None else (event.agent,)
            return [Arg(ref, noun.text, noun, via="description", event=event) for ref in ends]
        return []


def _event(kind: str, label: str, agent: EntityRef | None, parties: tuple[EntityRef, ...]):
    key = "_".join([kind, *(r.key for r in ((agent,) if agent else ())), *(p.key for p in parties)])
    return EventRef(key=key, type=kind, label=label, agent=agent, participants=parties)
