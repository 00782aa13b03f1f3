"""HyperLogLog distinct-count sketch with stable 64-bit hashing.

The estimator is the one of Flajolet, Fusy, Gandouet and Meunier, "HyperLogLog: the
analysis of a near-optimal cardinality estimation algorithm" (AofA 2007), with the
small-range linear-counting correction. Following Heule, Nunkesser and Hall, "HyperLogLog
in practice" (EDBT 2013, "HLL++"), hashes are 64 bits wide, so no large-range correction is
needed, and small sets are kept *sparse*: while at most ``2**p // 8`` distinct hashes were
seen the sketch stores the sorted hashes themselves (same memory as the registers) and the
estimate is exact up to 64-bit hash collisions.

The state is a deterministic function of the *set* of hashes seen, so :meth:`merge`
(register-wise maximum, or union of the sparse hash sets) is exactly associative,
commutative and idempotent.

Hashing is stable across processes, platforms and versions (profiles are serialised and
merged later, possibly elsewhere):

* numbers: the float64 value with ``-0.0`` normalised to ``0.0``; integers with
  ``|x| < 2**53`` are first converted to float64 (so ``3`` and ``3.0`` hash alike), integral
  values with ``2**53 <= |x| < 2**63`` hash their int64 two's-complement bits instead
  (whether they came from an int or a float column), so large integer ids stay distinct;
  unsigned 64-bit integers ``x >= 2**63`` hash the float64 bits of ``x`` when ``x`` is exactly
  representable as a float64 (a multiple of ``2**11``, so it hashes like the equal float),
  else their own 64-bit pattern with a tag of their own (no int64 or float64 hashes alike);
  the 64 bits are then mixed with the splitmix64 finaliser;
* strings: FNV-1a (64 bit) over the UTF-8 bytes, then the splitmix64 finaliser.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from seismo.exceptions import ProfileError

try:  # an LLVM ctlz intrinsic; stable in numba for years but not public API
    from numba.cpython.unsafe.numbers import leading_zeros as _leading_zeros
except ImportError:  # pragma: no cover

    @numba.njit(cache=True, nogil=True)
    def _leading_zeros(w: np.uint64) -> int:
        n = 0
        while n < 64 and (w & np.uint64(0x8000000000000000)) == 0:
            w = w << np.uint64(1)
            n += 1
        return n

__all__ = ["HyperLogLog", "hash_numbers", "hash_strings"]

U64 = npt.NDArray[np.uint64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_INT_TAG = np.uint64(0xD1B54A32D192ED03)
_UINT_TAG = np.uint64(0x8CB92BA72F3D8DD7)
_U53 = np.uint64(1 << 53)
_U63 = np.uint64(1 << 63)
_LOW11 = np.uint64(0x7FF)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_TOP_BIT = np.uint64(0x8000000000000000)
_TWO53 = 2.0**53
_TWO63 = 2.0**63
_TWO53_INT = 2**53
_NO_HASHES = np.empty(0, dtype=np.uint64)
_NO_REGISTERS = np.empty(0, dtype=np.uint8)
_NO_INTS = np.empty(0, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _finalise(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser (uint64 arithmetic wraps)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))  # type: ignore[no-any-return]


@numba.njit(cache=True, nogil=True)
def _add_rank(registers: npt.NDArray[np.uint8], h: np.uint64, p: int) -> None:
    """Register index: the top ``p`` bits; rank: 1 + leading zeros of the other bits (a
    sentinel bit caps it at ``64 - p + 1``)."""
    idx = np.intp(h >> np.uint64(64 - p))
    w = (h << np.uint64(p)) | (np.uint64(1) << np.uint64(p - 1))
    rho = np.uint8(_leading_zeros(w) + 1)  # type: ignore[call-arg]
    registers[idx] = max(registers[idx], rho)


@numba.njit(cache=True, nogil=True)
def _number_kernel(
    floats: npt.NDArray[np.float64], ints: npt.NDArray[np.int64], use_ints: bool,
    out: U64, registers: npt.NDArray[np.uint8], p: int,
) -> None:
    """Hash each number into ``out`` (if not empty) and/or into ``registers`` (if not empty)."""
    bits = floats.view(np.uint64)
    for i in range(floats.shape[0]):
        v = floats[i]
        if use_ints:
            x = ints[i]
            big = x >= _TWO53_INT or x <= -_TWO53_INT
        else:
            big = (v >= _TWO53 or v <= -_TWO53) and -_TWO63 <= v < _TWO63
            x = np.int64(v) if big else np.int64(0)
        if big:
            z = np.uint64(x) + _INT_TAG
        elif v == 0.0:  # -0.0 hashes as 0.0
            z = _GOLDEN
        else:
            z = bits[i] + _GOLDEN
        h = _finalise(z)
        if out.shape[0]:
            out[i] = h
        if registers.shape[0]:
            _add_rank(registers, h, p)


@numba.njit(cache=True, nogil=True)
def _uint_kernel(
    floats: npt.NDArray[np.float64], ints: U64, out: U64, registers: npt.NDArray[np.uint8], p: int,
) -> None:
    """Like ``_number_kernel`` for uint64 values ``ints`` (``floats``: the same as float64)."""
    bits = floats.view(np.uint64)
    for i in range(ints.shape[0]):
        x = ints[i]
        if x < _U53 or (x >= _U63 and (x & _LOW11) == 0):  # exactly a float64: its bits
            z = bits[i] + _GOLDEN
        elif x < _U63:  # as the int64 of the same value
            z = x + _INT_TAG
        else:
            z = x + _UINT_TAG
        h = _finalise(z)
        if out.shape[0]:
            out[i] = h
        if registers.shape[0]:
            _add_rank(registers, h, p)


@numba.njit(cache=True, nogil=True)
def _string_kernel(
    offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8], out: U64,
    registers: npt.NDArray[np.uint8], p: int,
) -> None:
    """FNV-1a over each string's bytes, then the splitmix64 finaliser; like ``_number_kernel``."""
    for i in range(offsets.shape[0] - 1):
        h = _FNV_OFFSET
        for j in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[j])) * _FNV_PRIME
        h = _finalise(h + _GOLDEN)
        if out.shape[0]:
            out[i] = h
        if registers.shape[0]:
            _add_rank(registers, h, p)


@numba.njit(cache=True, nogil=True)
def _update_registers(registers: npt.NDArray[np.uint8], hashes: U64, p: int) -> None:
    for i in range(hashes.shape[0]):
        _add_rank(registers, hashes[i], p)


@numba.njit(cache=True, nogil=True)
def _segment_registers(registers: npt.NDArray[np.uint8], hashes: U64, lo: Any, hi: Any, p: int) -> None:
    for s in range(lo.shape[0]):
        _update_registers(registers[s], hashes[lo[s]:hi[s]], p)


def _number_inputs(values: npt.NDArray[Any]) -> tuple[Any, Any, bool]:
    if values.dtype.kind in "iu":
        ints = np.ascontiguousarray(values, dtype=np.int64)
        return ints.astype(np.float64), ints, True
    return np.ascontiguousarray(values, dtype=np.float64), _NO_INTS, False


def _hash_into(values: npt.NDArray[Any], out: U64, registers: npt.NDArray[np.uint8], p: int) -> None:
    """Hash finite numbers into ``out`` and/or ``registers`` (see the module docstring)."""
    if values.dtype == np.uint64:
        ints = np.ascontiguousarray(values)
        _uint_kernel(ints.astype(np.float64), ints, out, registers, p)
    else:
        floats, ints, use_ints = _number_inputs(values)
        _number_kernel(floats, ints, use_ints, out, registers, p)


def hash_numbers(values: npt.NDArray[Any]) -> U64:
    """Stable 64-bit hashes of finite numbers (float or integer array).

    Parameters
    ----------
    values : numpy.ndarray
        Finite float values, or integer values of any width (uint64 included). Not modified.

    Returns
    -------
    numpy.ndarray
        uint64 hashes, one per value.

    Examples
    --------
    >>> import numpy as np
    >>> h = hash_numbers(np.array([3.0, -0.0]))
    >>> bool(h[0] == hash_numbers(np.array([3], dtype=np.int64))[0])
    True
    >>> bool(h[1] == hash_numbers(np.array([0.0]))[0])
    True
    >>> u = hash_numbers(np.array([2**64 - 1, 2**64 - 2, 2**63], dtype=np.uint64))
    >>> len(set(u.tolist())), bool(u[2] == hash_numbers(np.array([2.0**63]))[0])
    (3, True)
    """
    out = np.empty(len(values), dtype=np.uint64)
    if len(out):
        _hash_into(values, out, _NO_REGISTERS, 4)
    return out


def _string_buffers(array: pa.Array | pa.ChunkedArray) -> tuple[Any, Any]:
    """Offsets (int64) and data (uint8) of the non-null values as large_string."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    if array.null_count:
        array = array.drop_null()
    n = len(array)
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.uint8)
    _, off_buf, data_buf = array.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64, count=n + 1, offset=array.offset * 8)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    return offsets, data


def hash_strings(array: pa.Array | pa.ChunkedArray) -> U64:
    """Stable 64-bit hashes of the non-null strings of an Arrow array.

    Parameters
    ----------
    array : pyarrow.Array or pyarrow.ChunkedArray
        string, large_string or string_view values; nulls are skipped.

    Returns
    -------
    numpy.ndarray
        uint64 hashes (FNV-1a over the UTF-8 bytes, then splitmix64), one per non-null value.

    Examples
    --------
    >>> import pyarrow as pa
    >>> h = hash_strings(pa.array(["a", None, "a"]))
    >>> len(h), bool(h[0] == h[1])
    (2, True)
    """
    offsets, data = _string_buffers(array)
    out = np.empty(len(offsets) - 1, dtype=np.uint64)
    if len(out):
        _string_kernel(offsets, data, out, _NO_REGISTERS, 4)
    return out


def _alpha(m: int) -> float:
    if m == 16:
        return 0.673
    if m == 32:
        return 0.697
    if m == 64:
        return 0.709
    return 0.7213 / (1.0 + 1.079 / m)


class HyperLogLog:
    """Distinct-count sketch with ``2**p`` uint8 registers (sparse while small).

    Parameters
    ----------
    p : int
        Precision, 4 <= p <= 18. The relative standard error is about ``1.04 / sqrt(2**p)``
        (1.6 % for the default ``p = 12``).

    Examples
    --------
    >>> import numpy as np
    >>> a = HyperLogLog.from_hashes(hash_numbers(np.arange(100.0)))
    >>> b = HyperLogLog.from_hashes(hash_numbers(np.arange(50.0, 150.0)))
    >>> a.merge(b).estimate()
    150.0
    >>> big = HyperLogLog.from_hashes(hash_numbers(np.arange(100_000.0)))
    >>> abs(big.estimate() / 100_000 - 1) < 3 * big.standard_error
    True
    """

    __slots__ = ("_hashes", "_registers", "p")

    def __init__(self, p: int = 12) -> None:
        if not 4 <= p <= 18:
            raise ProfileError(f"HyperLogLog precision p must be in [4, 18], got {p}")
        self.p = p
        self._hashes: U64 | None = np.empty(0, dtype=np.uint64)
        self._registers: npt.NDArray[np.uint8] | None = None

    @property
    def sparse_limit(self) -> int:
        """Most distinct hashes kept exactly before switching to registers."""
        return (1 << self.p) // 8

    @property
    def standard_error(self) -> float:
        """Relative standard error ``1.04 / sqrt(2**p)`` of the dense estimator."""
        return 1.04 / math.sqrt(1 << self.p)

    @property
    def is_sparse(self) -> bool:
        """True while the sketch stores the exact (sorted) set of hashes."""
        return self._hashes is not None

    @classmethod
    def _of(cls, p: int, hashes: U64 | None, registers: npt.NDArray[np.uint8] | None) -> HyperLogLog:
        out = cls.__new__(cls)
        out.p = p
        out._hashes = hashes
        out._registers = registers
        return out

    @classmethod
    def from_hashes(cls, hashes: U64, p: int = 12) -> HyperLogLog:
        """Sketch of the given uint64 hashes (duplicates allowed)."""
        limit = cls(p).sparse_limit
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        registers = None
        if len(hashes) > limit:
            registers = np.zeros(1 << p, dtype=np.uint8)
            _update_registers(registers, hashes, p)
            if np.count_nonzero(registers) > limit:
                return cls._of(p, None, registers)
        uniq = np.sort(hashes)
        if len(uniq) > 1:
            first = np.empty(len(uniq), dtype=bool)
            first[0] = True
            np.not_equal(uniq[1:], uniq[:-1], out=first[1:])
            uniq = uniq[first]
        if len(uniq) <= limit:
            return cls._of(p, uniq, None)
        if registers is None:
            registers = np.zeros(1 << p, dtype=np.uint8)
            _update_registers(registers, uniq, p)
        return cls._of(p, None, registers)

    @classmethod
    def from_segments(cls, hashes: U64, bounds: npt.NDArray[np.int64], p: int = 12) -> list[HyperLogLog]:
        """``[from_hashes(hashes[bounds[s]:bounds[s + 1]], p) for each s]``, with the registers of
        every large segment filled by one compiled pass."""
        limit = cls(p).sparse_limit
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        lengths = np.diff(bounds)
        big = np.flatnonzero(lengths > limit)
        out: list[HyperLogLog | None] = [None] * len(lengths)
        if len(big):
            registers = np.zeros((len(big), 1 << p), dtype=np.uint8)
            _segment_registers(registers, hashes, bounds[big], bounds[big + 1], p)
            full = np.count_nonzero(registers, axis=1) > limit
            for row in np.flatnonzero(full):
                out[int(big[row])] = cls._of(p, None, registers[row].copy())
        for s, sketch in enumerate(out):
            if sketch is None:
                out[s] = cls.from_hashes(hashes[bounds[s]:bounds[s + 1]], p)
        return out  # type: ignore[return-value]

    @classmethod
    def from_numbers(cls, values: npt.NDArray[Any], p: int = 12) -> HyperLogLog:
        """Sketch of finite numbers (see :func:`hash_numbers`); same as hashing them first."""
        limit = cls(p).sparse_limit
        if len(values) > limit:
            registers = np.zeros(1 << p, dtype=np.uint8)
            _hash_into(values, _NO_HASHES, registers, p)
            if np.count_nonzero(registers) > limit:
                return cls._of(p, None, registers)
        return cls.from_hashes(hash_numbers(values), p)

    @classmethod
    def from_strings(cls, array: pa.Array | pa.ChunkedArray, p: int = 12) -> HyperLogLog:
        """Sketch of the non-null strings of an Arrow array (see :func:`hash_strings`)."""
        limit = cls(p).sparse_limit
        offsets, data = _string_buffers(array)
        if len(offsets) - 1 > limit:
            registers = np.zeros(1 << p, dtype=np.uint8)
            _string_kernel(offsets, data, _NO_HASHES, registers, p)
            if np.count_nonzero(registers) > limit:
                return cls._of(p, None, registers)
        out = np.empty(len(offsets) - 1, dtype=np.uint64)
        if len(out):
            _string_kernel(offsets, data, out, _NO_REGISTERS, 4)
        return cls.from_hashes(out, p)

    def registers(self) -> npt.NDArray[np.uint8]:
        """The ``2**p`` registers (computed from the hashes while sparse); a copy."""
        if self._registers is not None:
            return self._registers.copy()
        registers = np.zeros(1 << self.p, dtype=np.uint8)
        assert self._hashes is not None
        _update_registers(registers, self._hashes, self.p)
        return registers

    def merge(self, other: HyperLogLog) -> HyperLogLog:
        """Sketch of the union; neither input is modified."""
        ra, rb = self._registers, other._registers
        if ra is not None and rb is not None and other.p == self.p:  # the common case, first
            out = HyperLogLog.__new__(HyperLogLog)
            out.p, out._hashes, out._registers = self.p, None, np.maximum(ra, rb)
            return out
        if other.p != self.p:
            raise ProfileError(f"cannot merge HyperLogLog sketches with p={self.p} and p={other.p}")
        ha, hb = self._hashes, other._hashes
        if ha is not None and hb is not None:
            if len(hb) == 0 or (len(ha) == len(hb) and ha.tobytes() == hb.tobytes()):
                return self
            if len(ha) == 0:
                return other
            union = np.union1d(ha, hb)
            if len(union) <= self.sparse_limit:
                return HyperLogLog._of(self.p, union, None)
            return HyperLogLog.from_hashes(union, self.p)
        a = ra if ra is not None else self.registers()
        b = rb if rb is not None else other.registers()
        return HyperLogLog._of(self.p, None, np.maximum(a, b))

    def estimate(self) -> float:
        """Estimated number of distinct values (exact while sparse)."""
        if self._hashes is not None:
            return float(len(self._hashes))
        assert self._registers is not None
        m = 1 << self.p
        regs = self._registers
        raw = _alpha(m) * m * m / float(np.ldexp(1.0, -regs.astype(np.int32)).sum())
        zeros = int(np.count_nonzero(regs == 0))
        if raw <= 2.5 * m and zeros > 0:
            return m * math.log(m / zeros)
        return raw

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HyperLogLog):
            return NotImplemented
        if self.p != other.p or self.is_sparse != other.is_sparse:
            return False
        if self._hashes is not None and other._hashes is not None:
            return bool(np.array_equal(self._hashes, other._hashes))
        assert self._registers is not None and other._registers is not None
        return bool(np.array_equal(self._registers, other._registers))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        mode = "sparse" if self.is_sparse else "dense"
        return f"HyperLogLog(p={self.p}, {mode}, estimate={self.estimate():.1f})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: ``p`` and base64 of the little-endian hashes or of the registers."""
        if self._hashes is not None:
            raw, mode = self._hashes.astype("<u8").tobytes(), "sparse"
        else:
            assert self._registers is not None
            raw, mode = self._registers.tobytes(), "dense"
        return {"p": self.p, "mode": mode, "data": base64.b64encode(raw).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HyperLogLog:
        """Inverse of :meth:`to_dict`."""
        p = int(data["p"])
        raw = base64.b64decode(data["data"], validate=True)
        cls(p)  # validates p
        if data["mode"] == "sparse":
            hashes = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
            if len(hashes) > (1 << p) // 8 or np.any(hashes[1:] <= hashes[:-1]):
                raise ProfileError("malformed sparse HyperLogLog: hashes not sorted and unique")
            return cls._of(p, hashes, None)
        if data["mode"] != "dense":
            raise ProfileError(f"unknown HyperLogLog mode {data['mode']!r}")
        registers = np.frombuffer(raw, dtype=np.uint8).copy()
        if len(registers) != 1 << p or int(registers.max(initial=0)) > 64 - p + 1:
            raise ProfileError("malformed dense HyperLogLog registers")
        return cls._of(p, None, registers)
