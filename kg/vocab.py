"""The geokg vocabulary as Python names: ``GEO.urges``, ``ENT["South_Korea"]``, ...

``GEO`` mirrors every term that ``ontology/geokg.ttl`` defines. It is a ``DefinedNamespace``, so a
misspelt term (``GEO.urge``) fails when the code runs instead of minting a new IRI without
warning; ``tests/test_ontology.py`` keeps the two in sync.
"""

from __future__ import annotations

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY = URIRef("https://w3id.org/geokg/ontology")
ENT = Namespace("https://w3id.org/geokg/id/")  # entities and events
ART = Namespace("https://w3id.org/geokg/article/")  # articles, by seed file stem
EVID = Namespace("https://w3id.org/geokg/evidence/")  # evidence nodes
BG = Namespace("https://w3id.org/geokg/background/")  # actor-dictionary facts
ACTOR_DICTIONARY = BG["actor-dictionary"]  # their source (the actor dictionary itself)
SUMMARY = Namespace("https://w3id.org/geokg/summary/")  # relation summaries (kg.summary)
SCHEMA = Namespace("https://schema.org/")


class GEO(DefinedNamespace):
    """Terms of the geokg ontology (``https://w3id.org/geokg/ontology#``)."""

    # Classes
    Target: URIRef  # what a relation may point at: an Actor or an Event
    Actor: URIRef
    Country: URIRef
    Organization: URIRef
    IntergovernmentalOrganization: URIRef
    ArmedGroup: URIRef
    Person: URIRef
    Event: URIRef
    Visit: URIRef
    Meeting: URIRef
    Attack: URIRef
    Agreement: URIRef
    BackgroundFact: URIRef
    Article: URIRef
    Evidence: URIRef
    RelationSummary: URIRef
    QuadClass: URIRef

    # Quad class individuals
    VerbalCooperation: URIRef
    MaterialCooperation: URIRef
    VerbalConflict: URIRef
    MaterialConflict: URIRef

    # Event-coding annotations on relation properties
    ploverEvent: URIRef
    cameoCode: URIRef
    quadClass: URIRef
    goldsteinScore: URIRef
    ploverScore: URIRef
    structural: URIRef
    quadNumber: URIRef

    # Relations: the abstract super-property and the 22 relations (order of RELATIONS)
    relation: URIRef
    memberOf: URIRef
    leaderOf: URIRef
    officialOf: URIRef
    allyOf: URIRef
    partnerOf: URIRef
    visits: URIRef
    meetsWith: URIRef
    cooperatesWith: URIRef
    agreesWith: URIRef
    supports: URIRef
    suppliesWeaponsTo: URIRef
    urges: URIRef
    praises: URIRef
    criticizes: URIRef
    condemns: URIRef
    warns: URIRef
    accuses: URIRef
    threatens: URIRef
    rejects: URIRef
    sanctions: URIRef
    invades: URIRef
    attacks: URIRef

    # Events
    agent: URIRef
    destination: URIRef
    participant: URIRef

    # Background facts (the actor dictionary)
    title: URIRef
    validFrom: URIRef
    validUntil: URIRef

    # Entity data
    isoCode: URIRef
    iso3Code: URIRef

    # Evidence nodes
    article: URIRef
    sentence: URIRef
    charStart: URIRef
    charEnd: URIRef
    modality: URIRef
    about: URIRef
    subjectState: URIRef
    objectState: URIRef
    speaker: URIRef
    confidence: URIRef
    rule: URIRef
    subjectText: URIRef
    objectText: URIRef
    isTeaser: URIRef

    # Relation summaries: the evidence of one relation triple, counted (kg.summary)
    summarySubject: URIRef
    summaryPredicate: URIRef
    summaryObject: URIRef
    sentenceCount: URIRef
    assertedCount: URIRef
    plannedCount: URIRef
    reportedCount: URIRef
    hypotheticalCount: URIRef
    articleCount: URIRef
    firstDate: URIRef
    latestDate: URIRef
    hasEvidence: URIRef

    # Articles
    inputPath: URIRef
    contentHash: URIRef

    _NS = Namespace("https://w3id.org/geokg/ontology#")
    _fail = True


RELATIONS: tuple[str, ...] = (
    "memberOf",
    "leaderOf",
    "officialOf",
    "allyOf",
    "partnerOf",
    "visits",
    "meetsWith",
    "cooperatesWith",
    "agreesWith",
    "supports",
    "suppliesWeaponsTo",
    "urges",
    "praises",
    "criticizes",
    "condemns",
    "warns",
    "accuses",
    "threatens",
    "rejects",
    "sanctions",
    "invades",
    "attacks",
)
"""Local names of the 22 relation properties."""

SYMMETRIC: frozenset[str] = frozenset(
    {"allyOf", "partnerOf", "meetsWith", "cooperatesWith", "agreesWith"}
)
"""Relations declared ``owl:SymmetricProperty``: ``A p B`` states ``B p A`` too."""

MODALITIES: tuple[str, ...] = ("asserted", "planned", "reported", "hypothetical")
"""The values of ``geo:modality``, in the order summaries count them."""

_PREFIXES: dict[str, Namespace] = {
    "geo": GEO._NS,
    "ent": ENT,
    "art": ART,
    "evid": EVID,
    "bg": BG,
    "summary": SUMMARY,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "xsd": Namespace(str(XSD)),
    "schema": SCHEMA,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` and return it (for chaining).

    rdflib binds ``geo:`` to GeoSPARQL by default; ``replace=True`` makes ours win.
    """
    for prefix, namespace in _PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
