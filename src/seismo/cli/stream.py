"""``seismo stream FILE --column COL --detector NAME [--param k=v ...]``: one streaming detector
over one column, in row order (CONTRACT.md).

Prints one JSON object, ``{"detector": NAME, "n": ROWS, "detections": [ROW, ...]}`` (0-based rows
at which the detector signalled drift; with ``--sort-by``, positions in that order), extended with the parameters used, the warnings of
detectors that have a warning zone, and the rows skipped (null, NaN, infinite). Exit status 0, or
1 with ``--fail-on-drift`` when anything was detected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np
import polars as pl

from seismo.exceptions import InputError

__all__ = ["stream", "stream_values"]


def stream_values(frame: pl.DataFrame, column: str, *, sort_by: str | None = None) -> np.ndarray[Any, Any]:
    """The column as float64 in row order (or ordered by ``sort_by``): booleans as 0/1, nulls as NaN
    (the detectors skip and count them). Text columns are refused with the reason."""
    if column not in frame.columns:
        raise InputError(f"--column {column!r} not found; columns are {frame.columns[:15]}")
    if sort_by is not None:
        if sort_by not in frame.columns:
            raise InputError(f"--sort-by {sort_by!r} not found; columns are {frame.columns[:15]}")
        frame = frame.sort(sort_by, maintain_order=True, nulls_last=True)
    s = frame.get_column(column)
    if s.dtype == pl.Boolean:
        s = s.cast(pl.Int8)
    elif not s.dtype.is_numeric():
        parsed = s.cast(pl.Float64, strict=False) if s.dtype == pl.String else None
        if parsed is None or parsed.null_count() > s.null_count():
            bad = s.filter(parsed.is_null() & s.is_not_null()).head(1).to_list() if parsed is not None else []
            example = f" (e.g. {bad[0]!r})" if bad else ""
            raise InputError(f"--column {column!r} holds {s.dtype} values{example}; a detector takes numbers or booleans")
        s = parsed
    return s.cast(pl.Float64).fill_null(float("nan")).to_numpy()


def _params(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {item!r} must look like NAME=VALUE")
        if key.strip() in out:
            raise InputError(f"--param {key.strip()!r} is given twice")
        out[key.strip()] = value.strip()
    return out


@click.command("stream")
@click.argument("data")
@click.option("--column", required=True, metavar="COL", help="The column to watch (an error, a score, a feature).")
@click.option("--detector", required=True, metavar="NAME",
              help="adwin, ddm, eddm, hddm_a, hddm_w, fhddm, page_hinkley, kswin or cusum.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A detector parameter (river's names).")
@click.option("--sort-by", metavar="COL",
              help="Order the rows by this column (e.g. the event time) first; detections are then positions in that order.")
@click.option("--out", "out_path", metavar="FILE", help="Write the JSON here instead of stdout.")
@click.option("--fail-on-drift", is_flag=True, help="Exit 1 when the detector signalled drift.")
def stream(data: str, column: str, detector: str, params: tuple[str, ...], sort_by: str | None,
           out_path: str | None, fail_on_drift: bool) -> int:
    """Run a streaming drift detector over one column of DATA, in row order."""
    from seismo.data.io import load
    from seismo.stream import WarningMixin, make_detector

    det = make_detector(detector, _params(params))  # a bad name or parameter fails before the data is read
    values = stream_values(load(data).frame, column, sort_by=sort_by)
    result: dict[str, Any] = {"detector": detector, "n": int(values.size)}
    if isinstance(det, WarningMixin):
        drifts, warnings = det.update_many_with_warnings(values)
        result["detections"] = [int(i) for i in drifts]
        result["warnings"] = [int(i) for i in warnings]
    else:
        result["detections"] = [int(i) for i in det.update_many(values)]
    result["skipped"] = int(det.n_skipped)
    result["class"] = type(det).__name__
    result["params"] = det.get_params()
    text = json.dumps(result, default=_jsonable) + "\n"
    if out_path:
        Path(out_path).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    return 1 if fail_on_drift and result["detections"] else 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)
