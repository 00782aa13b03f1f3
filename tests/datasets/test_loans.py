"""The demo data: every injected failure is found on the right column and table, and nothing else."""

from __future__ import annotations

import json

import seismo
from seismo.datasets import make_loans


def _matches(finding: dict, inj: seismo.datasets.Injected) -> bool:  # type: ignore[type-arg]
    if finding["check"] != inj.check:
        return False
    if inj.column is not None and inj.column not in finding["columns"]:
        return False
    if inj.id_contains and inj.id_contains not in finding["id"]:
        return False
    return finding["evidence"].get("dataset", inj.dataset) in (inj.dataset, "both")  # both: one finding for two tables


def _with_parts(findings: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """The findings, and the parts each holds (a change point is a part of the drop it tells of)."""
    return [*findings, *({**part, "check": check} for f in findings
                         for check, part in (f["evidence"].get("parts") or {}).items())]


def test_demo_finds_every_injected_failure_and_nothing_spurious() -> None:
    data = make_loans(6000, 3000)
    report = seismo.scan(data.reference, data.current, target=data.target, prediction=data.prediction,
                         timestamp=data.timestamp, id=data.id, schema=data.schema)
    findings = _with_parts(json.loads(report.to_json())["findings"])
    missed = [inj for inj in data.injected if not any(_matches(f, inj) for f in findings)]
    assert missed == []
    spurious = [f["id"] for f in findings if not any(_matches(f, inj) for inj in data.injected)]
    assert spurious == []


def test_generator_is_deterministic() -> None:
    a, b = make_loans(500, 200, seed=3), make_loans(500, 200, seed=3)
    assert a.reference.equals(b.reference) and a.current.equals(b.current)
    assert not make_loans(500, 200, seed=4).reference.equals(a.reference)


def test_the_id_trap_is_in_the_demo() -> None:
    data = make_loans(2000, 500)
    inferred = seismo.infer_schema(data.reference)
    assert str(inferred["customer_id"].kind) == "identifier"  # 64-bit ids in the epoch-ms range
    assert str(inferred["applied_at"].kind) == "datetime"  # epoch seconds
