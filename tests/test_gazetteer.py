"""Tests for the gazetteer data files and their loader (kg/gazetteer.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pycountry
import pytest
import spacy

from kg.gazetteer import (
    FORMS,
    GazEntry,
    Gazetteer,
    is_abbreviation,
    load_gazetteer,
    normalize_surface,
)
from kg.paths import data_file

# Forms that two entries share on purpose; each is documented in a comment of the data files.
SHARED_FORMS = {"brussels": {"Belgium", "European_Union"}}

# Countries and territories that have no demonym on purpose (none in English, or the demonym is
# given to another row: "Congolese" -> DR Congo, "Dominican" -> Dominican Republic).
NO_DEMONYM = {"AQ", "BQ", "BV", "CG", "DM", "GS", "HM", "MF", "PM", "SJ", "TF", "UM", "VA", "VI"}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def nlp(gaz: Gazetteer) -> spacy.language.Language:
    pipeline = spacy.blank("en")
    ruler = pipeline.add_pipe("entity_ruler")
    ruler.add_patterns(gaz.ruler_patterns())
    return pipeline


def countries(gaz: Gazetteer) -> list[GazEntry]:
    return [e for e in gaz.entries.values() if e.type == "Country"]


def owners_by_form(gaz: Gazetteer, forms: tuple[str, ...]) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in gaz.entries.values():
        for form in forms:
            for phrase in entry.phrases(form):
                owners[normalize_surface(phrase).casefold()].add(entry.key)
    return owners


# -- data files ---------------------------------------------------------------------------


def test_load_is_cached(gaz: Gazetteer) -> None:
    assert load_gazetteer() is gaz


def test_every_pycountry_country_is_present_with_its_codes(gaz: Gazetteer) -> None:
    coded = [e for e in countries(gaz) if e.iso2]
    by_iso2 = {e.iso2: e for e in coded}
    for country in pycountry.countries:
        entry = by_iso2.get(country.alpha_2)
        assert entry is not None, f"{country.name} ({country.alpha_2}) missing"
        assert entry.iso3 == country.alpha_3, entry.key
    assert by_iso2["XK"].label == "Kosovo" and by_iso2["XK"].iso3 == "XKX"
    assert len(coded) == len(pycountry.countries) + 1
    assert len(by_iso2) == len(coded), "two rows share an ISO code"


def test_de_facto_states_have_no_iso_code(gaz: Gazetteer) -> None:
    uncoded = {e.key: e for e in countries(gaz) if not e.iso2}
    assert {"Somaliland", "Transnistria", "Abkhazia", "Northern_Cyprus"} <= set(uncoded)
    assert all(e.iso3 is None and e.iso is None for e in uncoded.values())
    assert gaz.match("Hargeisa").entry.key == "Somaliland"
    assert gaz.match("Nicosia").entry.key == "Cyprus"  # not North Nicosia


def test_iso_codes_agree_with_pycountry(gaz: Gazetteer) -> None:
    for entry in countries(gaz):
        if entry.iso2 == "XK" or entry.iso2 is None:
            continue
        country = pycountry.countries.get(alpha_2=entry.iso2)
        assert country is not None, entry.key
        assert country.alpha_3 == entry.iso3, entry.key
        assert entry.iso == f"{entry.iso2}/{entry.iso3}"


@pytest.mark.parametrize(
    ("iso2", "key", "name"),
    [
        ("KR", "South_Korea", "South Korea"),
        ("KP", "North_Korea", "North Korea"),
        ("RU", "Russia", "Russia"),
        ("US", "United_States", "United States"),
        ("GB", "United_Kingdom", "United Kingdom"),
        ("IR", "Iran", "Iran"),
        ("SY", "Syria", "Syria"),
        ("VN", "Vietnam", "Vietnam"),
        ("TW", "Taiwan", "Taiwan"),
        ("LA", "Laos", "Laos"),
        ("BO", "Bolivia", "Bolivia"),
        ("VE", "Venezuela", "Venezuela"),
        ("TZ", "Tanzania", "Tanzania"),
        ("MD", "Moldova", "Moldova"),
        ("CZ", "Czech_Republic", "Czech Republic"),
        ("TR", "Turkey", "Turkey"),
        ("NL", "Netherlands", "Netherlands"),
        ("PS", "Palestine", "Palestine"),
        ("CI", "Ivory_Coast", "Ivory Coast"),
        ("CD", "Democratic_Republic_of_the_Congo", "Democratic Republic of the Congo"),
        ("CG", "Republic_of_the_Congo", "Republic of the Congo"),
        ("FM", "Micronesia", "Micronesia"),
        ("BN", "Brunei", "Brunei"),
        ("VA", "Vatican_City", "Vatican City"),
    ],
)
def test_common_news_names(gaz: Gazetteer, iso2: str, key: str, name: str) -> None:
    entry = gaz.entries[key]
    assert (entry.label, entry.iso2, entry.type) == (name, iso2, "Country")


@pytest.mark.parametrize(
    ("key", "aliases"),
    [
        ("United_States", {"US", "U.S.", "USA", "U.S.A.", "America", "United States of America"}),
        ("United_Kingdom", {"UK", "U.K.", "Britain", "Great Britain"}),
        ("South_Korea", {"Republic of Korea", "ROK", "S.Korea", "S. Korea", "Korea"}),
        ("North_Korea", {"DPRK", "Democratic People's Republic of Korea", "N.Korea", "N. Korea"}),
        ("Russia", {"Russian Federation"}),
        ("China", {"People's Republic of China", "PRC"}),
        ("Netherlands", {"the Netherlands", "Holland"}),
        ("Turkey", {"Türkiye"}),
        ("NATO", {"North Atlantic Treaty Organization", "North Atlantic Treaty Organisation"}),
        ("European_Union", {"EU", "E.U."}),
        ("United_Nations", {"UN", "U.N."}),
        ("UN_Security_Council", {"UNSC", "U.N. Security Council", "Security Council"}),
        ("G7", {"Group of Seven", "G-7"}),
        ("G20", {"Group of 20", "G-20", "Group of Twenty"}),
        ("African_Union", {"AU"}),
        ("Islamic_State", {"ISIS", "ISIL", "IS", "Daesh"}),
    ],
)
def test_requested_aliases(gaz: Gazetteer, key: str, aliases: set[str]) -> None:
    assert aliases <= set(gaz.entries[key].aliases)


def test_organizations_have_valid_types(gaz: Gazetteer) -> None:
    orgs = [e for e in gaz.entries.values() if e.type != "Country"]
    assert 50 <= len(orgs) <= 90
    assert {e.type for e in orgs} == {"IntergovernmentalOrganization", "Organization", "ArmedGroup"}
    assert gaz.entries["European_Union"].seats == ("Brussels",)
    assert gaz.entries["Hamas"].type == "ArmedGroup"
    assert all(e.iso2 is None and not e.capitals and not e.demonyms for e in orgs)


def test_keys_are_iri_safe_ascii(gaz: Gazetteer) -> None:
    for key in gaz.entries:
        assert key.isascii() and key.replace("_", "").replace("-", "").isalnum(), key


def test_names_and_aliases_are_unique_across_entries(gaz: Gazetteer) -> None:
    clashes = {f: k for f, k in owners_by_form(gaz, ("name", "alias")).items() if len(k) > 1}
    assert clashes == {}


def test_all_forms_unique_except_documented(gaz: Gazetteer) -> None:
    clashes = {f: k for f, k in owners_by_form(gaz, FORMS).items() if len(k) > 1}
    assert clashes == SHARED_FORMS
    # each shared form is explained in a comment of the data files
    for path in (
        data_file("gazetteer", "countries.tsv"),
        data_file("gazetteer", "organizations.tsv"),
    ):
        comments = [ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("#")]
        for form in SHARED_FORMS:
            assert any("SHARED" in c and form in c.casefold() for c in comments), (path, form)


def test_demonyms_filled(gaz: Gazetteer) -> None:
    missing = {e.iso2 for e in countries(gaz) if not e.demonyms}
    assert missing == NO_DEMONYM
    assert {"South Korean", "South Koreans"} <= set(gaz.entries["South_Korea"].demonyms)
    assert {"British", "Briton", "Britons"} <= set(gaz.entries["United_Kingdom"].demonyms)


def test_capitals_and_seats(gaz: Gazetteer) -> None:
    assert gaz.entries["South_Korea"].capitals == ("Seoul",)
    assert {"Washington", "Washington, D.C."} <= set(gaz.entries["United_States"].capitals)
    assert {"Kyiv", "Kiev"} <= set(gaz.entries["Ukraine"].capitals)
    assert gaz.entries["Russia"].seats == ("Kremlin",)
    assert "White House" in gaz.entries["United_States"].seats
    assert "Downing Street" in gaz.entries["United_Kingdom"].seats
    assert "Zhongnanhai" in gaz.entries["China"].seats


def test_titles_and_generic_nouns(gaz: Gazetteer) -> None:
    assert len(gaz.titles) >= 60
    assert {role for role, _ in gaz.titles.values()} == {"leaderOf", "officialOf"}
    assert {applies for _, applies in gaz.titles.values()} == {"Country", "Organization", "any"}
    assert all(title == title.lower() for title in gaz.titles)
    assert gaz.generic_nouns["alliance"] == "Organization"
    assert gaz.generic_nouns["government"] == "Country"
    assert gaz.generic_nouns["secretary-general"] == "Person"
    assert gaz.generic_nouns["pair"] == "Pair"


# -- match ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "key", "form"),
    [
        ("Seoul", "South_Korea", "capital"),
        ("NATO's", "NATO", "name"),
        ("NATO’s", "NATO", "name"),
        ("Nato", "NATO", "alias"),
        ("US", "United_States", "alias"),
        ("the U.S.", "United_States", "alias"),
        ("The  United\nStates", "United_States", "name"),
        ("UNITED STATES", "United_States", "name"),
        ("S. Korea", "South_Korea", "alias"),
        ("S.Korea", "South_Korea", "alias"),
        ("south korea", "South_Korea", "name"),
        ("South Korean", "South_Korea", "demonym"),
        ("Russians", "Russia", "demonym"),
        ("Ukrainian", "Ukraine", "demonym"),
        ("Americans", "United_States", "demonym"),
        ("Dutch", "Netherlands", "demonym"),
        ("Israelis", "Israel", "demonym"),
        ("the Kremlin's", "Russia", "seat"),
        ("The White House", "United_States", "seat"),
        ("Democratic People’s Republic of Korea", "North_Korea", "alias"),
        ("Philippines'", "Philippines", "name"),
        ("Kiev", "Ukraine", "capital"),
        ("Cote d'Ivoire", "Ivory_Coast", "alias"),
        ("Côte d’Ivoire", "Ivory_Coast", "alias"),
        ("IS", "Islamic_State", "alias"),
        ("Turkey", "Turkey", "name"),
        ("TURKEY", "Turkey", "name"),
        ("Kosovo", "Kosovo", "name"),
    ],
)
def test_match(gaz: Gazetteer, surface: str, key: str, form: str) -> None:
    found = gaz.match(surface)
    assert found is not None, surface
    assert (found.entry.key, found.form) == (key, form)


@pytest.mark.parametrize(
    "surface",
    ["us", "Us", "is", "un", "eu", "who", "u.s.", "turkey", "roast turkey", "china", "poles",
     "white house", "group of seven", "Atlantis", "", "   ", "the"],
)  # fmt: skip
def test_no_match(gaz: Gazetteer, surface: str) -> None:
    assert gaz.match(surface) is None


def test_shared_form_prefers_seat_and_lists_both(gaz: Gazetteer) -> None:
    found = gaz.match("Brussels")
    assert found is not None
    assert (found.entry.key, found.form) == ("European_Union", "seat")
    assert [(m.entry.key, m.form) for m in gaz.match_all("Brussels")] == [
        ("European_Union", "seat"),
        ("Belgium", "capital"),
    ]


def test_every_form_matches_its_own_entry(gaz: Gazetteer) -> None:
    wrong = []
    for entry in gaz.entries.values():
        for form, phrase in entry.all_phrases():
            keys = [m.entry.key for m in gaz.match_all(phrase)]
            shared = normalize_surface(phrase).casefold() in SHARED_FORMS
            # found, and preferred unless the form is one of the documented shared ones
            if entry.key not in keys or (keys[0] != entry.key and not shared):
                wrong.append((entry.key, form, phrase, keys))
    assert wrong == []


def test_is_abbreviation() -> None:
    for form in ("US", "U.S.", "EU", "IS", "ROK", "DPRK", "G-7", "G20", "U.S.A."):
        assert is_abbreviation(form), form
    for form in ("NATO's", "Nato", "BiH", "ASEAN", "S. Korea", "S.Korea", "Korea", "OPEC+"):
        assert not is_abbreviation(form), form


def test_normalize_surface() -> None:
    assert normalize_surface("  the   U.S.’s ") == "U.S."
    assert normalize_surface("The Philippines'") == "Philippines"
    assert normalize_surface("St. John's") == "St. John"
    assert normalize_surface("the") == "the"


# -- titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Japanese Prime Minister", ("leaderOf", "Country")),
        ("Prime Minister's", ("leaderOf", "Country")),
        ("Deputy Prime Minister", ("officialOf", "Country")),
        ("NATO Secretary-General", ("leaderOf", "Organization")),
        ("NATO Secretary General", ("leaderOf", "Organization")),
        ("UN Deputy Secretary-General", ("officialOf", "Organization")),
        ("NATO chief", ("leaderOf", "any")),
        ("South Korean army chief", ("officialOf", "Country")),
        ("U.S. Secretary of State", ("officialOf", "Country")),
        ("Russian Defence Minister,", ("officialOf", "Country")),
        ("Vice-President", ("officialOf", "any")),
        ("EU foreign policy chief", ("officialOf", "Organization")),
        ("Supreme Leader", ("leaderOf", "Country")),
    ],
)
def test_title_role(gaz: Gazetteer, phrase: str, expected: tuple[str, str]) -> None:
    assert gaz.title_role(phrase) == expected


@pytest.mark.parametrize("phrase", ["President-elect", "Japanese", "", "minister of"])
def test_title_role_none(gaz: Gazetteer, phrase: str) -> None:
    assert gaz.title_role(phrase) is None


# -- ruler patterns -------------------------------------------------------------------------


def test_pattern_shape(gaz: Gazetteer) -> None:
    patterns = gaz.ruler_patterns()
    assert len(patterns) > 1000
    labels = {"GPE", "ORG", "NORP"}
    for pattern in patterns:
        key, form = pattern["id"].split("|")
        assert key in gaz.entries and form in FORMS
        assert pattern["label"] in labels
        assert pattern["pattern"] and all(isinstance(t, dict) for t in pattern["pattern"])
    by_id = {p["id"]: p for p in patterns}
    assert by_id["United_States|name"]["pattern"] == [{"LOWER": "united"}, {"LOWER": "states"}]
    us = [p["pattern"] for p in patterns if p["id"] == "United_States|alias"]
    assert [{"ORTH": "US"}] in us and [{"ORTH": "U.S."}] in us
    assert by_id["Russia|seat"]["label"] == "ORG"
    assert by_id["Russia|demonym"]["label"] == "NORP"
    assert by_id["Russia|capital"]["label"] == "GPE"
    assert by_id["NATO|name"]["label"] == "ORG"


def ents(nlp: spacy.language.Language, text: str) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e.ent_id_) for e in nlp(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Stoltenberg urges South Korea to step up military support.",
            [("South Korea", "GPE", "South_Korea|name")],
        ),
        (
            "The U.S. and Japan agreed; the U.S. said so.",
            [
                ("U.S.", "GPE", "United_States|alias"),
                ("Japan", "GPE", "Japan|name"),
                ("U.S.", "GPE", "United_States|alias"),
            ],
        ),
        (
            "He spoke at the North Atlantic Treaty Organization summit.",
            [("North Atlantic Treaty Organization", "ORG", "NATO|alias")],
        ),
        (
            "S.Korea's exports rose while N. Korea fired a missile.",
            [("S.Korea", "GPE", "South_Korea|alias"), ("N. Korea", "GPE", "North_Korea|alias")],
        ),
        ("North Korea condemned the drills.", [("North Korea", "GPE", "North_Korea|name")]),
        (
            "The Kremlin said Russian troops left Kyiv.",
            [
                ("Kremlin", "ORG", "Russia|seat"),
                ("Russian", "NORP", "Russia|demonym"),
                ("Kyiv", "GPE", "Ukraine|capital"),
            ],
        ),
        (
            "NATO’s chief met EU leaders in Brussels.",
            [
                ("NATO", "ORG", "NATO|name"),
                ("EU", "ORG", "European_Union|alias"),
                ("Brussels", "ORG", "European_Union|seat"),
            ],
        ),
        (
            "Officials in the People’s Republic of China and the Netherlands replied.",
            [
                ("People’s Republic of China", "GPE", "China|alias"),
                ("the Netherlands", "GPE", "Netherlands|alias"),
            ],
        ),
        ("TURKEY and Turkey's allies", [("TURKEY", "GPE", "Turkey|name"),
                                        ("Turkey", "GPE", "Turkey|name")]),
        ("Let us eat roast turkey; it is late and who knows.", []),
        ("They painted a white house near the security council office.", []),
        ("The Group of Seven met; a group of seven men left.",
         [("Group of Seven", "ORG", "G7|alias")]),
    ],
)  # fmt: skip
def test_ruler_finds_entities(
    nlp: spacy.language.Language, text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert ents(nlp, text) == expected


def test_ruler_recognises_every_form_whole(gaz: Gazetteer, nlp: spacy.language.Language) -> None:
    wrong = []
    for entry in gaz.entries.values():
        for form, phrase in entry.all_phrases():
            found = nlp(phrase).ents
            ok = len(found) == 1 and found[0].text == phrase
            if ok and normalize_surface(phrase).casefold() not in SHARED_FORMS:
                ok = found[0].ent_id_.split("|")[0] == entry.key
            if not ok:
                wrong.append((entry.key, form, phrase, [(e.text, e.ent_id_) for e in found]))
    assert wrong == []


# -- reading errors -------------------------------------------------------------------------


def write_gazetteer(directory: Path, countries_tsv: str, organizations_tsv: str) -> None:
    (directory / "countries.tsv").write_text(countries_tsv, "utf-8")
    (directory / "organizations.tsv").write_text(organizations_tsv, "utf-8")
    (directory / "titles.tsv").write_text("title\trole\tapplies_to\nking\tleaderOf\tCountry\n")
    (directory / "generic_nouns.tsv").write_text("noun\trefers_to\npair\tPair\n")


COUNTRIES_HEADER = "key\tname\tiso2\tiso3\taliases\tcapitals\tseats\tdemonyms\n"
ORGS_HEADER = "key\tname\ttype\taliases\tseats\n"


def test_from_directory_small(tmp_path: Path) -> None:
    write_gazetteer(
        tmp_path,
        COUNTRIES_HEADER
        + "# a comment\nFreedonia\tFreedonia\tFD\tFDN\tFD\tFreedon\t\tFreedonian\n",
        ORGS_HEADER + "Club\tThe Club\tOrganization\t\n",  # trailing empty cell dropped
    )
    small = Gazetteer.from_directory(tmp_path)
    assert set(small.entries) == {"Freedonia", "Club"}
    assert small.entries["Freedonia"].aliases == ("FD",)
    assert small.entries["Club"].seats == ()
    match = small.match("Freedonian")
    assert match is not None and match.form == "demonym"
    assert small.match("fd") is None
    assert small.titles == {"king": ("leaderOf", "Country")}


@pytest.mark.parametrize(
    ("countries_tsv", "organizations_tsv"),
    [
        ("key\tname\n", ORGS_HEADER),  # wrong header
        (COUNTRIES_HEADER + "A\tA\tAA\tAAA\t\t\t\t\textra\n", ORGS_HEADER),  # too many cells
        (COUNTRIES_HEADER + "Bad key\tA\tAA\tAAA\t\t\t\t\n", ORGS_HEADER),  # not IRI-safe
        (COUNTRIES_HEADER, ORGS_HEADER + "X\tX\tCompany\t\t\n"),  # unknown type
        (COUNTRIES_HEADER + "A\tA\tAA\tAAA\t\t\t\t\n" * 2, ORGS_HEADER),  # duplicate key
    ],
)
def test_malformed_files_raise(tmp_path: Path, countries_tsv: str, organizations_tsv: str) -> None:
    write_gazetteer(tmp_path, countries_tsv, organizations_tsv)
    with pytest.raises(ValueError):
        Gazetteer.from_directory(tmp_path)
