"""A saved profile is a reference: ``seismo profile`` writes it, ``seismo scan PROFILE CURRENT``
and ``seismo.scan(saved, current)`` run every check it can feed, and name the others."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import seismo
from seismo import _runner
from seismo.api import all_checks
from seismo.checks import ScanContext, Tier
from seismo.datasets import make_loans
from seismo.exceptions import ProfileError
from seismo.profile import SavedProfile, profile_table, profile_windows
from seismo.report.model import Report

TIER = {c.name: c.tier for c in all_checks()}


@cache
def _demo() -> Any:
    return make_loans(4000, 2000)


def _roles() -> dict[str, Any]:
    d = _demo()
    return {"target": d.target, "prediction": d.prediction, "timestamp": d.timestamp, "id": d.id, "schema": d.schema}


def _tier_of(check: str) -> Tier:
    return next(c.tier for c in all_checks() if c.owns(check))


def _ids(report: Report, *tiers: Tier) -> list[str]:
    return sorted(f.id for f in report.findings if _tier_of(f.check) in tiers)


def _ids_without_rows(report: Report, *tiers: Tier) -> list[str]:
    """:func:`_ids` as a scan without the rows-tier checks tells them: a finding that a rows-tier
    root cause folded in (a copied column's, folded into quality.duplicate_columns) stands alone."""
    folded = [str(x) for f in report.findings if _tier_of(f.check) == Tier.ROWS
              for x in f.evidence.get("explains", []) if _tier_of(str(x).split(":")[0]) in tiers]
    return sorted([*_ids(report, *tiers), *folded])


@cache
def _full() -> Report:
    return seismo.scan(_demo().reference, _demo().current, **_roles())


def test_a_saved_reference_gives_the_profile_and_sample_findings_of_the_rows(tmp_path: Path) -> None:
    d = _demo()
    saved = seismo.profile_reference(d.reference, **_roles())
    path = tmp_path / "train.seismo-profile"
    saved.save(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["meta.json", "model.json", "profile.json", "sample.bin", "schema.json",
                                        "states.json"]
    report = seismo.scan(path, d.current, **_roles())
    full = _full()
    assert _ids(report, Tier.PROFILE, Tier.SAMPLE) == _ids(full, Tier.PROFILE, Tier.SAMPLE)
    assert _ids(report, Tier.PROFILE)  # the demo's quality and skew findings are among them
    assert report.datasets["reference"].rows == d.reference.height
    # the performance check reads the reference's model summaries, shift.time its fitted state: the
    # findings of the rows (shift.time's are folded into their root causes in both reports)
    stands_in = {c.name for c in all_checks() if c.reads_model or (c.fit is not None and Tier.ROWS in (c.tier, c.fit_tier))}
    assert stands_in == {"concept.performance", "shift.time"}
    for name in sorted(stands_in):
        want = [_own(f) for f in full.findings if f.check == name]
        assert [_own(f) for f in report.findings if f.check == name] == want, name
        assert name not in report.checks_not_run
    assert [f for f in full.findings if f.check == "concept.performance"]
    explained = [x for f in full.findings for x in f.evidence.get("explains", []) if str(x).startswith("shift.time")]
    assert explained == [x for f in report.findings for x in f.evidence.get("explains", [])
                         if str(x).startswith("shift.time")]
    # every other rows-tier check that needs the reference's rows is named, with the reason
    for name, tier in TIER.items():
        if tier == Tier.ROWS and name in full.checks_run and name not in stands_in:
            assert name in report.checks_not_run, name
            assert "saved profile" in report.checks_not_run[name]
    assert not [n for n in report.checks_not_run if TIER[n] == Tier.PROFILE]
    assert Report.from_dict(report.to_dict()).checks_not_run == report.checks_not_run


def test_saved_profile_round_trips_and_keeps_the_schema(tmp_path: Path) -> None:
    d = _demo()
    saved = seismo.profile_reference(d.reference, **_roles())
    saved.save(tmp_path / "r.seismo-profile")
    back = SavedProfile.load(tmp_path / "r.seismo-profile")
    assert back.profile == saved.profile and back.sample == saved.sample and dict(back.schema) == dict(saved.schema)
    assert back.schema[d.target]["role"] == "target"
    assert any(not c["declared"] for c in back.schema.values())  # inferred columns stay inferred


def test_a_bare_table_profile_runs_the_profile_tier() -> None:
    d = _demo()
    report = seismo.scan(profile_table(d.reference), d.current, **_roles())
    full = _full()
    # every profile-tier check that a bare profile can feed (shift.time's fit reads the rows)
    fed = [f.id for f in full.findings if _tier_of(f.check) == Tier.PROFILE and f.check not in report.checks_not_run]
    assert _ids(report, Tier.PROFILE) == sorted(fed) and len(fed) > 5
    sample_checks = [n for n, t in TIER.items() if t == Tier.SAMPLE and n in full.checks_run]
    assert sample_checks and all("without rows" in report.checks_not_run[n] for n in sample_checks)
    assert "without its model summaries" in report.checks_not_run["concept.performance"]
    assert "without this check's fitted state" in report.checks_not_run["shift.time"]


def test_a_saved_regression_reference_feeds_the_performance_check() -> None:
    """A regressor without a timestamp: the saved reference's row-order chunks stand in for its
    rows, and the findings are those of the rows."""
    import numpy as np
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    x, y = load_diabetes(return_X_y=True)
    model = LinearRegression().fit(x[:200], y[:200])
    cols = {f"x{i}": x[:, i] for i in range(x.shape[1])}
    frame = pl.DataFrame({**cols, "y": y, "pred": model.predict(x)})
    reference = frame[:220]
    current = frame[220:].with_columns(pl.col("pred") + 40.0)  # the model broke
    roles = {"target": "y", "prediction": "pred"}
    rows = seismo.scan(reference, current, only=["concept.performance"], **roles)
    saved = seismo.profile_reference(reference, **roles)
    assert saved.model is not None and "1h" not in saved.model.summaries
    report = seismo.scan(saved, current, only=["concept.performance"], **roles)
    want = [f.to_dict() for f in rows.findings]
    assert want and [f.to_dict() for f in report.findings] == want
    assert np.isfinite(report.findings[0].evidence["statistic"])


def test_profile_tier_on_merged_windows_equals_the_scan() -> None:
    """``seismo.scan(ref, cur)`` and the profile-tier checks run on summaries alone (the
    reference's profile, fitted states and model summaries; the current's daily profiles and model
    summaries) give the same findings."""
    from seismo.api.reference import _saved_model
    from seismo.data.io import load
    from seismo.data.roles import as_schema, build_schema
    from seismo.engines import LocalEngine

    d = _demo()
    roles = _roles()
    schema = build_schema([load(d.reference), load(d.current)], as_schema(roles.pop("schema")), roles)
    checks = [c for c in all_checks() if c.tier == Tier.PROFILE]
    reference = ScanContext(schema=schema, reference=load(d.reference))
    states = _runner.fit_checks(checks, reference)  # once, as a saved reference or a monitor keeps them
    numeric = {n for n, c in profile_table(d.current).columns.items() if c.kind == "numeric"}
    bins = {n: e for n, e in _runner.window_bins(checks, states).items() if n in numeric}
    windows = profile_windows(d.current, timestamp=d.timestamp, every="1d", bins=bins)
    assert len(windows.starts) > 3
    models = {label: _saved_model(load(frame), schema, LocalEngine()) for label, frame in
              (("reference", d.reference), ("current", d.current))}  # each table's model summaries
    bare = ScanContext.of_parts(schema, profiles={"reference": profile_table(d.reference)},
                                windowed={"current": windows},
                                models={k: v for k, v in models.items() if v is not None}).with_states(states)
    run = _runner.run_checks(checks, bare, raise_errors=True)
    assert not run.not_run
    assert sorted(f.id for f in run.findings) == _ids_without_rows(_full(), Tier.PROFILE)
    assert any(f.check == "shift.time" for f in _full().findings) or any(
        str(x).startswith("shift.time") for f in _full().findings for x in f.evidence.get("explains", []))


def _own(f: seismo.Finding) -> dict[str, object]:
    """A finding as its check made it, without the parts other checks joined to it (the rows-tier
    change point and attribution join the drop only where the rows are there)."""
    d = f.to_dict()
    d["evidence"] = {k: v for k, v in d["evidence"].items() if k != "parts"}
    if "parts" in f.evidence:
        d["message"] = str(d["message"]).split("; ")[0]
    return d


def test_two_saved_profiles_give_the_findings_their_summaries_feed(tmp_path: Path) -> None:
    """A CI gate that keeps no rows: both tables saved, the profile-tier checks (the model's
    performance from both tables' model summaries, shift.time from the current's profiles per
    window) say what they say on the rows."""
    d = _demo()
    roles = _roles()
    ref_path, cur_path = tmp_path / "ref.seismo-profile", tmp_path / "cur.seismo-profile"
    seismo.profile_reference(d.reference, **roles).save(ref_path)
    seismo.profile_reference(d.current, **roles).save(cur_path)
    without = seismo.scan(ref_path, cur_path, **roles)  # one profile of the current: shift.time says why not
    assert "seismo profile --windows" in without.checks_not_run["shift.time"]
    seismo.profile_reference(d.current, windows=True, **roles).save(cur_path)
    report = seismo.scan(ref_path, cur_path, **roles)
    full = _full()
    fed = [i for i in _ids_without_rows(full, Tier.PROFILE) if i.split(":")[0] not in report.checks_not_run]
    assert _ids(report, Tier.PROFILE) == fed
    perf = [_own(f) for f in report.findings if f.check == "concept.performance"]
    assert perf and perf == [_own(f) for f in full.findings if f.check == "concept.performance"]
    # shift.time reads the saved current's profiles per window (kept for the span's window length)
    assert "shift.time" not in report.checks_not_run
    saved_current = seismo.profile.SavedProfile.load(cur_path)
    assert saved_current.windows is not None and saved_current.windows.n_rows == d.current.height
    explained = sorted(x for f in full.findings for x in f.evidence.get("explains", []) if str(x).startswith("shift.time"))
    assert explained and explained == sorted(x for f in report.findings for x in f.evidence.get("explains", [])
                                             if str(x).startswith("shift.time"))
    assert report.datasets["current"].rows == d.current.height
    assert "cur.seismo-profile" in report.datasets["current"].source
    with pytest.raises(seismo.InputError, match="labels are joined"):
        seismo.scan(ref_path, cur_path, labels=d.current.select(d.id, d.target), **roles)


def test_a_saved_current_whose_model_scores_the_other_way_is_judged_as_its_rows_are() -> None:
    """Saved on its own, a current whose model ranks the classes backwards picks the other class
    as positive (the one its model scores higher); read with the reference's positive class, its
    summaries give what a scan of its rows gives: the inverted model fails the gate."""
    d = _demo()
    roles = _roles()
    inverted = d.current.with_columns(score=1.0 - pl.col("score"), prediction=1 - pl.col("prediction"))
    reference = seismo.profile_reference(d.reference, **roles)
    current = seismo.profile_reference(inverted, **roles)
    assert current.model is not None and reference.model is not None
    assert current.model.task["positive"] == reference.model.task["negative"]  # read off its own rows
    rows = seismo.scan(d.reference, inverted, **roles, only=["concept.performance"])
    saved = seismo.scan(reference, current, **roles, only=["concept.performance"])
    expect = [f.to_dict() for f in rows.findings if f.check == "concept.performance"]
    assert {m for f in expect for m in f["evidence"]["metrics"]} >= {"accuracy", "roc_auc", "log_loss", "calibration_error"}
    assert [f.to_dict() for f in saved.findings if f.check == "concept.performance"] == expect
    assert any(f["severity"] == "high" for f in expect)


def test_a_saved_current_of_another_task_is_not_run_and_says_why() -> None:
    from dataclasses import replace

    from seismo.profile._saved import SavedModel

    d = _demo()
    roles = _roles()
    reference = seismo.profile_reference(d.reference, **roles)
    current = seismo.profile_reference(d.current, **roles)
    assert current.model is not None
    task = current.model.task
    other = SavedModel({**task, "positive": "yes", "negative": "no"}, current.model.summaries)
    report = seismo.scan(reference, replace(current, model=other), **roles, only=["concept.performance"])
    assert not [f for f in report.findings if f.check == "concept.performance"]
    assert "concept.performance" not in report.checks_run
    assert "labels hold 0.0 and 1.0, the current's 'no' and 'yes'" in report.checks_not_run["concept.performance"]
    renamed = SavedModel({**task, "prediction": "pred_v2"}, current.model.summaries)
    report = seismo.scan(reference, replace(current, model=renamed), **roles, only=["concept.performance"])
    why = report.checks_not_run["concept.performance"]
    assert "prediction column is 'prediction' in the reference and 'pred_v2' in the current" in why
    # a saved reference and current rows without the model's prediction column: named too
    report = seismo.scan(reference, d.current.drop("prediction"), **roles, only=["concept.performance"])
    assert "the current has no 'prediction', the reference model's prediction column" in \
        report.checks_not_run["concept.performance"]


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "seismo", *args], capture_output=True, text=True, input=stdin,
                          timeout=300)


def test_cli_profile_then_scan(tmp_path: Path) -> None:
    d = _demo()
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    d.reference.write_parquet(ref)
    d.current.write_parquet(cur)
    d.schema.save(tmp_path / "schema.yaml")
    out = tmp_path / "ref.seismo-profile"
    made = _cli("profile", str(ref), "--out", str(out), "--schema", str(tmp_path / "schema.yaml"),
                "--sample-rows", "1000")
    assert made.returncode == 0, made.stderr
    assert "profile of 4,080 rows" in made.stdout and out.exists()
    scanned = _cli("scan", str(out), str(cur), "--schema", str(tmp_path / "schema.yaml"), "--json", "-", "-q")
    assert scanned.returncode == 1, scanned.stderr  # the demo's skew findings reach --fail-on high
    report = json.loads(scanned.stdout)
    assert report["datasets"]["reference"]["rows"] == 4080
    assert "ref.seismo-profile" in report["datasets"]["reference"]["source"]
    assert "leakage.duplicates" in report["checks_not_run"]
    ids = {f["id"] for f in report["findings"]}
    assert "skew.dtype_change:term_months" in ids and "skew.missing_column:state" in ids
    cur_out = tmp_path / "cur.seismo-profile"
    assert _cli("profile", str(cur), "--out", str(cur_out), "--schema", str(tmp_path / "schema.yaml")).returncode == 0
    both = _cli("scan", str(out), str(cur_out), "--schema", str(tmp_path / "schema.yaml"), "--json", "-", "-q")
    assert both.returncode == 1, both.stderr
    gate = json.loads(both.stdout)
    assert {"skew.dtype_change:term_months", "skew.missing_column:state"} <= {f["id"] for f in gate["findings"]}
    assert gate["datasets"]["current"]["rows"] == d.current.height and "skew.out_of_range" not in gate["checks_not_run"]
    tails = [f for f in gate["findings"] if f["check"] == "skew.out_of_range"]  # read off the current's quantiles
    assert tails and all(f["evidence"]["estimated"] and f["evidence"]["rank_error"] > 0 for f in tails)
    assert "shift.time" in gate["checks_not_run"]
    windowed = _cli("profile", str(cur), "--out", str(cur_out), "--schema", str(tmp_path / "schema.yaml"), "--windows")
    assert windowed.returncode == 0 and " windows of 1d" in windowed.stdout, windowed.stdout + windowed.stderr
    over_time = json.loads(_cli("scan", str(out), str(cur_out), "--schema", str(tmp_path / "schema.yaml"),
                                "--json", "-", "-q").stdout)
    assert "shift.time" not in over_time["checks_not_run"] and "shift.time" in over_time["checks_run"]
    flat = pl.DataFrame({"x": [1.0, 2.0, 3.0] * 20})
    flat.write_parquet(tmp_path / "flat.parquet")
    refused = _cli("profile", str(tmp_path / "flat.parquet"), "--out", str(tmp_path / "flat.seismo-profile"), "--windows")
    assert refused.returncode == 2 and refused.stderr.startswith("error: windows need an event time")
    assert len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_cli_bad_profile_is_one_error_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.seismo-profile"
    bad.write_bytes(content)
    cur = tmp_path / "cur.csv"
    pl.DataFrame({"x": [1, 2, 3]}).write_csv(cur)
    done = _cli("scan", str(bad), str(cur))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "bad.seismo-profile" in lines[0]


def test_cli_exclude_periods_needs_rows(tmp_path: Path) -> None:
    d = _demo()
    out = tmp_path / "r.seismo-profile"
    seismo.profile_reference(d.reference, **_roles()).save(out)
    cur = tmp_path / "cur.parquet"
    d.current.write_parquet(cur)
    done = _cli("scan", str(out), str(cur), "--timestamp", d.timestamp, "--exclude-periods", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and done.stderr.startswith("error:") and "saved profile" in done.stderr


def test_load_names_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "p.seismo-profile"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.json", json.dumps({"kind": "seismo-profile", "format_version": 99}))
        for name in ("profile.json", "schema.json", "sample.bin"):
            z.writestr(name, "{}")
    with pytest.raises(ProfileError, match="format 99 is not supported"):
        SavedProfile.load(path)
    with zipfile.ZipFile(path, "w") as z:  # format 1's shift.time state had no bin for missing values
        z.writestr("meta.json", json.dumps({"kind": "seismo-profile", "format_version": 1}))
        for name in ("profile.json", "schema.json", "sample.bin"):
            z.writestr(name, "{}")
    with pytest.raises(ProfileError, match="format 1 is not supported .* write it again"):
        SavedProfile.load(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.json", "{}")
    with pytest.raises(ProfileError, match="no profile.json"):
        SavedProfile.load(path)


def test_saved_windows_round_trip_and_bad_ones_are_named(tmp_path: Path) -> None:
    d = _demo()
    saved = seismo.profile_reference(d.current, windows=True, **_roles())
    assert saved.windows is not None and saved.windows.every == "1d"
    path = tmp_path / "cur.seismo-profile"
    saved.save(path)
    back = SavedProfile.load(path)
    assert back.windows is not None and back.windows.to_dict() == saved.windows.to_dict()
    total = back.windows.total()  # counts exactly; quantiles within the merged sketch's error
    assert total.n_rows == saved.rows
    assert all(total[c].null_count == saved.profile[c].null_count for c in saved.profile.columns)
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    for bad, message in ((b"[1, 2]", "windows.json"), (b"{not json", "malformed windows.json"),
                         (json.dumps(seismo.profile_reference(d.current.head(100), windows=True,
                                                              **_roles()).windows.to_dict()).encode(),  # type: ignore[union-attr]
                          "the windows hold 100 rows")):
        with zipfile.ZipFile(path, "w") as z:
            for name, content in entries.items():
                z.writestr(name, bad if name == "windows.json" else content)
        with pytest.raises(ProfileError, match=message):
            SavedProfile.load(path)


def test_saved_windows_choose_the_window_length_the_rows_do() -> None:
    """Dates over 73 days: the saved windows keep the exact span, so shift.time judges the same
    daily windows as the rows (a span read off the windows' starts would be a day longer)."""
    import datetime as dt

    import numpy as np

    rng = np.random.default_rng(0)
    n = 7_300
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=int(k)) for k in np.sort(rng.integers(0, 73, n))]
    frame = pl.DataFrame({"x": rng.normal(0, 1, n), "d": days})
    shifted = frame.with_columns(pl.when(pl.col("d") > dt.date(2024, 2, 6)).then(pl.col("x") + 1.5)
                                 .otherwise(pl.col("x")).alias("x"))
    rows = seismo.scan(frame, shifted, timestamp="d", only=["shift.time"])
    saved = seismo.scan(seismo.profile_reference(frame, timestamp="d"),
                        seismo.profile_reference(shifted, timestamp="d", windows=True), timestamp="d", only=["shift.time"])
    assert [f.message for f in rows.findings] and [f.message for f in saved.findings] == [f.message for f in rows.findings]
