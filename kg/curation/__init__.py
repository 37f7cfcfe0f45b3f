"""Adding sources: propose candidate claims for a new document (vocabulary, embedding, the curated claims
as labelled examples), ingest, review, replace and remove documents."""
