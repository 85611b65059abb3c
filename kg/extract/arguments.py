"""Arguments of relations: the entities behind tokens and the subjects of predicates.

:class:`ArgumentFinder` holds one doc's parse and links and answers the questions every pattern
asks: which entities does this noun phrase name (through conjunctions, appositions, pronouns,
proxy nouns like "Russian forces")? Who owns this thing ("Israel's strikes", "US-led
sanctions")? Who is the subject of this predicate (through passives, control verbs, xcomp and
conjunct chains)? :func:`fits` holds the ontology's domain and range.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from kg.actors import load_actors, parse_date
from kg.extract.lexicon import Lexicon, is_one_of
from kg.extract.quotes import quote_speakers
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
from kg.records import EntityRef, EventRef

_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
_RELATIVE = frozenset({"which", "that", "who", "whom", "whose"})
_IT = frozenset({"it", "its", "itself"})
_THEY = frozenset({"they", "them", "their", "themselves"})
_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our", "ourselves"})
# Nouns for an organization named by its modifier ("the Houthi group", "the Hamas movement").
_GROUP_WORDS = frozenset(
    {"group", "movement", "militia", "faction", "organisation", "organization"}
)
# "US-led sanctions", "Saudi-led coalition", "Russian-held territory", "the pair held talks":
# the modifier is the agent (not in "AU-sponsored talks" or "Iran-backed Houthis").
_LEADING = frozenset(
    {"lead", "head", "run", "command", "spearhead", "drive", "impose", "hold", "control"}
)
# "Quad leaders, consisting of Modi, Kishida, Albanese and Biden": the group's members.
_MEMBERSHIP_VERBS = frozenset({"consist", "include", "comprise", "involve"})
# Prepositions that place a target in a country ("targets in Lebanon", "a camp inside Pakistan").
_LOCATIVE = frozenset({"in", "inside", "within", "across"})
# Dependencies through which a clause takes its subject from the clause it hangs on.
_INHERIT = frozenset({"xcomp", "conj", "acomp", "advcl", "ccomp", "pcomp", "prep", "npadvmod"})
EVALUATIVE = frozenset({"praises", "criticizes", "condemns", "accuses", "rejects", "warns"})
ACTOR_TYPES = frozenset({COUNTRY, PERSON}) | ORG_TYPES
# Relations whose object may be a place: a city there stands for its country.
PLACE_RELATIONS = frozenset({"visits", "attacks", "invades"})
# Domain and range constraints the ontology sets; a relation that breaks them is not kept.
STATE_OR_ORG = frozenset({COUNTRY}) | ORG_TYPES


@dataclass(frozen=True)
class Arg:
    """A resolved argument: the entity (or event), its surface text and its head token."""

    ref: EntityRef | EventRef
    text: str
    token: Token
    via: str = ""  # "pronoun", "description", ... when coreference supplied it
    event: EventRef | None = None  # the act "the move" refers to, whose agent this is


class ArgumentFinder:
    """Per-doc state: finds the entities behind tokens, subjects, modality and speakers."""

    def __init__(self, doc: Doc, links: DocLinks, lex: Lexicon, gaz: Gazetteer):
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token on each access: read it once
        self.links = links
        self.lex = lex
        self.gaz = gaz
        self.actors = load_actors()
        self._quotes: dict[int, Arg] | None = None  # token -> speaker of its quotation
        self.sentence_index = 0  # of the sentence being read (for references back to acts)
        self.day = parse_date(doc._.article_date) if Doc.has_extension("article_date") else None
        self.affiliation: dict[str, EntityRef] = {}  # person key -> org/country from a role
        self.role_of: dict[str, str] = {}  # person key -> leaderOf | officialOf, from a title
        # While the objects of a visit or an attack are read, a city stands for its country.
        self.places_as_actors = False

    @contextmanager
    def place_objects(self, relation: str) -> Iterator[None]:
        """Within the block, a city names its country when the relation takes places as
        objects: "arrived in Hiroshima" visits Japan, "shelled Kharkiv" attacks Ukraine."""
        saved = self.places_as_actors
        self.places_as_actors = relation in PLACE_RELATIONS
        try:
            yield
        finally:
            self.places_as_actors = saved

    # -- entities behind tokens -----------------------------------------------------------

    def args(self, tok: Token | None, depth: int = 0) -> list[Arg]:
        """Entities a noun phrase headed by ``tok`` refers to, conjuncts included."""
        if tok is None or depth > 6:
            return []
        out: list[Arg] = []
        chain = conj_chain(tok)
        if tok.lower_ in self.gaz.title_words:
            # "The Prime Minister of Kosovo, Albin Kurti": the apposed name is who it is
            named = [
                a
                for t in chain
                if t.dep_ == "appos" and t.head == tok
                for a in self._resolve(t, depth)
                if a.ref.type == PERSON
            ]
            if named:
                return unique_args(named)
        if len(chain) > 1:
            chain = [t for t in chain if not self._title_modifier(t, chain)]
        for t in chain:
            out.extend(self._resolve(t, depth))
        return unique_args(out)

    def _title_modifier(self, t: Token, chain: list[Token]) -> bool:
        """A country parsed as a conjunct of its own leader: "Albanese and US President Joe
        Biden" (US and President as conjuncts, Biden apposed): the country only qualifies
        the title of a person named right after it, who is in the list himself."""
        link = self.links.at(t)
        if link is None or link.end != t.i + 1 or link.entities[0].type != COUNTRY:
            return False
        k = t.i + 1
        while k < len(self.doc) and self.doc[k].lower_ in self.gaz.title_words:
            k += 1
        if k == t.i + 1 or k >= len(self.doc):
            return False
        person = self.links.at(self.doc[k])
        if person is None or person.entities[0].type != PERSON:
            return False
        return any(person.start <= c.i < person.end for c in chain)

    def _resolve(self, t: Token, depth: int) -> list[Arg]:
        link = self.links.at(t)
        if link is not None:
            if link.form == "demonym" and not plural_people(t):
                return []  # "Russian" alone is a modifier; only "Ukrainians" names the country
            if link.form == "city" and not self.places_as_actors:
                return []  # "Kharkiv" is where things happen, not who acts
            text = self.doc[link.start : link.end].text
            return [Arg(ref, text, t, via=_via(link)) for ref in link.entities]
        low = t.lower_
        if low in _FIRST_PERSON:
            return self._resolve_first_person(t)
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
            members = self._listed_members(t, depth)
            if members:
                return members
            if self._is_proxy(t) or any(
                c.dep_ == "compound" and self._is_proxy(c) for c in t.children
            ):
                owners = self.modifiers(t, depth, people=True) + self._poss(t, depth)
                if not owners and self._is_proxy(t):  # "Leaders of the Group of Seven"
                    owners = self._prep(t, "of", depth) or self._prep(t, "from", depth)
                return [a for a in owners if is_actor(a.ref) and a.ref.type != PERSON]
            if t.lemma_.lower() in _GROUP_WORDS:  # "the Houthi group", "the Wagner group"
                owners = self.modifiers(t, depth)
                return [a for a in owners if a.ref.type in ORG_TYPES]
            members = self._group_of(t, depth)
            if members:
                return members
            if self.places_as_actors and t.pos_ == "NOUN" and not self.lex.entries(
                t.lemma_.lower(), "NOUN"
            ):  # a place, not an act: "fight off the Russian invasion" attacks nobody
                return self._located_target(t, depth)
        return []

    def _located_target(self, t: Token, depth: int) -> list[Arg]:
        """What a place noun stands for in relations that take places: its owner ("Hezbollah
        targets", "Indian cities"), else the country it is in ("struck targets in Lebanon",
        "bombed a camp inside Pakistan")."""
        owners = [
            a
            for c in t.children
            if c.dep_ in ("compound", "amod") and c.i < t.i
            for a in self._resolve_owner(c, depth)
        ] + [a for a in self._poss(t, depth + 1) if a.ref.type in STATE_OR_ORG]
        if owners:
            return unique_args(owners)
        # the place phrase may hang on the verb: "struck targets in Lebanon"
        holders = [t, t.head] if t.dep_ == "dobj" and t.head.pos_ == "VERB" else [t]
        found = [
            a
            for h in holders
            for c in h.children
            if c.dep_ == "prep" and c.lower_ in _LOCATIVE
            for p in c.children
            if p.dep_ == "pobj"
            for a in self.args(p, depth + 1)
        ]
        return [a for a in unique_args(found) if a.ref.type == COUNTRY]

    def _resolve_owner(self, c: Token, depth: int) -> list[Arg]:
        """The actor a modifier of a place noun names: a demonym's country, a name's entity."""
        link = self.links.at(c)
        if link is None:
            return []
        if link.form == "demonym":
            return [Arg(ref, c.text, c, via="demonym") for ref in link.entities]
        return [a for a in self._resolve(c, depth + 1) if a.ref.type in STATE_OR_ORG]

    def _group_of(self, t: Token, depth: int) -> list[Arg]:
        """ "the two Gulf states of the UAE and Bahrain": a plural group noun whose of-phrase
        lists its members."""
        if t.tag_ not in ("NNS", "NNPS") or t.lemma_.lower() not in self.gaz.group_nouns:
            return []
        found = self._prep(t, "of", depth)
        return found if len(found) >= 2 else []

    def quote_speaker(self, t: Token) -> Arg | None:
        """Who says the quotation ``t`` is in, when the text names them."""
        if self._quotes is None:
            self._quotes = {}  # (being computed: a speaker's own subject is not quoted)
            self._quotes = quote_speakers(self.doc, self._speech_subject, self._is_speech_verb)
        return self._quotes.get(t.i)

    def _is_speech_verb(self, t: Token) -> bool:
        return t.pos_ == "VERB" and is_one_of(t, self.lex.speech_verbs)

    def _speech_subject(self, verb: Token) -> Arg | None:
        found = [a for a in self.subjects(verb) if isinstance(a.ref, EntityRef)]
        return found[0] if found else None

    def _resolve_first_person(self, t: Token) -> list[Arg]:
        """ "I" and "we" in a quote are its speaker (a person speaking for a state stays the
        person: the state-level reading rolls them up)."""
        speaker = self.quote_speaker(t)
        return [Arg(speaker.ref, t.text, t, via="pronoun")] if speaker is not None else []

    def _listed_members(self, t: Token, depth: int) -> list[Arg]:
        """ "Quad leaders, consisting of Modi, Kishida and Biden": the people listed."""
        for c in t.children:
            if c.dep_ in ("acl", "prep") and c.lemma_.lower() in _MEMBERSHIP_VERBS:
                found = [
                    a
                    for p in c.children
                    if p.dep_ in ("prep", "dobj")
                    for g in ([p] if p.dep_ == "dobj" else p.children)
                    if g.dep_ in ("pobj", "dobj")
                    for a in self.args(g, depth + 1)
                ]
                # the parser often breaks long lists of titled names: read them off the text
                listed = self._linear_list(c.i + 1)
                if len(listed) > len(found):
                    found = listed
                if len(found) >= 2:
                    return unique_args(found)
        return []

    def _listed_after(self, subject: Token, pred: Token, depth: int) -> list[Arg]:
        """ "Quad leaders, consisting of Modi, ... and Biden, convened", with "consisting" hung
        on the verb: the people listed right after the subject are the subjects."""
        if subject.pos_ not in ("NOUN", "PROPN") or not plural_people(subject):
            return []
        for c in pred.children:
            if (
                c.dep_ in ("advcl", "acl")
                and c.lemma_.lower() in _MEMBERSHIP_VERBS
                and subject.i < c.i <= subject.i + 2
            ):
                listed = self._linear_list(c.i + 1)
                if len(listed) >= 2:
                    return unique_args(listed)
        return []

    def _linear_list(self, i: int) -> list[Arg]:
        """Entities listed from token ``i`` on: "himself, Vice President J.D. Vance, and Prime
        Minister Narendra Modi" (titles, commas, "and" between them; a verb ends the list)."""
        doc = self.doc
        out: list[Arg] = []
        end = min(len(doc), doc[i].sent.end if i < len(doc) else i)
        while i < end:
            t = doc[i]
            link = self.links.at(t)
            if link is not None:
                after = link.end + (link.end < end and doc[link.end].lower_ in ("'s", "’s"))
                # not "US President ...", "Somaliland's President ..."
                qualifies = after < end and doc[after].lower_ in self.gaz.title_words
                if link.form not in ("demonym", "city") and not qualifies:
                    text = doc[link.start : link.end].text
                    out += [Arg(ref, text, doc[link.end - 1], _via(link)) for ref in link.entities]
                i = max(link.end, i + 1)
                continue
            if t.pos_ in ("VERB", "AUX") or t.text in (".", ";", ":"):
                break
            if not (
                t.text in (",", "&", "-", "'s", "’s")
                or t.lower_ in ("and", "the", "of", "his", "her", "their", "respectively")
                or t.lemma_.lower() == "counterpart"
                or t.lower_ in self.gaz.title_words
                or t.lower_.rstrip(".") in self.gaz.honorifics
            ):
                break
            i += 1
        return out

    def _resolve_they(self, t: Token, depth: int) -> list[Arg]:
        """'they' in what a group said: "Mali, Burkina Faso and Niger said they would leave"."""
        cur = t.head
        for _ in range(6):
            if is_one_of(cur, self.lex.speech_verbs) and cur.i < t.i:
                found = [
                    a
                    for c in cur.children
                    if c.dep_ == "nsubj" and c.i < t.i
                    for a in self.args(c, depth + 1)
                    if isinstance(a.ref, EntityRef)
                ]
                return found if len(found) >= 2 else []
            if cur.head.i == cur.i:
                break
            cur = cur.head
        if t.dep_ in _SUBJ and t.i == t.sent.start:  # "They have hardened their positions"
            return self._previous_plural_subject(t, depth)
        return []

    def _previous_plural_subject(self, t: Token, depth: int) -> list[Arg]:
        """The coordinated subject (two or more countries or organizations) of the sentence
        before ``t``'s: "Mali, Burkina Faso and Niger quit ECOWAS. They ..." """
        start = t.sent.start
        if start == 0:
            return []
        prev = self.doc[start - 1].sent
        for c in prev.root.children:
            if c.dep_ in _SUBJ:
                found = [a for a in self.args(c, depth + 1) if a.ref.type != PERSON]
                return found if len(found) >= 2 else []
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
                if a.token.i != t.i and a.ref.type != PERSON and isinstance(a.ref, EntityRef):
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
        if found is None and t.dep_ in _SUBJ:
            found = self._previous_subject(t)  # "ECOWAS imposed sanctions on Niger. It demanded"
        return found or self.links.last_actor_before(t.i)

    def _previous_subject(self, t: Token) -> EntityRef | None:
        """The country or organization subject of the sentence before ``t``'s."""
        start = t.sent.start
        if start == 0:
            return None
        prev = self.doc[start - 1].sent
        root = prev.root
        for c in root.children:
            if c.dep_ in _SUBJ:
                found = [a.ref for a in self.args(c, 5) if isinstance(a.ref, EntityRef)]
                if found and found[0].type != PERSON:
                    return found[0]
        return None

    def modifiers(self, noun: Token, depth: int = 0, people: bool = False) -> list[Arg]:
        """Entities modifying a noun: "Russian invasion", "US-led sanctions", "the pair held
        talks"."""
        out: list[Arg] = []
        for c in noun.children:
            if c.dep_ in ("compound", "amod", "nmod", "npadvmod") and c.i < noun.i:
                link = self.links.at(c)
                if link is not None and not self._negative_prefix(link):
                    text = self.doc[link.start : link.end].text
                    out.extend(Arg(ref, text, c, via=_via(link)) for ref in link.entities)
                    continue
            if c.dep_ in ("amod", "acl") and c.pos_ == "VERB":
                # "US-led": led <- US (npadvmod); "the pair held talks": held <- pair; but
                # "AU-sponsored talks" are not the AU's, nor "Iran-backed Houthis" Iran
                leading = c.lemma_.lower() in _LEADING
                for g in c.children:
                    led = leading and g.dep_ in ("npadvmod", "compound", "poss")
                    if led or (g.dep_ == "nsubj" and c.dep_ == "acl"):
                        out.extend(self.args(g, depth + 1))
        if not people:
            out = [a for a in out if a.ref.type != PERSON]
        return out

    def _negative_prefix(self, link: Link) -> bool:
        """ "a major non-NATO ally", "anti-Russian sanctions": the prefix says not of NATO."""
        i = link.start
        return (
            i >= 2
            and self.doc[i - 1].text in ("-", "‐")
            and self.doc[i - 2].lower_ in ("non", "anti", "counter")
        ) or (i >= 1 and self.doc[i - 1].lower_ in ("non", "anti"))

    def owner(self, noun: Token, depth: int = 0) -> list[Arg]:
        """Who a non-entity noun belongs to ("praised the support offered by Japan": Japan)."""
        for finder in (self._poss, self._by, self.modifiers, self._relcl_subject, self._between):
            found = [a for a in finder(noun, depth) if is_actor(a.ref)]
            if found:
                return found
        if noun.lemma_.lower() not in self.lex.agentive_nouns:
            return []  # "the inclusion of Cuba" is not Cuba's doing
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
        if not out:  # "the MoU signed between Ethiopia and Somaliland"
            for c in noun.children:
                if c.dep_ == "acl" and c.tag_ == "VBN":
                    out = self._prep(c, "between", depth)
                    break
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
        if noun.pos_ not in ("NOUN", "PROPN"):
            return []
        found = self._poss(noun, depth)
        trig = self.lex.trigger(noun.lemma_, "NOUN")
        # "the Russian invasion", "the American plan" are Russia's and America's; "U.S.
        # allies" are not the United States.
        if not found and (trig is None or "head" not in trig.objects):
            found = self.modifiers(noun, depth)
        return [a for a in found if is_actor(a.ref)]

    # -- subjects -------------------------------------------------------------------------

    def subjects(self, pred: Token, depth: int = 0) -> list[Arg]:
        """The subject of a predicate, looking through passives, control and coordination."""
        if depth > 8:
            return []
        for c in pred.children:
            if c.dep_ == "agent":
                found = [a for p in c.children if p.dep_ == "pobj" for a in self.args(p, depth + 1)]
                # "inked by Prime Minister Abiy Ahmed and Somaliland's President Muse Bihi Abdi":
                # the parser breaks lists of titled names; read them off the text
                listed = self._linear_list(c.i + 1)
                return unique_args(listed) if len(listed) > len(found) else found
        for c in pred.children:
            if c.dep_ in ("nsubj", "csubj"):
                return self._listed_after(c, pred, depth) or self.args(c, depth + 1)
        for c in pred.children:  # the parser sometimes hangs the subject on the auxiliary
            if c.dep_ in ("aux", "auxpass"):
                for g in c.children:
                    if g.dep_ in ("nsubj", "nsubjpass"):
                        return self.args(g, depth + 1)
        head = pred.head
        if head.i == pred.i:
            return []
        if pred.dep_ == "xcomp" and pred.tag_ == "VBG":
            # "warned of its growing presence ... threatening Taiwan": the one warned of acts
            for c in head.children:
                if c.dep_ == "prep" and c.lower_ in ("of", "about", "against"):
                    for p in c.children:
                        if p.dep_ == "pobj":
                            found = self.args(p, depth + 1) or self._poss(p, depth + 1)
                            if found:
                                return found
        if pred.dep_ == "xcomp" and is_one_of(head, self.lex.object_control):
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
            if is_one_of(governor, self.lex.object_control):
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
        """The passive subject ("Ukraine was invaded"), also when hung on the auxiliary."""
        found = [a for c in pred.children if c.dep_ == "nsubjpass" for a in self.args(c)]
        for c in pred.children:
            if not found and c.dep_ in ("aux", "auxpass"):
                found = [a for g in c.children if g.dep_ in _SUBJ for a in self.args(g)]
        return found


def fits(s: EntityRef, relation: str, o: EntityRef | EventRef) -> bool:
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
