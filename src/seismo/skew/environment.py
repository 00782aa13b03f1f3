"""Environment skew: the training and the serving process run on different software or hardware.

:func:`capture` records the running environment as one JSON-able dict (``seismo env capture >
env.json``): the Python version, every installed distribution and its version, the platform,
the CPU's instruction-set features and, when given, the SHA-256 of the model file. :func:`diff`
compares two captures (reference = where the model was trained, current = where it serves) and
returns a :class:`~seismo.report.model.Finding` (failure mode ``training_serving_skew``) for each
difference that can change predictions. Nothing here touches the network.

Severity policy
---------------
=====================================================  ==========================================
difference                                             severity
=====================================================  ==========================================
model file hash differs                                critical
model hashed on one side only                          medium
ML/numeric library (:data:`ML_PACKAGES`) major change  high
ML/numeric library minor change                        medium
ML/numeric library patch change                        low
ML/numeric library build change (``+cu121``/``+cpu``)  medium
ML/numeric library installed on one side only          high
ML/numeric library unparseable, different version      medium
other package major or minor change                    low
other package patch/build change, added or removed     no finding (noise)
Python major or minor change, or implementation        high
Python patch change                                    low
platform ``system`` or ``machine`` change              medium
an important CPU feature (:data:`IMPORTANT_CPU_FEATURES`)
present on one side only                               low
=====================================================  ==========================================

Two captures of one environment give no finding. Sections absent from either side (an older or
hand-written file) are skipped; CPU features are compared only when both sides list some (an
empty list means "not known", e.g. outside Linux). Platform ``release`` (the kernel version) is
recorded but not compared.

Each finding's evidence holds ``reference``, ``current`` and ``change`` (``major``, ``minor``,
``patch``, ``build``, ``missing``, ``unknown``, ``implementation``, ``hash``, ``system``,
``machine`` or ``features``), and its id is stable: ``skew.environment.package:numpy``,
``skew.environment.python``, ``skew.environment.model``, ``skew.environment.platform``,
``skew.environment.cpu``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity, sort_findings

try:
    from packaging.version import InvalidVersion as _InvalidVersion
    from packaging.version import Version as _Version
except ImportError:  # pragma: no cover - packaging is nearly always there, but not a dependency
    _Version = None  # type: ignore[assignment,misc]
    _InvalidVersion = ValueError  # type: ignore[assignment,misc]

__all__ = [
    "FORMAT_VERSION",
    "IMPORTANT_CPU_FEATURES",
    "ML_PACKAGES",
    "capture",
    "diff",
    "load_env",
    "normalize_name",
    "version_change",
]

FORMAT_VERSION = 1
"""The ``format_version`` that :func:`capture` writes and :func:`load_env` accepts."""

SKEW = FailureMode.TRAINING_SERVING_SKEW
_CHECK = "skew.environment"


def normalize_name(name: str) -> str:
    """A distribution name in its PEP 503 normal form (lower case, runs of ``-_.`` as one ``-``).

    >>> normalize_name("Scikit_Learn"), normalize_name("sentence.transformers")
    ('scikit-learn', 'sentence-transformers')
    """
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


ML_PACKAGES: frozenset[str] = frozenset(normalize_name(n) for n in (
    # arrays, tables and numerics
    "numpy", "scipy", "pandas", "polars", "pyarrow", "numba", "llvmlite", "numexpr", "bottleneck",
    "statsmodels", "patsy", "mkl", "scipy-openblas32", "scipy-openblas64",
    # classical ML and boosting
    "scikit-learn", "xgboost", "lightgbm", "catboost", "imbalanced-learn", "river", "prophet",
    # deep learning and inference runtimes
    "torch", "torchvision", "torchaudio", "triton", "lightning", "pytorch-lightning",
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-keras", "keras", "jax", "jaxlib", "flax", "optax",
    "onnx", "onnxruntime", "onnxruntime-gpu", "openvino", "tensorrt",
    # NLP / embeddings
    "transformers", "tokenizers", "sentencepiece", "sentence-transformers", "safetensors", "accelerate",
    "peft", "spacy", "gensim", "tiktoken",
))
"""Libraries whose version can change a model's numbers (PEP 503 names). Their changes are graded
major -> high, minor -> medium, patch -> low; any other package's major/minor change is low."""

#: Instruction-set extensions kept from ``/proc/cpuinfo``: the ones that decide which kernels
#: BLAS, oneDNN, XLA, ONNX Runtime and numpy's SIMD dispatch use (speed, and the last bits of results).
CPU_FEATURES: tuple[str, ...] = (
    # x86
    "sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "fma", "f16c", "bmi2",
    "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
    "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
    # ARM
    "neon", "asimd", "asimdhp", "asimddp", "fphp", "sve", "sve2", "i8mm", "bf16", "sme",
)

IMPORTANT_CPU_FEATURES: tuple[str, ...] = ("avx2", "avx512f", "fma")
"""CPU features whose absence on one side is reported (low): libraries pick other kernels."""

_MACHINE_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "i686": "x86", "i386": "x86"}
_CHUNK = 1 << 20


# --------------------------------------------------------------------------------------------
# capture


def capture(model: str | Path | None = None) -> dict[str, Any]:
    """Record the running environment.

    Parameters
    ----------
    model
        A model file to fingerprint (SHA-256, read in chunks), or ``None``.

    Returns
    -------
    dict
        ``{"format_version": 1, "captured_at": ISO UTC, "python": {"version", "implementation"},
        "platform": {"system", "release", "machine"}, "cpu": {"count", "features"},
        "packages": {name: version}, "model": {"path", "sha256", "bytes"} | None}``; package names
        are PEP 503 normalised and sorted.

    Raises
    ------
    InputError
        The model file does not exist or cannot be read.
    """
    return {
        "format_version": FORMAT_VERSION,
        "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine()},
        "cpu": {"count": os.cpu_count(), "features": cpu_features()},
        "packages": installed_packages(),
        "model": hash_model(model) if model is not None else None,
    }


def installed_packages() -> dict[str, str]:
    """Installed distributions as ``{PEP 503 name: version}``, sorted by name.

    When a name is installed twice on ``sys.path``, the first one (the one ``import`` finds) wins;
    distributions with broken metadata (no name or version) are skipped.
    """
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        try:
            name, version = dist.metadata["Name"], dist.version
        except Exception:  # noqa: BLE001, S112 - a broken install must not break the capture
            continue
        if not name or not version:
            continue
        found.setdefault(normalize_name(str(name)), str(version))
    return dict(sorted(found.items()))


def cpu_features(cpuinfo: str | Path = "/proc/cpuinfo") -> list[str]:
    """The :data:`CPU_FEATURES` this CPU has, from the ``flags`` (x86) or ``Features`` (ARM) line
    of ``/proc/cpuinfo``; an empty list where that file is absent or unreadable (not Linux)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return parse_cpu_flags(text)


def parse_cpu_flags(text: str) -> list[str]:
    """The :data:`CPU_FEATURES` named in the first ``flags``/``Features`` line of cpuinfo text.

    >>> parse_cpu_flags("processor : 0\\nflags : fpu sse2 avx avx2 fma hypervisor\\n")
    ['sse2', 'avx', 'avx2', 'fma']
    """
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("flags", "features"):
            have = set(value.split())
            return [f for f in CPU_FEATURES if f in have]
    return []


def hash_model(model: str | Path) -> dict[str, Any]:
    """``{"path", "sha256", "bytes"}`` of a model file, read in 1 MiB chunks.

    Raises
    ------
    InputError
        The file does not exist, is a directory, or cannot be read.
    """
    path = Path(model)
    if not path.exists():
        raise InputError(f"model file not found: {path}")
    if path.is_dir():
        raise InputError(f"model path is a directory, not a file: {path}")
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    return {"path": str(path), "sha256": digest.hexdigest(), "bytes": size}


# --------------------------------------------------------------------------------------------
# load and validate


def load_env(path: str | Path) -> dict[str, Any]:
    """Read and validate an environment file written by :func:`capture`.

    Parameters
    ----------
    path
        The JSON file.

    Returns
    -------
    dict
        The environment, with package names PEP 503 normalised.

    Raises
    ------
    InputError
        The file is missing or unreadable, is not JSON, or does not have the shape of a capture;
        the message names the file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"environment file not found: {p}")
    if p.is_dir():
        raise InputError(f"environment path is a directory, not a file: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file (expected the JSON of 'seismo env capture')") from None
    except OSError as exc:
        raise InputError(f"cannot read environment file {p}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    return validate_env(data, source=str(p))


def validate_env(data: Any, source: str = "environment") -> dict[str, Any]:
    """Check that ``data`` has the shape of a capture and return a copy with normalised package names.

    Required: ``format_version`` 1, ``python.version`` and ``packages`` (name to version strings).
    ``platform``, ``cpu`` and ``model`` may be absent or ``null``, and are checked when present.

    Raises
    ------
    InputError
        Naming ``source`` and the offending key.
    """
    def bad(what: str) -> InputError:
        return InputError(f"{source}: not an environment capture ({what}); create one with 'seismo env capture'")

    if not isinstance(data, Mapping):
        raise bad(f"expected a JSON object, got {_json_type(data)}")
    version = data.get("format_version")
    if version is None:
        raise bad("no 'format_version'")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise InputError(f"{source}: unsupported format_version {version!r} (this seismo reads {FORMAT_VERSION})")
    out = dict(data)
    python = data.get("python")
    if not isinstance(python, Mapping) or not isinstance(python.get("version"), str):
        raise bad("'python' must be an object with a 'version' string")
    packages = data.get("packages")
    if not isinstance(packages, Mapping):
        raise bad(f"'packages' must be an object of name to version, got {_json_type(packages)}")
    normal: dict[str, str] = {}
    for name, ver in packages.items():
        if not isinstance(ver, str):
            raise bad(f"the version of package {name!r} must be a string, got {_json_type(ver)}")
        normal.setdefault(normalize_name(str(name)), ver)
    out["packages"] = normal
    for key in ("platform", "cpu", "model"):
        value = data.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise bad(f"'{key}' must be an object or null, got {_json_type(value)}")
    cpu = data.get("cpu")
    if isinstance(cpu, Mapping) and cpu.get("features") is not None:
        feats = cpu["features"]
        if not isinstance(feats, list) or not all(isinstance(f, str) for f in feats):
            raise bad("'cpu.features' must be a list of strings")
    model = data.get("model")
    if isinstance(model, Mapping) and not isinstance(model.get("sha256"), str):
        raise bad("'model' must hold a 'sha256' string")
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# --------------------------------------------------------------------------------------------
# versions


def _release(version: str) -> tuple[tuple[int, ...] | None, str]:
    """The numeric release and the local (build) label of a version string."""
    if _Version is not None:
        try:
            v = _Version(version)
            return tuple(v.release), v.local or ""
        except _InvalidVersion:
            pass
    public, _, local = version.strip().partition("+")
    m = re.match(r"v?(\d+(?:\.\d+)*)", public.strip(), re.IGNORECASE)
    return (tuple(int(p) for p in m.group(1).split(".")) if m else None), local


def _newer(reference: str, current: str) -> bool | None:
    """Whether ``current`` is later than ``reference`` (None when that cannot be told)."""
    if _Version is not None:
        try:
            return bool(_Version(current) > _Version(reference))
        except _InvalidVersion:
            pass
    a, b = _release(reference)[0], _release(current)[0]
    if a is None or b is None or a == b:
        return None
    return b > a


def version_change(reference: str, current: str) -> str:
    """How two version strings differ: ``none``, ``major``, ``minor``, ``patch``, ``build`` (only
    the local label, e.g. ``+cu121`` vs ``+cpu``) or ``unknown`` (not parseable, and different).

    Uses :mod:`packaging` (PEP 440) when importable, else the leading numeric release segment.
    Anything below minor (micro, pre-, post- and dev-releases) counts as ``patch``.

    >>> [version_change("2.4.6", v) for v in ("2.4.6", "2.5.0", "3.0", "2.4.7", "2.4.6+cu121")]
    ['none', 'minor', 'major', 'patch', 'build']
    >>> version_change("1.0", "1.0.0"), version_change("abc", "xyz")
    ('none', 'unknown')
    """
    if reference.strip() == current.strip():
        return "none"
    if _Version is not None:
        try:
            if _Version(reference) == _Version(current):
                return "none"
        except _InvalidVersion:
            pass
    (ra, la), (rb, lb) = _release(reference), _release(current)
    if ra is None or rb is None:
        return "unknown"
    ra, rb = ra + (0,) * (3 - len(ra)), rb + (0,) * (3 - len(rb))
    if ra[0] != rb[0]:
        return "major"
    if ra[1] != rb[1]:
        return "minor"
    if ra == rb and la != lb:
        return "build"
    return "patch"


def _direction(reference: str, current: str) -> str:
    newer = _newer(reference, current)
    return "different" if newer is None else "upgrade" if newer else "downgrade"


# --------------------------------------------------------------------------------------------
# diff


def diff(reference: Mapping[str, Any], current: Mapping[str, Any]) -> list[Finding]:
    """The differences between two environments that can change a model's behaviour.

    Parameters
    ----------
    reference
        The training environment (a :func:`capture` or :func:`load_env` result).
    current
        The serving environment.

    Returns
    -------
    list of Finding
        Failure mode ``training_serving_skew``, most severe first; empty when nothing that
        matters differs (see the module docstring for the severity policy).

    Raises
    ------
    InputError
        Either side does not have the shape of a capture.
    """
    a = validate_env(reference, "reference environment")
    b = validate_env(current, "current environment")
    out = [*_model(a.get("model"), b.get("model")), *_python(a["python"], b["python"]),
           *_platform(a.get("platform"), b.get("platform")), *_cpu(a.get("cpu"), b.get("cpu")),
           *_packages(a["packages"], b["packages"])]
    return sort_findings(out)


def _finding(check: str, severity: Severity, message: str, evidence: dict[str, Any], rec: str,
             key: str = "") -> Finding:
    name = f"{_CHECK}.{check}"
    return Finding(check=name, failure_mode=SKEW, severity=severity, message=message, evidence=evidence,
                   recommendation=rec, id=f"{name}:{key}" if key else name)


def _model(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Finding]:
    if a is None and b is None:
        return []
    if a is None or b is None:
        side, other = ("current", "reference") if a is None else ("reference", "current")
        return [_finding(
            "model", Severity.MEDIUM, f"the model file was hashed in the {other} environment only; "
            "it cannot be checked that both run the same model",
            {"reference": a.get("sha256") if a else None, "current": b.get("sha256") if b else None,
             "change": "missing", "missing_in": side},
            f"Capture the {side} environment with --model pointing at the deployed model file.")]
    ha, hb = str(a["sha256"]).lower(), str(b["sha256"]).lower()
    if ha == hb:
        return []
    return [_finding(
        "model", Severity.CRITICAL,
        f"the model differs: sha256 {ha[:12]}... ({a.get('path')}) in the reference, {hb[:12]}... ({b.get('path')}) now",
        {"reference": ha, "current": hb, "change": "hash", "reference_path": a.get("path"),
         "current_path": b.get("path"), "reference_bytes": a.get("bytes"), "current_bytes": b.get("bytes")},
        f"Serving runs another model file than the one validated; redeploy the model with sha256 {ha} "
        "(or re-validate and re-capture the reference if the new model is intended).")]


def _python(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Finding]:
    va, vb = str(a["version"]), str(b["version"])
    ia, ib = a.get("implementation"), b.get("implementation")
    if ia and ib and str(ia).lower() != str(ib).lower():
        change, sev = "implementation", Severity.HIGH
        message = f"Python implementation changed: {ia} {va} -> {ib} {vb}"
    else:
        change = version_change(va, vb)
        if change == "none":
            return []
        sev = Severity.LOW if change in ("patch", "build") else Severity.HIGH
        message = f"Python {va} -> {vb} ({change} {_direction(va, vb)})"
    return [_finding(
        "python", sev, message,
        {"reference": va, "current": vb, "change": change, "reference_implementation": ia,
         "current_implementation": ib},
        f"Build the serving image on the training interpreter (Python {va}{f', {ia}' if ia else ''}); "
        "pickled models, hashing and library wheels depend on it.")]


def _machine(value: Any) -> str:
    text = str(value or "").strip().lower()
    return _MACHINE_ALIASES.get(text, text)


def _platform(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Finding]:
    if not a or not b:
        return []
    changed = [k for k in ("system", "machine")
               if a.get(k) and b.get(k) and
               (_machine(a[k]) != _machine(b[k]) if k == "machine" else str(a[k]).lower() != str(b[k]).lower())]
    if not changed:
        return []
    ref = {k: a.get(k) for k in ("system", "machine")}
    cur = {k: b.get(k) for k in ("system", "machine")}
    return [_finding(
        "platform", Severity.MEDIUM,
        "platform changed: " + ", ".join(f"{k} {a[k]} -> {b[k]}" for k in changed),
        {"reference": ref, "current": cur, "change": "+".join(changed)},
        "Numeric libraries ship different builds per OS and architecture, and results can differ in the "
        "last digits; validate the model on the serving platform, or train and serve on the same one.")]


def _cpu(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Finding]:
    fa = set(a.get("features") or ()) if a else set()
    fb = set(b.get("features") or ()) if b else set()
    if not fa or not fb:  # unknown on a side: nothing can be said
        return []
    lost = [f for f in IMPORTANT_CPU_FEATURES if f in fa and f not in fb]
    gained = [f for f in IMPORTANT_CPU_FEATURES if f in fb and f not in fa]
    if not lost and not gained:
        return []
    parts = ([f"serving lacks {', '.join(lost)}"] if lost else []) + \
            ([f"training lacked {', '.join(gained)}"] if gained else [])
    return [_finding(
        "cpu", Severity.LOW, "CPU features differ: " + "; ".join(parts),
        {"reference": sorted(f for f in fa if f in IMPORTANT_CPU_FEATURES),
         "current": sorted(f for f in fb if f in IMPORTANT_CPU_FEATURES), "change": "features",
         "missing_in_current": lost, "missing_in_reference": gained},
        "BLAS, oneDNN and numpy dispatch to other kernels on these CPUs: expect other speed and "
        "last-bit differences; benchmark and validate on the serving hardware.")]


_ML_SEVERITY = {"major": Severity.HIGH, "minor": Severity.MEDIUM, "patch": Severity.LOW,
                "build": Severity.MEDIUM, "unknown": Severity.MEDIUM}
_OTHER_SEVERITY = {"major": Severity.LOW, "minor": Severity.LOW, "unknown": Severity.LOW}


def _packages(a: Mapping[str, str], b: Mapping[str, str]) -> list[Finding]:
    out = []
    for name in sorted(set(a) | set(b)):
        ml = name in ML_PACKAGES
        va, vb = a.get(name), b.get(name)
        if va is None or vb is None:
            if not ml:  # training images carry notebooks and tools; serving adds its server: noise
                continue
            side = "current" if vb is None else "reference"
            present = va if vb is None else vb
            out.append(_finding(
                "package", Severity.HIGH,
                f"{name} {present} is installed in the {'reference' if vb is None else 'current'} "
                f"environment but not in the {side} one",
                {"reference": va, "current": vb, "change": "missing", "package": name, "ml_library": True},
                f"Install {name}=={present} in the {side} environment (pin it in the requirements or lock "
                "file) and rebuild the image.", name))
            continue
        change = version_change(va, vb)
        sev = (_ML_SEVERITY if ml else _OTHER_SEVERITY).get(change)
        if sev is None:
            continue
        direction = _direction(va, vb)
        what = "numeric/ML library" if ml else "package"
        out.append(_finding(
            "package", sev, f"{name} {va} -> {vb} ({change} {direction})",
            {"reference": va, "current": vb, "change": change, "direction": direction, "package": name,
             "ml_library": ml},
            f"Pin {name}=={va} in the serving requirements (or retrain and re-validate with {vb}) and rebuild "
            f"the image; a different {what} version can change defaults, numerics and how saved models load.",
            name))
    return out
