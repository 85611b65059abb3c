"""Direct quotes and who says them: "“I condemn the attack,” Baerbock posted on X".

A quote is a stretch of text between quotation marks, possibly over several sentences. Its
speaker is the subject of a verb of saying outside the quotation marks, in the sentence where
the quote ends ("..., he said."), or where it starts ("Kurti said: “...”"), or a sentence
ending in a colon right before it. Inside a quote, "I" is the speaker and "we" the speaker's
country or organization; a relation stated inside it is reported, attributed to the speaker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

_OPEN = frozenset({"“", "«", "``"})
_CLOSE = frozenset({"”", "»", "''"})
_STRAIGHT = frozenset({'"'})


@dataclass(frozen=True)
class Quote:
    """Token offsets [start, end) of a quotation, marks included."""

    start: int
    end: int


def find_quotes(doc: Doc) -> list[Quote]:
    """The quotations of a doc, by their marks (curly, guillemets, or straight pairs)."""
    quotes: list[Quote] = []
    start: int | None = None
    for t in doc:
        text = t.text
        if start is None and (text in _OPEN or text in _STRAIGHT):
            start = t.i
        elif start is not None and (
            text in _CLOSE or (text in _STRAIGHT and doc[start].text in _STRAIGHT)
        ):
            if t.i - start > 2:
                quotes.append(Quote(start, t.i + 1))
            start = None
        elif start is not None and text in _OPEN:
            start = t.i  # an unclosed mark: restart at the new opening
    return quotes


def quote_speakers(
    doc: Doc, speaker_of: Callable[[Token], object | None], speech_verb: Callable[[Token], bool]
) -> dict[int, object]:
    """Token index -> speaker (what ``speaker_of(verb)`` returns) for every token inside a quote
    whose speaker the text names."""
    out: dict[int, object] = {}
    for quote in find_quotes(doc):
        speaker = _attribution(doc, quote, speaker_of, speech_verb)
        if speaker is not None:
            for i in range(quote.start, quote.end):
                out[i] = speaker
    return out


def _attribution(doc, quote: Quote, speaker_of, speech_verb):
    """The speaker of the verb of saying nearest the quote: after it in the sentence where it
    ends ("...,” he said"), else before it in the sentence where it starts, else in a sentence
    ending with a colon right before it."""
    last = doc[quote.end - 1].sent
    first = doc[quote.start].sent
    tokens: list[Token] = list(doc[quote.end : last.end])
    tokens += reversed(doc[first.start : quote.start])
    if first.start > 0:
        before = doc[first.start - 1].sent
        if any(t.text == ":" for t in doc[max(before.start, before.end - 2) : before.end]):
            tokens += reversed(doc[before.start : before.end])  # "Kurti said:" then the quote
    for t in tokens:
        if t.text in _OPEN | _CLOSE | _STRAIGHT:
            break  # another quotation: its words are not this one's attribution
        if speech_verb(t):
            speaker = speaker_of(t)
            if speaker is not None:
                return speaker
    return None
