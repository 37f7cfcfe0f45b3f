"""Errors a user can cause. The CLI turns these (and only these) into a clean message."""
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


class QueryError(WhichModelError):
    """A SPARQL query is malformed or refused."""

    def __init__(self, message: str, *, position: int | None = None, status: int = 400):
        super().__init__(message)
        self.position = position
        self.status = status


class QueryRefused(QueryError):
    """A query asks for something the read-only, offline store will not do."""

    def __init__(self, message: str, *, position: int | None = None, status: int = 403):
        super().__init__(message, position=position, status=status)


class QueryTimeout(QueryError):
    def __init__(self, message: str):
        super().__init__(message, status=503)


class QuestionError(WhichModelError):
    """A question is empty, too long or otherwise unusable."""


class BuildMissing(WhichModelError):
    """The built graph is missing or unreadable."""


class BuildWriteError(WhichModelError):
    """The build's outputs cannot be written (disk full, permissions); the previous build stands."""
