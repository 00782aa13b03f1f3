"""Today's reports, held against their golden files (see ``_cases.py``)."""

from __future__ import annotations

import json

import pytest

from ._cases import CASES, digest, path


@pytest.mark.parametrize("name", list(CASES))
def test_report_matches_golden(name: str) -> None:
    want = json.loads(path(name).read_text(encoding="utf-8"))
    got = json.loads(json.dumps(digest(CASES[name]()), sort_keys=True))
    assert got["datasets"] == want["datasets"]
    got_ids = [f["id"] for f in got["findings"]]
    want_ids = [f["id"] for f in want["findings"]]
    assert sorted(got_ids) == sorted(want_ids), (
        f"missing: {sorted(set(want_ids) - set(got_ids))}, new: {sorted(set(got_ids) - set(want_ids))}")
    by_id = {f["id"]: f for f in want["findings"]}
    for f in got["findings"]:
        assert f == by_id[f["id"]], f["id"]
    assert got_ids == want_ids, "same findings, another order"
