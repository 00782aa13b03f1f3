"""Errors raised by seismo.

Every error a user can cause derives from :class:`SeismoError` and from the builtin that
fits it, so callers may catch either::

    SeismoError
    ├── InputError (ValueError)          bad data or bad arguments: says what and where
    │   ├── DataLoadError                a file or object that cannot be read as a table
    │   ├── SchemaError                  a schema that is malformed or does not match the data
    │   └── ProfileError                 profiles that cannot be merged or deserialised
    ├── NotFittedError (ValueError)      an estimator used before ``fit``
    └── MissingExtraError (ImportError)  an optional dependency is not installed

The CLI turns every ``SeismoError`` into one ``error: ...`` line and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "DataLoadError",
    "InputError",
    "MissingExtraError",
    "NotFittedError",
    "ProfileError",
    "SchemaError",
    "SeismoError",
]


class SeismoError(Exception):
    """Base class of every error seismo raises on purpose."""


class InputError(SeismoError, ValueError):
    """Input data or arguments that seismo cannot work with."""


class DataLoadError(InputError):
    """A path or object that cannot be loaded as a table."""


class SchemaError(InputError):
    """A schema file or object that is malformed or contradicts the data."""


class ProfileError(InputError):
    """Profiles that are malformed or cannot be merged."""


class NotFittedError(SeismoError, ValueError):
    """An estimator was used before it was fitted."""


class MissingExtraError(SeismoError, ImportError):
    """An optional dependency is missing; the message says which extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is not installed; install it with: pip install 'seismo[{extra}]'"
        )
        self.package = package
        self.extra = extra
