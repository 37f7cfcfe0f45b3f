"""The HTTP boundary's one table from whichmodel's errors (kg.errors) to status codes."""
from __future__ import annotations

from kg.errors import (
    ExportError,
    ProtocolError,
    QueryError,
    QueryRefused,
    QueryResources,
    QueryTimeout,
    QueryTooLarge,
    QuestionError,
    StoreUnavailable,
    WhichModelError,
)

# The most specific class that matches wins (the table is walked in this order).
STATUS = [(ProtocolError, None), (QueryRefused, 403), (QueryTooLarge, 413), (QueryTimeout, 503),
          (QueryResources, 503), (StoreUnavailable, 502), (QueryError, 400), (QuestionError, 400), (ExportError, 400),
          (WhichModelError, 500)]


def status_of(exc: WhichModelError) -> int:
    """The HTTP status for an error (a ProtocolError carries the one its protocol prescribes)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return exc.status if status is None else status
    return 500


__all__ = ["status_of", "STATUS"]
