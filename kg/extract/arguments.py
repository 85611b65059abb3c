"""Arguments of relations: the entities behind tokens, subjects, modality, negation, speakers.

:class:`ArgumentFinder` holds one doc's parse and links and answers the questions every pattern
asks: which entities does this noun phrase name (through conjunctions, appositions, pronouns,
proxy nouns like "Russian forces")? Who is the subject of this predicate (through passives,
control verbs, xcomp and conjunct chains)? Is it negated, planned, hypothetical, reported and
by whom? It also turns resolved arguments into :class:`~kg.records.Relation` records, checking
the ontology's domain and range.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from kg.extract.lexicon import Lexicon
from kg.extract.syntax import (
    clause_head,
    conj_chain,
    conj_chain_prep,
    for_phrase_object,
    plural_people,
    relative_antecedent,
)
from kg.gazetteer import Gazetteer
from kg.linking import COUNTRY, ORG_TYPES, PERSON, DocLinks, Link
from kg.records import EntityRef, EventRef, Relation
from kg.vocab import SYMMETRIC

_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
_RELATIVE = frozenset({"which", "that", "who", "whom", "whose"})
_IT = frozenset({"it", "its", "itself"})
_THEY = frozenset({"they", "them", "their", "themselves"})
# Dependencies through which a clause takes its subject from the clause it hangs on.
_INHERIT = frozenset({"xcomp", "conj", "acomp", "advcl", "ccomp", "pcomp", "prep", "npadvmod"})
EVALUATIVE = frozenset({"praises", "criticizes", "condemns", "accuses", "rejects", "warns"})
ACTOR_TYPES = frozenset({COUNTRY, PERSON}) | ORG_TYPES
# Domain and range constraints the ontology sets; a relation that breaks them is not kept.
STATE_OR_ORG = frozenset({COUNTRY}) | ORG_TYPES


@dataclass(frozen=True)
class Arg:
    """A resolved argument: the entity (or event), its surface text and its head token."""

    ref: EntityRef | EventRef
    text: str
    token: Token
    via: str = ""  # "pronoun", "description", ... when coreference supplied it


class ArgumentFinder:
    """Per-doc state: finds the entities behind tokens, subjects, modality and speakers."""

    def __init__(self, doc: Doc, links: DocLinks, lex: Lexicon, gaz: Gazetteer):
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token on each access: read it once
        self.links = links
        self.lex = lex
        self.gaz = gaz
        self.affiliation: dict[str, EntityRef] = {}  # person key -> org/country from a role
        self.role_of: dict[str, str] = {}  # person key -> leaderOf | officialOf, from a title

    # -- entities behind tokens -----------------------------------------------------------

    def args(self, tok: Token | None, depth: int = 0) -> list[Arg]:
        """Entities a noun phrase headed by ``tok`` refers to, conjuncts included."""
        if tok is None or depth > 6:
            return []
        out: list[Arg] = []
        for t in conj_chain(tok):
            out.extend(self._resolve(t, depth))
        return unique_args(out)

    def _resolve(self, t: Token, depth: int) -> list[Arg]:
        link = self.links.at(t)
        if link is not None:
            if link.form == "demonym" and not plural_people(t):
                return []  # "Russian" alone is a modifier; only "Ukrainians" names the country
            text = self.doc[link.start : link.end].text
            return [Arg(ref, text, t, via=_via(link)) for ref in link.entities]
        low = t.lower_
        if low in _THEY:
            return self._resolve_they(t, depth)
        if low in _IT:
            ref = self.resolve_it(t, depth)
            return [Arg(ref, t.text, t, via="pronoun")] if ref else []
        if low in _RELATIVE and t.dep_ in _SUBJ | {"dobj"}:
            antecedent = relative_antecedent(t)
            return self.args(antecedent, depth + 1) if antecedent is not None else []
        if t.pos_ in ("NOUN", "PROPN"):
            # "its neighbour Russia", "our valued partner Japan": a close apposition names it
            # (not one set off by commas: "officials, the North Atlantic Treaty Organization said").
            for c in t.children:
                if c.dep_ == "appos" and c.left_edge.i == t.i + 1:
                    found = self.args(c, depth + 1)
                    if found:
                        return found
            # "Russian forces", "Japan's government", "US intelligence reports": a proxy noun
            # (or a noun compounded with one) stands for its owner.
            if self._is_proxy(t) or any(
                c.dep_ == "compound" and self._is_proxy(c) for c in t.children
            ):
                owners = self.modifiers(t, depth, people=True) + self._poss(t, depth)
                if not owners and self._is_proxy(t):  # "Leaders of the Group of Seven"
                    owners = self._prep(t, "of", depth)
                return [a for a in owners if is_actor(a.ref) and a.ref.type != PERSON]
        return []

    def _resolve_they(self, t: Token, depth: int) -> list[Arg]:
        """'they' in what a group said: "Mali, Burkina Faso and Niger said they would leave"."""
        cur = t.head
        for _ in range(6):
            if cur.lemma_.lower() in self.lex.speech_verbs and cur.i < t.i:
                found = [
                    a
                    for c in cur.children
                    if c.dep_ == "nsubj" and c.i < t.i
                    for a in self.args(c, depth + 1)
                    if isinstance(a.ref, EntityRef)
                ]
                return found if len(found) >= 2 else []
            if cur.head is cur:
                break
            cur = cur.head
        return []

    def _is_proxy(self, t: Token) -> bool:
        return t.lower_ in self.lex.proxy_nouns or t.lemma_.lower() in self.lex.proxy_nouns

    def resolve_it(self, t: Token, depth: int = 0) -> EntityRef | None:
        """'its': the nearest country or org before it in the sentence ("urged South Korea to
        increase its support"); 'it': the non-person subject of its clause; else the last
        country or organization mentioned."""
        clause = clause_head(t)
        target = for_phrase_object(t)
        if target is not None:  # "criticised the United States for its support": the US
            found = [a for a in self.args(target, depth + 1) if isinstance(a.ref, EntityRef)]
            if found and found[0].ref.type != PERSON:
                return found[0].ref
        if t.lower_ == "its":
            # An explicit non-person subject of the clause wins ("Japan has expanded its ties");
            # otherwise the nearest actor before it in the sentence.
            for c in clause.children if clause is not None else ():
                if c.dep_ == "nsubj":
                    found = [a for a in self.args(c, depth + 1) if a.ref.type != PERSON]
                    if found and isinstance(found[0].ref, EntityRef):
                        return found[0].ref
            pos = self.links.last_actor_position(t.i)
            if pos is not None and pos >= t.sent.start:
                return self.links.last_actor_before(t.i)
        if clause is not None and depth < 4:
            for a in self.subjects(clause, depth + 1):
                if a.token is not t and a.ref.type != PERSON and isinstance(a.ref, EntityRef):
                    return a.ref
        return self._salient_actor(t)

    def _salient_actor(self, t: Token) -> EntityRef | None:
        """The most prominent country or org earlier in the sentence (subject over object over
        the rest, then the nearest): "thanked South Korea for its aid to Ukraine, but urged it"."""
        rank = {"nsubj": 3, "nsubjpass": 3, "dobj": 2}
        best: tuple[int, int] | None = None
        found = None
        for link in self.links.links:
            if link.start >= t.i or link.start < t.sent.start or len(link.entities) != 1:
                continue
            ref = link.entities[0]
            if ref.type == PERSON or link.form in ("demonym", "pronoun"):
                continue
            score = (rank.get(self.doc[link.end - 1].dep_, 1), link.start)
            if best is None or score > best:
                best, found = score, ref
        return found or self.links.last_actor_before(t.i)

    def modifiers(self, noun: Token, depth: int = 0, people: bool = False) -> list[Arg]:
        """Entities modifying a noun: "Russian invasion", "US-led sanctions", "the pair held
        talks"."""
        out: list[Arg] = []
        for c in noun.children:
            if c.dep_ in ("compound", "amod", "nmod", "npadvmod") and c.i < noun.i:
                link = self.links.at(c)
                if link is not None:
                    text = self.doc[link.start : link.end].text
                    out.extend(Arg(ref, text, c, via=_via(link)) for ref in link.entities)
                    continue
            if c.dep_ in ("amod", "acl") and c.pos_ == "VERB":
                # "US-led": led <- US (npadvmod); "the pair held talks": held <- pair
                for g in c.children:
                    if g.dep_ in ("npadvmod", "nsubj", "compound", "poss"):
                        out.extend(self.args(g, depth + 1))
        if not people:
            out = [a for a in out if a.ref.type != PERSON]
        return out

    def owner(self, noun: Token, depth: int = 0) -> list[Arg]:
        """Who a non-entity noun belongs to ("praised the support offered by Japan": Japan)."""
        for finder in (self._poss, self._by, self.modifiers, self._relcl_subject, self._between):
            found = [a for a in finder(noun, depth) if is_actor(a.ref)]
            if found:
                return found
        return [a for a in self._prep(noun, "of", depth) if is_actor(a.ref)]

    def _poss(self, noun: Token, depth: int = 0) -> list[Arg]:
        return [a for c in noun.children if c.dep_ == "poss" for a in self.args(c, depth + 1)]

    def _by(self, noun: Token, depth: int = 0) -> list[Arg]:
        out = self._prep(noun, "by", depth)
        for c in noun.children:  # "support offered to Ukraine by Japan"
            if c.dep_ == "acl":
                for g in c.children:
                    if g.dep_ == "agent" or (g.dep_ == "prep" and g.lower_ == "by"):
                        out.extend(
                            a
                            for p in g.children
                            if p.dep_ == "pobj"
                            for a in self.args(p, depth + 1)
                        )
        return out

    def _relcl_subject(self, noun: Token, depth: int = 0) -> list[Arg]:
        """ "the support that Japan is providing": Japan."""
        out = []
        for c in noun.children:
            if c.dep_ == "relcl":
                out.extend(
                    a for g in c.children if g.dep_ == "nsubj" for a in self.args(g, depth + 1)
                )
        return out

    def _between(self, noun: Token, depth: int = 0) -> list[Arg]:
        """Parties of "between X and Y"; the parser sometimes hangs X on Y as a modifier
        ("between NATO and U.S. allies": NATO <-nmod- allies)."""
        out = self._prep(noun, "between", depth)
        for c in noun.children:
            if c.dep_ == "prep" and c.lower_ == "between":
                for p in c.children:
                    if p.dep_ == "pobj":
                        out += [
                            a
                            for m in p.children
                            if m.dep_ == "nmod"
                            for a in self._resolve(m, depth + 1)
                        ]
        return unique_args(out)

    def _prep(self, head: Token, prep: str, depth: int = 0, owners: bool = False) -> list[Arg]:
        """Entities in the object of preposition ``prep`` on ``head``; with ``owners``, an
        event noun stands for its agent ("sanctions against Russia's war": Russia)."""
        out: list[Arg] = []
        for c in head.children:
            if c.dep_ in ("prep", "agent", "dative") and c.lower_ == prep:
                for p in conj_chain_prep(c):
                    for g in p.children:
                        if g.dep_ != "pobj":
                            continue
                        found = self.args(g, depth + 1)
                        if not found and owners and depth < 3:
                            found = [
                                a for n in conj_chain(g) for a in self._event_owner(n, depth + 1)
                            ]
                        out.extend(found)
        return out

    def _event_owner(self, noun: Token, depth: int) -> list[Arg]:
        """The agent of an event noun ("Russia's war", "its growing military presence")."""
        if noun.pos_ != "NOUN":
            return []
        found = self._poss(noun, depth)
        trig = self.lex.trigger(noun.lemma_, "NOUN")
        # "the Russian invasion" is Russia's; "U.S. allies" are not the United States.
        if not found and trig is not None and "head" not in trig.objects:
            found = self.modifiers(noun, depth)
        return [a for a in found if is_actor(a.ref)]

    # -- subjects -------------------------------------------------------------------------

    def subjects(self, pred: Token, depth: int = 0) -> list[Arg]:
        """The subject of a predicate, looking through passives, control and coordination."""
        if depth > 8:
            return []
        for c in pred.children:
            if c.dep_ == "agent":
                return [a for p in c.children if p.dep_ == "pobj" for a in self.args(p, depth + 1)]
        for c in pred.children:
            if c.dep_ in ("nsubj", "csubj"):
                return self.args(c, depth + 1)
        head = pred.head
        if head is pred:
            return []
        if pred.dep_ == "xcomp" and head.lemma_.lower() in self.lex.object_control:
            for c in head.children:  # "urged South Korea to increase": South Korea increases
                if c.dep_ in ("dobj", "nsubjpass"):
                    return self.args(c, depth + 1)
        if pred.dep_ == "xcomp" and not any(c.dep_ == "agent" for c in head.children):
            for c in head.children:  # raising: "He is set to meet", "Japan is expected to join"
                if c.dep_ == "nsubjpass":
                    return self.args(c, depth + 1)
        if pred.dep_ == "pcomp":  # "accusing North Korea of providing": the prep hangs on a verb
            governor = head.head if head.dep_ == "prep" else None
            if governor is None or governor is head:
                return []
            if governor.lemma_.lower() in self.lex.object_control:
                for c in governor.children:
                    if c.dep_ == "dobj":
                        return self.args(c, depth + 1)
            return self.subjects(governor, depth + 1)
        if pred.dep_ == "acl":  # "US intelligence reports accusing ...": the reports' owner
            owner = (
                self.args(head, depth + 1)
                or self._poss(head, depth + 1)
                or self.modifiers(head, depth + 1)
            )
            if owner:
                return owner
            return self.subjects(head.head, depth + 1) if head.dep_ in ("dobj", "pobj") else []
        if pred.dep_ == "relcl":
            return []
        if pred.dep_ in _INHERIT:
            return self.subjects(head, depth + 1)
        return []

    def passive_objects(self, pred: Token) -> list[Arg]:
        return [a for c in pred.children if c.dep_ == "nsubjpass" for a in self.args(c)]

    # -- modality, negation, attribution --------------------------------------------------

    def negated(self, pred: Token, noun: Token | None = None) -> bool:
        """True if the predicate (or the noun it governs) is negated or refused."""
        for t in filter(None, (noun, pred)):
            for c in t.children:
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                    return True
        t = pred
        for _ in range(4):
            if t.dep_ not in ("xcomp", "ccomp", "conj", "pcomp", "acl") or t.head is t:
                break
            head = t.head
            if t.dep_ != "conj" and head.lemma_.lower() in self.lex.negation:
                return True
            if t.dep_ == "xcomp" and any(c.dep_ == "neg" for c in head.children):
                return True
            if (
                t.dep_ in ("ccomp", "acl")
                and head.pos_ == "NOUN"
                and any(c.dep_ == "det" and c.lower_ == "no" for c in head.children)
            ):
                return True  # "no evidence that China was sending aid"
            t = head
        return False

    def modality(self, pred: Token, noun: Token | None = None) -> str:
        """planned / hypothetical from modals, 'if', planning and request words up the chain."""
        found = ""
        t: Token | None = pred
        hops = 0
        if noun is not None:
            for c in noun.children:  # "meetings scheduled with"
                m = self.lex.modality.get(c.lemma_.lower()) or self.lex.modality.get(c.lower_)
                if m and m[1] == "governor" and c.dep_ in ("acl", "amod"):
                    found = m[0]
        while t is not None and hops < 5:
            for c in t.children:
                low = c.lower_
                m = self.lex.modality.get(low)
                if m and c.dep_ in ("aux", "mark") and m[1] in ("aux", "mark"):
                    found = found or m[0]
            if t.dep_ == "pcomp" and t.head.lower_ == "against":
                found = found or "hypothetical"  # "warned Beijing against supplying weapons"
            if t.dep_ in ("xcomp", "advcl", "pcomp") and t.head is not t:
                head = t.head
                m = self.lex.modality.get(head.lemma_.lower()) or self.lex.modality.get(head.lower_)
                # "is due to meet", "urged X to increase": the governor frames its complement;
                # an adverbial clause ("Speaking in Seoul, he urged") is not framed by it.
                if m and m[1] == "governor" and t.dep_ != "advcl":
                    found = found or m[0]
                t = head
            elif t.dep_ == "conj" and t.head is not t:
                t = t.head
            else:
                break
            hops += 1
        return found or "asserted"

    def speaker(self, pred: Token) -> Arg | None:
        """Who reports the clause: the subject of a verb of saying it is the complement of."""
        t = pred
        for _ in range(6):
            if t.head is t:
                return None
            if t.dep_ in ("ccomp", "parataxis") or (
                t.dep_ == "advcl" and t.head.lemma_.lower() in self.lex.speech_verbs
            ):
                head = t.head
                if head.lemma_.lower() in self.lex.speech_verbs:
                    subj = [a for a in self.subjects(head) if isinstance(a.ref, EntityRef)]
                    return subj[0] if subj else None
                t = head
            elif t.dep_ in (
                # Relative and adverbial clauses are the narrator's, not the speaker's:
                # "Britain said it would ..., drawing a rebuke from Moscow, which accused London"
                "xcomp",
                "conj",
                "dobj",
                "pobj",
                "prep",
                "nsubj",
                "attr",
            ):
                t = t.head
            else:
                return None
        return None

    # -- output ---------------------------------------------------------------------------

    def _emit(
        self,
        subjects: list[Arg],
        relation: str,
        objects: list[Arg],
        anchor: Token,
        noun: Token | None,
        sent: Span,
        rule: str,
        confidence: float,
        conj_subj: bool = False,
        pred: Token | None = None,
    ) -> Iterator[Relation]:
        pred = pred or anchor
        modality = self.modality(pred, noun)
        speaker = self.speaker(pred)
        if conj_subj and not objects and relation in SYMMETRIC:
            ents = [a for a in subjects if isinstance(a.ref, EntityRef)]
            for i, a in enumerate(ents):
                for b in ents[i + 1 :]:
                    rel = self._relation(
                        a, relation, b, pred, sent, rule, confidence, modality, speaker
                    )
                    if rel is not None:
                        yield rel
            return
        for s in subjects:
            for o in objects:
                rel = self._relation(
                    s, relation, o, pred, sent, rule, confidence, modality, speaker
                )
                if rel is not None:
                    yield rel

    def _relation(
        self,
        s: Arg,
        relation: str,
        o: Arg,
        pred: Token,
        sent: Span,
        rule: str,
        confidence: float,
        modality: str | None = None,
        speaker: Arg | None = None,
    ):
        if not isinstance(s.ref, EntityRef) or s.ref == o.ref or not _fits(s.ref, relation, o.ref):
            return None
        if s.via or o.via:
            confidence -= 0.1  # coreference adds a step that can go wrong
        if modality is None:
            modality = self.modality(pred)
        if speaker is None:
            speaker = self.speaker(pred)
        if modality == "asserted" and speaker is not None:
            modality = "reported"
        # Slice the doc's text: Span.text would visit every token of the sentence.
        text = self.text[sent.start_char : sent.end_char].rstrip()
        return Relation(
            subject=s.ref,
            predicate=relation,
            object=o.ref,
            article_id="",
            sentence=text,
            start=sent.start_char,
            end=sent.start_char + len(text),
            modality=modality,
            speaker=speaker.ref if speaker is not None else None,
            confidence=round(max(0.05, min(confidence, 0.99)), 2),
            rule=rule,
            surface={"subject": s.text, "object": o.text},
        )


def _fits(s: EntityRef, relation: str, o: EntityRef | EventRef) -> bool:
    """The ontology's domain and range for the relation."""
    if s.type not in ACTOR_TYPES:
        return False
    if isinstance(o, EventRef):
        return relation in EVALUATIVE or relation == "supports"
    if o.type not in ACTOR_TYPES:
        return False
    if relation in ("leaderOf", "officialOf"):
        return s.type == PERSON and o.type in STATE_OR_ORG
    if relation == "memberOf":
        return s.type in STATE_OR_ORG and o.type in ORG_TYPES
    if relation == "invades":
        return s.type in STATE_OR_ORG and o.type != PERSON
    if relation == "visits":
        return o.type in STATE_OR_ORG
    return True


def is_actor(ref: EntityRef | EventRef) -> bool:
    return isinstance(ref, EventRef) or ref.type in ACTOR_TYPES


def _via(link: Link) -> str:
    return link.form if link.form in ("pronoun", "description") else ""


def unique_args(args: Iterable[Arg]) -> list[Arg]:
    seen = set()
    out = []
    for a in args:
        if a.ref.key not in seen:
            seen.add(a.ref.key)
            out.append(a)
    return out
