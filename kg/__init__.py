"""geokg: build an RDF knowledge graph of geopolitical relations from news articles.

The flow is visible in the module layout::

    sources (read inputs) -> clean (article body + metadata) -> nlp (spaCy pipeline:
    sentences, entities) -> linking (canonical entities, coreference) -> relations
    (dependency patterns + lexicon) -> rdf (triples + evidence) -> cli (build, text, eval)
"""

__version__ = "0.1.0"
