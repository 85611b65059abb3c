"""Relation extraction: from a linked spaCy ``Doc`` to :class:`~kg.records.Relation` records.

One module per family of the extractor:

- :mod:`~kg.extract.lexicon`: the trigger lexicon and word lists (``ontology/lexicon/``);
- :mod:`~kg.extract.syntax`: small walks over the dependency parse;
- :mod:`~kg.extract.arguments`: the entities behind tokens, subjects, objects;
- :mod:`~kg.extract.roles`: roles from titles, visits from where an official speaks;
- :mod:`~kg.extract.relations`: the spaCy component that applies the triggers.
"""

from kg.extract.relations import RelationExtractor, extract_relations

__all__ = ["RelationExtractor", "extract_relations"]
