"""Roles: leaderOf/officialOf from every common title form.

Title forms read (the org or country may be a name, a possessive, a demonym, a seat of
government, or an "of" phrase, before or after the title):

- before the name: "Japanese Prime Minister Fumio Kishida", "Canadian PM Justin Trudeau",
  "Lebanon's caretaker Prime Minister Najib Mikati", "White House spokesman John Kirby",
  "Prime Minister of Australia Anthony Albanese", "Bahrain's Foreign Minister Dr. Abdullatif";
- in apposition after it: "Olaf Scholz, the German chancellor", "Wang Yi, China's top
  diplomat", "Stoltenberg, secretary general of the alliance";
- in apposition before it: "The US special envoy on Yemen, Tim Lenderking";
- lists read pairwise: "the prime ministers of India and Pakistan, Narendra Modi and Shehbaz
  Sharif", "his Japanese and Australian counterparts Fumio Kishida and Anthony Albanese";
- counterparts take the role of the person whose counterpart they are: "Putin thanked his
  Turkish counterpart Recep Tayyip Erdogan" (Erdogan leads Turkey as Putin leads Russia).

"former", "ex-", "then-" and "-elect" titles give no current role (see
``ontology/gazetteer/title_modifiers.tsv``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Span, Token

from kg.extract.arguments import STATE_OR_ORG, Arg
from kg.extract.places import Presence
from kg.extract.syntax import conj_chain
from kg.linking import COUNTRY, ORG_TYPES, PERSON, Link
from kg.records import EntityRef, Relation

_HYPHENS = frozenset({"-", "‐", "‑"})
_COUNTERPART = frozenset({"counterpart", "counterparts"})
_NAMING_VERBS = frozenset({"know", "call", "dub", "name"})  # "a group known as the Quad"
_ORG_FORMS = frozenset({"name", "alias", "capital", "seat", "org", "demonym"})
# Adjectives that name a part of the state ("Iranian nuclear chief", "Russian military head").
_PORTFOLIO_ADJ = frozenset(
    {"nuclear", "military", "security", "intelligence", "atomic", "naval", "foreign", "defence",
     "defense", "economic", "financial", "judicial", "electoral", "election", "police"}
)  # fmt: skip


@dataclass(frozen=True)
class _Title:
    """A title found next to a person's name, and the organizations it points to."""

    role: str  # leaderOf | officialOf
    applies: str  # Country | Organization | any
    orgs: list[Arg]
    rule: str
    current: bool = True  # False for "former president", "president-elect"
    confidence: float = 0.9
    phrase: str = ""  # the title as written ("foreign minister"), for the actor dictionary


class RoleFinder(Presence):
    """Adds roles to the argument finder."""

    def roles(self, sent: Span) -> Iterator[Relation]:
        """leaderOf / officialOf from every title form around a person's name."""
        for link in self.links.in_span(sent.start, sent.end):
            person = link.entities[0]
            if link.form == "description" and person.type == PERSON:
                title = self._described_title(link)  # "the French president ..."
                if title is not None:
                    yield from self._role_relations(link, person, title, sent)
                continue
            if link.form not in ("person", "surname"):
                continue
            for title in self._titles(link, sent):
                yield from self._role_relations(link, person, title, sent)
        yield from self._named_groups(sent)

    def _named_groups(self, sent: Span) -> Iterator[Relation]:
        """ "India, the United States, Australia and Japan, a group known as the Quad": each
        listed state or organization is a member of the group so named."""
        for noun in sent:
            if noun.dep_ != "appos" or noun.lemma_.lower() not in self.lex.naming_nouns:
                continue
            named = [
                g
                for verb in noun.children
                if verb.dep_ == "acl" and verb.lemma_.lower() in _NAMING_VERBS
                for p in verb.children
                if p.dep_ in ("prep", "oprd", "attr", "dobj")
                for g in ([p] if p.dep_ != "prep" else [c for c in p.children if c.dep_ == "pobj"])
            ]
            groups = [a for g in named for a in self.args(g) if a.ref.type in ORG_TYPES]
            if not groups:
                continue
            first = noun.head
            while first.dep_ == "conj" and first.head.i != first.i:
                first = first.head
            members = [a for a in self.args(first) if a.ref.type in STATE_OR_ORG]
            for member in members:
                for group in groups:
                    rel = self._relation(
                        member, "memberOf", group, noun, sent, "named-group", 0.75,
                        "asserted", None,
                    )  # fmt: skip
                    if rel is not None:
                        yield rel

    def _described_title(self, link: Link) -> _Title | None:
        """ "the French president", "the Indian prime minister": a title with its owner."""
        noun = self.doc[link.end - 1]
        phrase = self.doc[link.start : link.end].text.lower()
        role = self.gaz.title_role(phrase)
        orgs: list[Arg] = []
        for c in noun.children:
            owner = self.links.at(c)
            if c.dep_ in ("amod", "compound", "poss") and c.i < link.start and owner is not None:
                orgs += self._link_args(owner)
        if role is None or not orgs:
            return None
        return _Title(role[0], role[1], orgs, f"description:{phrase}", True, 0.75, phrase)

    def _titles(self, link: Link, sent: Span) -> Iterator[_Title]:
        """Every title reading of a person mention: one per title ("Nigerian President Bola
        Tinubu, the ECOWAS chairman" gives two)."""
        before = self._title_before(link) or self._counterpart(link) or self._listed(link)
        after = self._title_apposed(link) or self._title_preceding_apposition(link)
        for title in (before, after):
            if title is None:
                continue
            if not title.orgs:
                title = self._bare_title(link, title, sent)
            yield title

    def _led_unit(self, link: Link) -> list[Arg]:
        """The country or organization of the body a person leads in "X's delegation was led
        by ...", "X's cabinet, headed by ..."."""
        head = self.doc[link.end - 1]
        by = head.head
        if head.dep_ != "pobj" or by.lower_ != "by" or by.dep_ not in ("agent", "prep"):
            return []
        verb = by.head
        if verb.lemma_.lower() not in ("lead", "head", "chair"):
            return []
        unit = verb.head if verb.dep_ in ("acl", "relcl") else None
        if unit is None:  # "Pakistan's delegation was led by": the passive subject
            unit = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        if unit is None:
            return []
        return [a for a in self._poss(unit) + self.modifiers(unit) if a.ref.type in STATE_OR_ORG]

    def _bare_title(self, link: Link, title: _Title, sent: Span) -> _Title:
        """A title without its country or organization ("Foreign Minister Annalena Baerbock"):
        the office the actor dictionary says the person held at the article's date, else the
        story's place ("In Seoul, ... Foreign Minister Park Jin"), both less certain."""
        person = link.entities[0]
        led = self._led_unit(link)
        if led:  # "Somalia's Cabinet, led by Prime Minister Hamza Abdi Barre"
            return replace(title, orgs=led, rule=title.rule + "+led", confidence=0.75)
        office = self.actors.office_for_title(person.label, title.phrase, self.day)
        entry = self.gaz.entries.get(office.entity) if office is not None else None
        if office is not None and entry is not None:
            org = Arg(self.gaz.ref(entry), entry.label, self.doc[link.end - 1])
            return replace(
                title, role=office.role, orgs=[org], rule=title.rule + "+actor-dictionary",
                confidence=0.8,
            )  # fmt: skip
        beside = self._coordinated_home(link)
        if beside is not None:  # "US Secretary of State Blinken and Treasury Secretary Yellen"
            org = Arg(beside, beside.label, self.doc[link.end - 1])
            return replace(title, orgs=[org], rule=title.rule + "+coordinated", confidence=0.7)
        if title.applies in ("Country", "any"):
            place = self._story_place(sent)
            return replace(title, orgs=place, rule=title.rule + "+location", confidence=0.6)
        return title

    def _coordinated_home(self, link: Link) -> EntityRef | None:
        """The state of the titled person coordinated with this one, when there is exactly one:
        "China's Minister of Foreign Affairs Wang Yi and Lan Fo'an, Minister of Finance"."""
        root = self.doc[link.end - 1]
        while root.dep_ == "conj" and root.head.i != root.i:
            root = root.head
        homes = set()
        for t in conj_chain(root):
            other = self.links.at(t)
            if other is None or other.start == link.start or other.entities[0].type != PERSON:
                continue
            home = self.affiliation.get(other.entities[0].key)
            if home is not None:
                homes.add(home)
        return homes.pop() if len(homes) == 1 else None

    def _role_relations(
        self, link: Link, person: EntityRef, title: _Title, sent: Span
    ) -> Iterator[Relation]:
        for org in title.orgs:
            if org.ref.type not in STATE_OR_ORG or org.ref == person:
                continue
            if title.applies == "Country" and org.ref.type != COUNTRY:
                continue
            self.affiliation.setdefault(person.key, org.ref)
            if not title.current:
                break  # "former Nigerian President Obasanjo": Nigerian, but not its leader
            self.role_of.setdefault(person.key, title.role)
            token = self.doc[link.end - 1]
            subj = Arg(person, self.doc[link.start : link.end].text, token)
            rel = self._relation(subj, title.role, org, token, sent, title.rule, title.confidence)
            if rel is not None:
                yield rel
            break

    # -- titles before the name -----------------------------------------------------------

    def _title_words_before(self, start: int) -> tuple[list[Token], int]:
        """The title words right before token ``start`` (honorifics skipped), and the index
        of the first of them."""
        doc = self.doc
        j = start
        while j > 0 and doc[j - 1].lower_.rstrip(".") in self.gaz.honorifics:
            j -= 1
        words: list[Token] = []
        while j > 0:
            t = doc[j - 1]
            inner_the = t.lower_ == "the" and words and j > 1 and doc[j - 2].lower_ == "of"
            if t.lower_ in self.gaz.title_words or (t.text in _HYPHENS and words) or inner_the:
                # ("Secretary of the Treasury": "the" after "of" inside the title)
                words.insert(0, t)
                j -= 1
            else:
                break
        return words, j

    def _title_before(self, link: Link) -> _Title | None:
        """A title before a name: "Japan's Prime Minister Fumio Kishida", "former Nigerian
        President Olusegun Obasanjo", "Prime Minister of Australia Anthony Albanese"."""
        doc = self.doc
        start = link.start
        of_org: list[Arg] = []
        # "Prime Minister of Australia Anthony Albanese": the org sits between title and name
        org_link = self.links.at(doc[start - 1]) if start > 0 else None
        if (
            org_link is not None
            and org_link.form in _ORG_FORMS
            and org_link.start >= 2
            and doc[org_link.start - 1].lower_ == "of"
        ):
            of_org = self._link_args(org_link)
            start = org_link.start - 1
        words, j = self._title_words_before(start)
        if not words:
            return None
        phrase = _phrase(words)
        role = self.gaz.title_role(phrase)
        if role is None:
            return None
        current, orgs, portfolio = self._before_title(j)
        kind = role[0]
        if portfolio and kind == "leaderOf" and not of_org:
            kind = "officialOf"  # "Iranian nuclear chief": the head of a part of the state
        return _Title(kind, role[1], of_org or orgs, f"title:{phrase}", current, phrase=phrase)

    def _before_title(self, j: int) -> tuple[bool, list[Arg], bool]:
        """What precedes a title at index ``j``: modifiers ("caretaker", "former", "ex-"),
        adjectives and portfolio words ("leftist", "Culture", "foreign ministry") and the org
        or country ("Japan's", "Japanese", "NATO", "White House"), in any order. Returns
        whether the role is a current one, the org, and whether a portfolio word came between
        ("Iranian nuclear chief")."""
        doc = self.doc
        current = True
        orgs: list[Arg] = []
        portfolio = False
        k = j - 1
        while k >= 0 and j - k <= 7:
            t = doc[k]
            effect = self.gaz.title_modifiers.get(t.lower_)
            lk = self.links.at(t)
            if effect is not None:  # "former Nigerian President": before the org too
                current = current and effect == "current"
            elif t.lower_ in ("'s", "’s", "'", "’") or t.text in _HYPHENS:
                pass
            elif orgs:
                break  # past the org only modifiers count
            elif lk is None and t.pos_ in ("ADJ", "NOUN", "PROPN") and t.is_alpha:
                portfolio = portfolio or t.pos_ != "ADJ" or t.lower_ in _PORTFOLIO_ADJ
            elif lk is not None and lk.form in _ORG_FORMS:
                orgs = self._link_args(lk)
                k = lk.start
            else:
                break
            k -= 1
        return current, orgs, portfolio

    def _link_args(self, link: Link) -> list[Arg]:
        text = self.doc[link.start : link.end].text
        token = self.doc[link.end - 1]
        return [Arg(r, text, token) for r in link.entities]

    # -- counterparts and lists ------------------------------------------------------------

    def _counterpart(self, link: Link) -> _Title | None:
        """ "his Turkish counterpart Recep Tayyip Erdogan": the role of the possessor."""
        noun = self._governing_noun(link, _COUNTERPART)
        if noun is None:
            return None
        countries = self._demonyms(noun)
        owner = next((c for c in noun.children if c.dep_ == "poss"), None)
        owner_link = self.links.at(owner) if owner is not None else None
        role = None
        if owner_link is not None and owner_link.entities[0].type == PERSON:
            owner_ref = owner_link.entities[0]
            role = self.role_of.get(owner_ref.key)
            offices = self.actors.offices_of(owner_ref.label, self.day) if self.day else []
            if role is None and offices:
                role = offices[0].role  # the dictionary knows the possessor's office then
        confidence = 0.8
        if role is None:
            # nothing tells the possessor's office: counterparts in the news are mostly
            # ministers ("His Congolese counterpart, Therese Kayikwamba Wagner")
            role, confidence = "officialOf", 0.6
        names = self._names_in(noun)
        if len(countries) > 1 and len(names) == len(countries):
            countries = [countries[names.index(link.start)]] if link.start in names else []
        elif len(countries) > 1:
            return None
        return _Title(role, "any", countries, "counterpart", True, confidence)

    def _listed(self, link: Link) -> _Title | None:
        """ "the prime ministers of India and Pakistan, Narendra Modi and Shehbaz Sharif"."""
        head = self.doc[link.end - 1]
        noun = head.head
        for _ in range(5):
            if noun.pos_ == "NOUN" and self.gaz.title_role(noun.lemma_.lower()) is not None:
                break
            if noun.head.i == noun.i:
                return None
            noun = noun.head
        else:
            return None
        if noun.tag_ != "NNS" or noun.i > head.i:
            return None
        phrase = " ".join([t.lower_ for t in noun.lefts if t.dep_ in ("amod", "compound")])
        role = self.gaz.title_role(f"{phrase} {noun.lemma_.lower()}".strip())
        if role is None:
            return None
        orgs = [a for a in self._prep(noun, "of") if a.ref.type in STATE_OR_ORG]
        names = self._names_in(noun)
        if len(orgs) < 2 or len(names) != len(orgs) or link.start not in names:
            return None
        org = orgs[names.index(link.start)]
        return _Title(role[0], role[1], [org], f"title:{noun.lemma_.lower()}+list", True, 0.8)

    def _governing_noun(self, link: Link, lemmas: frozenset[str]) -> Token | None:
        """The noun a name is apposed or attached to ("counterpart, Narendra Modi")."""
        doc = self.doc
        k = link.start - 1
        if k >= 0 and doc[k].text == ",":
            k -= 1
        if k >= 0 and doc[k].lower_ in lemmas:
            return doc[k]
        head = doc[link.end - 1]
        for _ in range(3):
            if head.dep_ not in ("appos", "conj", "compound", "dobj"):
                break
            head = head.head
            if head.lower_ in lemmas:
                return head
        return None

    def _demonyms(self, noun: Token) -> list[Arg]:
        """Countries of the demonyms (and names) modifying a noun, coordinated ones too."""
        out: list[Arg] = []
        for c in noun.children:
            if c.dep_ in ("amod", "compound", "nmod") and c.i < noun.i:
                for t in conj_chain(c):
                    lk = self.links.at(t)
                    if lk is not None and lk.form in _ORG_FORMS:
                        out.extend(self._link_args(lk))
        return out

    def _names_in(self, noun: Token) -> list[int]:
        """Start token of each person name listed after a noun ("Kishida and Albanese")."""
        doc = self.doc
        starts: list[int] = []
        end = noun.i + 1
        for lk in self.links.in_span(noun.i + 1, min(len(doc), noun.i + 40)):
            if lk.form not in ("person", "surname"):
                if starts:
                    break  # another entity ends the list
                continue  # "the prime ministers of India and Pakistan, Narendra Modi ..."
            if starts and any(t.text not in (",", "and", "&") for t in doc[end : lk.start]):
                break
            starts.append(lk.start)
            end = lk.end
        return starts

    # -- titles after the name ------------------------------------------------------------

    def _title_apposed(self, link: Link) -> _Title | None:
        """A title in apposition: "Stoltenberg, secretary general of the ... alliance"."""
        head = self.doc[link.end - 1]
        for c in head.children:
            if c.dep_ != "appos":
                continue
            title = self._title_noun(c, "apposition")
            if title is not None:
                return title
        return None

    def _title_noun(self, noun: Token, rule: str) -> _Title | None:
        """The role a title noun states, with the org from "of", a possessive or a modifier."""
        words = [
            g
            for g in noun.lefts
            if g.dep_ == "compound" or (g.dep_ == "amod" and g.lower_ in self.gaz.title_words)
        ] + [noun]
        phrase = " ".join(t.lower_ for t in words)
        role = self.gaz.title_role(phrase)
        if role is None:
            return None
        current = not any(
            self.gaz.title_modifiers.get(g.lower_, "current") != "current"
            for g in noun.lefts
            if g.dep_ in ("amod", "compound", "advmod")
        )
        orgs = self._prep(noun, "of") or self._poss(noun) or self.modifiers(noun)
        if not orgs:
            # "head of the Mexican consular section": an official of the state whose part it is
            parts = [a for a in self._prep(noun, "of", owners=True) if a.ref.type in STATE_OR_ORG]
            if parts:
                return _Title("officialOf", "any", parts, f"{rule}:{phrase}+part", current,
                              0.75, phrase)  # fmt: skip
        return _Title(role[0], role[1], orgs, f"{rule}:{phrase}", current, phrase=phrase)

    def _title_preceding_apposition(self, link: Link) -> _Title | None:
        """ "The US special envoy on Yemen, Tim Lenderking": the title NP before the comma."""
        doc = self.doc
        k = link.start - 1
        if k < 1 or doc[k].text != ",":
            return None
        t = doc[k - 1]
        for _ in range(6):  # climb to the head of the noun phrase that ends before the comma
            if t.pos_ in ("NOUN", "PROPN") and self.gaz.title_role(t.lower_) is not None:
                break
            if t.head.i == t.i or t.head.i > k or t.head.pos_ not in ("NOUN", "PROPN", "ADP"):
                return None
            t = t.head
        else:
            return None
        if t.head.i < k and t.head.pos_ in ("NOUN", "PROPN") and t.dep_ != "appos":
            return None
        return self._title_noun(t, "apposition")


def _phrase(words: list[Token]) -> str:
    phrase = "".join(t.text_with_ws for t in words).strip().lower()
    return phrase.replace(" - ", "-").replace(" -", "-").replace("- ", "-")
