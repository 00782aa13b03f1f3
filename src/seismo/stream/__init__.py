"""Streaming drift detectors: one value (or one batch) at a time.

Every detector has ``update(x) -> bool`` (whether a drift is detected at ``x``),
``update_many(values) -> list[int]`` (the positions of the detections within a batch),
``reset()``, ``clone()`` and the read-only ``drift_detected``, ``n_seen`` and ``n_skipped``;
those with a warning zone (DDM, EDDM, HDDM_A, HDDM_W) also ``warning_detected`` and
``update_many_with_warnings``. Non-finite values are skipped and counted.

The binary detectors (DDM, EDDM, HDDMA, HDDMW, FHDDM) take bits: for the first four, 1 where
a model erred, and they detect a rise of the error rate; FHDDM detects a drop of the mean of
its bits, so it takes 1 where the model was right (as in its paper).

ADWIN, DDM, EDDM, HDDMA, HDDMW, FHDDM, PageHinkley and KSWIN (with an int ``seed``) make the
same decisions as river 0.26's detectors of the same names and parameters, at the same
positions; CUSUM is the classic tabular CUSUM. The sequential updates are compiled with
numba and run over whole batches.

>>> import numpy as np
>>> from seismo.stream import make_detector
>>> rng = np.random.default_rng(0)
>>> stream = np.concatenate([rng.normal(0, 1, 500), rng.normal(2, 1, 500)])
>>> detector = make_detector("adwin", {"delta": "0.001"})
>>> detector.update_many(stream)
[543]
"""

from seismo.stream._registry import DETECTORS, get_detector_class, make_detector
from seismo.stream.adwin import ADWIN
from seismo.stream.base import BinaryDriftDetector, DriftDetector, WarningMixin
from seismo.stream.cusum import CUSUM
from seismo.stream.ddm import DDM
from seismo.stream.eddm import EDDM
from seismo.stream.fhddm import FHDDM
from seismo.stream.hddm_a import HDDMA
from seismo.stream.hddm_w import HDDMW
from seismo.stream.kswin import KSWIN
from seismo.stream.page_hinkley import PageHinkley

__all__ = [
    "ADWIN",
    "CUSUM",
    "DDM",
    "DETECTORS",
    "EDDM",
    "FHDDM",
    "HDDMA",
    "HDDMW",
    "KSWIN",
    "BinaryDriftDetector",
    "DriftDetector",
    "PageHinkley",
    "WarningMixin",
    "get_detector_class",
    "make_detector",
]
