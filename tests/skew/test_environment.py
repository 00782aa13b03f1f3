"""Environment skew: capture, load, diff (severity policy) and the ``seismo env`` commands."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from seismo.cli.env import env, env_findings
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Severity
from seismo.skew import environment as E
from seismo.skew.environment import capture, diff, load_env


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    """A synthetic capture with known versions."""
    return {
        "format_version": 1,
        "captured_at": "2026-01-01T00:00:00Z",
        "python": {"version": "3.11.9", "implementation": "CPython"},
        "platform": {"system": "Linux", "release": "6.1.0", "machine": "x86_64"},
        "cpu": {"count": 8, "features": ["sse4_2", "avx", "avx2", "fma", "avx512f"]},
        "packages": {"numpy": "2.4.6", "scikit-learn": "1.5.2", "torch": "2.3.1", "requests": "2.31.0",
                     "click": "8.1.7"},
        "model": {"path": "model.pkl", "sha256": "a" * 64, "bytes": 10},
    }


def edited(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = out
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return out


def only(findings: list[Any]) -> Any:
    assert len(findings) == 1, [f.id for f in findings]
    return findings[0]


# -- capture ------------------------------------------------------------------------------------

def test_capture_has_the_keys_and_real_versions() -> None:
    env_ = capture()
    assert set(env_) >= {"format_version", "captured_at", "python", "platform", "cpu", "packages", "model"}
    assert env_["format_version"] == 1 and env_["captured_at"].endswith("Z")
    assert env_["packages"]["numpy"] == np.__version__
    assert "scikit-learn" in env_["packages"]  # PEP 503 name
    assert all(k == E.normalize_name(k) for k in env_["packages"])
    assert set(env_["python"]) == {"version", "implementation"}
    assert set(env_["platform"]) == {"system", "release", "machine"}
    assert isinstance(env_["cpu"]["features"], list) and set(env_["cpu"]["features"]) <= set(E.CPU_FEATURES)
    assert env_["model"] is None
    json.dumps(env_, allow_nan=False)  # JSON-able as it is


def test_capture_hashes_the_model(tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    payload = bytes(range(256)) * 10_000  # > one 1 MiB chunk
    model.write_bytes(payload)
    got = capture(model)["model"]
    assert got == {"path": str(model), "sha256": hashlib.sha256(payload).hexdigest(), "bytes": len(payload)}


def test_capture_missing_model_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.pkl"):
        capture(tmp_path / "nope.pkl")
    with pytest.raises(InputError, match="directory"):
        capture(tmp_path)


def test_cpu_flags_parsing() -> None:
    assert E.parse_cpu_flags("flags\t\t: fpu sse2 avx2 fma avx512f pni\n") == ["sse2", "avx2", "fma", "avx512f"]
    assert E.parse_cpu_flags("Features\t: fp asimd asimddp sve\n") == ["asimd", "asimddp", "sve"]
    assert E.parse_cpu_flags("") == []


# -- diff: clean ----------------------------------------------------------------------------------

def test_diff_of_a_capture_with_itself_is_empty(tmp_path: Path) -> None:
    a = capture()
    assert diff(a, copy.deepcopy(a)) == []
    path = tmp_path / "env.json"
    path.write_text(json.dumps(a))
    assert env_findings(str(path), str(path)) == []


def test_noise_is_not_reported(base: dict[str, Any]) -> None:
    cur = edited(base, packages__requests="2.31.1", packages__jupyter="1.0.0", captured_at="2027-01-01T00:00:00Z",
                 platform__release="6.8.0", model__path="/srv/model.pkl", cpu__count=64)
    cur["packages"].pop("click")
    assert diff(base, cur) == []


# -- diff: severity policy ------------------------------------------------------------------------

@pytest.mark.parametrize(("version", "change", "severity"), [
    ("2.5.0", "minor", Severity.MEDIUM),
    ("3.0.0", "major", Severity.HIGH),
    ("2.4.7", "patch", Severity.LOW),
    ("2.4.5", "patch", Severity.LOW),
    ("2.4.6+mkl", "build", Severity.MEDIUM),
])
def test_ml_library_change(base: dict[str, Any], version: str, change: str, severity: Severity) -> None:
    f = only(diff(base, edited(base, packages__numpy=version)))
    assert f.id == "skew.environment.package:numpy" and f.check == "skew.environment.package"
    assert f.failure_mode == FailureMode.TRAINING_SERVING_SKEW
    assert f.severity == severity
    assert f.evidence["reference"] == "2.4.6" and f.evidence["current"] == version
    assert f.evidence["change"] == change
    assert "numpy" in f.recommendation and f.recommendation


def test_direction_and_normalised_names(base: dict[str, Any]) -> None:
    cur = edited(base)
    cur["packages"] = {("Scikit_Learn" if k == "scikit-learn" else k): v for k, v in cur["packages"].items()}
    cur["packages"]["Scikit_Learn"] = "1.4.0"
    f = only(diff(base, cur))
    assert f.id == "skew.environment.package:scikit-learn"
    assert (f.severity, f.evidence["direction"]) == (Severity.MEDIUM, "downgrade")


def test_other_package_minor_is_low_and_patch_is_silent(base: dict[str, Any]) -> None:
    f = only(diff(base, edited(base, packages__requests="2.32.0")))
    assert (f.id, f.severity, f.evidence["change"]) == ("skew.environment.package:requests", Severity.LOW, "minor")
    assert only(diff(base, edited(base, packages__click="9.0.0"))).severity == Severity.LOW
    assert diff(base, edited(base, packages__requests="2.31.5")) == []


def test_model_hash_change_is_critical(base: dict[str, Any]) -> None:
    f = only(diff(base, edited(base, model__sha256="b" * 64)))
    assert (f.id, f.severity, f.evidence["change"]) == ("skew.environment.model", Severity.CRITICAL, "hash")
    assert f.evidence["reference"] == "a" * 64 and f.evidence["current"] == "b" * 64
    one_sided = only(diff(base, edited(base, model=None)))
    assert (one_sided.severity, one_sided.evidence["change"]) == (Severity.MEDIUM, "missing")


@pytest.mark.parametrize(("version", "severity", "change"), [
    ("3.12.1", Severity.HIGH, "minor"), ("3.11.10", Severity.LOW, "patch"), ("4.0.0", Severity.HIGH, "major"),
])
def test_python_change(base: dict[str, Any], version: str, severity: Severity, change: str) -> None:
    f = only(diff(base, edited(base, python__version=version)))
    assert (f.id, f.severity, f.evidence["change"]) == ("skew.environment.python", severity, change)


def test_python_implementation_change_is_high(base: dict[str, Any]) -> None:
    f = only(diff(base, edited(base, python__implementation="PyPy")))
    assert (f.severity, f.evidence["change"]) == (Severity.HIGH, "implementation")


def test_missing_ml_package_is_high(base: dict[str, Any]) -> None:
    cur = edited(base)
    cur["packages"].pop("torch")
    f = only(diff(base, cur))
    assert (f.id, f.severity, f.evidence["change"]) == ("skew.environment.package:torch", Severity.HIGH, "missing")
    assert f.evidence == {"reference": "2.3.1", "current": None, "change": "missing", "package": "torch",
                          "ml_library": True}
    added = only(diff(cur, base))  # present only in serving: also high (trained without it)
    assert added.severity == Severity.HIGH and added.evidence["current"] == "2.3.1"


def test_platform_and_cpu(base: dict[str, Any]) -> None:
    f = only(diff(base, edited(base, platform__machine="aarch64")))
    assert (f.id, f.severity, f.evidence["change"]) == ("skew.environment.platform", Severity.MEDIUM, "machine")
    assert diff(edited(base, platform__machine="arm64"), edited(base, platform__machine="aarch64")) == []
    cpu = only(diff(base, edited(base, cpu__features=["sse4_2", "avx", "avx2"])))
    assert (cpu.id, cpu.severity) == ("skew.environment.cpu", Severity.LOW)
    assert cpu.evidence["missing_in_current"] == ["avx512f", "fma"]
    assert diff(base, edited(base, cpu__features=[])) == []  # unknown on one side: nothing to say


def test_findings_sorted_most_severe_first(base: dict[str, Any]) -> None:
    cur = edited(base, packages__numpy="2.4.7", model__sha256="c" * 64, python__version="3.12.0")
    assert [f.severity for f in diff(base, cur)] == [Severity.CRITICAL, Severity.HIGH, Severity.LOW]


def test_version_change_without_packaging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(E, "_Version", None)
    assert E.version_change("2.4.6", "2.5.0rc1") == "minor"
    assert E.version_change("1.2", "1.2.0") == "patch"  # no PEP 440 equality: differs below minor
    assert E.version_change("2.3.1+cu121", "2.3.1+cpu") == "build"
    assert E.version_change("weird", "other") == "unknown"
    assert E._direction("1.9", "1.10") == "upgrade"


def test_unparseable_versions(base: dict[str, Any]) -> None:
    f = only(diff(base, edited(base, packages__torch="custom-build")))
    assert (f.severity, f.evidence["change"]) == (Severity.MEDIUM, "unknown")


# -- load_env: bad input --------------------------------------------------------------------------

def test_load_env_round_trip(tmp_path: Path, base: dict[str, Any]) -> None:
    path = tmp_path / "env.json"
    path.write_text(json.dumps(base))
    assert load_env(path) == base


@pytest.mark.parametrize(("content", "match"), [
    (None, "not found"),
    ("{not json", "invalid JSON at line 1"),
    ("[1, 2]", "expected a JSON object, got a list"),
    ('{"format_version": 1, "python": {"version": "3.11"}, "packages": []}', "'packages' must be an object"),
    ('{"python": {"version": "3.11"}, "packages": {}}', "format_version"),
    ('{"format_version": 7, "python": {"version": "3.11"}, "packages": {}}', "unsupported format_version 7"),
    ('{"format_version": 1, "packages": {}}', "'python'"),
    ('{"format_version": 1, "python": {"version": "3"}, "packages": {"x": 1}}', "package 'x'"),
    ('{"format_version": 1, "python": {"version": "3"}, "packages": {}, "model": {"path": "m"}}', "sha256"),
])
def test_load_env_bad_input_names_the_file(tmp_path: Path, content: str | None, match: str) -> None:
    path = tmp_path / "bad env.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=match) as info:
        load_env(path)
    assert str(path) in str(info.value)


def test_diff_rejects_non_captures(base: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="current environment"):
        diff(base, {"format_version": 1})


# -- CLI ------------------------------------------------------------------------------------------

def write(path: Path, data: dict[str, Any]) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def test_cli_capture_prints_json_and_writes_file(tmp_path: Path) -> None:
    model = tmp_path / "m.bin"
    model.write_bytes(b"weights")
    result = CliRunner().invoke(env, ["capture", "--model", str(model)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"]["sha256"] == hashlib.sha256(b"weights").hexdigest()
    assert data["packages"]["numpy"] == np.__version__
    out = tmp_path / "env.json"
    result = CliRunner().invoke(env, ["capture", "--out", str(out)])
    assert result.exit_code == 0 and load_env(out)["packages"]["numpy"] == np.__version__


def test_cli_capture_missing_model_is_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(env, ["capture", "--model", str(tmp_path / "gone.pkl")])
    assert isinstance(result.exception, InputError) and "gone.pkl" in str(result.exception)


def test_cli_diff_exit_codes_and_json(tmp_path: Path, base: dict[str, Any]) -> None:
    a = write(tmp_path / "a.json", base)
    runner = CliRunner()
    clean = runner.invoke(env, ["diff", a, a], standalone_mode=False)
    assert clean.exception is None and clean.return_value == 0
    assert "No findings" in clean.stdout

    b = write(tmp_path / "b.json", edited(base, packages__numpy="2.5.0"))
    medium = runner.invoke(env, ["diff", a, b], standalone_mode=False)
    assert medium.return_value == 0 and "numpy 2.4.6 -> 2.5.0" in medium.stdout
    gated = runner.invoke(env, ["diff", a, b, "--fail-on", "medium"], standalone_mode=False)
    assert gated.return_value == 1

    c = write(tmp_path / "c.json", edited(base, model__sha256="d" * 64))
    as_json = runner.invoke(env, ["diff", a, c, "--json", "-"], standalone_mode=False)
    assert as_json.return_value == 1
    report = json.loads(as_json.stdout)
    assert [f["id"] for f in report["findings"]] == ["skew.environment.model"]
    assert report["findings"][0]["severity"] == "critical"
    assert report["findings"][0]["failure_mode"] == "training_serving_skew"
    assert "skew.environment.model" in as_json.stderr  # the summary went to stderr

    path = tmp_path / "report.json"
    runner.invoke(env, ["diff", a, c, "--json", str(path), "-q"], standalone_mode=False)
    assert json.loads(path.read_text())["summary"]["max_severity"] == "critical"


def test_cli_diff_bad_file_is_input_error(tmp_path: Path, base: dict[str, Any]) -> None:
    a = write(tmp_path / "a.json", base)
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = CliRunner().invoke(env, ["diff", a, str(bad)])
    assert isinstance(result.exception, InputError) and str(bad) in str(result.exception)
