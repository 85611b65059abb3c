"""Relation extraction from the dependency parse, driven by the lexicon in ``ontology/lexicon/``.

For every token whose lemma and part of speech are a lexicon trigger, the extractor finds the
trigger's subject and objects in the parse, resolves them to linked entities and yields a
:class:`~kg.records.Relation`. Pattern families:

- verbs, active and passive ("Russia invaded Ukraine", "Ukraine, which was invaded by Russia");
  control and xcomp chains hand subjects down ("Japan has been quick to join the sanctions",
  "urged South Korea to increase its support": South Korea supports);
- nouns ("Russia's invasion of Ukraine", "the partnership between NATO and Japan", "US-led
  sanctions", "his visits to South Korea and Japan"), with their agent taken from a possessive,
  a modifier, a by-phrase or the subject of a support verb ("Tokyo has imposed sanctions on
  Moscow");
- relational nouns ("NATO member Poland", "Japan, a close ally of the United States");
- conjunctions distribute over subjects and objects; conjoined subjects of a symmetric predicate
  relate to each other ("Japan and NATO must remain united");
- reported speech: a relation in the complement of a verb of saying is kept, attributed to the
  speaker ("Stoltenberg said China is threatening Taiwan");
- negation drops a relation ("China was not our adversary", "a policy of not providing weapons");
  modals, "if" and planning words mark it planned or hypothetical;
- events as targets ("North Korea condemned his visits": a Visit node);
- roles from titles and appositions ("Japanese Prime Minister Fumio Kishida") and visits from
  where an official speaks ("Speaking in Seoul, Stoltenberg ...": he visits South Korea).

Notes: the approach follows dictionary event coders (PETRARCH's verb patterns, CAMEO's actor
dictionaries) but reads spaCy's dependency parse instead of a constituency parse, and keeps the
sentence, offsets and rule for every relation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from kg.gazetteer import Gazetteer, load_gazetteer
from kg.lexicon import Lexicon, Trigger, load_lexicon
from kg.linking import COUNTRY, ORG_TYPES, PERSON, DocLinks, Link
from kg.records import EntityRef, EventRef, Relation

_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
_RELATIVE = frozenset({"which", "that", "who", "whom", "whose"})
_IT = frozenset({"it", "its", "itself"})
# Dependencies through which a clause takes its subject from the clause it hangs on.
_INHERIT = frozenset({"xcomp", "conj", "acomp", "advcl", "ccomp", "pcomp", "prep", "npadvmod"})
# Prepositions that put a visit-like noun inside the clause of its agent ("said during a visit").
_CIRCUMSTANTIAL = frozenset({"during", "on", "after", "before", "throughout", "ahead", "amid"})
_SYMMETRIC = frozenset({"allyOf", "partnerOf", "meetsWith", "cooperatesWith", "agreesWith"})
_EVALUATIVE = frozenset({"praises", "criticizes", "condemns", "accuses", "rejects", "warns"})
_VISIT_NOUNS = frozenset({"visit", "trip", "tour", "stop"})
_ACTOR_TYPES = frozenset({COUNTRY, PERSON}) | ORG_TYPES
# Domain and range constraints the ontology sets; a relation that breaks them is not kept.
_STATE_OR_ORG = frozenset({COUNTRY}) | ORG_TYPES


@dataclass(frozen=True)
class _Title:
    """A title found next to a person's name, and the organizations it points to."""

    role: str  # leaderOf | officialOf
    applies: str  # Country | Organization | any
    orgs: list[Arg]
    rule: str


@dataclass(frozen=True)
class Arg:
    """A resolved argument: the entity (or event), its surface text and its head token."""

    ref: EntityRef | EventRef
    text: str
    token: Token
    via: str = ""  # "pronoun", "description", ... when coreference supplied it


class RelationExtractor:
    """spaCy component: read relations off the parse into ``doc._.relations``."""

    def __init__(self, lexicon: Lexicon | None = None, gazetteer: Gazetteer | None = None):
        self.lex = lexicon or load_lexicon()
        self.gaz = gazetteer or load_gazetteer()
        if not Doc.has_extension("relations"):
            Doc.set_extension("relations", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = extract_relations(doc, self.lex, self.gaz)
        return doc


def extract_relations(doc: Doc, lex: Lexicon, gaz: Gazetteer) -> list[Relation]:
    """All relations stated in a doc processed by the linker, one per (triple, sentence)."""
    ctx = _Context(doc, doc._.links or DocLinks(), lex, gaz)
    best: dict[tuple, Relation] = {}
    sents = list(doc.sents)
    # Roles first: a later apposition ("Stoltenberg, secretary general of the alliance") tells
    # whose official speaks "in Tokyo" in the first sentence.
    roles = {id(sent): list(ctx.roles(sent)) for sent in sents}
    for sent in sents:
        found: list[Relation] = list(roles[id(sent)])
        for tok in sent:
            trig = lex.trigger(tok.lemma_, tok.pos_)
            if trig is not None:
                found.extend(ctx.from_trigger(tok, trig, sent))
        found.extend(ctx.located_visits(sent))
        for rel in found:
            key = (rel.subject.key, rel.predicate, rel.object.key, rel.start)
            if key not in best or rel.confidence > best[key].confidence:
                best[key] = rel
    return sorted(best.values(), key=lambda r: (r.start, r.predicate, r.subject.key, r.object.key))


class _Context:
    """Per-doc state and the parse-walking helpers."""

    def __init__(self, doc: Doc, links: DocLinks, lex: Lexicon, gaz: Gazetteer):
        self.doc = doc
        self.links = links
        self.lex = lex
        self.gaz = gaz
        self.affiliation: dict[str, EntityRef] = {}  # person key -> org/country from a role

    # -- entities behind tokens -----------------------------------------------------------

    def args(self, tok: Token | None, depth: int = 0) -> list[Arg]:
        """Entities a noun phrase headed by ``tok`` refers to, conjuncts included."""
        if tok is None or depth > 6:
            return []
        out: list[Arg] = []
        for t in _conj_chain(tok):
            out.extend(self._resolve(t, depth))
        return _unique(out)

    def _resolve(self, t: Token, depth: int) -> list[Arg]:
        link = self.links.at(t)
        if link is not None:
            if link.form == "demonym" and not _plural_people(t):
                return []  # "Russian" alone is a modifier; only "Ukrainians" names the country
            text = self.doc[link.start : link.end].text
            return [Arg(ref, text, t, via=_via(link)) for ref in link.entities]
        low = t.lower_
        if low in _IT:
            ref = self.resolve_it(t, depth)
            return [Arg(ref, t.text, t, via="pronoun")] if ref else []
        if low in _RELATIVE and t.dep_ in _SUBJ | {"dobj"}:
            antecedent = _relative_antecedent(t)
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
                return [a for a in owners if _is_actor(a.ref) and a.ref.type != PERSON]
        return []

    def _is_proxy(self, t: Token) -> bool:
        return t.lower_ in self.lex.proxy_nouns or t.lemma_.lower() in self.lex.proxy_nouns

    def resolve_it(self, t: Token, depth: int = 0) -> EntityRef | None:
        """'its': the nearest country or org before it in the sentence ("urged South Korea to
        increase its support"); 'it': the non-person subject of its clause; else the last
        country or organization mentioned."""
        clause = _clause_head(t)
        target = _for_phrase_object(t)
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
            found = [a for a in finder(noun, depth) if _is_actor(a.ref)]
            if found:
                return found
        return [a for a in self._prep(noun, "of", depth) if _is_actor(a.ref)]

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
        return _unique(out)

    def _prep(self, head: Token, prep: str, depth: int = 0, owners: bool = False) -> list[Arg]:
        """Entities in the object of preposition ``prep`` on ``head``; with ``owners``, an
        event noun stands for its agent ("sanctions against Russia's war": Russia)."""
        out: list[Arg] = []
        for c in head.children:
            if c.dep_ in ("prep", "agent", "dative") and c.lower_ == prep:
                for p in _conj_chain_prep(c):
                    for g in p.children:
                        if g.dep_ != "pobj":
                            continue
                        found = self.args(g, depth + 1)
                        if not found and owners and depth < 3:
                            found = [
                                a for n in _conj_chain(g) for a in self._event_owner(n, depth + 1)
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
        return [a for a in found if _is_actor(a.ref)]

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

    # -- relations from lexicon triggers --------------------------------------------------

    def from_trigger(self, tok: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if trig.pos == "VERB":
            yield from self._verb(tok, trig, sent)
        elif trig.pos == "NOUN":
            yield from self._noun(tok, trig, sent)
        else:
            yield from self._adjective(tok, trig, sent)

    def _verb(self, verb: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if self.negated(verb):
            return
        subjects = self.subjects(verb)
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        if passive:
            subjects = [
                a
                for c in verb.children
                if c.dep_ == "agent"
                for p in c.children
                for a in self.args(p)
            ]
        objects: list[Arg] = []
        relation = trig.relation
        for slot in trig.objects:
            if slot == "conj_subj":
                continue
            objects = self._verb_slot(verb, slot, trig, passive)
            if objects:
                break
        if relation == "transfer":
            with_theme = self._with_theme(verb)
            if with_theme is not None and not passive:
                relation = with_theme  # the recipient is the direct object
                objects = [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
            else:
                relation = self._theme(verb)
            if relation is None:
                return
        if relation in _EVALUATIVE and not objects:
            objects = self._evaluated(verb)
        base = trig.confidence - (0.05 if passive else 0.0)
        yield from self._emit(
            subjects,
            relation,
            objects,
            verb,
            None,
            sent,
            trig.name,
            base,
            conj_subj="conj_subj" in trig.objects,
        )

    def _verb_slot(self, verb: Token, slot: str, trig: Trigger, passive: bool) -> list[Arg]:
        if slot == "dobj":
            if passive:
                return self.passive_objects(verb)
            return [a for c in verb.children if c.dep_ == "dobj" for a in self.args(c)]
        if slot == "dative":
            out = []
            for c in verb.children:
                if c.dep_ == "dative":
                    out.extend(
                        self.args(c)
                        if c.pos_ != "ADP"
                        else [a for p in c.children if p.dep_ == "pobj" for a in self.args(p)]
                    )
            return out
        if slot.startswith("prep:"):
            return self._prep(verb, slot[5:], owners=trig.relation in _EVALUATIVE)
        if slot == "for_clause":  # "called for Seoul to provide"
            for c in verb.children:
                if c.dep_ in ("advcl", "ccomp", "xcomp") and any(
                    g.dep_ == "mark" and g.lower_ == "for" for g in c.children
                ):
                    return [a for g in c.children if g.dep_ == "nsubj" for a in self.args(g)]
            return []
        if slot == "ccomp_subj":  # "warned that Beijing was keeping a close eye"
            return [
                a
                for c in verb.children
                if c.dep_ == "ccomp"
                for g in c.children
                if g.dep_ in ("nsubj", "nsubjpass")
                for a in self.args(g)
            ]
        return []

    def _evaluated(self, verb: Token) -> list[Arg]:
        """Target of praise/criticism aimed at a thing: an event node or the thing's owner."""
        out: list[Arg] = []
        for c in verb.children:
            if c.dep_ != "dobj":
                continue
            for noun in _conj_chain(c):
                event = self._event(noun)
                if event is not None:
                    out.append(event)
                else:
                    out.extend(self.owner(noun))
        return out

    def _event(self, noun: Token) -> Arg | None:
        """A Visit event node for "his visits to South Korea and Japan"."""
        if noun.lemma_.lower() not in _VISIT_NOUNS:
            return None
        trig = self.lex.trigger(noun.lemma_, "NOUN")
        if trig is None:
            return None
        agents = [a for a in self._noun_agents(noun, trig) if isinstance(a.ref, EntityRef)]
        dests = [a for a in self._noun_objects(noun, trig) if isinstance(a.ref, EntityRef)]
        if not agents:
            return None
        agent = agents[0].ref
        places = tuple(sorted({a.ref for a in dests}, key=lambda r: r.key))
        names = " and ".join(a.ref.label for a in dests) if dests else ""
        label = f"{agent.label}'s visit" + (f" to {names}" if names else "")
        key = "_".join(["Visit", agent.key, *(p.key for p in places)])
        ref = EventRef(key=key, type="Visit", label=label, agent=agent, participants=places)
        return Arg(ref, noun.text, noun)

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

    def _noun(self, noun: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        governor = (
            noun.head
            if noun.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass", "attr", "conj")
            else noun
        )
        pred = governor if governor.pos_ in ("VERB", "AUX", "ADJ") else noun
        if noun.dep_ == "pobj" and governor.head is not governor:
            pred = governor.head
        if self.negated(pred, noun):
            return
        if noun.dep_ == "dobj" and governor.lemma_.lower() in self.lex.negation:
            return  # "severed ties with", "lifted sanctions on"
        if "head" in trig.objects:
            yield from self._relational_noun(noun, trig, sent)
            return
        agents = self._noun_agents(noun, trig)
        objects = self._noun_objects(noun, trig)
        relation = trig.relation
        if "between" in trig.objects and not objects:
            sides = self._between(noun)
            if len(sides) >= 2 and relation in _SYMMETRIC:
                yield from self._emit(
                    sides,
                    relation,
                    [],
                    noun,
                    noun,
                    sent,
                    trig.name,
                    trig.confidence,
                    conj_subj=True,
                    pred=pred,
                )
                return
        yield from self._emit(
            agents,
            relation,
            objects,
            noun,
            noun,
            sent,
            trig.name,
            trig.confidence - 0.05,
            conj_subj="conj_subj" in trig.objects,
            pred=pred,
        )

    def _noun_agents(self, noun: Token, trig: Trigger) -> list[Arg]:
        """Every agent the noun's agent slots find: "the US-led sanctions" that Japan joins
        have two (the United States and Japan)."""
        found: list[Arg] = []
        for slot in trig.agents:
            if slot == "poss":
                found += self._poss(noun)
            elif slot == "mod":
                found += self.modifiers(noun, people=True)
            elif slot == "by":
                found += self._by(noun)
            elif slot == "governor":
                found += self._governor_subject(noun)
        return _unique(found)

    def _governor_subject(self, noun: Token) -> list[Arg]:
        """Subject of a support verb over the noun ("Tokyo imposed sanctions", "during a visit")."""
        head = noun.head
        if (
            noun.dep_ in ("dobj", "nsubjpass", "attr")
            and head.lemma_.lower() in self.lex.support_verbs
        ):
            return self.subjects(head)
        if noun.dep_ == "dobj" and head.pos_ == "VERB":
            phrasal = " ".join(
                [head.lemma_.lower()] + [c.lower_ for c in head.children if c.dep_ == "prt"]
            )
            if phrasal in self.lex.support_verbs:
                return self.subjects(head)
        if (
            noun.dep_ == "pobj"
            and head.lower_ in _CIRCUMSTANTIAL
            and noun.lemma_.lower() in _VISIT_NOUNS
        ):
            clause = head.head
            if clause.pos_ in ("VERB", "AUX"):
                return self.subjects(clause)
        if noun.dep_ == "conj":
            return self._governor_subject(head)
        return []

    def _noun_objects(self, noun: Token, trig: Trigger) -> list[Arg]:
        governor = noun.head if noun.dep_ == "dobj" and noun.head.pos_ == "VERB" else None
        for slot in trig.objects:
            if slot.startswith("prep:"):
                # "increase its support to Ukraine": the PP may hang on the support verb
                found = self._prep(noun, slot[5:], owners=True)
                if not found and governor is not None:
                    found = self._prep(governor, slot[5:], owners=True)
                for c in noun.children:  # "support offered to Ukraine by Japan"
                    if not found and c.dep_ == "acl":
                        found = self._prep(c, slot[5:], owners=True)
            elif slot == "mod":  # "his Japan visit": the modifier is the destination
                found = [a for a in self.modifiers(noun) if a.ref.type != PERSON]
            else:
                found = []
            if found:
                return found
        return []

    def _relational_noun(self, noun: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        """Relational nouns: "NATO member Poland", "Japan, a close ally of the United States"."""
        head = noun.head
        if noun.dep_ in ("compound", "appos"):
            described = self.args(head)
        elif noun.dep_ == "attr":
            described = self.subjects(head)
        else:
            described = [a for c in noun.children if c.dep_ == "appos" for a in self.args(c)]
        if not described:
            return
        others = (
            self._prep(noun, "of")
            or [a for a in self.modifiers(noun) if a.ref.type in _STATE_OR_ORG]
            or [a for a in self._poss(noun) if a.via != "pronoun"]
        )
        yield from self._emit(
            described,
            trig.relation,
            others,
            noun,
            noun,
            sent,
            trig.name,
            trig.confidence,
            pred=head if head.pos_ in ("VERB", "AUX") else noun,
        )

    def _adjective(self, adj: Token, trig: Trigger, sent: Span) -> Iterator[Relation]:
        if self.negated(adj):
            return
        clause = adj.head if adj.dep_ in ("acomp", "xcomp", "conj") else adj
        subjects = self.subjects(clause) if clause is not adj else self.subjects(adj)
        objects: list[Arg] = []
        for slot in trig.objects:
            if slot.startswith("prep:"):
                for c in adj.children:
                    if c.dep_ == "prep" and c.lower_ == slot[5:]:
                        for p in c.children:
                            if p.dep_ == "pobj":
                                objects.extend(self.args(p) or self.owner(p))
            if objects:
                break
        yield from self._emit(
            subjects,
            trig.relation,
            objects,
            adj,
            None,
            sent,
            trig.name,
            trig.confidence,
            conj_subj="conj_subj" in trig.objects,
            pred=clause,
        )

    # -- roles and located visits ---------------------------------------------------------

    def roles(self, sent: Span) -> Iterator[Relation]:
        """leaderOf / officialOf from a title before a name or in an apposition."""
        for link in self.links.links:
            if not (sent.start <= link.start < sent.end) or link.form not in ("person", "surname"):
                continue
            person = link.entities[0]
            title = self._title_before(link) or self._title_apposed(link)
            if title is None:
                continue
            orgs, rule, conf = title.orgs, title.rule, 0.9
            if not orgs and title.applies in ("Country", "any"):
                # "In Seoul, ... Foreign Minister Park Jin": the story's place, less certain.
                orgs, rule, conf = self._story_place(sent), rule + "+location", 0.6
            for org in orgs:
                if org.ref.type not in _STATE_OR_ORG or org.ref == person:
                    continue
                if title.applies == "Country" and org.ref.type != COUNTRY:
                    continue
                self.affiliation.setdefault(person.key, org.ref)
                subj = Arg(person, self.doc[link.start : link.end].text, self.doc[link.end - 1])
                yield self._relation(subj, title.role, org, subj.token, sent, rule, conf)
                break

    def _title_before(self, link: Link) -> _Title | None:
        """A title before a name: "Japan's Prime Minister Fumio Kishida"."""
        doc = self.doc
        j = link.start
        words: list[Token] = []
        while j > 0:
            t = doc[j - 1]
            if t.lower_ in self.gaz.title_words or (t.text in ("-", "‐") and words):
                words.insert(0, t)
                j -= 1
            else:
                break
        if not words:
            return None
        phrase = "".join(t.text_with_ws for t in words).strip().lower()
        phrase = phrase.replace(" - ", "-").replace(" -", "-").replace("- ", "-")
        role = self.gaz.title_role(phrase)
        if role is None:
            return None
        org_args: list[Arg] = []
        k = j - 1
        if k >= 0 and doc[k].lower_ in ("'s", "’s"):
            k -= 1
        if k >= 0:
            org_link = self.links.at(doc[k])
            if org_link is not None and org_link.form not in ("pronoun",):
                text = doc[org_link.start : org_link.end].text
                org_args = [Arg(r, text, doc[k]) for r in org_link.entities]
        return _Title(role[0], role[1], org_args, f"title:{phrase}")

    def _title_apposed(self, link: Link) -> _Title | None:
        """A title in apposition: "Stoltenberg, secretary general of the ... alliance"."""
        head = self.doc[link.end - 1]
        for c in head.children:
            if c.dep_ != "appos":
                continue
            words = [g for g in c.lefts if g.dep_ == "compound"] + [c]
            phrase = " ".join(t.lower_ for t in words)
            role = self.gaz.title_role(phrase)
            if role is None:
                continue
            org_args = self._prep(c, "of") or self._poss(c) or self.modifiers(c)
            return _Title(role[0], role[1], org_args, f"apposition:{phrase}")
        return None

    def _story_place(self, sent: Span) -> list[Arg]:
        """Country of an "In Seoul, ..." opening: where an unaffiliated official serves."""
        for t in sent:
            if t.dep_ == "prep" and t.lower_ == "in" and t.i - sent.start <= 1:
                for p in t.children:
                    if p.dep_ == "pobj":
                        link = self.links.at(p)
                        if link is not None and link.form in ("capital", "name", "alias"):
                            return self.args(p)
        return []

    def located_visits(self, sent: Span) -> Iterator[Relation]:
        """A foreign official speaking or being "in Seoul" visits South Korea."""
        for t in sent:
            if t.dep_ != "prep" or t.lower_ != "in":
                continue
            places = [
                a
                for p in t.children
                if p.dep_ == "pobj"
                for a in self.args(p)
                if self.links.at(a.token) is not None
                and self.links.at(a.token).form in ("capital", "name", "alias")
                and a.ref.type == COUNTRY
            ]
            if not places:
                continue
            clause = _clause_of_prep(t)
            if clause is None or self.negated(clause):
                continue
            for person in self.subjects(clause):
                home = self.affiliation.get(person.ref.key)
                if person.ref.type != PERSON or home is None:
                    continue
                for place in places:
                    if place.ref == home:
                        continue
                    yield self._relation(
                        person,
                        "visits",
                        place,
                        clause,
                        sent,
                        "location:in",
                        0.65,
                        modality=self.modality(clause),
                    )

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
        if conj_subj and not objects and relation in _SYMMETRIC:
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
        text = sent.text.rstrip()
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
    if s.type not in _ACTOR_TYPES:
        return False
    if isinstance(o, EventRef):
        return relation in _EVALUATIVE or relation == "supports"
    if o.type not in _ACTOR_TYPES:
        return False
    if relation in ("leaderOf", "officialOf"):
        return s.type == PERSON and o.type in _STATE_OR_ORG
    if relation == "memberOf":
        return s.type in _STATE_OR_ORG and o.type in ORG_TYPES
    if relation == "invades":
        return s.type in _STATE_OR_ORG and o.type != PERSON
    if relation == "visits":
        return o.type in _STATE_OR_ORG
    return True


def _is_actor(ref: EntityRef | EventRef) -> bool:
    return isinstance(ref, EventRef) or ref.type in _ACTOR_TYPES


def _via(link: Link) -> str:
    return link.form if link.form in ("pronoun", "description") else ""


def _plural_people(t: Token) -> bool:
    return t.tag_ in ("NNPS", "NNS") or (
        t.lower_.endswith("s") and t.dep_ in ("pobj", "dobj", "nsubj")
    )


def _conj_chain(tok: Token) -> list[Token]:
    """The token and everything coordinated after it ("South Korea and Japan")."""
    out = [tok]
    frontier = [tok]
    while frontier:
        t = frontier.pop()
        for c in t.children:
            if c.dep_ == "conj" and c not in out:
                out.append(c)
                frontier.append(c)
            elif c.dep_ == "appos" and c.pos_ == "PROPN" and c not in out and t.pos_ == "PROPN":
                # "Germany, Sweden, and Norway" is sometimes parsed as appositions.
                out.append(c)
                frontier.append(c)
    return sorted(out, key=lambda t: t.i)


def _conj_chain_prep(prep: Token) -> list[Token]:
    """A preposition and those coordinated with it ("with Britain ... and with NATO")."""
    return [prep] + [c for c in prep.children if c.dep_ == "conj" and c.pos_ == "ADP"]


def _for_phrase_object(t: Token) -> Token | None:
    """The direct object of "V X for/over its ...", where 'its' is X's."""
    cur = t
    for _ in range(4):
        head = cur.head
        if head is cur:
            return None
        if cur.dep_ == "prep" and cur.lower_ in ("for", "over") and head.pos_ == "VERB":
            return next((c for c in head.children if c.dep_ == "dobj"), None)
        cur = head
    return None


def _relative_antecedent(t: Token) -> Token | None:
    clause = t.head
    if clause.dep_ == "relcl":
        return clause.head
    return None


def _clause_head(t: Token) -> Token | None:
    """The verb of the clause a token sits in."""
    cur = t
    for _ in range(10):
        if cur.pos_ in ("VERB", "AUX") and cur is not t:
            return cur
        if cur.head is cur:
            return cur if cur.pos_ in ("VERB", "AUX") else None
        cur = cur.head
    return None


def _clause_of_prep(prep: Token) -> Token | None:
    """The verb a locative PP belongs to: directly, or through a time phrase ("The previous day
    in Seoul, Stoltenberg asked") or a verbless while-clause ("While in South Korea, ...")."""
    head = prep.head
    if head.pos_ in ("VERB", "AUX"):
        return head
    if head.dep_ in ("npadvmod", "advmod") and head.head.pos_ in ("VERB", "AUX"):
        return head.head
    if head.ent_type_ in ("DATE", "TIME") and head.head.pos_ in ("VERB", "AUX"):
        return head.head
    return None


def _unique(args: Iterable[Arg]) -> list[Arg]:
    seen = set()
    out = []
    for a in args:
        if a.ref.key not in seen:
            seen.add(a.ref.key)
            out.append(a)
    return out
