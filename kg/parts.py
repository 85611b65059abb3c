"""Cut a long article body into parts the spaCy pipeline accepts, at natural boundaries.

spaCy refuses a text over ``nlp.max_length`` characters (1,000,000, error E088) and its parser
needs memory in proportion to a text's length, so a body longer than :data:`PART_CHARS` is read
in parts: each cut falls at a paragraph break if one is near, else at a line break, a sentence
end or a space. The parts are slices of the body, so an offset in a part plus the part's start
is the offset in the body. Coreference (a pronoun, a surname) does not reach across a cut.
"""

from __future__ import annotations

import re

PART_CHARS = 100_000
"""Longest part handed to the pipeline in one call (well under spaCy's 1,000,000)."""

# Where a part may end, best first: each pattern's match end is the cut.
_BOUNDARIES = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?]['\")\]]*\s"),
               re.compile(r"\s"))  # fmt: skip


def split_body(text: str, limit: int = PART_CHARS) -> list[tuple[int, str]]:
    """``[(start, part), ...]``: consecutive slices of ``text``, each at most ``limit`` long.

    A text within the limit is one part. A cut is made at the last boundary in the second half
    of the window (so no part is tiny), trying paragraph, line, sentence and word boundaries in
    turn, and mid-word only in a text with no whitespace at all.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 characters")
    parts: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        cut = _cut(text, start, start + limit)
        parts.append((start, text[start:cut]))
        start = cut
    parts.append((start, text[start:]))
    return parts


def _cut(text: str, start: int, end: int) -> int:
    """The end of the part that starts at ``start`` and may not pass ``end``."""
    floor = start + (end - start) // 2
    for pattern in _BOUNDARIES:
        ends = [m.end() for m in pattern.finditer(text, floor, end)]
        if ends:
            return ends[-1]
    return end
