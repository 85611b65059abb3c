"""Relation extraction, one pattern family at a time, on real sentences through the real pipeline.

Sentences come from the seed articles and from news phrasing the seeds do not use, so a rule
written for one seed sentence shows up here when it fails to generalise.
"""

from __future__ import annotations

import pytest

from kg.nlp import load_pipeline
from kg.records import EventRef, Relation


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def relations(nlp, text: str) -> list[Relation]:
    return nlp(text)._.relations


def triples(nlp, text: str) -> set[tuple[str, str, str]]:
    """(subject label, predicate, object label) for every relation in ``text``."""
    return {(r.subject.label, r.predicate, r.object.label) for r in relations(nlp, text)}


def find(nlp, text: str, s: str, p: str, o: str) -> Relation:
    for r in relations(nlp, text):
        if (r.subject.label, r.predicate, r.object.label) == (s, p, o):
            return r
    raise AssertionError(f"{s} {p} {o} not found in {triples(nlp, text)}")


# -- active and passive verbs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia invaded Ukraine in February 2022.", ("Russia", "invades", "Ukraine")),
        ("Germany condemned North Korea's missile launch.", ("Germany", "condemns", "North Korea")),
        ("Iran threatened Israel with a harsh response.", ("Iran", "threatens", "Israel")),
        ("India rejected Pakistan's proposal.", ("India", "rejects", "Pakistan")),
        ("Hamas attacked Israel on October 7.", ("Hamas", "attacks", "Israel")),
        ("Sweden has backed Ukraine since 2022.", ("Sweden", "supports", "Ukraine")),
        (
            "NATO Secretary-General Jens Stoltenberg urged South Korea on Monday to increase "
            "military support to Ukraine.",
            ("Jens Stoltenberg", "urges", "South Korea"),
        ),
        (
            "Jens Stoltenberg met with South Korean President Yoon Suk Yeol on Monday.",
            ("Jens Stoltenberg", "meetsWith", "Yoon Suk-yeol"),
        ),
    ],
)
def test_active_verbs(nlp, text, expected):
    assert expected in triples(nlp, text)


def test_passive_with_agent_in_relative_clause(nlp):
    text = (
        "Stoltenberg asked South Korea to step up military support for Ukraine, which was "
        "invaded by its neighbour Russia nearly a year ago."
    )
    got = triples(nlp, text)
    assert ("Russia", "invades", "Ukraine") in got
    assert ("Ukraine", "invades", "Russia") not in got


def test_passive_simple(nlp):
    assert ("Russia", "invades", "Ukraine") in triples(
        nlp, "Ukraine was invaded by Russia in 2022."
    )


def test_transfer_verb_theme_decides_relation(nlp):
    assert ("Germany", "suppliesWeaponsTo", "Ukraine") in triples(
        nlp, "Germany will send 14 Leopard tanks to Ukraine."
    )
    assert ("United States", "suppliesWeaponsTo", "Ukraine") in triples(
        nlp, "Washington has supplied Kyiv with Patriot missiles."
    )
    aid = triples(nlp, "Japan will provide humanitarian aid to Ukraine.")
    assert ("Japan", "supports", "Ukraine") in aid
    assert ("Japan", "suppliesWeaponsTo", "Ukraine") not in aid


# -- control and xcomp chains ----------------------------------------------------------------


def test_xcomp_chain_hands_subject_down(nlp):
    text = (
        "Japan has been quick to join the US-led economic sanctions against Russia's war on "
        "Ukraine and provide humanitarian aid to Ukrainians."
    )
    got = triples(nlp, text)
    assert ("Japan", "sanctions", "Russia") in got
    assert ("United States", "sanctions", "Russia") in got  # "US-led"
    assert ("Japan", "supports", "Ukraine") in got  # demonym plural names the country


def test_object_control(nlp):
    text = "US intelligence reports accused North Korea of providing weapons to Russia."
    got = triples(nlp, text)
    assert ("United States", "accuses", "North Korea") in got
    assert ("North Korea", "suppliesWeaponsTo", "Russia") in got


def test_request_complement_is_hypothetical(nlp):
    text = "Jens Stoltenberg urged South Korea to increase its military support to Ukraine."
    rel = find(nlp, text, "South Korea", "supports", "Ukraine")
    assert rel.modality == "hypothetical"
    assert find(nlp, text, "Jens Stoltenberg", "urges", "South Korea").modality == "asserted"


def test_call_for_clause(nlp):
    text = (
        "While in South Korea on Monday, Jens Stoltenberg called for Seoul to provide direct "
        "military support to Ukraine."
    )
    rel = find(nlp, text, "Jens Stoltenberg", "urges", "South Korea")
    assert rel.surface["object"] == "Seoul"


# -- nominal forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia's invasion of Ukraine shocked Europe.", ("Russia", "invades", "Ukraine")),
        (
            "Stoltenberg praised the partnership between NATO and Japan.",
            ("NATO", "partnerOf", "Japan"),
        ),
        ("Tokyo has imposed sanctions on Moscow.", ("Japan", "sanctions", "Russia")),
        ("Japan has stepped up its ties with NATO.", ("Japan", "cooperatesWith", "NATO")),
        ("Biden's visit to Kyiv surprised many.", ("Joe Biden", "visits", "Ukraine")),
        (
            "The sanctions imposed by Washington on Moscow have hurt.",
            ("United States", "sanctions", "Russia"),
        ),
        (
            "China and Russia held joint naval drills near Japan.",
            ("China", "cooperatesWith", "Russia"),
        ),
    ],
)
def test_nominal_forms(nlp, text, expected):
    got = triples(nlp, text)
    assert expected in got or (expected[2], expected[1], expected[0]) in got


def test_relational_nouns(nlp):
    got = triples(
        nlp, "South Korea has signed deals providing tanks to NATO member Poland since 2022."
    )
    assert ("Poland", "memberOf", "NATO") in got
    assert ("South Korea", "suppliesWeaponsTo", "Poland") in got
    ally = triples(nlp, "Japan, already a close ally of the United States, expanded its ties.")
    assert ("Japan", "allyOf", "United States") in ally


def test_member_modifier_of_other_noun_is_no_membership(nlp):
    text = "The plan brings Japan in line with NATO member guidelines."
    assert ("Japan", "memberOf", "NATO") not in triples(nlp, text)


def test_allies_of_a_country_are_not_the_country(nlp):
    text = "The trip aims at strengthening the alliance's ties with U.S. allies in Asia."
    assert not any(o == "United States" for _, _, o in triples(nlp, text))


# -- conjunctions -----------------------------------------------------------------------------


def test_conjunctions_distribute(nlp):
    got = triples(nlp, "The United States and the European Union imposed new sanctions on Iran.")
    assert {("United States", "sanctions", "Iran"), ("European Union", "sanctions", "Iran")} <= got
    text = "Jens Stoltenberg said his visits to South Korea and Japan went well."
    visits = triples(nlp, text)
    assert {
        ("Jens Stoltenberg", "visits", "South Korea"),
        ("Jens Stoltenberg", "visits", "Japan"),
    } <= visits


def test_conjoined_subjects_of_symmetric_predicate(nlp):
    got = triples(nlp, "Japan and NATO must remain united and firm.")
    assert ("Japan", "cooperatesWith", "NATO") in got or ("NATO", "cooperatesWith", "Japan") in got
    assert ("Kenya", "agreesWith", "Ethiopia") in triples(
        nlp, "Kenya and Ethiopia signed an agreement on trade."
    )


# -- reported speech --------------------------------------------------------------------------


def test_reported_speech_keeps_relation_with_speaker(nlp):
    rel = find(
        nlp,
        "Putin said the United States is threatening Russia.",
        "United States",
        "threatens",
        "Russia",
    )
    assert rel.modality == "reported"
    assert rel.speaker is not None and rel.speaker.label == "Vladimir Putin"
    got = triples(nlp, "Putin said the United States is threatening Russia.")
    assert ("Vladimir Putin", "threatens", "Russia") not in got


# -- negation and modality --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Israel did not attack Iran, a spokesman said.",
        "Britain has refused to sanction China.",
        "Pyongyang has never attacked Seoul directly.",
        "Canada has not provided fighter jets to Ukraine.",
        "Turkey said Ankara would not join the sanctions against Russia.",
        "He said China was not our adversary.",
    ],
)
def test_negation_yields_nothing_hostile(nlp, text):
    assert not [r for r in relations(nlp, text) if r.predicate not in ("leaderOf", "officialOf")]


def test_planned_relations_are_marked(nlp):
    rel = find(
        nlp,
        "French President Emmanuel Macron will visit India next week.",
        "Emmanuel Macron",
        "visits",
        "India",
    )
    assert rel.modality == "planned"
    text = (
        "Jens Stoltenberg arrived in Tokyo. He is set to meet with Prime Minister Fumio Kishida "
        "later on Tuesday."
    )
    assert find(nlp, text, "Jens Stoltenberg", "meetsWith", "Fumio Kishida").modality == "planned"


def test_a_condition_states_nothing(nlp):
    # "if Russia attacks Poland" is no attack in the graph (a conditional, not a claim)
    got = triples(nlp, "If Russia attacks Poland, NATO will respond.")
    assert ("Russia", "attacks", "Poland") not in got
    got = triples(nlp, "Beijing could send weapons to Moscow, officials fear.")
    assert ("China", "suppliesWeaponsTo", "Russia") not in got


# -- coreference -----------------------------------------------------------------------------


def test_pronouns_and_descriptions(nlp):
    text = (
        "NATO Secretary-General Jens Stoltenberg arrived in Tokyo on Monday. "
        "He praised Japan. North Korea condemned his visits to South Korea and Japan. "
        "He spoke alongside Japanese Prime Minister Fumio Kishida after the pair held talks."
    )
    got = triples(nlp, text)
    assert ("Jens Stoltenberg", "praises", "Japan") in got
    assert ("Jens Stoltenberg", "meetsWith", "Fumio Kishida") in got
    assert ("Fumio Kishida", "leaderOf", "Japan") in got


def test_its_refers_to_the_object_of_a_request(nlp):
    got = triples(nlp, "He thanked South Korea for its aid to Ukraine, but urged it to do more.")
    assert ("South Korea", "supports", "Ukraine") in got


def test_the_alliance_and_apposition_role(nlp):
    text = (
        "Japan and NATO must remain united, Jens Stoltenberg said. Stoltenberg, secretary "
        "general of the European and North American military alliance, warned China."
    )
    assert ("Jens Stoltenberg", "leaderOf", "NATO") in triples(nlp, text)


def test_event_node_as_target(nlp):
    text = (
        "Jens Stoltenberg spoke on Sunday. North Korea condemned his visits to South Korea and "
        "Japan."
    )
    rel = next(r for r in relations(nlp, text) if r.predicate == "condemns")
    assert isinstance(rel.object, EventRef)
    assert rel.object.type == "Visit"
    assert rel.object.agent is not None and rel.object.agent.label == "Jens Stoltenberg"
    assert {p.label for p in rel.object.participants} == {"South Korea", "Japan"}


# -- capital metonymy and roles ---------------------------------------------------------------


def test_capital_as_actor_is_the_country(nlp):
    rel = find(nlp, "Tokyo has imposed sanctions on Moscow.", "Japan", "sanctions", "Russia")
    assert rel.surface == {"subject": "Tokyo", "object": "Moscow"}


def test_capital_as_place_is_not_an_actor(nlp):
    text = "Jens Stoltenberg, NATO's secretary general, was speaking in Seoul on Monday."
    got = triples(nlp, text)
    assert not any(s == "South Korea" for s, _, _ in got)
    assert ("Jens Stoltenberg", "visits", "South Korea") in got  # a foreign official there


def test_official_at_home_does_not_visit(nlp):
    text = "Japanese Prime Minister Fumio Kishida said in Tokyo that Japan supports Ukraine."
    got = triples(nlp, text)
    assert ("Fumio Kishida", "leaderOf", "Japan") in got
    assert ("Fumio Kishida", "visits", "Japan") not in got


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japanese Prime Minister Fumio Kishida spoke.", ("Fumio Kishida", "leaderOf", "Japan")),
        ("Japan's Prime Minister Fumio Kishida spoke.", ("Fumio Kishida", "leaderOf", "Japan")),
        (
            "NATO Secretary-General Jens Stoltenberg spoke.",
            ("Jens Stoltenberg", "leaderOf", "NATO"),
        ),
        (
            "Turkey's foreign minister Hakan Fidan spoke.",
            ("Hakan Fidan", "officialOf", "Turkey"),
        ),
        (
            "In Seoul, Stoltenberg is due to meet with Foreign Minister Park Jin.",
            ("Park Jin", "officialOf", "South Korea"),
        ),
    ],
)
def test_roles_from_titles(nlp, text, expected):
    assert expected in triples(nlp, text)


def test_relation_records_provenance(nlp):
    text = "Lead paragraph here. Russia invaded Ukraine in February 2022."
    rel = find(nlp, text, "Russia", "invades", "Ukraine")
    assert text[rel.start : rel.end] == rel.sentence == "Russia invaded Ukraine in February 2022."
    assert rel.rule == "lexicon:invade/VERB"
    assert 0 < rel.confidence <= 1


def test_object_pronoun_is_not_the_clause_subject(nlp):
    text = (
        "Xi Jinping held talks with Vladimir Putin in the Kremlin and invited him to visit China."
    )
    got = triples(nlp, text)
    assert ("Vladimir Putin", "visits", "China") in got
    assert ("Xi Jinping", "visits", "China") not in got


def test_warned_against_is_object_control_and_not_asserted(nlp):
    text = "The United States warned Beijing against supplying weapons to Moscow."
    rel = find(nlp, text, "China", "suppliesWeaponsTo", "Russia")
    assert rel.modality == "hypothetical"
    assert ("United States", "suppliesWeaponsTo", "Russia") not in triples(nlp, text)


def test_no_evidence_that_negates(nlp):
    text = (
        "Antony Blinken said Washington had seen no evidence that China was sending aid to Russia."
    )
    assert ("China", "supports", "Russia") not in triples(nlp, text)


def test_relative_clause_is_not_attributed_to_the_speaker(nlp):
    text = (
        "Britain said it would provide Ukraine with tanks, drawing a rebuke from Moscow, which "
        "accused London of escalating the conflict."
    )
    rel = find(nlp, text, "Russia", "accuses", "United Kingdom")
    assert rel.speaker is None


def test_launch_at_and_suspected_strike(nlp):
    text = (
        "Iran launched more than 300 drones and missiles at Israel in retaliation for a "
        "suspected Israeli strike on its consulate in Damascus."
    )
    assert find(nlp, text, "Iran", "attacks", "Israel").modality == "asserted"
    assert find(nlp, text, "Israel", "attacks", "Iran").modality == "hypothetical"


def test_leaders_of_an_organization_act_for_it(nlp):
    text = "Leaders of the Group of Seven condemned Iran's attack on Israel on Sunday."
    got = triples(nlp, text)
    assert ("G7", "condemns", "Iran") in got
    assert ("Iran", "attacks", "Israel") in got


def test_they_after_a_group_that_speaks(nlp):
    text = (
        "Mali, Burkina Faso and Niger said in January they would leave ECOWAS, accusing the "
        "bloc of imposing inhumane sanctions."
    )
    got = triples(nlp, text)
    assert {("Mali", "accuses", "ECOWAS"), ("Niger", "accuses", "ECOWAS")} <= got


def test_two_titles_give_two_roles(nlp):
    text = "Nigerian President Bola Tinubu, the ECOWAS chairman, urged the juntas to reconsider."
    got = triples(nlp, text)
    assert {("Bola Tinubu", "leaderOf", "Nigeria"), ("Bola Tinubu", "leaderOf", "ECOWAS")} <= got
