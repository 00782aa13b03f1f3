"""A deterministic loan-applications table with failures injected at known places.

The reference is the training extract; the current table is a later serving extract. Each failure
seismo knows is injected into one of them and listed in :attr:`LoanData.injected`, so the demo and
the tests can check that every one is found and nothing else is. Later failure modes add theirs here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from seismo.data.schema import Column, Kind, Role, Schema

__all__ = ["Injected", "LoanData", "LoanSplit", "make_loans", "make_loans_split"]

_STATES = ["CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA",
           "TN", "IN", "MO", "MD", "WI", "CO", "MN", "SC", "AL", "LA", "KY", "OR", "OK", "CT", "UT"]
_PURPOSES = ["debt_consolidation", "credit_card", "home_improvement", "car", "medical", "small_business",
             "moving", "vacation", "wedding", "other"]
_EMPLOYER_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
                   "Cyberdyne", "Tyrell", "Wonka", "Gringotts", "Monarch", "Oscorp", "Pied Piper"]
_EMPLOYER_KINDS = ["Inc", "LLC", "Hospital", "School District", "Logistics", "Bank", "Foods", "Labs"]


@dataclass(frozen=True)
class Injected:
    """One injected failure: the check that should find it, on which column and table."""

    check: str
    column: str | None
    dataset: str
    what: str
    id_contains: str = ""
    """A part of the finding's id that must match (when one check finds several things)."""


@dataclass(frozen=True)
class LoanData:
    """The demo tables, the schema their producer declares, and the failures injected."""

    reference: pl.DataFrame
    current: pl.DataFrame
    schema: Schema
    injected: tuple[Injected, ...]
    target: str = "default"
    prediction: str = "prediction"
    timestamp: str = "applied_at"
    id: str = "application_id"


def _base(rng: np.random.Generator, n: int, start_s: int, first_id: int) -> dict[str, np.ndarray]:
    age = np.clip(rng.normal(41, 12, n).round(), 18, 85).astype(np.int64)
    income = np.round(np.exp(rng.normal(10.9, 0.55, n)), -2)
    amount = np.round(np.clip(rng.gamma(2.2, 6000, n), 1000, 40000), -2)
    score = np.clip(rng.normal(690, 55, n).round(), 300, 850).astype(np.int64)
    emp = np.round(np.clip(rng.exponential(5.5, n), 0, 40), 1)
    term = rng.choice([36, 60], n, p=[0.72, 0.28])
    rate = np.round(np.clip(28 - (score - 300) / 550 * 22 + rng.normal(0, 1.5, n) + (term == 60) * 2, 5, 30), 2)
    logit = -2.2 + 3.2 * (amount / income) - 0.012 * (score - 690) + 0.08 * (rate - 12) - 0.02 * emp
    p_default = 1 / (1 + np.exp(-logit))
    default = (rng.random(n) < p_default).astype(np.int64)
    model_score = np.clip(p_default + rng.normal(0, 0.05, n), 0.001, 0.999).round(4)
    gaps = rng.exponential(180, n).astype(np.int64) + 1
    customers = 1_600_000_000_000 + rng.integers(0, 90_000_000_000, n // 3 + 1)  # 64-bit ids in the epoch-ms range
    names = np.random.default_rng(12345)  # one population of employers for every extract
    employers = np.array([f"{a} {b} {i}" for i, (a, b) in enumerate(
        zip(names.choice(_EMPLOYER_WORDS, 6000), names.choice(_EMPLOYER_KINDS, 6000), strict=True))])
    return {
        "application_id": np.array([f"APP-{i:08d}" for i in range(first_id, first_id + n)]),
        "customer_id": rng.choice(customers, n),
        "applied_at": start_s + np.cumsum(gaps),
        "age": age,
        "income": income,
        "loan_amount": amount,
        "term_months": term,
        "interest_rate": rate,
        "credit_score": score,
        "employment_length": emp,
        "home_ownership": rng.choice(["RENT", "MORTGAGE", "OWN"], n, p=[0.45, 0.42, 0.13]),
        "purpose": rng.choice(_PURPOSES, n, p=[0.42, 0.2, 0.09, 0.06, 0.05, 0.05, 0.04, 0.03, 0.02, 0.04]),
        "state": rng.choice(_STATES, n),
        "channel": rng.choice(["web", "branch", "partner"], n, p=[0.6, 0.25, 0.15]),
        "employer_name": rng.choice(employers, n),
        "customer_ref": np.array([f"{v:032x}" for v in rng.integers(0, 2**62, n)]),
        "default": default,
        "__p_default": p_default,  # the true probability, for the concept-drift injection; not in the tables
        "score": model_score,
        "prediction": (model_score >= 0.35).astype(np.int64),
    }


def _declared_schema() -> Schema:
    """What the team that produces the table declares beside its code ("shift left")."""
    return Schema.declare(
        application_id=Column.id(),
        customer_id=Column(role=Role.ID, kind=Kind.IDENTIFIER),
        applied_at=Column.timestamp(),
        age=Column.numeric(min=18, max=100),
        credit_score=Column.numeric(min=300, max=850),
        customer_ref=Column.feature(Kind.CATEGORICAL),  # the model really does use it: a mistake
        last_payment_date=Column(role=Role.METADATA, kind=Kind.DATETIME),
        default=Column.target(Kind.CATEGORICAL),
        prediction=Column.prediction(Kind.CATEGORICAL),
        score=Column(role=Role.PROBABILITY, kind=Kind.NUMERIC),
    )


def make_loans(n_reference: int = 20_000, n_current: int = 10_000, *, seed: int = 7) -> LoanData:
    """Build the demo tables (deterministic for a given seed).

    >>> d = make_loans(2_000, 1_000)
    >>> d.reference.height, d.current.height, len(d.injected) > 5
    (2040, 1000, True)
    """
    rng = np.random.default_rng(seed)
    ref = _base(rng, n_reference, 1_685_577_600, 0)  # from 2023-06-01
    cur = _base(rng, n_current, int(ref["applied_at"][-1]) + 86_400 * 30, n_reference)
    injected: list[Injected] = []

    def inject(check: str, column: str | None, dataset: str, what: str, id_contains: str = "") -> None:
        injected.append(Injected(check, column, dataset, what, id_contains))

    # Reference (training extract)
    ref["income_usd"] = ref["income"].copy()
    inject("quality.duplicate_columns", "income", "reference", "income copied as income_usd")
    ref["currency"] = np.full(n_reference, "USD")
    inject("quality.constant", "currency", "reference", "a column that never varies")
    cur["currency"] = np.full(n_current, "USD")
    inject("quality.constant", "currency", "current", "a column that never varies")
    cur["income_usd"] = cur["income"].copy()
    inject("quality.duplicate_columns", "income", "current", "income copied as income_usd")
    months = rng.integers(0, 120, n_reference).astype(str).astype(object)
    months[rng.random(n_reference) < 0.15] = "n/a"
    ref["months_since_delinquency"] = months
    inject("quality.mixed_types", "months_since_delinquency", "reference", "numbers with 'n/a' as text")
    months_cur = rng.integers(0, 120, n_current).astype(str).astype(object)
    months_cur[rng.random(n_current) < 0.15] = "n/a"
    cur["months_since_delinquency"] = months_cur
    inject("quality.mixed_types", "months_since_delinquency", "current", "numbers with 'n/a' as text")
    for label in ("reference", "current"):
        inject("quality.identifier_feature", "customer_ref", label, "a per-row random token declared as a feature")
        inject("quality.high_cardinality", "employer_name", label, "thousands of employer names")
    promo = rng.choice(["SPRING", "SUMMER", "NONE"], n_reference).astype(object)
    promo[rng.random(n_reference) >= 0.9] = None
    ref["promo_code"] = promo
    cur["promo_code"] = np.full(n_current, None)
    # one finding: its rise (10% -> 100%), which folds the current's all-missing share into it
    inject("quality.missing_rise", "promo_code", "current", "the column stopped arriving")
    # Current (serving extract)
    home = cur["home_ownership"].astype(object)
    home[rng.random(n_current) < 0.03] = "?"
    cur["home_ownership"] = home
    # one cause, one finding: '?' is a missing value written as text, not a new category
    inject("quality.disguised_missing", "home_ownership", "current", "'?' written for an unknown value")
    channel = cur["channel"].astype(object)
    channel[(channel == "web") & (rng.random(n_current) < 0.1)] = "Web "
    cur["channel"] = channel
    # one finding: the serving spelling, which folds quality.inconsistent_categories on the column into it
    inject("skew.category_spelling", "channel", "current",
           "serving writes 'Web ' where training wrote 'web' (a second app version)")
    broken_join = rng.random(n_current) < 0.35
    cur["employment_length"] = np.where(broken_join, np.nan, cur["employment_length"])
    inject("quality.missing_rise", "employment_length", "current", "a broken join: a third of the rows lost their value")
    zero_income = rng.random(n_current) < 0.01
    cur["income"] = np.where(zero_income, 0.0, cur["income"])
    cur["income_usd"] = cur["income"].copy()
    for table in (ref, cur):
        with np.errstate(divide="ignore"):
            table["loan_to_income"] = np.round(table["loan_amount"] / table["income"], 4)
    inject("quality.nonfinite", "loan_to_income", "current", "division by a zero income")
    # income_usd is income's copy: its findings are income's, folded into quality.duplicate_columns
    inject("skew.out_of_range", "income", "current", "zero incomes, below anything seen in training")
    # Distribution shift and training-serving skew (serving extract)
    cur["interest_rate"] = np.round(cur["interest_rate"] + 2.5, 2)
    inject("shift.column", "interest_rate", "current", "rates rose by 2.5 points (about 0.8 sd)")
    inject("shift.multivariate", "interest_rate", "current", "the domain classifier names the rates")
    inject("shift.time", "interest_rate", "current", "the rise is there from the first serving day: sudden")
    inject("skew.out_of_range", "interest_rate", "current", "the raised rates pass the training maximum")
    cur["loan_amount"] = cur["loan_amount"] * 100
    inject("skew.scale", "loan_amount", "current", "serving sends cents, training had dollars (x100)")
    purpose = cur["purpose"].astype(object)
    purpose[rng.random(n_current) < 0.04] = "crypto"
    cur["purpose"] = purpose
    inject("skew.unseen_categories", "purpose", "current", "a loan purpose the model never saw")
    cur["term_months"] = np.array([f"{t} months" for t in cur["term_months"]])
    inject("skew.dtype_change", "term_months", "current", "serving writes '36 months' where training had 36")
    # a shift that only a segment shows: partner applicants now come scored by a second bureau (+35
    # points) while web scores slipped (-9), so the table's average and spread hardly move
    partner, web = cur["channel"] == "partner", np.char.lower(np.char.strip(cur["channel"].astype(str))) == "web"
    cur["credit_score"] = np.clip(cur["credit_score"] + np.where(partner, 35, np.where(web, -9, 0)), 300, 850)
    inject("shift.segment", "credit_score", "current", "partner scores +35 and web -9: the average stays put")
    # concept drift: a downturn in the last 40% of the serving period triples the odds of default
    # while the model's scores (and inputs) stay as they were
    p_cur = cur["__p_default"]
    late = cur["applied_at"] >= np.quantile(cur["applied_at"], 0.6)
    odds = p_cur / (1 - p_cur) * 3.0
    cur["default"] = np.where(late, (rng.random(n_current) < odds / (1 + odds)).astype(np.int64), cur["default"])
    inject("concept.performance", "default", "current", "the model's errors rise when defaults triple in odds")
    inject("concept.error_stream", "default", "current", "ADWIN / DDM on the error stream signal the downturn")
    inject("concept.attribution", "default", "current", "the error rise split into the inputs' part and the relation's")
    inject("concept.estimate_gap", "default", "current", "realised accuracy falls below the scores' own estimate")
    inject("shift.column", "default", "current", "the default rate rises with the downturn")
    del cur["state"]
    inject("skew.missing_column", "state", "current", "serving stopped sending the state")
    sentinel = rng.choice(n_current, 40, replace=False)
    cur["age"][sentinel[:20]] = -1
    cur["age"][sentinel[20:]] = 999
    inject("quality.schema_values", "age", "current", "sentinel ages -1 and 999")
    inject("skew.out_of_range", "age", "current", "sentinel ages -1 and 999")
    inject("quality.disguised_missing", "age", "current", "sentinel ages -1 and 999")
    for label, table, n in (("reference", ref, n_reference), ("current", cur, n_current)):
        days = rng.integers(0, 400, n).astype("timedelta64[D]") + np.datetime64("2023-01-01")
        dates = days.astype(str).astype(object)
        if label == "current":
            dates[rng.choice(n, 60, replace=False)] = "31/02/2024"
        table["last_payment_date"] = dates
    inject("quality.timestamps", "last_payment_date", "current", "dates in a foreign format that cannot be parsed",
           ":unparsable")
    cur["applied_at"][rng.choice(n_current, 25, replace=False)] = 0
    inject("quality.timestamps", "applied_at", "current", "event times written as 0 (1970-01-01)", ":epoch_zero")
    # an incident in the training data: one day, the partner channel's feed marked every loan defaulted
    day = (ref["applied_at"] - ref["applied_at"][0]) // 86_400
    incident = (day == day.max() // 2) & (ref["channel"] == "partner")
    ref["default"] = np.where(incident, 1, ref["default"])
    inject("shift.anomalous_period", "channel", "reference", "one day of partner loans all marked defaulted")
    for table in (ref, cur):
        del table["__p_default"]
    reference = _frame(ref)
    dup = reference.sample(int(n_reference * 0.02), seed=seed)
    reference = pl.concat([reference, dup])
    inject("quality.duplicate_rows", None, "reference", "2% of rows appended twice")
    return LoanData(reference, _frame(cur), _declared_schema(), tuple(injected))


def _frame(cols: dict[str, np.ndarray]) -> pl.DataFrame:
    out = {}
    for k, v in cols.items():
        if v.dtype == object:
            out[k] = pl.Series(k, v.tolist(), dtype=pl.String)
        else:
            out[k] = pl.Series(k, v)
    return pl.DataFrame(out)


@dataclass(frozen=True)
class LoanSplit:
    """A train/test split of loan applications for ``seismo leakage``, with the leaks injected."""

    train: pl.DataFrame
    test: pl.DataFrame
    schema: Schema
    injected: tuple[Injected, ...]
    target: str = "default"
    timestamp: str = "applied_at"
    id: str = "application_id"
    group: str = "customer_id"


def make_loans_split(n_train: int = 14_000, n_test: int = 6_000, *, leaky: bool = False, seed: int = 11) -> LoanSplit:
    """A chronological train/test split of loan applications; with ``leaky=True``, the leaks of
    issue 6 injected at known places (deterministic for a given seed).

    Leaks: a recovery fee written only for loans that defaulted (target leakage, and its missingness);
    the last contact with the customer, recorded weeks after the application (a value from after the
    event); income standardised with the mean and spread of train and test together (preprocessing
    before the split); 3% of the test rows copied from the training rows (contamination); and the
    rows split at random instead of by time (time travel, customers on both sides).

    >>> clean, leaky = make_loans_split(1_400, 600), make_loans_split(1_400, 600, leaky=True)
    >>> clean.train.height, clean.test.height, len(clean.injected), len(leaky.injected) > 5
    (1400, 600, 0, True)
    """
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    cols = _base(rng, n, 1_685_577_600, 0)
    del cols["__p_default"]
    for name in ("score", "prediction", "customer_ref", "employer_name"):
        del cols[name]  # a split for training: no model outputs yet, no per-row tokens
    injected: list[Injected] = []
    order = np.arange(n)
    if leaky:
        default = cols["default"].astype(bool)
        fee = np.round(cols["loan_amount"] * rng.uniform(0.08, 0.12, n), 2)
        cols["recovery_fee"] = np.where(default, fee, np.nan)
        injected += [Injected("leakage.target", "recovery_fee", "train", "a fee charged only after a default"),
                     Injected("leakage.missingness", "recovery_fee", "train", "missing for every loan that did not default")]
        contact = cols["applied_at"] + rng.integers(5, 120, n) * 86_400
        cols["last_contact_at"] = (contact * 1000).astype("datetime64[ms]")
        injected.append(Injected("leakage.post_event", "last_contact_at", "train", "recorded weeks after the application"))
        order = rng.permutation(n)
        injected.append(Injected("leakage.chronology", "applied_at", "test", "a random split of time-ordered rows"))
        injected.append(Injected("leakage.entities", "customer_id", "test", "customers on both sides of the split"))
    frame = _frame(cols)
    train, test = frame[order[:n_train].tolist()], frame[order[n_train:].tolist()]
    if leaky:
        copies = train.sample(int(n_test * 0.03), seed=seed)
        test = pl.concat([test[: n_test - copies.height], copies])
        injected.append(Injected("leakage.duplicates", None, "test", "3% of test rows copied from training rows"))
        both = pl.concat([train, test]).get_column("income")
        mean, std = both.mean(), both.std()  # the scaler fitted on train and test together
        train, test = (t.with_columns(((pl.col("income") - mean) / std).alias("income_z")) for t in (train, test))
        injected.append(Injected("leakage.preprocessing", "income_z", "train", "standardised over train and test together"))
    schema = Schema.declare(application_id=Column.id(), customer_id=Column(role=Role.GROUP, kind=Kind.IDENTIFIER),
                            applied_at=Column.timestamp(), default=Column.target(Kind.CATEGORICAL),
                            **({"last_contact_at": Column.feature(Kind.DATETIME)} if leaky else {}))
    return LoanSplit(train, test, schema, tuple(injected))
