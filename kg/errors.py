"""Every error whichmodel raises on purpose, in one tree. The CLI prints these (and only these) as
one clean line; the HTTP boundary (app.http) maps them to status codes; nothing below app knows HTTP.

    WhichModelError                  caused by input the user controls; names file:line where it can
    ├── CorpusError                  a source document or its metadata cannot be read or normalised
    ├── ClaimError                   a claims file is malformed, names something unknown, misquotes
    ├── OntologyError                the vocabulary or shapes cannot be parsed
    ├── ValidationFailed             the built graph violates the SHACL shapes
    ├── BuildMissing                 the build is missing, unreadable or corrupt
    ├── BuildWriteError              the build cannot be written (disk full); the previous one stands
    ├── EmbeddingModelError          the packaged embedding model cannot be loaded or misbehaves
    ├── QuestionError                a question (or --task / --priority) is empty, too long, unusable
    ├── QueryError                   a SPARQL query is malformed
    │   ├── QueryRefused             it asks for what a read-only, offline store will not do
    │   ├── QueryTooLarge            its text is over the size limit
    │   ├── QueryTimeout             it ran past its time limit
    │   └── QueryResources           it needed more memory than it is allowed
    ├── ProtocolError                an HTTP request breaks the SPARQL 1.1 Protocol
    │   (ProtocolError carries the status the protocol prescribes: 400, 403, 406, 413, 415)
    ├── StoreUnavailable             a remote SPARQL server is unreachable, refuses us, times out or fails
    ├── ExportError                  an export names an unknown view, family or format, or cannot be written
    ├── IngestError                  a document cannot be ingested (empty, binary, too large, another language,
    │                                already ingested, no text layer), or a review or removal names nothing known
    └── LLMUnavailable               the optional LLM server is down, slow, or replied with garbage
"""
from __future__ import annotations


class WhichModelError(Exception):
    """Base class for every error caused by input the user controls."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class CorpusError(WhichModelError):
    """A source document or its metadata cannot be read or normalised."""


class ClaimError(WhichModelError):
    """A claims file is malformed, or a claim names something unknown or misquotes its source."""


class OntologyError(WhichModelError):
    """The vocabulary or shapes cannot be parsed."""


class ValidationFailed(WhichModelError):
    """The built graph violates the SHACL shapes."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class BuildMissing(WhichModelError):
    """The built graph is missing or unreadable."""


class BuildWriteError(WhichModelError):
    """The build's outputs cannot be written (disk full, permissions); the previous build stands."""


class EmbeddingModelError(WhichModelError):
    """The embedding model cannot be loaded or gives unusable vectors."""


class QuestionError(WhichModelError):
    """A question is empty, too long or otherwise unusable."""


class QueryError(WhichModelError):
    """A SPARQL query is malformed; `position` is the character offset of the problem when known."""

    def __init__(self, message: str, *, position: int | None = None):
        super().__init__(message)
        self.position = position


class QueryRefused(QueryError):
    """A query asks for something the read-only, offline store will not do."""


class QueryTooLarge(QueryError):
    """A query's text is longer than the limit."""


class QueryTimeout(QueryError):
    """A query ran past its time limit."""


class QueryResources(QueryError):
    """A query needed more memory than it is allowed."""


class ProtocolError(WhichModelError):
    """An HTTP request breaks the SPARQL 1.1 Protocol; `status` is the code the protocol prescribes."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class StoreUnavailable(WhichModelError):
    """A remote SPARQL server cannot be used: a bad URL, the server down, credentials refused, a timeout, an
    error reply, or no complete published build on it."""


class ExportError(WhichModelError):
    """An export request names an unknown view, family or format, or cannot be written."""


class IngestError(WhichModelError):
    """A document cannot be ingested, or a review or removal names no ingested document or candidate."""


class LLMUnavailable(WhichModelError):
    """The LLM server cannot be used for this answer (down, slow, bad reply)."""


__all__ = ["WhichModelError", "CorpusError", "ClaimError", "OntologyError", "ValidationFailed", "BuildMissing",
           "BuildWriteError", "EmbeddingModelError", "QuestionError", "QueryError", "QueryRefused",
           "QueryTooLarge", "QueryTimeout", "QueryResources", "ProtocolError", "StoreUnavailable",
           "ExportError", "IngestError", "LLMUnavailable"]
