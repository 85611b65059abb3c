"""How a clause frames what it states: negation, modality, the speaker, and the output records.

- negation: "not", "no", a negating governor ("refused to meet", "halted supplies"), the
  complement of a negated verb ("does not support Ukraine joining the EU");
- modality: modals and "if" (hypothetical), planning words ("is set to", "pledged to": planned),
  request words ("urged X to increase"), and nouns that make a state a goal ("membership bid",
  "application for membership", "path to membership");
- speaker: who reports the clause (the subject of a verb of saying above it).

:meth:`Framing.emit` turns resolved arguments into :class:`~kg.records.Relation` records with
these frames, and applies the rules that depend on them: states (membership, alliances, roles)
are only kept when asserted or reported; a hostile act threatened or vowed is a threat too
("vowed to retaliate against Israel": threatens Israel); mutual acts go both ways ("Thailand and
Cambodia clashed").
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span, Token

from kg.extract.arguments import ORG_TYPES, STATE_OR_ORG, Arg, ArgumentFinder, fits
from kg.extract.lexicon import is_one_of
from kg.linking import COUNTRY, PERSON
from kg.records import EntityRef, Relation
from kg.vocab import SYMMETRIC

# Relations that state a lasting state of affairs rather than an act: only kept when asserted.
STATES = frozenset({"memberOf", "leaderOf", "officialOf", "allyOf", "partnerOf"})
# Acts that, when vowed or threatened, are a threat against their target.
HOSTILE = frozenset({"attacks", "invades", "sanctions"})
_COMPLEMENTS = frozenset({"xcomp", "ccomp", "acl", "pcomp"})
# Hypotheticals that are still stated: requests ("urged X to", in object_control.txt plus these)
# and hedged claims ("a suspected Israeli strike").
_STATED_HYPOTHETICALS = frozenset(
    {"call", "demand", "appeal", "against", "must", "should", "suspected", "suspect", "alleged",
     "allege", "possible", "potential"}
)  # fmt: skip
# Relations whose parties travel to where they happen.
_VENUE_RELATIONS = frozenset({"meetsWith", "agreesWith"})
# Words that make a meeting with several people several meetings, one with each.
_ONE_BY_ONE = frozenset(
    {"bilateral", "separate", "separately", "individual", "individually", "respectively", "each"}
)


class Framing(ArgumentFinder):
    """Negation, modality and speakers, and the relations built with them."""

    # -- negation -------------------------------------------------------------------------

    def negated(self, pred: Token, noun: Token | None = None) -> bool:
        """True if the predicate (or the noun it governs) is negated or refused."""
        for t in filter(None, (noun, pred)):
            for c in t.children:
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                    return True
        if self._done(noun if noun is not None else pred):
            return False  # "rejected the MoU signed between ...": it was signed all the same
        t = pred
        for _ in range(4):
            if t.dep_ not in _COMPLEMENTS | {"conj"} or t.head.i == t.i:
                break
            head = t.head
            if t.dep_ != "conj" and is_one_of(head, self.lex.negation):
                return True
            if t.dep_ in _COMPLEMENTS and any(c.dep_ == "neg" for c in head.children):
                return True  # "does not support Ukraine joining the EU"
            if (
                t.dep_ == "pcomp"
                and head.dep_ == "prep"
                and is_one_of(head.head, self.lex.negation)
            ):
                return True  # "stop the country from joining the EU"
            if (
                t.dep_ in ("ccomp", "acl")
                and head.pos_ == "NOUN"
                and any(c.dep_ == "det" and c.lower_ == "no" for c in head.children)
            ):
                return True  # "no evidence that China was sending aid"
            t = head
        return False

    def _done(self, noun: Token) -> bool:
        """A noun qualified as done: "the MoU signed between X and Y", "the deal reached"."""
        return noun.pos_ == "NOUN" and any(
            c.dep_ == "acl" and c.tag_ == "VBN" and is_one_of(c, self.lex.support_verbs)
            for c in noun.children
        )

    # -- modality -------------------------------------------------------------------------

    def _governing(self, word: Token) -> tuple[str, str] | None:
        """(modality, word) when ``word`` frames what it governs ("plan", "urge", "bid")."""
        for form in (word.lemma_.lower(), word.lower_):
            m = self.lex.modality.get(form)
            if m and m[1] == "governor":
                return m[0], form
        return None

    def _noun_frame(self, noun: Token) -> tuple[str, str] | None:
        """Modality a noun gets from its own words: "meetings scheduled with", "membership bid",
        "application for membership", "path to membership"."""
        for c in noun.children:
            if c.dep_ in ("acl", "amod"):
                found = self._governing(c)
                if found:
                    return found
        head = noun.head
        if noun.dep_ == "compound" or (noun.dep_ == "pobj" and head.dep_ == "prep"):
            governor = head if noun.dep_ == "compound" else head.head
            return self._governing(governor)
        return None

    def frame(self, pred: Token, noun: Token | None = None) -> tuple[str, str]:
        """(modality, the word that set it): planned / hypothetical from modals, 'if',
        planning and request words up the chain; ("asserted", "") otherwise."""
        found = self._noun_frame(noun) if noun is not None else None
        t: Token | None = pred
        hops = 0
        while t is not None and hops < 5 and found is None:
            for c in t.children:
                m = self.lex.modality.get(c.lower_)
                if m and c.dep_ in ("aux", "mark") and m[1] in ("aux", "mark"):
                    found = found or (m[0], c.lower_)
            if t.dep_ == "pcomp" and t.head.lower_ == "against":
                found = found or ("hypothetical", "against")  # "warned Beijing against supplying"
            if t.dep_ in ("xcomp", "advcl", "pcomp", "acl") and t.head.i != t.i:
                head = t.head
                # "is due to meet", "urged X to increase", "a bid to join": the governor frames
                # its complement; an adverbial clause ("Speaking in Seoul, he urged") is not.
                if t.dep_ != "advcl":
                    found = found or self._governing(head)
                t = head
            elif t.dep_ == "conj" and t.head.i != t.i:
                t = t.head
            else:
                break
            hops += 1
        return found or ("asserted", "")

    def modality(self, pred: Token, noun: Token | None = None) -> str:
        """planned / hypothetical / asserted (see :meth:`frame`)."""
        return self.frame(pred, noun)[0]

    def _speculative(self, modality: str, source: str) -> bool:
        """A hypothetical the text does not state: a condition ("if"), a possibility ("could",
        "the idea of a summit"), a wish ("hopes to"). Requested or required acts ("urged Seoul
        to send aid", "warned Beijing against supplying", "must remain united") and hedged
        claims ("a suspected Israeli strike") are still stated, as hypothetical."""
        return modality == "hypothetical" and not (
            source in self.lex.object_control or source in _STATED_HYPOTHETICALS
        )

    def _kept_state(self, noun: Token | None) -> bool:
        """ "will strengthen its partnership with Japan": the verb presupposes the state."""
        if noun is None or noun.dep_ not in ("dobj", "conj") or self._noun_frame(noun) is not None:
            return False
        return is_one_of(noun.head, self.lex.state_verbs)

    def _threat_frame(self, pred: Token) -> bool:
        """Whether the predicate is what a subject threatens or vows to do ("vowed to
        retaliate", "threatened to impose tariffs", "warned it would strike")."""
        t = pred
        for _ in range(3):
            if t.dep_ not in ("xcomp", "ccomp") or t.head.i == t.i:
                return False
            t = t.head
            if is_one_of(t, self.lex.threat_frames):
                return True
        return False

    # -- speakers -------------------------------------------------------------------------

    def speaker(self, pred: Token) -> Arg | None:
        """Who reports the clause: the subject of a verb of saying it is the complement of, or
        the speaker of the quotation it is in."""
        return self._reporting_subject(pred) or self.quote_speaker(pred)

    def _reporting_subject(self, pred: Token) -> Arg | None:
        t = pred
        for _ in range(6):
            if t.head.i == t.i:
                return None
            if t.dep_ in ("ccomp", "parataxis") or (
                t.dep_ == "advcl" and is_one_of(t.head, self.lex.speech_verbs)
            ):
                head = t.head
                if is_one_of(head, self.lex.speech_verbs):
                    subj = [a for a in self.subjects(head) if isinstance(a.ref, EntityRef)]
                    return subj[0] if subj else None
                t = head
            elif t.dep_ in ("xcomp", "conj", "dobj", "pobj", "prep", "nsubj", "attr"):
                # Relative and adverbial clauses are the narrator's, not the speaker's:
                # "Britain said it would ..., drawing a rebuke from Moscow, which accused London"
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
        options: frozenset[str] = frozenset(),
    ) -> Iterator[Relation]:
        pred = pred or anchor
        modality, source = self.frame(pred, noun)
        if self._speculative(modality, source):
            return  # "if Sweden joins", "the idea of a summit with Putin"
        if "planned" in options and modality == "asserted":
            modality = "planned"
        if (
            relation in STATES
            and modality in ("planned", "hypothetical")
            and not self._kept_state(noun)
        ):
            return  # "bid to join NATO", "if Sweden joins": not a member
        speaker = self.speaker(pred)
        threat = relation in HOSTILE and self._threat_frame(pred)
        mutual = "mutual" in options
        pairs: list[tuple[Arg, Arg]] = []
        if conj_subj and not objects and (relation in SYMMETRIC or mutual):
            ents = [a for a in subjects if isinstance(a.ref, EntityRef)]
            pairs = [(a, b) for i, a in enumerate(ents) for b in ents[i + 1 :]]
        else:
            pairs = [(s, o) for s in subjects for o in objects]
            if "clique" in options and len(objects) >= 2 and not self._bilateral(anchor):
                # "Trump was joined on the call by Starmer, Macron and Merz": one meeting of
                # them all, a pair for each two of them (not two of one delegation)
                ents = [o for o in objects if isinstance(o.ref, EntityRef)]
                pairs += [
                    (a, b)
                    for i, a in enumerate(ents)
                    for b in ents[i + 1 :]
                    if not self._same_side(a.ref, b.ref)
                ]
        if mutual:
            pairs += [(o, s) for s, o in pairs]
        met: list[Arg] = []
        for s, o in pairs:
            if not self._allowed(s, relation, o, options):
                continue
            rel = self._relation(s, relation, o, pred, sent, rule, confidence, modality, speaker)
            if rel is not None:
                yield rel
                met += [s, o]
            if threat:
                rel = self._relation(
                    s, "threatens", o, pred, sent, rule + "+threat", confidence - 0.1,
                    "asserted", speaker,
                )  # fmt: skip
                if rel is not None:
                    yield rel

        if met and relation in _VENUE_RELATIONS:
            # "met on the outskirts of San Francisco", "signed the deal in Washington": the
            # parties from elsewhere visit the venue
            yield from self.venue_visits(met, anchor, sent, rule, modality, speaker)

    def venue_visits(self, parties, anchor, sent, rule, modality, speaker) -> Iterator[Relation]:
        """Visits of the parties of a meeting or agreement to where it took place (see
        :class:`~kg.extract.places.Presence`)."""
        return iter(())

    def home_of(self, ref: EntityRef) -> EntityRef | None:
        """A person's country or organization (from a title in the text, else the actor
        dictionary at the article's date); a country or organization is its own."""
        if ref.type != PERSON:
            return ref
        home = self.affiliation.get(ref.key)
        if home is None:
            key = self._office_entity(ref)
            entry = self.gaz.entries.get(key) if key else None
            home = self.gaz.ref(entry) if entry is not None else None
        return home

    def _same_side(self, a: EntityRef, b: EntityRef) -> bool:
        """Two officials of one country (Rubio and Vance at a meeting with India)."""
        home = [self._home_key(r) for r in (a, b)]
        return home[0] is not None and home[0] == home[1]

    def _home_key(self, person: EntityRef) -> str | None:
        """The key of the country or organization a person serves (text first, dictionary next)."""
        home = self.affiliation.get(person.key)
        return home.key if home is not None else self._office_entity(person)

    def _office_entity(self, person: EntityRef) -> str | None:
        offices = self.actors.offices_of(person.label, self.day) if self.day else []
        return offices[0].entity if offices else None

    @staticmethod
    def _bilateral(anchor: Token) -> bool:
        """ "held bilateral talks with A, B and C", "met A and B separately": one meeting each."""
        words = {c.lower_ for c in anchor.children} | {c.lower_ for c in anchor.head.children}
        return bool(words & _ONE_BY_ONE)

    def _allowed(self, s: Arg, relation: str, o: Arg, options: frozenset[str]) -> bool:
        """The lexicon row's constraints on the object, and no visits to one's own country."""
        kind = o.ref.type
        if "person_object" in options and kind != PERSON:
            return False
        if "state_object" in options and kind not in STATE_OR_ORG:
            return False
        if "org_object" in options and kind not in ORG_TYPES:
            return False
        if relation in SYMMETRIC and _one_side(s.ref, o.ref, self._home_key):
            return False  # Rubio does not meet the United States he serves
        if (
            relation == "meetsWith"
            and isinstance(o.ref, EntityRef)
            and s.ref.type == o.ref.type == PERSON
            and self._same_side(s.ref, o.ref)
        ):
            return False  # "Blinken accompanied Biden": one delegation, no meeting
        # organizations do not travel; nobody visits home
        return relation != "visits" or (
            s.ref.type in (PERSON, COUNTRY) and self.affiliation.get(s.ref.key) != o.ref
        )

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
    ) -> Relation | None:
        if not isinstance(s.ref, EntityRef) or s.ref == o.ref or not fits(s.ref, relation, o.ref):
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
            event=o.event,
        )


def _one_side(a, b, home_key) -> bool:
    """A person and the state or organization they serve."""
    if not (isinstance(a, EntityRef) and isinstance(b, EntityRef)):
        return False
    if a.type == PERSON and b.type != PERSON:
        return home_key(a) == b.key
    if b.type == PERSON and a.type != PERSON:
        return home_key(b) == a.key
    return False
