"""The package version, apart from the package so that any module reads it without importing seismo."""

__version__ = "0.1.0"
