"""One RDF graph from the sources: assemble it, find conflicts, validate it (SHACL), view it in networkx,
and write it as a build (build, store)."""
__all__ = ["assemble", "conflicts", "validation", "network", "store", "build"]
