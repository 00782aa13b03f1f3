"""The roles and kinds of a column: the vocabulary every layer reads (the schema, validation,
the profiles' readers), kept apart so that none of them imports another to name a kind."""

from __future__ import annotations

import enum

__all__ = ["Kind", "Role"]


class Role(enum.StrEnum):
    """What a column is for."""

    FEATURE = "feature"
    TARGET = "target"
    PREDICTION = "prediction"
    PROBABILITY = "probability"
    TIMESTAMP = "timestamp"
    ID = "id"
    GROUP = "group"
    USER = "user"
    ITEM = "item"
    RANK = "rank"
    WEIGHT = "weight"
    METADATA = "metadata"
    IGNORE = "ignore"


class Kind(enum.StrEnum):
    """What a column's values are."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"
