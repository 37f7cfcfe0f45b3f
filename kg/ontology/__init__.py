"""The vocabulary (ontology/*.ttl) as Python lookups (vocabulary) and the RDF namespaces (namespaces)."""
__all__ = ["namespaces", "vocabulary"]
