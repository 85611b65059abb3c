"""From a raw scraped page to the article body and its metadata.

A page as scraped holds much more than the article: tickers, menus, log-in prompts, share
links, bylines, captions, lists of other headlines with their teasers, footers. The cleaner
works like jusText, one line (paragraph) at a time:

1. every line is classified from its own features: furniture patterns (bylines, captions,
   share/log-in lines, ...), section headings that open a headline list, length,
   final punctuation and stop-word density -> ``good`` / ``near`` / ``short`` / ``bad``;
2. the body is the first substantial run of good paragraphs (after the headline, when it is
   known), where short or bad lines may interrupt a run briefly (a headline link between
   two paragraphs) but a section heading ("Recommended Stories") or a reporting credit ends it;
3. inside the run only good and near-good paragraphs are kept; long paragraphs after the body
   are kept as teasers; everything else is recorded as dropped.

Metadata (title, date, source) comes from the input's own declaration when it has one, from
the seed header line `` date YYYY-MM-DD <headline>``, and otherwise from the lines around
the headline and the dateline of the first paragraph ("TOKYO (Reuters) -").

Vocabulary lives in data files under ``ontology/cleaning/`` (section markers, furniture
patterns, news agencies); no rule names a particular site.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import PurePath

from kg.paths import data_file
from kg.records import Article, RawArticle

__all__ = [
    "article_id",
    "clean_article",
    "find_agency",
    "parse_date",
    "render_article",
]

# ---------------------------------------------------------------------------------------------
# Vocabulary

# English function words (jusText's list, trimmed): their density separates prose from menus,
# headline lists and tickers whatever the topic.
_STOP_TEXT = """
    a about above after again against all almost also although always am among an and another
    any are around as at be because been before being below between both but by can cannot
    could did do does doing down during each either else enough even ever every few for from
    further had has have having he her here hers herself him himself his how however i if in
    into is it its itself just least less like many may me might more most much must my myself
    neither no nor not now of off often on once one only or other others otherwise our ours
    ourselves out over own per perhaps quite rather same several shall she should since so
    some still such than that the their theirs them themselves then there these they this
    those though through thus to too toward towards under until up upon us very via was we
    well were what whatever when where whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves said says say according told
    after last first new
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


@dataclass(frozen=True)
class _Furniture:
    name: str
    action: str  # "drop": furniture line; "end": furniture that also closes the body
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Agency:
    name: str
    regex: re.Pattern[str]  # any alias, as a whole word


def _data_rows(name: str) -> Iterable[list[str]]:
    """Yield the tab-separated rows of a cleaning data file, skipping comments and header."""
    text = data_file("cleaning", name).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines()):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if number <= 1 and cells[0] == "name":  # header row
            continue
        yield cells


@lru_cache(maxsize=1)
def _furniture() -> tuple[_Furniture, ...]:
    rows = []
    for cells in _data_rows("furniture_patterns.tsv"):
        name, action, regex = cells[0], cells[1], "\t".join(cells[2:])
        rows.append(_Furniture(name, action, re.compile(regex)))
    return tuple(rows)


@lru_cache(maxsize=1)
def _any_furniture() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """A quick test for "matches some furniture rule": the rules anchored at the start of the
    line joined into one pattern tried once at position 0, plus the few unanchored rules.
    Most lines match nothing, so the per-rule loop (which also names the rule) rarely runs."""
    anchored, floating = [], []
    for rule in _furniture():
        pattern = rule.regex.pattern
        flags = re.match(r"^\(\?([aiLmsux]+)\)", pattern)
        body = pattern[flags.end() :] if flags else pattern
        if body.startswith("^"):
            body = body[1:]
            anchored.append(f"(?{flags.group(1)}:{body})" if flags else f"(?:{body})")
        else:
            floating.append(rule.regex)
    return re.compile("|".join(anchored)), tuple(floating)


def _maybe_furniture(text: str) -> bool:
    anchored, floating = _any_furniture()
    return bool(anchored.match(text)) or any(r.search(text) for r in floating)


@lru_cache(maxsize=1)
def _markers() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Section headings: the set of all markers, and one pattern for the multi-word ones."""
    words: set[str] = set()
    for cells in _data_rows("section_markers.txt"):
        words.add(_norm_heading(cells[0]))
    multi = [re.escape(m) for m in sorted(words) if " " in m]
    phrases = (re.compile(r"\b(?:" + "|".join(multi) + r")\b"),) if multi else ()
    return frozenset(words), phrases


@lru_cache(maxsize=1)
def _agencies() -> tuple[_Agency, ...]:
    agencies = []
    for cells in _data_rows("agencies.tsv"):
        name = cells[0].strip()
        aliases = [a.strip() for a in (cells[1] if len(cells) > 1 else name).split("|")]
        parts = []
        # Longest first so "Korean Central News Agency" wins over "Central News Agency".
        for alias in sorted({a for a in aliases if a} | {name}, key=len, reverse=True):
            body = re.escape(alias)
            # Short acronyms ("AP", "dpa") only match as written; names match in any case.
            parts.append(body if len(alias) <= 5 else "(?i:" + body + ")")
        regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
        agencies.append(_Agency(name, regex))
    return tuple(agencies)


def find_agency(text: str) -> str | None:
    """Return the canonical name of the news agency named in ``text`` (longest match), if any."""
    best: tuple[int, int, str] | None = None
    for agency in _agencies():
        for match in agency.regex.finditer(text):
            key = (-(match.end() - match.start()), match.start(), agency.name)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _canonical_agency(name: str) -> str | None:
    """Map an agency name as written in a dateline to its canonical name."""
    name = name.strip()
    for agency in _agencies():
        match = agency.regex.fullmatch(name)
        if match:
            return agency.name
    return None


# ---------------------------------------------------------------------------------------------
# Dates

_MONTH = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    # 2023-01-30, 2023/01/30, 2023-01-30T10:00:00Z
    ("ymd", re.compile(r"(?<!\d)" + _YEAR + r"[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")),
    # January 30, 2023 / Jan. 30 2023 / Mar 19, 2024
    ("mdy", re.compile(r"(?i)\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b")),
    # 30 January 2023 / 31 Jan, 2023
    ("dmy", re.compile(r"(?i)(?<!\d)" + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR + r"\b")),
    # 01/29/2023 (US order unless the first number cannot be a month), 29.01.2023 (day first)
    (
        "num",
        re.compile(
            r"(?<![\d/.])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR + r"(?!\d)"
        ),
    ),
)


def _make_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _match_date(kind: str, match: re.Match[str]) -> str | None:
    y = int(match["y"])
    if kind == "num":
        a, b = int(match["a"]), int(match["b"])
        if match["sep"] == "." or a > 12:  # dotted dates are day-first; 29/01 cannot be US
            return _make_date(y, b, a)
        return _make_date(y, a, b)
    month = int(match["m"]) if kind == "ymd" else _MONTHS[match["mon"][:3].lower()]
    return _make_date(y, month, int(match["d"]))


def _find_dates(text: str) -> list[tuple[int, int, str]]:
    found = []
    for kind, regex in _DATE_PATTERNS:
        for match in regex.finditer(text):
            iso = _match_date(kind, match)
            if iso:
                found.append((match.start(), match.end(), iso))
    return sorted(found)


def parse_date(text: str) -> str | None:
    """Return the first calendar date written in ``text`` as ISO ``YYYY-MM-DD``, or None.

    Understands "2023-01-30", "January 30, 2023", "Jan. 30 2023", "30 January 2023",
    "31 Jan, 2023", "01/29/2023" (month first unless impossible) and "29.01.2023".
    """
    found = _find_dates(text)
    return found[0][2] if found else None


_TIME_WORDS = re.compile(
    r"(?i)\b(?:\d{1,2}(?::\d{2}){1,2}\s*(?:[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?|"
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?|utc|gmt|edt|est|cdt|cst|mdt|mst|pdt|pst|jst|kst|cet|cest|"
    r"eet|eest|msk|bst|ist|hkt|sgt|pkt|aest|aedt|et|pt|on|at|updated|published|posted|date)\b"
)


def _is_date_line(text: str) -> bool:
    """A line that is only a date (with time, weekday, time zone): "11:33 JST, January 30, 2023"."""
    if len(text) > 120 or not any(c.isdigit() for c in text):
        return False
    dates = _find_dates(text)
    if not dates:
        return False
    rest = text
    for start, end, _ in reversed(dates):
        rest = rest[:start] + " " + rest[end:]
    rest = _TIME_WORDS.sub(" ", rest)
    return not re.search(r"[^\W\d_]{2,}", rest)


# ---------------------------------------------------------------------------------------------
# Line features

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_END_PUNCT = re.compile(r"""[.!?…:;]["'”’)\]»]*\s*$""")
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]»]*(?:\s|$)""")
_DATELINE = re.compile(
    r"""^\s*
    (?:(?P<place>[A-Z][A-Z'’.\-/]*(?:\s+[A-Z][A-Z'’.\-/]*){0,3})   # TOKYO, NEW YORK, ST. LOUIS
       (?:,\s*[A-Z][\w.'’-]*(?:\s+[A-Z0-9][\w.'’-]*){0,2})*        # , Ukraine / , Jan. 30
    )?
    \s*(?:\((?P<agency>[^()]{2,40})\))?
    \s*(?P<sep>--|[-–—:])?[ \t]*""",
    re.X,
)


def _norm_heading(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+|\d+|_", " ", text)
    return " ".join(text.split())


def _is_marker(text: str) -> bool:
    """A heading that opens a headline list or comment box ("Recommended Stories")."""
    if len(text) > 80 or _SENTENCE_END.search(text):
        return False
    norm = _norm_heading(text)
    if not norm:
        return False
    words, phrases = _markers()
    if norm in words or norm.strip("'") in words:
        return True
    # A longer heading line that holds a multi-word marker: "MOST READ NEWS".
    return len(norm.split()) <= 6 and any(p.search(norm) for p in phrases)


@dataclass
class _Line:
    index: int
    text: str
    kind: str  # good | near | short | bad | furniture | marker | end | blank | header
    reason: str = ""

    @property
    def score(self) -> float:
        # Positive for prose, negative for furniture: the body is a run with a high sum.
        if self.kind == "good":
            return float(len(self.text))
        if self.kind == "near":
            return 0.5 * len(self.text)
        if self.kind == "short":
            return -30.0
        return -60.0


def _stats(text: str) -> tuple[int, float]:
    words = _WORD.findall(text)
    if not words:
        return 0, 0.0
    stops = sum(1 for w in words if w.lower().replace("’", "'") in _STOP_WORDS)
    return len(words), stops / len(words)


def _classify(text: str) -> tuple[str, str]:
    """Classify one line: its kind and, for furniture, the rule that said so."""
    if not text:
        return "blank", ""
    if _is_marker(text):
        return "marker", "section heading"
    if _maybe_furniture(text):
        for rule in _furniture():
            if rule.regex.search(text):
                return ("end" if rule.action == "end" else "furniture"), rule.name
    if not re.search(r"[^\W\d_]", text):
        return "furniture", "no letters"
    if _is_date_line(text):
        return "furniture", "date line"
    n_words, density = _stats(text)
    chars = len(text)
    ends = bool(_END_PUNCT.search(text))
    # A sentence thick with names and titles ("Qatari foreign ministry spokesman Majed
    # al-Ansari called it ...", "DOHA: Israel's military confirmed ...") is prose even with
    # few function words.
    sentence = ends and chars >= 80 and n_words >= 12
    if n_words >= 4 and density < 0.1 and not sentence:
        return "bad", "few function words"
    if chars >= 100 and density >= 0.25 and (ends or chars >= 200):
        return "good", ""
    if density >= 0.2 and ((ends and n_words >= 4) or chars >= 100):
        return "near", ""
    if sentence:
        return "near", ""
    return "short", "short line"


def _looks_like_headline(text: str) -> bool:
    """A title-like line: a few words, capitalised, no final full stop, not a date or ticker."""
    text = text.strip()
    words = text.split()
    if not 3 <= len(words) <= 30 or not 15 <= len(text) <= 250:
        return False
    if re.search(r"[.;:,]\s*$", text) and not text.endswith("..."):
        return False
    first = re.search(r"[^\W_]", text)
    if not first or not (first.group().isupper() or first.group().isdigit()):
        return False
    if re.search(r"[▲▼►◄|•]", text) or _is_date_line(text) or _is_marker(text):
        return False
    digits = sum(ch.isdigit() for ch in text)
    if digits > 0.15 * len(text):
        return False
    if any(rule.regex.search(text) for rule in _furniture()):
        return False
    _, density = _stats(text)
    return density <= 0.6


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines (plain text wrapped at ~70 columns) back into paragraphs."""
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 8:
        return lines
    width = lengths[int(0.95 * (len(lengths) - 1))]
    long_lines = sum(1 for n in lengths if n >= 0.75 * width)
    if width > 100 or width < 40 or long_lines < 0.5 * len(lengths):
        return lines  # lines are paragraphs already
    out: list[str] = []
    joinable = False
    for line in lines:
        if joinable and line.strip() and not _HEADER.match(out[-1]):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        joinable = bool(line.strip()) and len(line) >= 0.6 * width
    return out


# Invisible format characters that only steer rendering: bidirectional marks, embeddings and
# isolates (an RLM around "Israel" kept it from matching the gazetteer), zero-width space, word
# joiner, soft hyphen, a stray byte-order mark. Zero-width (non-)joiners stay: they spell words.
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x061C, 0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


def strip_invisible(text: str) -> str:
    """``text`` without the invisible format characters of :data:`_INVISIBLE`."""
    return text.translate(_INVISIBLE)


def _normalize_text(text: str) -> list[str]:
    text = strip_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        line = line.replace("\u00a0", " ").replace("\t", " ")
        lines.append(line.rstrip())
    return _unwrap(lines)


# ---------------------------------------------------------------------------------------------
# Body selection


@dataclass
class _Run:
    start: int  # indices into the line list, inclusive
    end: int
    score: float
    chars: int  # characters of prose (good and near-good paragraphs)
    goods: int
    listed: bool = False  # starts right under a section heading: teasers, not an article
    split: bool = False  # cut from the run before it where a new dateline opens an article


_MAX_GAP = 5  # this many furniture lines in a row end a run even if its score stays positive
_SUBSTANTIAL = 400  # characters of prose for a run to count as the article
_LISTED_WITHIN = 3  # a run this many lines under a section heading belongs to its list


def _make_run(lines: Sequence[_Line], start: int, end: int, split: bool = False) -> _Run:
    span = [ln for ln in lines[start : end + 1] if ln.kind not in ("blank", "header")]
    prose = [ln for ln in span if ln.kind in ("good", "near")]
    above: list[_Line] = []
    for ln in reversed(lines[max(0, start - 50) : start]):
        if ln.kind != "blank" and len(above) < _LISTED_WITHIN:
            above.append(ln)
    return _Run(
        start,
        end,
        sum(ln.score for ln in span),
        sum(len(ln.text) for ln in prose),
        sum(1 for ln in prose if ln.kind == "good"),
        listed=any(ln.kind == "marker" for ln in above),
        split=split,
    )


def _opens_article(text: str) -> bool:
    """A paragraph that starts with an agency dateline ("SEOUL (Reuters) -") opens an article."""
    _, agency, removed = _strip_dateline(text)
    return removed and agency is not None


def _split_at_datelines(lines: Sequence[_Line], run: _Run) -> list[_Run]:
    """Cut a run where a paragraph after non-prose lines opens with a dateline: teasers run
    into the article when nothing but a headline separates them."""
    pieces: list[_Run] = []
    start, last_prose, previous_prose = run.start, run.start, True
    for line in lines[run.start + 1 : run.end + 1]:
        if line.kind == "blank":
            continue
        prose = line.kind in ("good", "near")
        if prose and not previous_prose and _opens_article(line.text):
            pieces.append(_make_run(lines, start, last_prose, split=bool(pieces) or run.split))
            start = line.index
        if prose:
            last_prose = line.index
        previous_prose = prose
    pieces.append(_make_run(lines, start, run.end, split=bool(pieces) or run.split))
    return [p for p in pieces if p.score > 0]


def _runs(lines: Sequence[_Line]) -> list[_Run]:
    """Positive-scoring runs of paragraphs, in document order (a greedy Kadane segmentation)."""
    runs: list[_Run] = []
    start: int | None = None
    total = best = 0.0
    best_end = -1
    gap = 0

    def close() -> None:
        if start is not None and best > 0:
            runs.extend(_split_at_datelines(lines, _make_run(lines, start, best_end)))

    for i, line in enumerate(lines):
        if line.kind in ("blank", "header"):
            continue
        if line.kind in ("marker", "end"):
            close()
            start, total, best, gap = None, 0.0, 0.0, 0
            continue
        score = line.score
        if start is None:
            if score <= 0:
                continue
            start, total, best, best_end, gap = i, 0.0, 0.0, i, 0
        total += score
        gap = gap + 1 if score <= 0 else 0
        if total > best:
            best, best_end = total, i
        if total <= 0 or gap >= _MAX_GAP:
            close()
            start, total, best, gap = None, 0.0, 0.0, 0
    close()
    return runs


def _choose_run(runs: list[_Run], anchor: int) -> _Run | None:
    """The article: the first substantial run after the headline that is not a list of
    teasers (or, when it runs straight into a dateline, the run that dateline opens);
    otherwise the best-scoring run."""
    if not runs:
        return None
    after = [r for r in runs if r.start > anchor] or runs
    substantial = [r for r in after if r.chars >= _SUBSTANTIAL and r.goods]
    chosen = next((r for r in substantial if not r.listed), None) or next(iter(substantial), None)
    if chosen is None:
        return max(after, key=lambda r: r.score)
    position = after.index(chosen)
    if position + 1 < len(after):
        following = after[position + 1]
        if following.split and following.goods:
            return following
    return chosen


def _find_line(lines: Sequence[_Line], title: str | None) -> int:
    """Index of the first line that repeats the title, or -1."""
    if not title:
        return -1
    want = _norm_heading(title)
    if len(want) < 8:
        return -1
    for line in lines:
        if line.kind == "blank":
            continue
        have = _norm_heading(line.text)
        # The headline, possibly with a suffix ("... | Site", "... (UPDATE 1)").
        prefixed = len(want) >= 20 and have.startswith(want) and len(have) < 1.3 * len(want)
        if have == want or prefixed:
            return line.index
    return -1


def _strip_dateline(paragraph: str) -> tuple[str, str | None, bool]:
    """Remove "TOKYO (Reuters) -" from a first paragraph; return text, agency, whether removed."""
    match = _DATELINE.match(paragraph)
    if not match or not (match["place"] or match["agency"]):
        return paragraph, None, False
    agency_text = match["agency"]
    agency = None
    if agency_text:
        agency = _canonical_agency(agency_text)
        if agency is None:
            # "(CNN)", "(Kyiv Independent)": a short capitalised name is an outlet; anything
            # else ("(Adds details)") is not a dateline.
            words = agency_text.split()
            if len(words) > 4 or not all(w[:1].isupper() or w[:1] in "&-" for w in words):
                return paragraph, None, False
            agency = agency_text.strip()
    elif not match["sep"]:
        return paragraph, None, False  # a capitalised word alone is not a dateline
    if match["place"] and not agency_text and len(re.sub(r"[^A-Z]", "", match["place"])) < 2:
        return paragraph, None, False  # "TOKYO:" needs an all-caps place of 2+ letters
    rest = paragraph[match.end() :]
    if not rest or not re.match(r"""[^\W_]|["“‘'(]""", rest):
        return paragraph, agency, False
    return rest, agency, True


def _is_dateline_only(text: str) -> str | None:
    """A line that is only a dateline ("SEOUL (Reuters) -"): return its agency."""
    match = _DATELINE.match(text)
    if match and match["agency"] and match.end() >= len(text.rstrip()):
        return _canonical_agency(match["agency"])
    return None


# ---------------------------------------------------------------------------------------------
# Metadata helpers

_HEADER = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b[ \t]*(?P<rest>.*)$")
_AFTER_AGENCY = re.compile(r"(?i)\s*(?:$|[|,•·–—-]|published|updated|posted|staff\b|news\b|\d)")
_CREDIT_LINE = re.compile(
    r"(?i)^\s*(?:[-–—]+\s*|source\s*:\s*|via\s+)?(?P<name>[\w .&'’-]{2,40}?)\s*$"
)


def _strip_site_suffix(title: str, sitename: str | None) -> str:
    """Drop a trailing " | Reuters" / " - Site Name" from an HTML or JSON title."""
    parts = re.split(r"\s+[|–—-]\s+", title)
    if len(parts) > 1:
        tail = parts[-1].strip()
        if _canonical_agency(tail) or (sitename and _norm_heading(tail) == _norm_heading(sitename)):
            return title[: title.rfind(tail)].rstrip(" |–—-")
    return title


def _agency_at_start(text: str) -> str | None:
    """An agency opening a header line: "AFP Published 31 Jan, 2023", "Reuters | Jan 30"."""
    for agency in _agencies():
        match = agency.regex.match(text)
        if match and _AFTER_AGENCY.match(text, match.end()):
            return agency.name
    return None


def _source_near(lines: Sequence[_Line], body_start: int, body_end: int) -> str | None:
    """Agency named in the lines around the body: a dateline line, "AFP Published ...", a byline
    with an agency, a copyright or credit line after the body ("© Reuters 2023")."""
    before = [ln for ln in lines[max(0, body_start - 12) : body_start] if ln.kind != "blank"]
    for line in reversed(before):
        if line.kind in ("good", "near", "marker"):
            break
        agency = _is_dateline_only(line.text) or _agency_at_start(line.text)
        if agency is None and line.reason == "byline":
            agency = find_agency(line.text)
        if agency:
            return agency
    after = [ln for ln in lines[body_end + 1 : body_end + 12] if ln.kind != "blank"]
    for line in after:
        if line.kind in ("marker", "good"):
            break
        agency = None
        if line.reason in ("copyright", "rights_reserved", "byline"):
            agency = find_agency(line.text)
        elif line.kind in ("short", "furniture"):
            match = _CREDIT_LINE.match(line.text)
            agency = _canonical_agency(match["name"]) if match else None
        if agency:
            return agency
    return None


def _date_near(lines: Sequence[_Line], start: int, stop: int) -> str | None:
    """The first date on a non-prose line in ``lines[start:stop]`` (between headline and body)."""
    for line in lines[max(0, start) : stop]:
        if line.kind in ("blank", "good", "near", "marker"):
            continue
        found = parse_date(line.text)
        if found:
            return found
    return None


def _title_before(lines: Sequence[_Line], body_start: int) -> int:
    """Index of the headline-like line just before the body (skipping dates, bylines,
    captions, share links); a line repeated twice is preferred. -1 when none."""
    candidates: list[int] = []
    seen = 0
    for line in reversed(lines[:body_start]):
        if line.kind == "blank":
            continue
        seen += 1
        if seen > 14 or line.kind in ("marker", "end", "good"):
            break
        if line.kind in ("short", "near", "bad") and _looks_like_headline(line.text):
            candidates.append(line.index)
    if not candidates:
        return -1
    texts = [_norm_heading(lines[i].text) for i in candidates]
    for text in texts:
        if texts.count(text) > 1:
            # The first copy: the date window starts after the headline block.
            return min(j for j, t in zip(candidates, texts, strict=True) if t == text)
    return candidates[0]


# ---------------------------------------------------------------------------------------------
# Public API


# A link to another story glued to the end of a paragraph ("... not of war". More On It:
# 'Today's Era Isn't Of War': PM Modi Tells Russian President Putin Amid Ukraine Invasion").
_INLINE_TEASER = re.compile(
    r"(?<=[.!?\"”’'])\s+(?:More On It|More on this|Also Read|ALSO READ|Read Also|READ ALSO|"
    r"Read More|READ MORE|Related|RELATED|Must Read|MUST READ)\s*:\s.{0,240}$"
)


def clean_article(raw: RawArticle) -> Article:
    """Separate the article body from page furniture and read its title, date and source."""
    texts = _normalize_text(raw.text)
    lines = [_Line(i, " ".join(t.split()), "blank") for i, t in enumerate(texts)]

    header_date: str | None = None
    header_title: str | None = None
    header_index = -1
    first = next((ln for ln in lines if ln.text), None)
    if first is not None:
        match = _HEADER.match(texts[first.index])
        if match:
            header_date = _make_date(*(int(p) for p in match["date"].split("-")))
            rest = " ".join(match["rest"].split())
            if _looks_like_headline(rest):
                header_title, header_index = rest, first.index
                first.text, first.kind = rest, "header"
            else:
                first.text = rest  # ticker or menu text: classify it like any other line

    for line in lines:
        if line.kind != "header":
            line.kind, line.reason = _classify(line.text)

    declared_title = strip_invisible(raw.title).strip() if raw.title else None
    declared_title = declared_title or None
    if declared_title:
        declared_title = _strip_site_suffix(" ".join(declared_title.split()), raw.source)
    known_title = declared_title or header_title
    anchor = _find_line(lines, known_title)
    if anchor >= 0 and lines[anchor].kind != "good":
        lines[anchor].kind = "header"  # the headline is neither body nor furniture

    run = _choose_run(_runs(lines), anchor)
    body_lines: list[_Line] = []
    if run is not None:
        body_lines = [ln for ln in lines[run.start : run.end + 1] if ln.kind in ("good", "near")]
        body_start, body_end = run.start, run.end
    else:
        # No prose run (a one-line article, or not English): keep whatever is not furniture.
        for kinds in (("good", "near", "short"), ("good", "near", "short", "bad")):
            body_lines = [ln for ln in lines if ln.kind in kinds and ln.index != anchor]
            if body_lines:
                break
        body_start = body_lines[0].index if body_lines else len(lines)
        body_end = body_lines[-1].index if body_lines else len(lines)

    # Paragraphs repeated verbatim (scrapes often duplicate blocks) are kept once.
    paragraphs: list[str] = []
    kept: set[int] = set()
    seen_text: set[str] = set()
    for line in body_lines:
        if line.text in seen_text:
            continue
        seen_text.add(line.text)
        paragraphs.append(_INLINE_TEASER.sub("", line.text))
        kept.add(line.index)

    dateline_agency: str | None = None
    if paragraphs:
        stripped, dateline_agency, _ = _strip_dateline(paragraphs[0])
        paragraphs[0] = stripped

    # Teasers: long prose outside the body (summaries under other headlines).
    teasers: list[str] = []
    teaser_idx: set[int] = set()
    for line in lines:
        if body_start <= line.index <= body_end:
            continue
        if line.kind == "good" and (
            len(line.text) >= 180 or len(_SENTENCE_END.findall(line.text)) >= 2
        ):
            teasers.append(line.text)
            teaser_idx.add(line.index)

    # Title: declared > seed header > headline-like line before the body.
    title = known_title
    title_index = anchor
    if title is None:
        title_index = _title_before(lines, body_start)
        if title_index >= 0:
            title = _strip_site_suffix(lines[title_index].text, raw.source)

    # Date: seed header > declared > a date between the headline and the body.
    article_date = header_date or _iso_or_none(raw.date)
    if article_date is None:
        if title_index >= 0:
            article_date = _date_near(lines, title_index + 1, body_start)
        else:
            # Headline not in the text: only the lines right above the body may hold its date
            # (a date higher up is more likely the site's "today" than the article's).
            before = [ln.index for ln in lines[:body_start] if ln.kind != "blank"][-3:]
            if before:
                article_date = _date_near(lines, before[0], body_start)

    # Source: a declared JSON source > the dateline > agency lines around the body > sitename.
    source: str | None = None
    if raw.source and not raw.is_html:
        source = strip_invisible(raw.source).strip() or None
    if source is None:
        source = dateline_agency or _source_near(lines, body_start, body_end)
    if source is None and raw.source:
        source = strip_invisible(raw.source).strip() or None

    dropped = tuple(
        ln.text
        for ln in lines
        if ln.text
        and ln.index not in kept
        and ln.index not in teaser_idx
        and ln.index != header_index
    )
    return Article(
        id=article_id(raw),
        path=raw.path,
        body="\n\n".join(paragraphs),
        title=title,
        date=article_date,
        source=source,
        url=raw.url,
        teasers=tuple(teasers),
        dropped=dropped,
    )


def _iso_or_none(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    return parse_date(value)


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_id(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ID_UNSAFE.sub("_", text).strip("._-")[:120]


def article_id(raw: RawArticle) -> str:
    """A stable, IRI-safe identifier for an article.

    The file stem for files (``seeds/000_46c7afd8f487e697.txt`` -> ``000_46c7afd8f487e697``);
    the row's ``id`` or ``<stem>-<line>`` for JSON Lines; a short content hash for stdin.
    """
    declared = raw.id
    if declared:
        safe = _safe_id(str(declared))
        if safe:
            return safe
    digest = hashlib.sha1(raw.text.encode("utf-8")).hexdigest()[:12]
    if raw.path in ("-", "", "<stdin>"):
        return f"stdin-{digest}"
    path, line = raw.path, None
    match = re.match(r"^(.*):(\d+)$", raw.path)
    if match and not PurePath(raw.path).suffix[1:].isdigit():
        path, line = match[1], match[2]
    if path in ("-", "<stdin>"):
        return f"stdin-{line}-{digest}" if line else f"stdin-{digest}"
    stem = _safe_id(PurePath(path).stem) or digest
    return f"{stem}-{line}" if line else stem


def render_article(article: Article, show_dropped: bool = False) -> str:
    """Render a cleaned article as text: metadata block, body, teasers, optionally dropped lines."""
    out = [
        f"id:     {article.id}",
        f"path:   {article.path}",
        f"title:  {article.title or '-'}",
        f"date:   {article.date or '-'}",
        f"source: {article.source or '-'}",
    ]
    if article.url:
        out.append(f"url:    {article.url}")
    out += ["", article.body or "(no body text found)"]
    if article.teasers:
        out += ["", f"--- teasers ({len(article.teasers)}; not body text) ---"]
        out += [f"[teaser] {t}" for t in article.teasers]
    if show_dropped:
        out += ["", f"--- dropped lines ({len(article.dropped)}) ---"]
        out += [f"- {d}" for d in article.dropped]
    return "\n".join(out) + "\n"
