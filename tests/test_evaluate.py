"""Scoring graphs against gold relations (kg.evaluate), on small hand-built graphs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef

from kg.evaluate import (
    VISIT_PREFIX,
    Aliases,
    GoldRow,
    evaluate,
    format_report,
    load_aliases,
    load_gold,
)
from kg.vocab import ART, ENT, GEO

GOLD_DIR = Path("/work/shared/gold")
DOC_A = "000_46c7afd8f487e697"
DOC_C = "002_4a7e21c7fb5ed67b"

needs_gold = pytest.mark.skipif(not GOLD_DIR.is_dir(), reason="shared gold files not present")


class GraphMaker:
    """Builds graphs shaped like the builder's output, with one node per canonical name."""

    def __init__(self) -> None:
        self.graph = Graph()
        self._evidence = 0

    def entity(self, label: str, *alt: str, key: str | None = None) -> URIRef:
        node = ENT[key or re.sub(r"\W+", "_", label)]
        self.graph.add((node, RDFS.label, Literal(label)))
        for form in alt:
            self.graph.add((node, SKOS.altLabel, Literal(form)))
        return node

    def event(self, kind: URIRef, label: str, agent: URIRef) -> URIRef:
        node = ENT["event_" + re.sub(r"\W+", "_", label)]
        self.graph.add((node, RDF.type, kind))
        self.graph.add((node, RDFS.label, Literal(label)))
        self.graph.add((node, GEO.agent, agent))
        return node

    def relate(
        self,
        s: URIRef,
        p: str,
        o: URIRef,
        doc: str = DOC_A,
        sentence: str = "",
        *,
        assert_triple: bool = True,
    ) -> None:
        self._evidence += 1
        ev = BNode(f"ev{self._evidence}")
        triple = (s, GEO[p], o)
        if assert_triple:
            self.graph.add(triple)
        self.graph.add((ART[doc], RDF.type, GEO.Article))
        for prop, value in zip((RDF.subject, RDF.predicate, RDF.object), triple, strict=True):
            self.graph.add((ev, prop, value))
        self.graph.add((ev, RDF.type, GEO.Evidence))
        self.graph.add((ev, GEO.article, ART[doc]))
        self.graph.add((ev, GEO.sentence, Literal(sentence or f"{s} {p} {o}.")))

    def node_for(self, value: str) -> URIRef:
        """The node for a gold cell value: an entity, or a visit event for ``visit:X``."""
        if value.startswith(VISIT_PREFIX):
            agent = self.entity(value.removeprefix(VISIT_PREFIX))
            return self.event(GEO.Visit, f"visit of {agent}", agent)
        return self.entity(value)


def write_tsv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def aliases(tmp_path: Path) -> Aliases:
    return load_aliases(
        write_tsv(
            tmp_path / "aliases.tsv",
            [
                "# canonical\ttype\tforms",
                "South Korea\tCountry\tSeoul|Korea|ROK",
                "North Korea\tCountry\tPyongyang|DPRK",
                "Japan\tCountry\tTokyo",
                "Russia\tCountry\tMoscow",
                "NATO\tOrganization\tthe alliance",
                "Poland\tCountry\tWarsaw",
                "Jens Stoltenberg\tPerson\tStoltenberg|NATO’s Stoltenberg",
            ],
        )
    )


def gold(tmp_path: Path, *rows: str) -> list[GoldRow]:
    header = "doc\tkind\tsubject\tpredicate\tobject\tevidence"
    return load_gold(write_tsv(tmp_path / "gold.tsv", [header, *rows]))


# --- loading ---------------------------------------------------------------------------------


@needs_gold
def test_load_real_gold_files() -> None:
    rows = load_gold(GOLD_DIR / "dev.tsv")
    aliases = load_aliases(GOLD_DIR / "aliases.tsv")
    assert rows and all(r.kind in {"req", "acc", "forbid"} for r in rows)
    assert rows[0].doc == DOC_A and rows[0].predicates == ("partnerOf", "cooperatesWith")
    assert any(r.kind == "forbid" for r in rows)
    assert aliases["South Korea"].type == "Country"
    assert {"seoul", "south korea"} <= aliases["South Korea"].forms
    # Every gold name is a canonical name of the aliases.
    assert {n for r in rows for n in r.names()} <= set(aliases)


def test_load_gold_rejects_unknown_relation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown relation"):
        gold(tmp_path, f"{DOC_A}\treq\tJapan\tlikes\tNATO\tx")


def test_evidence_with_quotes_is_kept(tmp_path: Path) -> None:
    [row] = gold(tmp_path, f'{DOC_A}\tacc\tRussia\tcooperatesWith\tChina\t"new level" ties')
    assert row.evidence == '"new level" ties'


# --- scoring ---------------------------------------------------------------------------------


@needs_gold
def test_perfect_graph_scores_one() -> None:
    rows = load_gold(GOLD_DIR / "dev.tsv")
    aliases = load_aliases(GOLD_DIR / "aliases.tsv")
    maker = GraphMaker()
    for row in rows:
        if row.kind != "forbid":
            s, o = maker.node_for(row.subjects[0]), maker.node_for(row.objects[0])
            maker.relate(s, row.predicates[0], o, doc=row.doc, sentence=row.evidence)
    report = evaluate(maker.graph, rows, aliases)
    assert (report.precision, report.recall, report.f1) == (1.0, 1.0, 1.0)
    assert report.forbidden == []
    assert len(report.docs) == 3
    # One node per canonical name (names only in later alternatives have none).
    for d in report.docs:
        assert all(n <= 1 for n in d.nodes_per_entity.values())


def test_wrong_direction_does_not_match(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tJapan sanctions Russia")
    maker = GraphMaker()
    maker.relate(maker.entity("Russia"), "sanctions", maker.entity("Japan"))
    report = evaluate(maker.graph, rows, aliases, doc=DOC_A)
    assert (report.precision, report.recall) == (0.0, 0.0)
    assert [str(r) for r in report.docs[0].unexpected] == ["Russia sanctions Japan"]
    assert report.docs[0].missed == rows


@pytest.mark.parametrize("predicate", ["partnerOf", "agreesWith"])
def test_symmetric_relation_matches_in_reverse(
    tmp_path: Path, aliases: Aliases, predicate: str
) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tNATO\t{predicate}\tJapan\tx")
    maker = GraphMaker()
    maker.relate(maker.entity("Japan"), predicate, maker.entity("NATO"))
    report = evaluate(maker.graph, rows, aliases)
    assert (report.precision, report.recall) == (1.0, 1.0)


def test_symmetry_is_per_predicate(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\tacc\tSouth Korea\tsuppliesWeaponsTo|cooperatesWith\tPoland\tx")
    maker = GraphMaker()
    korea, poland = maker.entity("South Korea"), maker.entity("Poland")
    maker.relate(poland, "cooperatesWith", korea)  # symmetric: matches reversed
    maker.relate(poland, "suppliesWeaponsTo", korea)  # not symmetric: wrong way round
    report = evaluate(maker.graph, rows, aliases)
    assert report.correct == 1
    assert [r.predicate for r in report.docs[0].unexpected] == ["suppliesWeaponsTo"]


def test_alias_label_maps_to_canonical(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJens Stoltenberg\turges\tSouth Korea\tx")
    maker = GraphMaker()
    maker.relate(maker.entity("NATO’s Stoltenberg"), "urges", maker.entity("SEOUL"))
    report = evaluate(maker.graph, rows, aliases)
    assert report.recall == 1.0
    assert str(report.docs[0].produced[0]) == "Jens Stoltenberg urges South Korea"


def test_label_breaks_ties_between_canonicals(tmp_path: Path, aliases: Aliases) -> None:
    # "Korea" is a South Korea form; a North Korea node carrying it still maps by its label.
    rows = gold(tmp_path, f"{DOC_A}\treq\tNorth Korea\tthreatens\tJapan\tx")
    maker = GraphMaker()
    maker.relate(maker.entity("North Korea", "Korea"), "threatens", maker.entity("Japan"))
    assert evaluate(maker.graph, rows, aliases).recall == 1.0


def test_unmapped_entity_counts_against_precision(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tRussia\tthreatens\tJapan\tx")
    maker = GraphMaker()
    maker.relate(maker.entity("Russia"), "threatens", maker.entity("Japan"))
    maker.relate(maker.entity("Russia"), "threatens", maker.entity("Atlantis"), sentence="S.")
    report = evaluate(maker.graph, rows, aliases)
    assert report.precision == 0.5
    assert "Russia threatens 'Atlantis' (unmapped)" in format_report(report)


@needs_gold
def test_forbidden_reading_is_reported() -> None:
    rows = load_gold(GOLD_DIR / "dev.tsv")
    aliases = load_aliases(GOLD_DIR / "aliases.tsv")
    maker = GraphMaker()
    sentence = "He said China was not our adversary."
    maker.relate(maker.entity("Beijing"), "threatens", maker.entity("NATO"), DOC_C, sentence)
    report = evaluate(maker.graph, rows, aliases, doc=DOC_C)
    [(relation, row)] = report.forbidden
    assert str(relation) == "China threatens NATO" and row.kind == "forbid"
    assert report.precision == 0.0
    text = format_report(report)
    assert "forbidden 1" in text and f'FORBIDDEN  China threatens NATO  — "{sentence}"' in text


def test_two_nodes_for_one_entity_are_reported(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(
        tmp_path,
        f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx",
        f"{DOC_A}\tacc\tJapan\tpartnerOf\tNATO\tx",
    )
    maker = GraphMaker()
    maker.relate(maker.entity("Japan"), "sanctions", maker.entity("Russia"))
    maker.relate(maker.entity("Tokyo"), "partnerOf", maker.entity("NATO"))
    report = evaluate(maker.graph, rows, aliases)
    assert report.docs[0].nodes_per_entity == {"Japan": 2, "NATO": 1, "Russia": 1}
    assert "nodes per gold entity (ideal 1): Japan 2" in format_report(report)


def test_mentioned_entity_counts_as_a_node(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx")
    maker = GraphMaker()
    maker.graph.add((ART[DOC_A], URIRef("https://schema.org/mentions"), maker.entity("Moscow")))
    report = evaluate(maker.graph, rows, aliases)
    assert report.docs[0].nodes_per_entity == {"Japan": 0, "Russia": 1}


def test_visit_row_matches_visit_event(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(
        tmp_path,
        f"{DOC_A}\treq\tNorth Korea\tcondemns|criticizes\tvisit:Jens Stoltenberg|NATO\tx",
    )
    maker = GraphMaker()
    stoltenberg, pyongyang = maker.entity("Stoltenberg"), maker.entity("Pyongyang")
    meeting = maker.event(GEO.Meeting, "talks in Tokyo", stoltenberg)
    maker.relate(pyongyang, "condemns", meeting)
    assert evaluate(maker.graph, rows, aliases).recall == 0.0  # a meeting is not a visit

    visit = maker.event(GEO.Visit, "Stoltenberg in Seoul", stoltenberg)
    maker.relate(pyongyang, "condemns", visit)
    report = evaluate(maker.graph, rows, aliases)
    assert report.recall == 1.0 and report.correct == 1
    # An event of another type that is labelled as a visit matches too.
    maker2 = GraphMaker()
    tour = maker2.event(GEO.Event, "Stoltenberg's visits to Asia", maker2.entity("Stoltenberg"))
    maker2.relate(maker2.entity("North Korea"), "criticizes", tour)
    assert evaluate(maker2.graph, rows, aliases).recall == 1.0


def test_doc_filter_ignores_other_documents(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(
        tmp_path,
        f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx",
        f"{DOC_C}\treq\tRussia\tthreatens\tJapan\tx",
    )
    maker = GraphMaker()
    japan, russia = maker.entity("Japan"), maker.entity("Russia")
    maker.relate(japan, "sanctions", russia, doc=DOC_C)  # true elsewhere, not in DOC_A
    maker.relate(russia, "threatens", japan, doc=DOC_C)
    report = evaluate(maker.graph, rows, aliases, doc=DOC_A)
    assert [d.doc for d in report.docs] == [DOC_A]
    assert report.produced == 0 and report.recall == 0.0
    overall = evaluate(maker.graph, rows, aliases)
    assert (overall.req_matched, overall.req_total) == (1, 2)
    assert (overall.correct, overall.produced) == (1, 2)  # DOC_C's sanctions is unexpected


def test_unknown_doc_is_an_error(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx")
    with pytest.raises(ValueError, match="No gold rows"):
        evaluate(Graph(), rows, aliases, doc="999_unknown")


def test_reified_statement_alone_is_not_a_relation(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx")
    maker = GraphMaker()
    maker.relate(maker.entity("Japan"), "sanctions", maker.entity("Russia"), assert_triple=False)
    assert evaluate(maker.graph, rows, aliases).produced == 0


def test_duplicate_evidence_counts_once(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(tmp_path, f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tx")
    maker = GraphMaker()
    japan, russia = maker.entity("Japan"), maker.entity("Russia")
    maker.relate(japan, "sanctions", russia, sentence="First.")
    maker.relate(japan, "sanctions", russia, sentence="Second.")
    report = evaluate(maker.graph, rows, aliases)
    assert report.produced == 1
    assert report.docs[0].produced[0].sentences == ("First.", "Second.")


def test_format_report_layout(tmp_path: Path, aliases: Aliases) -> None:
    rows = gold(
        tmp_path,
        f"{DOC_A}\treq\tJapan\tsanctions\tRussia\tTokyo imposed sanctions",
        f"{DOC_A}\treq\tRussia\tthreatens\tJapan\tthreat",
    )
    maker = GraphMaker()
    japan, russia = maker.entity("Japan"), maker.entity("Russia")
    maker.relate(japan, "sanctions", russia)
    maker.relate(japan, "praises", russia, sentence="Japan thanked Russia.")
    text = format_report(evaluate(maker.graph, rows, aliases))
    lines = text.splitlines()
    assert lines[0].startswith(f"{DOC_A}: precision 0.500 (1/2)  recall 0.500 (1/2)  F1 0.500")
    assert '  missed     Russia threatens Japan  — gold: "threat"' in lines
    assert '  unexpected Japan praises Russia  — "Japan thanked Russia."' in lines
    assert lines[-1].startswith("overall (1 doc): precision 0.500")
