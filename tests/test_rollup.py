"""Persons acting for states: the state-level reading of relations (the text's roles first, the
actor dictionary second), background facts kept apart from the text, and the saved queries."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph

from kg.build import build
from kg.evaluate import evaluate, load_aliases, load_gold
from kg.query import run_query
from kg.vocab import ACTOR_DICTIONARY, GEO

TEXT = (
    " date 2023-06-01 Leaders meet\n\n"
    "US President Joe Biden condemned Vladimir Putin on Thursday. Xi Jinping met Putin in "
    "Moscow. Ruritanian Foreign Minister Anna Novak criticized Putin.\n"
)


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> Graph:
    path = tmp_path_factory.mktemp("rollup") / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    return build([str(path)]).graph


def _states(graph: Graph, predicate: str) -> set[tuple[str, str]]:
    out = set()
    for ev in graph.subjects(RDF.predicate, GEO[predicate]):
        s, o = graph.value(ev, GEO.subjectState), graph.value(ev, GEO.objectState)
        if s is not None and o is not None:
            out.add((str(s).rsplit("/", 1)[-1], str(o).rsplit("/", 1)[-1]))
    return out


def test_people_roll_up_to_their_states(graph):
    # Biden by the text's title, Putin and Xi by the dictionary at the article's date
    assert ("United_States", "Russia") in _states(graph, "condemns")
    assert ("China", "Russia") in _states(graph, "meetsWith")


def test_a_person_nobody_places_has_no_state(graph):
    # "Ruritanian" names no country: Anna Novak's criticism has no state-level subject
    assert not any(o == "Russia" and s != "United_States" for s, o in _states(graph, "criticizes"))


def test_background_facts_are_kept_apart(graph):
    facts = list(graph.subjects(RDF.type, GEO.BackgroundFact))
    assert facts, "the dictionary's offices of Putin and Xi at the date"
    for fact in facts:
        assert (fact, GEO.article, None) not in graph  # no article, no sentence
        assert (fact, GEO.sentence, None) not in graph
        assert graph.value(fact, GEO.validFrom) is not None
        assert (fact, None, ACTOR_DICTIONARY) in graph
    subjects = {str(graph.value(f, RDF.subject)).rsplit("/", 1)[-1] for f in facts}
    assert {"Vladimir_Putin", "Xi_Jinping"} <= subjects


def test_eval_does_not_count_background_facts(graph, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text(
        "doc\tkind\tsubject\tpredicate\tobject\tevidence\n"
        "article\treq\tXi Jinping\tleaderOf\tChina\tXi Jinping\n",
        encoding="utf-8",
    )
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("Xi Jinping\tPerson\tXi\nChina\tCountry\tBeijing\n", encoding="utf-8")
    report = evaluate(graph, load_gold(gold), load_aliases(aliases))
    assert report.req_matched == 0  # the text never says Xi leads China


def test_state_queries(graph):
    rows = run_query(graph, "state-dyads")
    dyads = {(str(r.source_state), str(r.relation), str(r.target_state)) for r in rows}
    assert ("United States", "condemns", "Russia") in dyads
    balance = {(str(r.actor1), str(r.actor2)) for r in run_query(graph, "state-balance")}
    assert ("China", "Russia") in balance or ("Russia", "China") in balance
