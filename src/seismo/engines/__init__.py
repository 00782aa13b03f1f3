"""Where profiles and samples are computed: behind one small protocol (:class:`Engine`).

:class:`LocalEngine` does it in this process with polars; a Spark engine will do it per
partition and merge on the driver, behind the same protocol, with no change to any check.
"""

from seismo.engines.base import Engine
from seismo.engines.local import LocalEngine

__all__ = ["Engine", "LocalEngine"]
