"""Small walks over spaCy's dependency parse shared by the extractors."""

from __future__ import annotations

from spacy.tokens import Token


def plural_people(t: Token) -> bool:
    return t.tag_ in ("NNPS", "NNS") or (
        t.lower_.endswith("s") and t.dep_ in ("pobj", "dobj", "nsubj")
    )


def conj_chain(tok: Token) -> list[Token]:
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


def conj_chain_prep(prep: Token) -> list[Token]:
    """A preposition and those coordinated with it ("with Britain ... and with NATO")."""
    return [prep] + [c for c in prep.children if c.dep_ == "conj" and c.pos_ == "ADP"]


def for_phrase_object(t: Token) -> Token | None:
    """The direct object of "V X for/over its ...", where 'its' is X's."""
    cur = t
    for _ in range(4):
        head = cur.head
        if head.i == cur.i:
            return None
        if cur.dep_ == "prep" and cur.lower_ in ("for", "over") and head.pos_ == "VERB":
            return next((c for c in head.children if c.dep_ == "dobj"), None)
        cur = head
    return None


def relative_antecedent(t: Token) -> Token | None:
    clause = t.head
    if clause.dep_ == "relcl":
        return clause.head
    return None


def clause_head(t: Token) -> Token | None:
    """The verb of the clause a token sits in."""
    cur = t
    for _ in range(10):
        if cur.pos_ in ("VERB", "AUX") and cur is not t:
            return cur
        if cur.head.i == cur.i:
            return cur if cur.pos_ in ("VERB", "AUX") else None
        cur = cur.head
    return None


def clause_of_prep(prep: Token) -> Token | None:
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
