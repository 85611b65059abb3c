"""Verbal triggers: the subject, the objects in their slots, transfers decided by their theme.

Object slots (the ``objects`` column of ``ontology/lexicon/relations.tsv``, tried in order):

- ``dobj``: the direct object, or the passive subject ("Ukraine was invaded by Russia");
- ``dative``: "gave Ukraine tanks", "sent missiles to Kyiv";
- ``prep:X``: the object of preposition X ("called on Japan", "lashed out at Seoul");
- ``for_clause``: the subject of "for X to V" ("called for Seoul to provide");
- ``ccomp_subj``: the subject of a that-clause ("warned that Beijing was ...", "demanded that
  Iran end its attack");
- ``xcomp_obj``: an argument of the verb's infinitive complement ("threatened to cut off power
  to Kosovo", "refused to meet Pakistan", "vowed to retaliate against Israel");
- ``owner``: the owner of a thing in the object ("criticised Israel's strikes", "called for an
  end to Israeli airstrikes": Israel);
- ``conj_subj``: coordinated subjects relate to each other ("Japan and Korea agreed").

Evaluative relations (praise, criticism, condemnation, rejection, accusation, warning) fall
back to the owner of the direct object, or to an event node ("condemned his visits").
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span, Token

from kg.extract.arguments import EVALUATIVE, Arg, unique_args
from kg.extract.lexicon import Trigger
from kg.extract.nouns import NounPatterns
from kg.extract.syntax import conj_chain
from kg.records import Relation

# Prepositions whose object an infinitive complement aims at ("retaliate against Israel").
_XCOMP_PREPS = frozenset({"against", "on", "at", "to", "with", "into", "from", "of", "in"})
# Verbs of appearing beside someone: "spoke alongside Kishida" is no cooperation of its own.
_APPEARING = frozenset({"speak", "stand", "appear", "sit", "pose", "talk"})
# Relations of acts one refuses without rejecting their target ("refused to sanction China").
HOSTILE_ACTS = frozenset(
    {"attacks", "invades", "sanctions", "threatens", "condemns", "criticizes", "accuses", "rejects"}
)
# Nouns that point at the action of another noun's owner ("an end to Israeli strikes").
_POINTER_PREPS = frozenset({"to", "of", "on", "against", "by", "from", "over"})


class VerbPatterns(NounPatterns):
    """Relations stated by verbs."""

    def _verb(self, verb: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if self.negated(verb):
            return
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        if "no_complement" in trig.options and any(c.dep_ == "oprd" for c in verb.children):
            return  # "called Zelensky a dictator" is no phone call
        if "passive_only" in trig.options and not passive:
            return
        if passive and "patient_subject" in trig.options:
            subjects, passive = self.passive_objects(verb), False  # "was admitted to the UN"
        else:
            subjects = self._agents(verb) if passive else self.subjects(verb)
        relation = trig.relation
        objects: list[Arg] = []
        conj_subj = "conj_subj" in trig.objects
        for slot in trig.objects:
            if slot == "conj_subj":
                continue
            if slot == "between":  # "fighting between Thailand and Cambodia"
                sides = self._between(verb)
                if len(sides) >= 2:
                    subjects, conj_subj = sides, True
                    break
                continue
            with self.place_objects(relation):
                objects = self._verb_slot(verb, slot, trig, passive)
            if objects:
                break
        if relation == "transfer":
            relation, objects = self._transfer(verb, objects, passive)
            if relation is None:
                return
        if relation in EVALUATIVE and not objects:
            objects = self._evaluated(verb)
        if "inverse" in trig.options:
            subjects, objects = objects, subjects
        yield from self._emit(
            subjects, relation, objects, verb, None, sent, trig.name,
            trig.confidence - (0.05 if passive else 0.0),
            conj_subj=conj_subj, options=trig.options,
        )  # fmt: skip

    def _agents(self, verb: Token) -> list[Arg]:
        """The by-phrase of a passive verb."""
        return [
            a for c in verb.children if c.dep_ == "agent" for p in c.children for a in self.args(p)
        ]

    def _verb_slot(self, verb: Token, slot: str, trig: Trigger, passive: bool) -> list[Arg]:
        if slot == "dobj":
            if passive:
                return self.passive_objects(verb)
            return [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
        if slot == "dative":
            return self._datives(verb)
        if slot.startswith("prep:"):
            owners = trig.relation in EVALUATIVE
            found = self._prep(verb, slot[5:], owners=owners)
            for c in verb.children:  # "paid tribute to", "exchanged prisoners with", "walked
                # away from": the preposition may hang on the object or a particle, or on the
                # object of another preposition ("joined on the call by Starmer")
                if not found and c.dep_ in ("dobj", "advmod", "prt", "prep"):
                    found = self._prep(c, slot[5:], owners=owners)
                if not found and c.dep_ == "prep" and trig.words:
                    for p in c.children:
                        if not found and p.dep_ == "pobj":
                            found = self._prep(p, slot[5:], owners=owners)
            return found
        if slot == "for_clause":
            return self._for_clause(verb)
        if slot == "ccomp_subj":
            return [
                a
                for c in verb.children
                if c.dep_ == "ccomp"
                for g in c.children
                if g.dep_ in ("nsubj", "nsubjpass")
                for a in self.args(g)
            ]
        if slot == "xcomp_obj":
            # "refused to meet Pakistan" rejects Pakistan; "refused to sanction China" does not
            return self._complement_objects(verb, friendly_only=trig.relation == "rejects")
        if slot == "owner":
            return self._owned_objects(
                verb, with_party=trig.relation in EVALUATIVE or trig.relation == "agreesWith"
            )
        if slot == "place":
            return self.event_places(verb)
        if slot == "parties":
            return self._parties(verb)
        return []

    def _parties(self, verb: Token) -> list[Arg]:
        """The sides of what a mediator mediates: "brokered a deal between Iran and Saudi
        Arabia", "mediated talks between Pakistan and Afghanistan"."""
        out: list[Arg] = self._between(verb)
        nouns = [n for c in verb.children if c.dep_ in ("dobj", "nsubjpass") for n in conj_chain(c)]
        if verb.dep_ == "acl" and verb.tag_ == "VBN":  # "the deal brokered by the US"
            nouns.append(verb.head)
        for noun in nouns:
            out += self._between(noun) or [
                a for a in self.modifiers(noun) + self._prep(noun, "with") if a.ref.type != "Person"
            ]
            if noun.i == verb.head.i and not out:
                # "Rwanda and Congo signed the deal brokered by the US": those who signed it,
                # or the parties of the deal spoken of before
                signers = self.subjects(noun.head) if noun.dep_ == "dobj" else []
                out += signers or self.referred_act(noun, self.sentence_index)
        return unique_args(out)

    def _datives(self, verb: Token) -> list[Arg]:
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ == "dative":
                if c.pos_ == "ADP":
                    out += [a for p in c.children if p.dep_ == "pobj" for a in self.args(p)]
                else:
                    out += self.args(c)
        return out

    def _for_clause(self, verb: Token) -> list[Arg]:
        """ "called for Seoul to provide": Seoul."""
        for c in verb.children:
            if c.dep_ in ("advcl", "ccomp", "xcomp") and any(
                g.dep_ == "mark" and g.lower_ == "for" for g in c.children
            ):
                return [a for g in c.children if g.dep_ == "nsubj" for a in self.args(g)]
        return []

    def _complement_objects(
        self, verb: Token, depth: int = 0, friendly_only: bool = False
    ) -> list[Arg]:
        """Arguments of an infinitive complement: "threatened to cut off power to Kosovo"."""
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ != "xcomp" or c.pos_ not in ("VERB", "AUX"):
                continue
            if friendly_only and any(t.relation in HOSTILE_ACTS for t in self.lex.matches(c)):
                continue
            for g in c.children:
                if g.dep_ in ("dobj", "dative"):
                    out += self.args(g) or self.owner(g)
                elif g.dep_ == "prep" and g.lower_ in _XCOMP_PREPS:
                    out += [
                        a
                        for p in g.children
                        if p.dep_ == "pobj"
                        for a in self.args(p)
                        if g.lower_ != "in" or a.ref.type == "Country"
                    ]
            if not out and depth < 2:  # "threatened to try to block"
                out = self._complement_objects(c, depth + 1, friendly_only)
        return unique_args(out)

    def _owned_objects(self, verb: Token, with_party: bool = False) -> list[Arg]:
        """Owners of what the verb is about: "called for an end to Israeli airstrikes"."""
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ == "dobj":
                nouns = conj_chain(c)
            elif c.dep_ == "prep" and c.lower_ in ("for", "on", "over", "against", "into", "at"):
                nouns = [n for p in c.children if p.dep_ == "pobj" for n in conj_chain(p)]
            else:
                continue
            for noun in nouns:
                # "scrapped the nuclear deal with Iran": the other party owns it too (not in
                # "called for stronger ties with Japan"); "rejected the deal": the one reported
                out += (
                    self.args(noun)
                    or self._pointed_owner(noun)
                    or (self._prep(noun, "with") if with_party else [])
                    or self.referred_act(noun, self.sentence_index)
                )
        return unique_args(out)

    def _pointed_owner(self, noun: Token, depth: int = 0) -> list[Arg]:
        """The owner of a noun, or of the noun it points at ("an end to X's strikes")."""
        found = self.owner(noun)
        if found or depth > 2 or noun.lemma_.lower() not in self.lex.pointer_nouns:
            return found
        for c in noun.children:
            if c.dep_ == "prep" and c.lower_ in _POINTER_PREPS:
                for p in c.children:
                    if p.dep_ == "pobj" and not self.args(p):
                        # "an end to Israeli strikes": Israel; "the release of Bazoum" is
                        # not aimed at Bazoum, but "of prisoners held by Russia" at Russia
                        found += self._pointed_owner(p, depth + 1)
        return found

    def _evaluated(self, verb: Token) -> list[Arg]:
        """Target of praise/criticism aimed at a thing: an event node or the thing's owner."""
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ != "dobj":
                continue
            for noun in conj_chain(c):
                event = self._event(noun)
                if event is not None:
                    out.append(event)
                else:
                    # "condemned the attack": whose attack the article reported
                    out.extend(self.owner(noun) or self.referred_act(noun, self.sentence_index))
        return out

    # -- transfers ------------------------------------------------------------------------

    def _transfer(
        self, verb: Token, objects: list[Arg], passive: bool
    ) -> tuple[str | None, list[Arg]]:
        """What a transfer verb states: weapons or aid, decided by what it moves."""
        with_theme = self._with_theme(verb)
        if with_theme is not None and not passive:
            # "supplied Kyiv with Patriot missiles": the recipient is the direct object
            return with_theme, [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
        return self._theme(verb), objects

    def _theme(self, verb: Token, phrase: Token | None = None) -> str | None:
        """What a transfer verb moves (weapons, or aid/support), read in ``phrase`` or in the
        verb's object."""
        found = None
        heads = (
            [phrase]
            if phrase is not None
            else [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
        )
        for head in heads:
            for t in head.subtree:
                rel = self.lex.themes.get(t.lemma_.lower())
                if rel == "suppliesWeaponsTo":
                    return rel
                found = found or rel
        return found

    def _with_theme(self, verb: Token) -> str | None:
        """ "supplied Kyiv with Patriot missiles": the theme is in the with-phrase."""
        for c in verb.children:
            if c.dep_ == "prep" and c.lower_ == "with":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return self._theme(verb, p)
        return None

    # -- partners beside the actor ------------------------------------------------------------

    def comitatives(self, sent: Span) -> Iterator[Relation]:
        """ "Qatar led the efforts alongside the United States and Egypt", "Ukraine, together
        with Poland, pressed the EU": the clause's actor cooperates with the partners."""
        for prep in sent:
            phrase = self._comitative(prep)
            if phrase is None:
                continue
            partners = [a for p in prep.children if p.dep_ == "pobj" for a in self.args(p)]
            head = prep.head
            if head.dep_ in ("nsubj", "nsubjpass"):  # "Ukraine, together with Poland, ..."
                actors, verb = self.args(head), head.head
            else:
                verb = head
                for _ in range(4):
                    if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
                        break
                    verb = verb.head
                actors = self.subjects(verb) if verb.pos_ in ("VERB", "AUX") else []
            if (
                not partners
                or not actors
                or self.negated(verb)
                or self._is_speech_verb(verb)
                or verb.lemma_.lower() in _APPEARING
            ):
                continue  # "spoke alongside Kishida": a joint appearance, the meeting is read apart
            for s in actors:
                for o in partners:
                    rel = self._relation(
                        s, "cooperatesWith", o, verb, sent, "comitative:" + phrase, 0.6
                    )
                    if rel is not None:
                        yield rel

    def _comitative(self, prep: Token) -> str | None:
        """The comitative phrase ending at this preposition, if it ends one."""
        if prep.pos_ != "ADP":
            return None
        doc = prep.doc
        for words in self.lex.comitatives:
            start = prep.i - len(words) + 1
            if start >= 0 and all(doc[start + k].lower_ == w for k, w in enumerate(words)):
                return " ".join(words)
        return None
