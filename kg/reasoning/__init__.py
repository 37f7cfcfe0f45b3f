"""From a person's words to a typed Answer: the index over the graph, embeddings and the matcher, needs,
scoring, and recommend, which returns kg.reasoning.answer.Answer."""
__all__ = ["index", "embedding", "matcher", "needs", "scoring", "recommend", "answer"]
