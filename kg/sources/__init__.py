"""The sources: the documents as received, normalised (corpus, markup, encoding), and the curated claims
read safely (yamlsafe), checked and located in them (claims), with what no claim cites (coverage)."""
__all__ = ["corpus", "markup", "encoding", "yamlsafe", "claims", "coverage"]
