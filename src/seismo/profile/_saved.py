"""A saved reference: a table's profile, its seeded row sample and its schema, in one file.

``seismo profile train.parquet --out train.seismo-profile`` writes it; ``seismo scan
train.seismo-profile serving.parquet`` and ``seismo.scan(saved, serving)`` use it as the
reference, so that a CI gate or a monitor no longer needs the raw training table on every run.
The checks that read only profiles run as they would on the rows; those that read a sample run on
the stored sample; those that need every reference row do not run, and the report says which.

The file is a ZIP archive (stored entries are read with size limits, never executed or
unpickled) holding ``meta.json`` (format version, seismo version, source, rows, creation time),
``profile.json`` (:meth:`TableProfile.to_dict`), ``schema.json`` (each column's role, kind and
whether a person declared it), ``sample.bin`` (:meth:`RowSample.to_bytes`: Arrow IPC) and,
when the reference has a label and a prediction, ``model.json``: the model's task and its
summaries per time window (hourly, daily, weekly), per row-order chunk and whole, so that the
performance checks compare the serving windows with the reference's own without its rows; and
``states.json``, the fitted states of the checks that fit on the reference's rows (the bins and
natural variation of ``shift.time``); and, when saved with ``--windows``, ``windows.json``: its
profiles per time window of the length its span calls for, so that a saved table scanned as the
current feeds the checks that read it per window.

Examples
--------
>>> import polars as pl, tempfile, os
>>> from seismo.profile import SavedProfile, profile_table, sample_rows
>>> frame = pl.DataFrame({"x": [float(i) for i in range(100)]})
>>> saved = SavedProfile(profile_table(frame), sample_rows(frame, k=10), {"x": {"role": "feature", "kind": "numeric"}},
...                      source="train.parquet")
>>> path = os.path.join(tempfile.mkdtemp(), "ref.seismo-profile")
>>> saved.save(path)
>>> back = SavedProfile.load(path)
>>> back.profile == saved.profile, back.sample == saved.sample, back.rows, back.source
(True, True, 100, 'train.parquet')
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seismo.exceptions import DataLoadError, ProfileError
from seismo.profile._model import ModelSummary
from seismo.profile._sample import RowSample
from seismo.profile._table import TableProfile
from seismo.profile._window import WindowedProfile

__all__ = ["EXTENSION", "MODEL_CHUNKS", "MODEL_WINDOWS", "SAVED_FORMAT", "SavedModel", "SavedProfile", "is_saved_profile"]

EXTENSION = ".seismo-profile"
SAVED_FORMAT = 2
"""2: model summaries keep binary scores' log loss and calibration for either positive class, and
``shift.time``'s state gives missing values their own bin (format 1's states did not)."""
_ENTRIES = ("meta.json", "profile.json", "schema.json", "sample.bin")
_MAX_ENTRY = 2 << 30  # 2 GiB uncompressed per entry: a larger one is not a profile this code wrote


def is_saved_profile(path: object) -> bool:
    """Whether ``path`` names a saved profile (by its extension, or a ZIP holding ``meta.json``
    with seismo's format marker)."""
    if not isinstance(path, (str, Path)) or str(path) == "-":
        return False
    p = Path(path)
    if p.name.endswith(EXTENSION):
        return True
    try:
        with zipfile.ZipFile(p) as z:
            return "meta.json" in z.namelist() and json.loads(z.read("meta.json")).get("kind") == "seismo-profile"
    except (OSError, zipfile.BadZipFile, ValueError, KeyError):
        return False


MODEL_WINDOWS = ("1h", "1d", "1w")
"""The time windows a saved reference keeps model summaries for: every length a scan chooses."""
MODEL_CHUNKS = 10
"""Row-order chunks kept when the reference has no usable time (the concept checks' rule)."""


@dataclass(frozen=True, eq=False)
class SavedModel:
    """The reference's model, summarised: its task (the label, prediction and probability
    columns, the classes and the positive class, as read off the reference's rows) and its
    :class:`~seismo.profile.ModelSummary` per time window of each length in
    :data:`MODEL_WINDOWS`, per row-order chunk, and whole. Summaries are decoded on first use."""

    task: dict[str, Any]
    summaries: Mapping[str, Any]
    _decoded: dict[str, Any] = field(default_factory=dict, repr=False)

    def summary(self, key: str) -> ModelSummary | None:
        """``"1h"``, ``"1d"``, ``"1w"``, ``"chunks"`` or ``"whole"``; None when not kept."""
        if key not in self.summaries:
            return None
        if key not in self._decoded:
            raw = self.summaries[key]
            self._decoded[key] = raw if isinstance(raw, ModelSummary) else ModelSummary.from_dict(raw)
        out = self._decoded[key]
        assert isinstance(out, ModelSummary)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "summaries": {k: self.summary(k).to_dict() for k in self.summaries}}  # type: ignore[union-attr]

    @classmethod
    def from_dict(cls, data: Any) -> SavedModel:
        if not isinstance(data, dict) or not isinstance(data.get("task"), dict) or not isinstance(
                data.get("summaries"), dict):
            raise ProfileError("model.json must hold a task and its summaries")
        return cls(data["task"], data["summaries"])


@dataclass(frozen=True)
class SavedProfile:
    """A reference table summarised: ``profile``, ``sample``, ``schema`` (column -> ``{"role",
    "kind", "declared", ...}``) and where it came from."""

    profile: TableProfile
    sample: RowSample
    schema: Mapping[str, Mapping[str, Any]]
    source: str = "reference"
    created_at: str = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0).isoformat())
    seismo_version: str = ""
    model: SavedModel | None = None
    """The reference's model summaries, when the reference has a label and a prediction."""
    states: Mapping[str, Any] = field(default_factory=dict)
    """The fitted states of the checks that fit on the reference's rows (``fit_key`` -> state,
    JSON): what those checks read in place of the rows."""
    windows: WindowedProfile | None = None
    """The table's profiles per time window (of the length its span calls for), when saved with
    ``windows=True``: what the checks that read a table per window (``shift.time``) read in place of
    its rows when it is scanned as the current."""

    @property
    def rows(self) -> int:
        return self.profile.n_rows

    def save(self, path: str | Path) -> None:
        """Write the archive to ``path`` (conventionally ending in ``.seismo-profile``)."""
        from seismo._version import __version__

        meta = {"kind": "seismo-profile", "format_version": SAVED_FORMAT, "seismo_version": __version__,
                "source": self.source, "rows": self.rows, "columns": len(self.profile.columns),
                "sample_rows": self.sample.rows.height, "sample_k": self.sample.k, "sample_seed": self.sample.seed,
                "sample_key": self.sample.key, "created_at": self.created_at}
        try:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr("meta.json", json.dumps(meta, indent=1))
                z.writestr("profile.json", self.profile.to_json())
                z.writestr("schema.json", json.dumps({k: dict(v) for k, v in self.schema.items()}, indent=1))
                z.writestr("sample.bin", self.sample.to_bytes())
                if self.model is not None:
                    z.writestr("model.json", json.dumps(self.model.to_dict()))
                if self.states:
                    z.writestr("states.json", json.dumps(dict(self.states), allow_nan=False))
                if self.windows is not None:
                    z.writestr("windows.json", json.dumps(self.windows.to_dict(), allow_nan=False))
        except OSError as exc:
            raise DataLoadError(f"cannot write the profile to {path}: {exc.strerror or exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> SavedProfile:
        """Read an archive written by :meth:`save`; every malformed part is named."""
        where = str(path)
        try:
            with zipfile.ZipFile(path) as z:
                entries = {i.filename: i for i in z.infolist()}
                missing = [e for e in _ENTRIES if e not in entries]
                if missing:
                    raise ProfileError(f"{where}: not a seismo profile (no {', '.join(missing)} in the archive)")
                too_big = [e for e in _ENTRIES if entries[e].file_size > _MAX_ENTRY]
                if too_big:
                    raise ProfileError(f"{where}: entry {too_big[0]} is larger than {_MAX_ENTRY >> 30} GiB")
                raw = {e: z.read(e) for e in _ENTRIES}
                for optional in ("model.json", "states.json", "windows.json"):
                    if optional in entries:
                        if entries[optional].file_size > _MAX_ENTRY:
                            raise ProfileError(f"{where}: entry {optional} is larger than {_MAX_ENTRY >> 30} GiB")
                        raw[optional] = z.read(optional)
        except FileNotFoundError:
            raise DataLoadError(f"{where}: no such file") from None
        except (OSError, zipfile.BadZipFile) as exc:
            raise ProfileError(f"{where}: not a seismo profile ({exc})") from exc
        try:
            meta = json.loads(raw["meta.json"])
            schema = json.loads(raw["schema.json"])
        except (ValueError, RecursionError) as exc:
            raise ProfileError(f"{where}: malformed meta.json or schema.json: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("kind") != "seismo-profile":
            raise ProfileError(f"{where}: meta.json does not describe a seismo profile")
        if meta.get("format_version") != SAVED_FORMAT:
            raise ProfileError(f"{where}: saved-profile format {meta.get('format_version')!r} is not supported "
                               f"(this seismo reads format {SAVED_FORMAT}); write it again with this version")
        if not isinstance(schema, dict) or not all(isinstance(v, dict) for v in schema.values()):
            raise ProfileError(f"{where}: schema.json must map each column to its role and kind")
        try:
            profile = TableProfile.from_json(raw["profile.json"])
        except ProfileError as exc:
            raise ProfileError(f"{where}: profile.json: {exc}") from exc
        try:
            sample = RowSample.from_bytes(raw["sample.bin"])
        except ProfileError as exc:
            raise ProfileError(f"{where}: sample.bin: {exc}") from exc
        if set(sample.rows.columns) != set(profile.columns):
            raise ProfileError(f"{where}: the sample's columns differ from the profile's")
        if sample.n_seen != profile.n_rows:
            raise ProfileError(f"{where}: the sample saw {sample.n_seen} rows, the profile {profile.n_rows}")
        model = None
        if "model.json" in raw:
            try:
                model = SavedModel.from_dict(json.loads(raw["model.json"]))
                for key in model.summaries:  # decoded now, so that a malformed file fails here, not mid-scan
                    model.summary(key)
            except (ValueError, RecursionError) as exc:
                raise ProfileError(f"{where}: malformed model.json: {exc}") from exc
            except ProfileError as exc:
                raise ProfileError(f"{where}: {exc}") from exc
        states: Any = {}
        if "states.json" in raw:
            try:
                states = json.loads(raw["states.json"])
            except (ValueError, RecursionError) as exc:
                raise ProfileError(f"{where}: malformed states.json: {exc}") from exc
            if not isinstance(states, dict):
                raise ProfileError(f"{where}: states.json must map each fitted check to its state")
        windows = None
        if "windows.json" in raw:
            try:
                windows = WindowedProfile.from_dict(json.loads(raw["windows.json"]))
            except (ValueError, RecursionError) as exc:
                raise ProfileError(f"{where}: malformed windows.json: {exc}") from exc
            except ProfileError as exc:
                raise ProfileError(f"{where}: windows.json: {exc}") from exc
            if windows.n_rows != profile.n_rows:
                raise ProfileError(f"{where}: the windows hold {windows.n_rows} rows, the profile {profile.n_rows}")
            if set(windows.unplaced.columns) != set(profile.columns):
                raise ProfileError(f"{where}: the windows profile other columns than the table's profile")
        return cls(profile, sample, schema, source=str(meta.get("source", where)),
                   created_at=str(meta.get("created_at", "")), seismo_version=str(meta.get("seismo_version", "")),
                   model=model, states=states, windows=windows)
