"""One finding per cause, and the finding that hurts the model first (issue 14, part 3)."""

from __future__ import annotations

import seismo
from seismo.report.model import FailureMode, Finding, Severity, sort_findings


def _f(check: str, severity: Severity, columns: tuple[str, ...] = (), mode: FailureMode = FailureMode.DATA_QUALITY,
       **evidence: object) -> Finding:
    return Finding(check=check, failure_mode=mode, severity=severity, columns=columns, message=check,
                   evidence=dict(evidence), recommendation="", id=f"{check}:{'.'.join(columns)}")


def test_the_demo_leads_with_the_models_drop_told_once() -> None:
    from seismo.datasets import make_loans

    d = make_loans(4000, 2000)
    report = seismo.scan(d.reference, d.current, target=d.target, prediction=d.prediction, timestamp=d.timestamp,
                         id=d.id, schema=d.schema)
    first = report.findings[0]
    assert first.id == "concept.performance:drop" and first.message.startswith("the model got worse from ")
    assert [f.check for f in report.findings].count("concept.performance") == 1
    assert [f.check for f in report.findings].count("concept.estimate_gap") <= 1
    assert "accuracy" in first.evidence["metrics"] and first.evidence["metric"] == "accuracy"


def test_a_drop_comes_first_then_its_causes_then_the_rest_by_severity() -> None:
    drop = _f("concept.performance", Severity.MEDIUM, ("y",), FailureMode.CONCEPT_DRIFT)
    why = _f("concept.attribution", Severity.MEDIUM, ("y", "income"), FailureMode.CONCEPT_DRIFT,
             features=[{"feature": "income"}])
    cause = _f("shift.column", Severity.LOW, ("income",), FailureMode.DISTRIBUTION_SHIFT)
    other = _f("quality.missing", Severity.HIGH, ("notes",))
    estimate = _f("concept.estimate_gap", Severity.HIGH, ("y",), FailureMode.CONCEPT_DRIFT)
    ordered = sort_findings([other, cause, estimate, why, drop])
    assert [f.check for f in ordered] == ["concept.performance", "concept.estimate_gap", "concept.attribution",
                                          "shift.column", "quality.missing"]
    assert [f.check for f in sort_findings([cause, other])] == ["quality.missing", "shift.column"]  # no drop: severity


def test_one_scaler_fitted_before_the_split_is_one_finding_with_its_columns() -> None:
    import numpy as np
    import polars as pl
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :13]
    scaled = StandardScaler().fit_transform(x)  # fitted on every row, then split: the leak
    names = [f"f{i}" for i in range(13)]
    frame = pl.DataFrame({**{n: scaled[:, i] for i, n in enumerate(names)}, "y": y})
    order = np.random.default_rng(0).permutation(frame.height)
    train, test = frame[order[:400].tolist()], frame[order[400:].tolist()]
    report = seismo.scan_leakage(train, test, target="y")
    found = [f for f in report.findings if f.check == "leakage.preprocessing"]
    assert [f.id for f in found] == ["leakage.preprocessing:standardisation"]
    assert sorted(found[0].columns) == sorted(names) and found[0].message.startswith("13 columns show standardisation")
    assert set(found[0].evidence["per_column"]) == set(names)


def test_a_column_that_stopped_arriving_is_one_finding_not_two() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(1)
    ref = pl.DataFrame({"promo": rng.choice(["a", "b", None], 2000, p=[0.45, 0.45, 0.1]), "x": rng.normal(size=2000)})
    cur = pl.DataFrame({"promo": pl.Series([None] * 1000, dtype=pl.String), "x": rng.normal(size=1000)})
    report = seismo.scan(ref, cur)
    on_promo = [f for f in report.findings if "promo" in f.columns]
    assert [f.id for f in on_promo] == ["quality.missing_rise:promo"]
    assert on_promo[0].evidence["explains"] == ["quality.missing:current:promo"]
    alone = seismo.scan(ref, cur, only=["quality.missing"])  # without the rise, the share is told on its own
    assert [f.id for f in alone.findings] == ["quality.missing:current:promo"]


def test_a_respelled_category_is_told_once_by_the_serving_skew() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(2)
    ref = pl.DataFrame({"channel": rng.choice(["web", "app", "shop"], 3000)})
    cur = pl.DataFrame({"channel": rng.choice(["web", "Web ", "app", "shop"], 1500, p=[0.25, 0.1, 0.35, 0.3])})
    report = seismo.scan(ref, cur)
    on_channel = [f for f in report.findings if "channel" in f.columns]
    assert [f.id for f in on_channel] == ["skew.category_spelling:channel:spelling"]
    assert "quality.inconsistent_categories:current:channel" in on_channel[0].evidence["explains"]


def test_folds_take_the_named_root_among_several_and_leave_the_references_own_problem() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(3)
    ref = pl.DataFrame({"channel": rng.choice(["web", "app", "shop"], 3000)})
    cur = pl.DataFrame({"channel": rng.choice(["web", "Web ", "app", "shop", None], 1500, p=[0.2, 0.1, 0.3, 0.2, 0.2])})
    found = {f.id: f for f in seismo.scan(ref, cur).findings}
    assert "quality.missing_rise:channel" in found  # two roots on one column: the rise and the spelling
    assert "quality.inconsistent_categories:current:channel" in found["skew.category_spelling:channel:spelling"].evidence[
        "explains"]
    a = rng.normal(size=3000)
    a[rng.random(3000) < 0.5] = np.nan  # the training data's own gap
    b = rng.normal(size=1500)
    b[rng.random(1500) < 0.9] = np.nan
    found = {f.id: f for f in seismo.scan(pl.DataFrame({"a": a, "k": rng.normal(size=3000)}),
                                          pl.DataFrame({"a": b, "k": rng.normal(size=1500)})).findings}
    assert "quality.missing:reference:a" in found
    assert "quality.missing:current:a" in found["quality.missing_rise:a"].evidence["explains"]


def test_a_problem_both_tables_show_is_one_finding_with_both_tables_figures() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)

    def table(n: int, varied: int) -> pl.DataFrame:
        return pl.DataFrame({"currency": ["USD"] * n, "x": rng.normal(0, 1, n),
                             "employer": [f"e{i}" for i in rng.integers(0, varied, n)]})

    report = seismo.scan(table(6_000, 3_000), table(5_000, 2_000))
    constant = [f for f in report.findings if f.check == "quality.constant"]
    assert [f.id for f in constant] == ["quality.constant:currency"]
    (f,) = constant
    assert f.evidence["dataset"] == "both" and set(f.evidence["per_table"]) == {"reference", "current"}
    assert f.message.startswith("'currency' (both tables) is constant: 100.0%")
    many = [f for f in report.findings if f.check == "quality.high_cardinality"]
    assert [f.id for f in many] == ["quality.high_cardinality:employer"]  # figures differ: both are given
    assert "(current) has" in many[0].message and "; reference has" in many[0].message
    varied = table(5_000, 10).with_columns(pl.Series("currency", ["USD", "EUR"] * 2_500))
    only_ref = seismo.scan(table(6_000, 10), varied)
    assert [f.evidence["dataset"] for f in only_ref.findings if f.check == "quality.constant"] == ["reference"]


def test_a_missing_value_written_as_text_is_not_also_an_unseen_category() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(3)
    levels = np.array(["RENT", "OWN", "MORTGAGE"])
    ref = pl.DataFrame({"home": levels[rng.integers(0, 3, 5_000)]})
    cur_home = levels[rng.integers(0, 3, 5_000)].astype(object)
    cur_home[:150] = "?"
    cur_home[150:300] = "CRYPTO_LOAN"
    report = seismo.scan(ref, pl.DataFrame({"home": cur_home.astype(str)}))
    checks = {f.check: f for f in report.findings}
    assert "quality.disguised_missing" in checks  # '?' told once, as a missing value
    unseen = checks["skew.unseen_categories"]  # the real new category still is one
    assert list(unseen.evidence["categories"]) == ["CRYPTO_LOAN"]


def test_a_copied_columns_findings_fold_into_the_copy_finding() -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(4)
    income = rng.lognormal(10, 0.5, 5_000).round(0)
    ref = pl.DataFrame({"income": income, "income_usd": income, "x": rng.normal(0, 1, 5_000)})
    served = np.r_[np.zeros(100), rng.lognormal(10, 0.5, 4_900).round(0)]  # zero incomes: out of range
    cur = pl.DataFrame({"income": served, "income_usd": served, "x": rng.normal(0, 1, 5_000)})
    report = seismo.scan(ref, cur, only=["quality.duplicate_columns", "skew.out_of_range"])
    ranges = [f for f in report.findings if f.check == "skew.out_of_range"]
    assert [f.columns for f in ranges] == [("income",)]  # the copy's is not told again
    (copies,) = [f for f in report.findings if f.check == "quality.duplicate_columns"]
    assert copies.evidence["explains"] == ["skew.out_of_range:income_usd"]
