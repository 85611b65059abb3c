#!/usr/bin/env python3
"""Validate actors.tsv and test it against dated articles (Python 3.11, standard library only).

Usage: python3 benchmarks/check_actors.py [--tsv actors.tsv] [--gazetteer DIR] [--quiet]
       [ARTICLE_DIR_OR_FILE ...]

(a) Validation: header and 7 columns, roles, titles, ISO dates with start <= end (and start <= the
    `# as of:` date), no overlapping terms for one (title, entity) pair except the co-holders
    declared in a `# co-holders:` comment, entity keys present in the gazetteer (or declared in
    `# extra entities:`), no name form (name or variant, case-insensitive) shared by two people, no
    bare surname as a variant, and canonical names equal to the gold alias files' canonical names.
(b) Article test: in every article whose first line carries ` date YYYY-MM-DD `, find dictionary
    names written next to a title ("Russian President Vladimir Putin", "Foreign Minister Wang Yi",
    "Wang Yi, China's foreign minister", "former Prime Minister Boris Johnson") and report whether
    the dictionary says that person held that office (for that country / organization when one is
    named) on the article's date.

(c) Gold test: every leaderOf / officialOf row of the gold files (../shared/gold/news/gold.tsv and
    ../shared/gold/dev.tsv) whose subject is a dictionary person is checked against the dictionary
    at the article's date (first-line date, else the day or month the gold README gives "by
    content"); `forbid` rows must NOT be supported by the dictionary.

Exit status: 1 if validation found errors or an article or gold check came out WRONG, else 0.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import glob
import os
import re
import sys
import unicodedata
from collections import defaultdict

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TSV = os.path.join(_REPO, "ontology", "actors", "actors.tsv")
_SHARED = os.path.join(os.path.dirname(_REPO), "shared")
DEFAULT_GAZ = os.path.join(_REPO, "ontology", "gazetteer")
GOLD_ALIASES = [
    os.path.join(_SHARED, "gold", "aliases.tsv"),
    os.path.join(_SHARED, "gold", "news", "aliases.tsv"),
]
DEFAULT_ARTICLES = [
    os.path.join(_SHARED, "gold", "news", "articles"),
    os.path.join(_SHARED, "seeds"),
]
GOLD_ROWS = [
    (
        os.path.join(_SHARED, "gold", "news", "gold.tsv"),
        os.path.join(_SHARED, "gold", "news", "articles"),
    ),
    (os.path.join(_SHARED, "gold", "dev.tsv"), os.path.join(_SHARED, "seeds")),
]
GOLD_README = os.path.join(_SHARED, "gold", "news", "README.md")
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}

LEADER = {
    "president",
    "prime minister",
    "chancellor",
    "king",
    "queen",
    "emir",
    "sultan",
    "grand duke",
    "emperor",
    "supreme leader",
    "head of state",
    "state counsellor",
    "general secretary",
    "first secretary",
    "secretary-general",
    "director-general",
    "managing director",
    "commission president",
    "council president",
    "commission chair",
    "high commissioner",
}
OFFICIAL = {
    "vice president",
    "crown prince",
    "foreign minister",
    "defence minister",
    "high representative",
}
COLUMNS = ["name", "role", "title", "entity", "start", "end", "variants"]

# Title as written in text -> set of dictionary titles it may stand for ("acting X" rows always
# count for X). "leader" accepts any leaderOf title.
TEXT_TITLES = {
    "president": {"president", "commission president", "council president"},
    "vice president": {"vice president"},
    "vice-president": {"vice president"},
    "prime minister": {"prime minister"},
    "premier": {"prime minister"},
    "pm": {"prime minister"},
    "taoiseach": {"prime minister"},
    "chancellor": {"chancellor"},
    "king": {"king"},
    "queen": {"queen"},
    "emir": {"emir"},
    "amir": {"emir"},
    "sultan": {"sultan"},
    "grand duke": {"grand duke"},
    "emperor": {"emperor"},
    "crown prince": {"crown prince"},
    "supreme leader": {"supreme leader"},
    "state counsellor": {"state counsellor"},
    "general secretary": {"general secretary"},
    "first secretary": {"first secretary"},
    "foreign minister": {"foreign minister"},
    "fm": {"foreign minister"},
    "foreign affairs minister": {"foreign minister"},
    "minister of foreign affairs": {"foreign minister"},
    "minister for foreign affairs": {"foreign minister"},
    "external affairs minister": {"foreign minister"},
    "minister of external affairs": {"foreign minister"},
    "secretary of state": {"foreign minister"},
    "foreign secretary": {"foreign minister"},
    "top diplomat": {"foreign minister"},
    "chief diplomat": {"foreign minister"},
    "defence minister": {"defence minister"},
    "defense minister": {"defence minister"},
    "minister of defence": {"defence minister"},
    "minister of defense": {"defence minister"},
    "defence secretary": {"defence minister"},
    "defense secretary": {"defence minister"},
    "secretary of defense": {"defence minister"},
    "armed forces minister": {"defence minister"},
    "secretary-general": {"secretary-general"},
    "secretary general": {"secretary-general"},
    "chief": {
        "secretary-general",
        "director-general",
        "managing director",
        "high commissioner",
        "commission chair",
        "high representative",
    },
    "director-general": {"director-general"},
    "director general": {"director-general"},
    "managing director": {"managing director"},
    "high representative": {"high representative"},
    "foreign policy chief": {"high representative"},
    "high commissioner": {"high commissioner"},
    "leader": {"*leader*"},
}
MODS = r"former|ex-|then-|acting|interim|caretaker|outgoing"
PREFIXES = rf"(?:(?P<mod>{MODS})\s+)?"
PREFIXES0 = rf"(?:(?P<mod0>{MODS})\s+)?"


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def key(s: str) -> str:
    return strip_accents(s).casefold().replace("’", "'").strip()


def parse_date(s: str) -> dt.date | None:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return None
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


# --------------------------------------------------------------------------- loading
class Dictionary:
    def __init__(self, path: str):
        self.path = path
        self.rows: list[dict] = []
        self.as_of: dt.date | None = None
        self.coholders: set[tuple[str, str]] = set()
        self.extra_entities: set[str] = set()
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self._load()

    def _load(self):
        header_seen = False
        with open(self.path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                if line.startswith("#"):
                    m = re.match(r"#\s*as of:\s*(\S+)", line)
                    if m:
                        self.as_of = parse_date(m.group(1))
                        if not self.as_of:
                            self.errors.append(f"line {n}: bad as-of date {m.group(1)!r}")
                    m = re.match(r"#\s*co-holders:\s*(.*)", line)
                    if m:
                        for item in re.sub(r"\(.*?\)", "", m.group(1)).split(";"):
                            item = item.strip()
                            if "/" in item:
                                t, e = item.rsplit("/", 1)
                                self.coholders.add((t.strip(), e.strip()))
                    m = re.match(r"#\s*extra entities:\s*(.*)", line)
                    if m:
                        for item in re.sub(r"\(.*?\)", "", m.group(1)).split(";"):
                            k = item.strip()
                            if k:
                                self.extra_entities.add(k)
                    continue
                if not line.strip():
                    continue
                cells = line.split("\t")
                if not header_seen:
                    header_seen = True
                    if cells != COLUMNS:
                        self.errors.append(f"line {n}: header is {cells}, expected {COLUMNS}")
                    continue
                if len(cells) != len(COLUMNS):
                    self.errors.append(f"line {n}: {len(cells)} columns, expected {len(COLUMNS)}")
                    continue
                row = dict(zip(COLUMNS, cells, strict=False))
                row["line"] = n
                row["variant_list"] = (
                    [v for v in row["variants"].split("|") if v] if row["variants"] else []
                )
                self.rows.append(row)
        if self.as_of is None:
            self.errors.append("no '# as of: YYYY-MM-DD' comment")

    # -- validation -------------------------------------------------------------------
    def validate(self, gazetteer_dir: str):
        ents = set(self.extra_entities)
        for fn in ("countries.tsv", "organizations.tsv"):
            p = os.path.join(gazetteer_dir, fn)
            if not os.path.exists(p):
                self.errors.append(f"gazetteer file missing: {p}")
                continue
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("#") or line.startswith("key\t") or not line.strip():
                        continue
                    ents.add(line.split("\t", 1)[0])
        for r in self.rows:
            where = f"line {r['line']} ({r['name']})"
            for c in ("name", "role", "title", "entity", "start"):
                if not r[c].strip() or r[c] != r[c].strip():
                    self.errors.append(f"{where}: empty or padded {c!r}")
            base = r["title"][7:] if r["title"].startswith("acting ") else r["title"]
            if base in LEADER:
                want = "leaderOf"
            elif base in OFFICIAL:
                want = "officialOf"
            else:
                self.errors.append(f"{where}: unknown title {r['title']!r}")
                want = None
            if r["role"] not in ("leaderOf", "officialOf"):
                self.errors.append(f"{where}: bad role {r['role']!r}")
            elif want and r["role"] != want:
                self.errors.append(f"{where}: title {r['title']!r} should have role {want}")
            if r["entity"] not in ents:
                self.errors.append(f"{where}: entity {r['entity']!r} not in the gazetteer")
            s = parse_date(r["start"])
            e = parse_date(r["end"]) if r["end"] else None
            if not s:
                self.errors.append(f"{where}: bad start date {r['start']!r}")
            if r["end"] and not e:
                self.errors.append(f"{where}: bad end date {r['end']!r}")
            if s and e and e < s:
                self.errors.append(f"{where}: end {r['end']} before start {r['start']}")
            if s and self.as_of and s > self.as_of:
                self.errors.append(f"{where}: start {r['start']} after the as-of date")
            if e and self.as_of and e > self.as_of:
                self.errors.append(f"{where}: end {r['end']} after the as-of date")
            if e and e < dt.date(2015, 1, 1):
                self.errors.append(f"{where}: term ended before 2015")
            r["s"], r["e"] = s, e
            last = r["name"].split()[-1]
            for v in r["variant_list"]:
                if v != v.strip() or not v:
                    self.errors.append(f"{where}: padded or empty variant {v!r}")
                if v == r["name"]:
                    self.warnings.append(f"{where}: variant {v!r} repeats the name")
                if " " not in v and key(v) == key(last) and len(r["name"].split()) > 1:
                    self.errors.append(f"{where}: bare surname {v!r} listed as a variant")
        # overlapping terms for one (title, entity)
        by_office = defaultdict(list)
        for r in self.rows:
            if r.get("s"):
                by_office[(r["title"], r["entity"])].append(r)
        far = dt.date(9999, 12, 31)
        for (t, ent), rs in by_office.items():
            rs.sort(key=lambda r: r["s"])
            for i, a in enumerate(rs):
                for b in rs[i + 1 :]:
                    if b["s"] < (a["e"] or far) and a["s"] < (b["e"] or far):
                        msg = (
                            f"overlap {t}/{ent}: {a['name']} {a['start']}..{a['end'] or 'now'} "
                            f"and {b['name']} {b['start']}..{b['end'] or 'now'}"
                        )
                        if a["name"] == b["name"]:
                            self.errors.append(msg + " (same person twice)")
                        elif (t, ent) in self.coholders or (
                            t.removeprefix("acting "),
                            ent,
                        ) in self.coholders:
                            pass
                        else:
                            self.errors.append(msg)
        # one person, one set of variants; no form shared by two people
        forms = defaultdict(set)
        per_person_variants = defaultdict(set)
        for r in self.rows:
            forms[key(r["name"])].add(r["name"])
            per_person_variants[r["name"]].add(r["variants"])
            for v in r["variant_list"]:
                forms[key(v)].add(r["name"])
        for k, names in forms.items():
            if len(names) > 1:
                self.errors.append(f"name form {k!r} points at {sorted(names)}")
        for name, vs in per_person_variants.items():
            if len(vs) > 1:
                self.warnings.append(f"{name}: rows carry different variant lists")
        # canonical names must follow the gold alias files
        for p in GOLD_ALIASES:
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("#") or not line.strip():
                        continue
                    c = line.rstrip("\n").split("\t")
                    if len(c) < 2 or c[1] != "Person":
                        continue
                    gold = c[0]
                    surfaces = [gold] + (c[2].split("|") if len(c) > 2 and c[2] else [])
                    for s in surfaces:
                        for ours in forms.get(key(s), ()):
                            if ours != gold and " " in s:
                                folder = os.path.basename(os.path.dirname(p))
                                where = f"{folder}/{os.path.basename(p)}"
                                self.errors.append(
                                    f"{ours!r}: gold aliases ({where}) spell the canonical name "
                                    f"{gold!r}"
                                )
        self.errors = list(dict.fromkeys(self.errors))


# --------------------------------------------------------------------------- articles
def load_qualifiers(gazetteer_dir: str) -> dict[str, str]:
    """Surface form (country / demonym / organization) -> entity key."""
    q: dict[str, str] = {}
    for fn, cols in (
        ("countries.tsv", ("name", "aliases", "demonyms")),
        ("organizations.tsv", ("name", "aliases")),
    ):
        p = os.path.join(gazetteer_dir, fn)
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8") as f:
            lines = [line for line in f if not line.startswith("#") and line.strip()]
        rd = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        for r in rd:
            for c in cols:
                for form in (r.get(c) or "").split("|"):
                    form = form.strip()
                    if len(form) >= 2 and form not in q:
                        q[form] = r["key"]
    q.setdefault("U.N.", "United_Nations")
    q.setdefault("UN", "United_Nations")
    q.setdefault("U.S.", "United_States")
    return q


def article_date(path: str) -> dt.date | None:
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline()
    m = re.search(r"(?:^|\s)date (\d{4}-\d{2}-\d{2})(?:\s|$)", first)
    return parse_date(m.group(1)) if m else None


def build_forms(d: Dictionary) -> dict[str, set[str]]:
    """Name form as written -> canonical names (surnames only where unambiguous by spelling)."""
    forms: dict[str, set[str]] = defaultdict(set)
    for r in d.rows:
        for f in [r["name"]] + r["variant_list"]:
            forms[f].add(r["name"])
            sa = strip_accents(f)
            if sa != f:
                forms[sa].add(r["name"])
        toks = r["name"].split()
        if len(toks) > 1:
            forms["@" + toks[-1]].add(r["name"])  # surname, used only right after a title
    return forms


def holds(
    d: Dictionary,
    name: str,
    titles: set[str],
    entity: str | None,
    day: dt.date,
    before: bool = False,
) -> list[dict]:
    out = []
    for r in d.rows:
        if r["name"] != name or not r.get("s"):
            continue
        base = r["title"].removeprefix("acting ")
        if "*leader*" in titles:
            if r["role"] != "leaderOf":
                continue
        elif base not in titles:
            continue
        if entity and r["entity"] != entity:
            continue
        end = r["e"] or d.as_of
        if before:
            if r["s"] <= day:
                out.append(r)
        elif r["s"] <= day <= end:
            out.append(r)
    return out


def check_articles(d: Dictionary, gazetteer_dir: str, targets: list[str], quiet: bool) -> dict:
    quals = load_qualifiers(gazetteer_dir)
    forms = build_forms(d)
    full_forms = sorted((f for f in forms if not f.startswith("@")), key=len, reverse=True)
    surnames = sorted((f[1:] for f in forms if f.startswith("@")), key=len, reverse=True)
    qual_re = "|".join(re.escape(q) for q in sorted(quals, key=len, reverse=True))
    title_re = "|".join(re.escape(t) for t in sorted(TEXT_TITLES, key=len, reverse=True))
    name_re = "|".join(re.escape(f) for f in full_forms)
    sur_re = "|".join(re.escape(s) for s in surnames)
    apos = r"(?:'s|’s)?"
    # Title before the name: "[Qual['s]] [former] Title [of [the] Qual] Name"
    before_re = re.compile(
        rf"{PREFIXES0}(?:(?P<q1>{qual_re}){apos}\s+)?{PREFIXES}(?P<title>{title_re})"
        rf"(?:\s+of\s+(?:the\s+)?(?P<q2>{qual_re}))?,?\s+"
        rf"(?:(?P<name>{name_re})|(?P<sur>{sur_re}))(?![\w-])",
        re.IGNORECASE,
    )
    # Appositive: "Name, [the] [Qual['s]] [former] Title [of [the] Qual]"
    after_re = re.compile(
        rf"(?<![\w-])(?P<name>{name_re}),\s+(?:the\s+|a\s+)?{PREFIXES0}(?:(?P<q1>{qual_re}){apos}\s+)?{PREFIXES}"
        rf"(?P<title>{title_re})(?![\w-])(?:\s+of\s+(?:the\s+)?(?P<q2>{qual_re}))?"
    )
    case_sensitive_names = {f for f in full_forms}

    files: list[str] = []
    for t in targets:
        if os.path.isdir(t):
            files += sorted(glob.glob(os.path.join(t, "*.txt")))
        elif os.path.exists(t):
            files.append(t)
    stats = defaultdict(int)
    results = []
    for path in files:
        day = article_date(path)
        if not day:
            stats["articles without date"] += 1
            continue
        stats["dated articles"] += 1
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        text = re.sub(r"\s+", " ", text)
        seen = set()
        for rx, kind in ((before_re, "before"), (after_re, "after")):
            for m in rx.finditer(text):
                name_txt = m.group("name") if "name" in m.groupdict() else None
                sur_txt = m.groupdict().get("sur")
                # names and surnames must match in their own case
                if name_txt and name_txt not in case_sensitive_names:
                    continue
                if sur_txt and sur_txt not in surnames:
                    continue
                title_txt = m.group("title")
                tkey = title_txt.lower()
                if tkey in ("pm", "fm") and title_txt != title_txt.upper():
                    continue
                if (
                    tkey in ("king", "queen", "president", "leader", "chief", "premier")
                    and title_txt[0].islower()
                    and not m.group("q1")
                    and kind == "before"
                ):
                    pass  # lower-case generic title is fine ("the king Charles" is rare)
                qual = m.group("q1") or m.group("q2")
                entity = quals.get(qual) if qual else None
                if qual and entity is None:
                    for k, v in quals.items():
                        if k.lower() == qual.lower():
                            entity = v
                            break
                mod = (m.group("mod") or m.group("mod0") or "").lower()
                titles = TEXT_TITLES[tkey]
                if name_txt:
                    candidates = sorted(forms[name_txt])
                else:
                    # surname after a title: the people with that surname who held a matching
                    # office on that day (must be exactly one)
                    candidates = sorted(
                        n for n in forms["@" + sur_txt] if holds(d, n, titles, entity, day)
                    )
                    if len(candidates) != 1:
                        continue
                for person in candidates:
                    sig = (person, tkey, entity, mod)
                    if sig in seen:
                        continue
                    seen.add(sig)
                    snippet = m.group(0)
                    if mod in ("former", "ex-"):
                        now = holds(d, person, titles, entity, day)
                        past = holds(d, person, titles, entity, day, before=True)
                        if past and not now:
                            verdict = "OK-former"
                        elif now and all(r["e"] and (r["e"] - day).days <= 7 for r in now):
                            # resigned / replaced but formally in office until the handover
                            verdict = "OK-former (term ends within 7 days: " + now[0]["end"] + ")"
                        elif now:
                            verdict = "WRONG (called former, dictionary says in office)"
                        elif not any(
                            r["name"] == person
                            for r in d.rows
                            if r["title"].removeprefix("acting ") in titles or "*leader*" in titles
                        ):
                            verdict = "NOT-COVERED"
                        else:
                            verdict = "WRONG (no earlier term)"
                    elif mod == "then-":
                        verdict = "SKIP (then-)"
                    else:
                        hit = holds(d, person, titles, entity, day)
                        if hit:
                            verdict = "OK"
                        else:
                            person_rows = [r for r in d.rows if r["name"] == person]
                            same_kind = [
                                r
                                for r in person_rows
                                if ("*leader*" in titles and r["role"] == "leaderOf")
                                or r["title"].removeprefix("acting ") in titles
                            ]
                            if (
                                entity
                                and same_kind
                                and not any(r["entity"] == entity for r in same_kind)
                            ):
                                verdict = f"NOT-COVERED (no {tkey} row for {entity})"
                            elif not same_kind:
                                verdict = "NOT-COVERED (title not in dictionary for this person)"
                            else:
                                terms = "; ".join(
                                    f"{r['title']}/{r['entity']} {r['start']}..{r['end'] or 'now'}"
                                    for r in same_kind
                                )
                                verdict = f"WRONG (dictionary: {terms})"
                    stats[verdict.split(" ")[0]] += 1
                    results.append(
                        (os.path.basename(path), day.isoformat(), snippet, person, verdict)
                    )
    for rec in results:
        if not quiet or not rec[4].startswith("OK"):
            print(f'  {rec[4]:<8} {rec[0]} [{rec[1]}] "{rec[2]}" -> {rec[3]}')
    return stats


# --------------------------------------------------------------------------- gold rows
def readme_dates(path: str) -> dict[str, tuple[dt.date, dt.date]]:
    """doc -> (first, last) day, from the gold README's article table ("none (July 2022 by
    content)", "none (28 September 2024 by content)", "2023-04-05")."""
    out: dict[str, tuple[dt.date, dt.date]] = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as fh:
        file_lines = fh.read().splitlines(keepends=True)
    for line in file_lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.match(r"[abc]\d\d_", cells[0]):
            continue
        doc, when = cells[0], cells[2]
        d = parse_date(when)
        if d:
            out[doc] = (d, d)
            continue
        m = re.search(r"(\d{1,2}) (\w+) (\d{4})", when)
        if m and m.group(2).lower() in MONTHS:
            d = dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
            out[doc] = (d, d)
            continue
        m = re.search(r"(\w+) (\d{4})", when)
        if m and m.group(1).lower() in MONTHS:
            y, mo = int(m.group(2)), MONTHS[m.group(1).lower()]
            first = dt.date(y, mo, 1)
            last = dt.date(y + (mo == 12), mo % 12 + 1, 1) - dt.timedelta(days=1)
            out[doc] = (first, last)
    return out


def entity_keys(gazetteer_dir: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for fn in ("countries.tsv", "organizations.tsv"):
        p = os.path.join(gazetteer_dir, fn)
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8") as f:
            lines = [line for line in f if not line.startswith("#") and line.strip()]
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            for form in [r["key"], r.get("name") or "", *(r.get("aliases") or "").split("|")]:
                if form.strip():
                    keys.setdefault(key(form), r["key"])
    return keys


def check_gold(d: Dictionary, gazetteer_dir: str, quiet: bool) -> dict:
    stats = defaultdict(int)
    ents = entity_keys(gazetteer_dir)
    fallback = readme_dates(GOLD_README)
    people = {r["name"] for r in d.rows}
    far = dt.date(9999, 12, 31)
    for gold_path, art_dir in GOLD_ROWS:
        if not os.path.exists(gold_path):
            continue
        with open(gold_path, encoding="utf-8") as fh:
            gold_lines = fh.read().splitlines(keepends=True)
        for line in gold_lines:
            c = line.rstrip("\n").split("\t")
            if len(c) < 5 or c[0] == "doc" or c[0].startswith("#"):
                continue
            doc, kind, subj, preds, obj = c[:5]
            evidence = c[5] if len(c) > 5 else ""
            former = bool(re.search(r"\b(former|ex-|ousted|deposed|late)\b", evidence, re.I))
            preds = set(preds.split("|"))
            if not preds & {"leaderOf", "officialOf"}:
                continue
            subjects = [s for s in subj.split("|") if s in people]
            if not subjects:
                stats["gold: person not in dictionary"] += 1
                continue
            art = os.path.join(art_dir, doc + ".txt")
            day = article_date(art) if os.path.exists(art) else None
            span = (day, day) if day else fallback.get(doc)
            if not span:
                stats["gold: no date"] += 1
                continue
            objs = [ents.get(key(o)) for o in obj.split("|")]
            objs = [o for o in objs if o]
            rows = [r for r in d.rows if r["name"] in subjects and r["entity"] in objs]
            live = [r for r in rows if r["s"] <= span[1] and span[0] <= (r["e"] or d.as_of or far)]
            when = span[0].isoformat() + ("" if span[0] == span[1] else ".." + span[1].isoformat())
            if kind == "forbid":
                bad = [r for r in live if r["role"] in preds]
                verdict = "WRONG (dictionary supports a forbidden reading)" if bad else "OK-forbid"
            elif not objs:
                verdict = "NOT-COVERED (entity not in the gazetteer)"
            elif not rows:
                verdict = "NOT-COVERED (no office for this entity)"
            elif (
                d.as_of
                and span[0] > d.as_of
                and any(not r["e"] and r["s"] <= span[1] for r in rows)
            ):
                verdict = "AFTER-AS-OF (open term; not verifiable past the as-of date)"
            elif not live and (former or kind == "acc") and any(r["s"] <= span[0] for r in rows):
                verdict = (
                    "OK-past ("
                    + ("called former" if former else "acc row")
                    + "; term ended before the date)"
                )
            elif not live:
                terms = "; ".join(f"{r['title']} {r['start']}..{r['end'] or 'now'}" for r in rows)
                verdict = f"WRONG (dictionary: {terms})"
            elif former and live and all(r["e"] and (r["e"] - span[1]).days <= 7 for r in live):
                verdict = (
                    "OK-former (resigned; formal term ends within 7 days: " + live[0]["end"] + ")"
                )
            elif former and all(r["e"] is None or r["e"] > span[1] for r in live):
                verdict = "WRONG (called former, dictionary says in office)"
            elif any(r["role"] in preds for r in live):
                verdict = "OK" if span[0] == span[1] else "OK-month"
            else:
                verdict = (
                    "ROLE-DIFF (dictionary: "
                    + ", ".join(f"{r['role']} as {r['title']}" for r in live)
                    + ")"
                )
            stats["gold: " + verdict.split(" ")[0]] += 1
            if not quiet or not verdict.startswith("OK"):
                print(
                    f"  {verdict:<8} {doc} [{when}] {kind} {subj} {'|'.join(sorted(preds))} {obj}"
                )
    return stats


def coverage(d: Dictionary, since: dt.date = dt.date(2015, 1, 1)) -> None:
    """Print, per (entity, title), the spans between `since` and the as-of date with no holder
    (acting holders count). Gaps are expected where a term was left out as unsure."""
    office = {
        "president": "head of state",
        "head of state": "head of state",
        "king": "head of state",
        "queen": "head of state",
        "emir": "head of state",
        "sultan": "head of state",
        "grand duke": "head of state",
        "emperor": "head of state",
        "chancellor": "head of government",
        "prime minister": "head of government",
    }
    spans = defaultdict(list)
    for r in d.rows:
        if r.get("s"):
            t = r["title"].removeprefix("acting ")
            spans[(r["entity"], office.get(t, t))].append((r["s"], r["e"] or d.as_of))
    for (ent, title), sp in sorted(spans.items()):
        sp.sort()
        gaps, cur = [], since
        for s0, e0 in sp:
            if s0 > cur + dt.timedelta(days=1):
                gaps.append((cur, s0))
            cur = max(cur, e0)
        if d.as_of and cur < d.as_of:
            gaps.append((cur, d.as_of))
        gaps = [g for g in gaps if (g[1] - g[0]).days > 1]
        if gaps:
            print(f"  {ent} / {title}: " + ", ".join(f"{a}..{b}" for a, b in gaps))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tsv", default=DEFAULT_TSV)
    ap.add_argument("--gazetteer", default=DEFAULT_GAZ)
    ap.add_argument("--quiet", action="store_true", help="print only non-OK article findings")
    ap.add_argument(
        "--coverage",
        action="store_true",
        help="also list the spans since 2015 that no row covers, per entity and title",
    )
    ap.add_argument("targets", nargs="*", default=DEFAULT_ARTICLES)
    a = ap.parse_args(argv)

    d = Dictionary(a.tsv)
    d.validate(a.gazetteer)
    people = {r["name"] for r in d.rows}
    print(f"{a.tsv}: {len(d.rows)} rows, {len(people)} people, as of {d.as_of}")
    by_title = defaultdict(int)
    for r in d.rows:
        by_title[r["title"]] += 1
    print(
        "rows by title: "
        + ", ".join(f"{t} {n}" for t, n in sorted(by_title.items(), key=lambda x: -x[1]))
    )
    for w in d.warnings:
        print("warning:", w)
    for e in d.errors:
        print("ERROR:", e)
    print(f"validation: {len(d.errors)} error(s), {len(d.warnings)} warning(s)")

    if a.coverage:
        print("coverage gaps (2015-01-01 .. as-of):")
        coverage(d)
    print("article test:")
    stats = check_articles(d, a.gazetteer, a.targets, a.quiet)
    print("article test summary: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    print("gold test:")
    gstats = check_gold(d, a.gazetteer, a.quiet)
    print("gold test summary: " + ", ".join(f"{k[6:]} {v}" for k, v in sorted(gstats.items())))
    bad = len(d.errors) + stats.get("WRONG", 0) + gstats.get("gold: WRONG", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
