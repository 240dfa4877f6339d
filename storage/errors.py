"""The errors every store raises, whatever its database.

A caller's mistake (a naive datetime, a value JSON cannot hold, an over-long key) is a
ValueError, raised before anything is written; these are for what the caller did right but
could not happen.
"""

from __future__ import annotations


class StorageError(Exception):
    """Root of the storage layer's errors: the database failed or could not be reached (the
    original exception is chained for the log, with bound parameters hidden)."""


class ConcurrentUpdateError(StorageError):
    """Someone else saved the conversation since it was loaded: reload and try again."""


class DuplicateDeliveryError(StorageError):
    """The turn's delivery key was recorded before: this turn is a redelivery, already done."""
