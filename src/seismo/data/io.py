"""Load anything tabular into one polars DataFrame.

Accepted: polars DataFrame / LazyFrame, pandas DataFrame, pyarrow Table / RecordBatch, and paths
to CSV (also ``.csv.gz``, ``.tsv``), Parquet, JSON-lines (``.jsonl``, ``.ndjson``, ``.json``) and
Arrow IPC / Feather (``.arrow``, ``.feather``, ``.ipc``) files, chosen by extension; ``"-"``
reads CSV from standard input. The caller's object is never modified: every path returns a new
frame (polars frames are immutable, pandas and arrow inputs are converted).

Every failure is a :class:`~seismo.exceptions.DataLoadError` that names the source.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from seismo.exceptions import DataLoadError, InputError

__all__ = ["SUPPORTED_EXTENSIONS", "Dataset", "load", "write_table"]

_CSV = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")
_PARQUET = (".parquet", ".pq")
_JSONL = (".jsonl", ".ndjson", ".json")
_IPC = (".arrow", ".feather", ".ipc")
SUPPORTED_EXTENSIONS: tuple[str, ...] = _CSV + _PARQUET + _JSONL + _IPC


@dataclass(frozen=True)
class Dataset:
    """A loaded table and where it came from.

    Attributes
    ----------
    frame
        The data, as a polars DataFrame (column names are strings).
    source
        A short description for reports: the file name, or the kind of object given.
    mixed_types
        Columns whose raw values mixed several types (e.g. numbers and strings in one pandas
        object column), with the type names seen; such columns are loaded as strings.
    """

    frame: pl.DataFrame
    source: str
    mixed_types: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.frame.height

    @property
    def n_columns(self) -> int:
        return self.frame.width


def load(obj: Any, *, name: str | None = None) -> Dataset:
    """Load a table-like object or a file path into a :class:`Dataset`.

    >>> import polars as pl
    >>> load(pl.DataFrame({"a": [1, 2]})).rows
    2
    """
    if isinstance(obj, Dataset):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return _load_path(str(obj), name=name)
    return _load_object(obj, name=name)


# --- in-memory objects -------------------------------------------------------------------------


def _load_object(obj: Any, *, name: str | None) -> Dataset:
    if isinstance(obj, pl.DataFrame):
        return _normalise(obj.clone(), name or "polars.DataFrame")
    if isinstance(obj, pl.LazyFrame):
        try:
            collected = obj.collect()
        except Exception as exc:  # polars raises many types while collecting
            raise DataLoadError(f"{name or 'LazyFrame'}: cannot collect ({_short(exc)})") from None
        return _normalise(collected, name or "polars.LazyFrame")
    if isinstance(obj, pl.Series):
        return _normalise(obj.to_frame(), name or "polars.Series")
    module = type(obj).__module__.split(".")[0]
    if module == "pandas":
        return _from_pandas(obj, name=name or "pandas.DataFrame")
    if module == "pyarrow":
        return _from_arrow(obj, name=name or "pyarrow.Table")
    raise DataLoadError(
        f"cannot load an object of type {type(obj).__name__}; pass a pandas, polars or pyarrow "
        "table, or a path to a CSV, Parquet, JSON-lines or Arrow file"
    )


def _normalise(frame: pl.DataFrame, source: str) -> Dataset:
    """Rebuild polars ``Object`` columns (arbitrary Python values) as real types; a column whose
    values mix types is kept as text and recorded in ``mixed_types``."""
    mixed: dict[str, list[str]] = {}
    for name, dtype in frame.schema.items():
        if dtype != pl.Object:
            continue
        values = frame.get_column(name).to_list()
        kinds = sorted({_type_family(v) for v in values if not _is_missing(v)})
        if len(kinds) > 1:
            mixed[name] = kinds
        try:
            rebuilt = pl.Series(name, [None if _is_missing(v) else v for v in values], strict=False)
            if rebuilt.dtype == pl.Object or name in mixed:
                raise TypeError
        except Exception:
            rebuilt = pl.Series(name, [None if _is_missing(v) else str(v) for v in values], dtype=pl.String)
        frame = frame.with_columns(rebuilt)
    return Dataset(frame, source, mixed)


def _check_unique(names: list[str], source: str) -> None:
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        first = dup[0]
        positions = [i for i, n in enumerate(names) if n == first]
        raise DataLoadError(
            f"{source}: duplicated column name {first!r} (columns {', '.join(str(p + 1) for p in positions)}); "
            "rename the columns so that each name is unique"
        )


def _from_pandas(df: Any, *, name: str) -> Dataset:
    import pandas as pd

    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        raise DataLoadError(f"{name}: expected a pandas DataFrame; got {type(df).__name__}")
    names = [str(c) for c in df.columns]
    _check_unique(names, name)
    mixed: dict[str, list[str]] = {}
    converted: list[pl.Series] = []
    for col_name, (_, series) in zip(names, df.items(), strict=True):
        if series.dtype == object:
            kinds = _python_types(series)
            if len(kinds) > 1:
                mixed[col_name] = kinds
                series = series.map(lambda v: None if _is_missing(v) else str(v))
            else:  # pd.NA, NaT and NaN among strings or dates are missing values, not text
                series = series.map(lambda v: None if _is_missing(v) else v)
        converted.append(_series_from_pandas(col_name, series, name))
    frame = pl.DataFrame(converted) if converted else pl.DataFrame()
    return Dataset(frame, name, mixed)


def _series_from_pandas(col_name: str, series: Any, source: str) -> pl.Series:
    """One pandas column as polars; Period and Interval columns (which polars would turn into bare
    ordinals, or refuse) as their text."""
    import pandas as pd

    if isinstance(series.dtype, (pd.PeriodDtype, pd.IntervalDtype)):
        series = series.astype(str).where(series.notna(), None)
    try:
        out = pl.from_pandas(series.reset_index(drop=True))
    except Exception:
        try:
            out = pl.Series(col_name, [None if _is_missing(v) else str(v) for v in series.tolist()], dtype=pl.String)
        except Exception as exc:
            raise DataLoadError(f"{source}: column {col_name!r} cannot be converted ({_short(exc)})") from None
    series_out: pl.Series = out if isinstance(out, pl.Series) else out.to_series()
    return series_out.alias(col_name)


def _is_missing(v: Any) -> bool:
    """None, NaN, pandas' NA and NaT: every spelling of "no value"."""
    if v is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(v)) if not isinstance(v, (list, tuple, dict, set)) else False
    except (TypeError, ValueError):
        return False


def _type_family(v: Any) -> str:
    """A value's kind, so that numpy and Python spellings of one kind count once."""
    import datetime as dt
    import numbers

    if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
        return "bool"
    if isinstance(v, numbers.Number):
        return "number"
    if isinstance(v, str):
        return "str"
    if isinstance(v, (dt.datetime, dt.date)) or type(v).__name__ in ("Timestamp", "datetime64"):
        return "datetime"
    if isinstance(v, bytes):
        return "bytes"
    return type(v).__name__


def _python_types(series: Any) -> list[str]:
    """Kinds of the values in an object column (missing values ignored), on a sample when large."""
    values = series.to_numpy()
    if values.size > 200_000:
        import numpy as np

        values = values[np.random.default_rng(0).choice(values.size, 200_000, replace=False)]
    return sorted({_type_family(v) for v in values if not _is_missing(v)})


def _from_arrow(obj: Any, *, name: str) -> Dataset:
    import pyarrow as pa

    if isinstance(obj, pa.RecordBatch):
        obj = pa.Table.from_batches([obj])
    if not isinstance(obj, pa.Table):
        raise DataLoadError(f"{name}: expected a pyarrow Table; got {type(obj).__name__}")
    names = [str(c) for c in obj.column_names]
    _check_unique(names, name)
    try:
        frame = pl.from_arrow(obj)
    except Exception as exc:
        raise DataLoadError(f"{name}: cannot convert to a table ({_short(exc)})") from None
    if not isinstance(frame, pl.DataFrame):  # a single column comes back as a Series
        frame = frame.to_frame()
    return Dataset(frame, name)


# --- files -------------------------------------------------------------------------------------


def _kind_of(path: str) -> str:
    low = path.lower()
    for kind, exts in (("csv", _CSV), ("parquet", _PARQUET), ("jsonl", _JSONL), ("ipc", _IPC)):
        if low.endswith(exts):
            return kind
    ext = Path(path).suffix or "(none)"
    raise DataLoadError(
        f"{path}: unknown file extension {ext}; use one of {', '.join(SUPPORTED_EXTENSIONS)}, or - for CSV on stdin"
    )


def _load_path(path: str, *, name: str | None) -> Dataset:
    if path == "-":
        data = sys.stdin.buffer.read()
        return _read_csv(io.BytesIO(data), source=name or "<stdin>", head=data[:65536])
    kind = _kind_of(path)
    p = Path(path)
    if not p.exists():
        raise DataLoadError(f"{path}: file not found")
    if p.is_dir():
        raise DataLoadError(f"{path}: is a directory, not a file")
    if p.stat().st_size == 0:
        raise DataLoadError(f"{path}: file is empty (no header, no rows)")
    source = name or p.name
    try:
        with p.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise DataLoadError(f"{path}: cannot read ({exc.strerror})") from None
    if kind == "csv":
        separator = "\t" if path.lower().endswith((".tsv", ".tsv.gz")) else ","
        if path.lower().endswith(".gz"):
            import gzip

            try:
                data = gzip.decompress(p.read_bytes())
            except (OSError, EOFError) as exc:
                raise DataLoadError(f"{path}: not a readable gzip file ({exc})") from None
            return _read_csv(io.BytesIO(data), source=source, head=data[:65536], separator=separator)
        return _read_csv(str(p), source=source, head=head, separator=separator)
    try:
        if kind == "parquet":
            frame = pl.read_parquet(p)
        elif kind == "ipc":
            frame = _read_ipc(p)
        else:
            frame = _read_json(p, head)
    except DataLoadError:
        raise
    except Exception as exc:
        raise DataLoadError(f"{path}: not a readable {kind} file ({_short(exc)})") from None
    _check_unique(frame.columns, source)
    return Dataset(frame, source)


def _read_ipc(p: Path) -> pl.DataFrame:
    try:
        return pl.read_ipc(p)
    except Exception:
        import pyarrow.feather as feather  # Feather v1 files

        table = feather.read_table(str(p))
        return _from_arrow(table, name=p.name).frame


def _read_json(p: Path, head: bytes) -> pl.DataFrame:
    stripped = head.lstrip()
    if stripped.startswith(b"["):
        return pl.read_json(p)
    try:
        return pl.read_ndjson(p, infer_schema_length=10_000)
    except Exception:  # a later row broke the inferred dtype: infer from every row instead
        return pl.read_ndjson(p, infer_schema_length=None)


def _csv_header(src: Any, head: bytes, separator: str) -> list[str]:
    """The header row as Python's csv module reads it (exact quoting; BOM removed), from the whole
    first record even when it is longer than the sniffed head."""
    import csv

    if len(head) < 65536 or b"\n" in head:
        text = head.decode("utf-8", errors="replace")
    elif isinstance(src, io.BytesIO):
        text = src.getvalue().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    else:
        with open(src, "rb") as fh:
            text = fh.readline().decode("utf-8", errors="replace")
    first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=separator), [])
    return list(first)


_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_LINES = 200


def sniff_separator(head: bytes, default: str = ",") -> str:
    r"""The field separator of a CSV file's first bytes. ``default`` (the extension's) while it
    splits the first records (up to 200, the last one left out when the head cut it) into one
    number of fields, at least two, on at least 90% of them and on the header (decimal commas
    split every value of a ``;`` file in two, but not its header); else the one of ``;`` tab ``|`` ``,``
    that does so with the most consistent, then the most, fields; else ``default``.

    >>> sniff_separator(b"a;b;c\n1,5;2;3\n4;5,5;6\n")
    ';'
    >>> sniff_separator(b"a,b\n1,2\n"), sniff_separator(b"a|b\n1|2\n"), sniff_separator(b"only\n1\n")
    (',', '|', ',')
    """
    import csv

    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = text.splitlines()
    if len(head) >= 65536 and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # cut mid-record
    lines = [ln for ln in lines[:_SNIFF_LINES] if ln.strip()]

    def fit(sep: str) -> tuple[float, int] | None:
        try:
            each = [len(r) for r in csv.reader(lines, delimiter=sep)]
        except csv.Error:
            return None
        if not each:
            return None
        width, count = max(Counter(each).items(), key=lambda kv: (kv[1], kv[0]))
        share = count / len(each)
        return (share, width) if width >= 2 and share >= 0.9 and each[0] == width else None

    if not lines or fit(default) is not None:
        return default
    scored = [(score, sep) for sep in _SEPARATORS if sep != default and (score := fit(sep)) is not None]
    return max(scored)[1] if scored else default


_COMMA_DECIMAL = re.compile(rb"(?:^|;)\s*-?\d+,\d+\s*(?=;|$)", re.M)
_DOT_DECIMAL = re.compile(rb"(?:^|;)\s*-?\d+\.\d+\s*(?=;|$)", re.M)


def _comma_decimals(head: bytes) -> bool:
    """Whether a ``;`` file's first bytes write decimals with a comma (``1,5``) and none with a dot."""
    return bool(_COMMA_DECIMAL.search(head)) and not _DOT_DECIMAL.search(head)


def _read_csv(src: Any, *, source: str, head: bytes, separator: str = ",") -> Dataset:
    if not head.strip():
        raise DataLoadError(f"{source}: file is empty (no header, no rows)")
    if head.count(b"\x00") > len(head) // 1000:  # a stray NUL inside a quoted value is not a binary file
        raise DataLoadError(f"{source}: not a text CSV file (binary content)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the buffer edge
            raise DataLoadError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from None
    sniffed = sniff_separator(head, separator)
    header = _csv_header(src, head, sniffed)
    _check_unique(header, source)
    kwargs: dict[str, Any] = {"separator": sniffed, "try_parse_dates": False}
    if sniffed == ";" and separator != ";" and _comma_decimals(head):  # locales whose decimal mark is a comma
        kwargs["decimal_comma"] = True
    try:
        frame = pl.read_csv(src, infer_schema_length=10_000, **kwargs)
    except Exception:
        if isinstance(src, io.BytesIO):
            src.seek(0)
        try:  # a later row broke the inferred dtype: infer from every row instead
            frame = pl.read_csv(src, infer_schema_length=None, **kwargs)
        except Exception as exc:
            raise DataLoadError(f"{source}: not a readable CSV file ({_short(exc)})") from None
    if len(header) == frame.width and header != frame.columns and len(set(header)) == len(header):
        frame = frame.rename(dict(zip(frame.columns, header, strict=True)))  # quoted names, read exactly
    return Dataset(frame, source)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else exc.__class__.__name__
    return first[:200]


def write_table(frame: pl.DataFrame, path: str | Path, *, option: str = "output") -> None:
    """Write ``frame`` as Parquet, CSV/TSV, JSON-lines or Arrow, chosen by the file's extension."""
    low = str(path).lower()
    if low.endswith((".parquet", ".pq")):
        frame.write_parquet(path)
    elif low.endswith((".csv", ".tsv")):
        frame.write_csv(path, separator="\t" if low.endswith(".tsv") else ",")
    elif low.endswith((".jsonl", ".ndjson")):
        frame.write_ndjson(path)
    elif low.endswith((".arrow", ".feather", ".ipc")):
        frame.write_ipc(path)
    else:
        raise InputError(f"{option} {path}: unknown extension; use .parquet, .csv, .tsv, .jsonl or .arrow")
