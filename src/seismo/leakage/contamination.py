"""Train-test contamination: the test rows the model has already seen.

* ``leakage.duplicates`` - test rows whose feature values occur exactly in the training table (a
  64-bit hash of each row's features; the chance that two different rows collide is about
  ``n_train * n_test / 2**64``, 5e-8 at a million rows a side). Tables with few distinct feature
  vectors repeat values by nature, so the observed share is tested against the natural one, the
  share of training rows whose vector occurs again in the training table itself (what a fresh row
  from the same population matches, leave-one-out): binomial p < 0.001, and at least half a point
  above it when rows do repeat by chance (a natural share of 0.1% or more).
* ``leakage.near_duplicates`` - test rows far closer to a training row than training rows are to
  each other: numeric features standardised on the training table, nearest-neighbour distances
  (exact, brute force) from up to 2,000 test rows, and from 2,000 training rows (leaving each row
  itself out), to the same sample of up to 50,000 training rows (20,000 inside ``seismo scan``); a test row is a near duplicate
  when its distance is above zero and below the 1st percentile of the training rows' own. With more
  than 50,000 training rows, copies of rows outside the sample are not seen (the evidence says how
  many rows the reference holds). By construction about 1% of test
  rows fall there when both splits come from one population; a share of at least 3% with binomial
  p < 0.001 against 1% is reported.
* ``leakage.entities`` - ``seismo leakage --group COL`` / ``--id COL``: the same entity (patient,
  customer, device) on both sides; inside ``seismo scan`` it is not run, since serving data meets
  training entities again by nature.

Source: Kaufman et al. (2012), ACM TKDD 6(4); on near duplicates across splits, Allamanis (2019),
"The adverse effects of code duplication in machine learning models of code", Onward!.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.leakage._common import Split, times, two_tables
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_duplicates", "check_entities", "check_near_duplicates"]

Array = np.ndarray[Any, Any]

ALPHA = 0.001
MIN_EXCESS = 0.005
NATURAL_RARE = 0.001
NEAR_REFERENCE = 50_000
NEAR_REFERENCE_SCAN = 20_000
NEAR_QUERIES = 2_000
NEAR_QUANTILE = 0.01
NEAR_MIN_SHARE = 0.03
NEAR_MIN_FEATURES = 2
NEAR_MIN_TRAIN = 200
NEAR_MIN_TEST = 50
"""leakage.near_duplicates needs this many numeric features (with a spread), training rows and test rows."""
NEAR_MIN_DISTANCES = 50
"""... and this many sampled training rows at a positive distance from their nearest neighbour."""
_EXAMPLES = 20


def _severity(share: float) -> Severity:
    return Severity.HIGH if share >= 0.05 else Severity.MEDIUM if share >= 0.01 else Severity.LOW


def _row_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """One 64-bit hash per row of ``columns`` (floats normalised: -0.0 as 0.0, every NaN alike)."""
    exprs = []
    for c in columns:
        dtype = frame.schema[c]
        if dtype.is_float():
            exprs.append(pl.when(pl.col(c).is_nan()).then(None).otherwise(pl.col(c) + 0.0).alias(c))
        else:
            exprs.append(pl.col(c))
    return frame.select(exprs).hash_rows(seed=0)


def check_duplicates(ctx: ScanContext) -> list[Finding]:
    """Test rows identical, in every feature, to a training row."""
    from scipy.stats import binom

    split = two_tables(ctx)
    assert split.test is not None
    if split.train.height < 2:
        raise NotApplicable(f"only {split.train.height} {split.train_name} row, below the 2 this check needs")
    columns = [n for n, _ in split.features]
    if not columns:
        raise NotApplicable(split.no_features())
    train_h = _row_hashes(split.train, columns)
    test_h = _row_hashes(split.test, columns)
    in_train = test_h.is_in(train_h.implode()).to_numpy()
    matched = int(in_train.sum())
    if matched == 0:
        return []
    repeat = train_h.is_duplicated().mean()
    natural = float(repeat) if isinstance(repeat, (int, float)) else 0.0
    n_test = split.test.height
    share = matched / n_test
    p = float(binom.sf(matched - 1, n_test, min(max(natural, 1e-12), 1.0)))
    # where rows never repeat by chance any significant count is a leak (low when small); where they do
    # (few distinct feature vectors), only an excess of half a point or more is worth a finding
    if p >= ALPHA or matched < 3 or (natural >= NATURAL_RARE and share - natural < MIN_EXCESS):
        ctx.note("(table)", cross_split_duplicates=matched)
        return []
    rows = np.flatnonzero(in_train)[:_EXAMPLES]
    train_pos = _positions_of(train_h, test_h.gather(rows))
    return [Finding(
        check="leakage.duplicates", failure_mode=FailureMode.DATA_LEAKAGE, severity=_severity(share - natural),
        columns=(),
        message=f"{matched:,} of {n_test:,} test rows ({share:.1%}) repeat a training row exactly in all "
                f"{len(columns)} features (by chance: {natural:.1%})",
        evidence={"test": "64-bit row hashes; binomial against the training table's own repeat rate",
                  "statistic": share, "natural_share": natural, "p_value": p, "matched_rows": matched,
                  "sample_size": n_test, "features": len(columns),
                  "threshold": f"p < {ALPHA}, and share - natural >= {MIN_EXCESS:.1%} where the natural share is "
                               f">= {NATURAL_RARE:.1%}",
                  "examples": [{"test_row": int(r), "train_row": int(t)} for r, t in zip(rows, train_pos, strict=True)]},
        recommendation=("Deduplicate before splitting (or split by the entity the duplicates share): the model is "
                        "scored on rows it was trained on, so the test score overstates what it does on new data."),
        id="leakage.duplicates")]


def _positions_of(train_h: pl.Series, wanted: pl.Series) -> list[int]:
    """The first training position of each wanted hash."""
    frame = (pl.DataFrame({"h": train_h}).with_row_index("pos").filter(pl.col("h").is_in(wanted.implode()))
             .group_by("h").agg(pl.col("pos").min()))
    found = pl.DataFrame({"h": wanted}).join(frame, on="h", how="left", maintain_order="left")
    return [int(v) if v is not None else -1 for v in found.get_column("pos").to_list()]


def check_near_duplicates(ctx: ScanContext) -> list[Finding]:
    """Test rows much closer to a training row than training rows are to one another."""
    from scipy.stats import binom
    from sklearn.neighbors import NearestNeighbors

    split = two_tables(ctx)
    assert split.test is not None
    numeric = [n for n, k in split.features if k == Kind.NUMERIC and split.train.schema[n].is_numeric()
               and split.test.schema[n].is_numeric()]
    if len(numeric) < NEAR_MIN_FEATURES:
        raise NotApplicable(f"{len(numeric)} numeric feature{'s' if len(numeric) != 1 else ''} in both tables, "
                            f"below the {NEAR_MIN_FEATURES} this check needs")
    for name, rows, least in ((split.train_name, split.train.height, NEAR_MIN_TRAIN),
                              (split.test_name, split.test.height, NEAR_MIN_TEST)):
        if rows < least:
            raise NotApplicable(f"only {rows:,} {name} rows, below the {least} this check needs")
    rng = np.random.default_rng(0)
    # inside a scan a 20,000-row reference keeps the check to a fraction of a second at any size
    n_ref = min(NEAR_REFERENCE if split.command else NEAR_REFERENCE_SCAN, split.train.height)
    ref = np.sort(rng.choice(split.train.height, n_ref, replace=False))
    held = np.sort(rng.choice(n_ref, min(NEAR_QUERIES, n_ref), replace=False))
    test_rows = np.sort(rng.choice(split.test.height, min(NEAR_QUERIES, split.test.height), replace=False))
    # only the sampled rows are converted: the scale comes from the training sample
    train = split.train[ref].select(numeric).cast(pl.Float64).to_numpy()
    test = split.test[test_rows].select(numeric).cast(pl.Float64).to_numpy()
    with warnings.catch_warnings():  # an all-missing column has no mean: dropped just below
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.nanmean(np.where(np.isfinite(train), train, np.nan), axis=0)
        scale = np.nanstd(np.where(np.isfinite(train), train, np.nan), axis=0)
    keep = np.isfinite(center) & np.isfinite(scale) & (scale > 0)
    if keep.sum() < NEAR_MIN_FEATURES:
        raise NotApplicable(f"{int(keep.sum())} numeric feature{'s' if keep.sum() != 1 else ''} with a spread in the "
                            f"{split.train_name}, below the {NEAR_MIN_FEATURES} this check needs")

    def standard(a: Array) -> Array:
        z = (a[:, keep] - center[keep]) / scale[keep]
        return np.where(np.isfinite(z), z, 0.0)  # missing at the mean

    nn = NearestNeighbors(n_neighbors=2, algorithm="brute").fit(standard(train))
    # training rows against the other reference rows (leave one out: the nearest is the row itself)
    d_train = nn.kneighbors(standard(train[held]), return_distance=True)[0][:, 1]
    d_test, idx = nn.kneighbors(standard(test), n_neighbors=1, return_distance=True)
    d_test, idx = d_test[:, 0], idx[:, 0]
    positive = d_train[d_train > 0]
    if positive.size < NEAR_MIN_DISTANCES:
        raise NotApplicable(f"only {positive.size:,} of {d_train.size:,} sampled {split.train_name} rows differ from "
                            f"their nearest neighbour, below the {NEAR_MIN_DISTANCES} needed to set a distance "
                            "threshold (the rows repeat)")
    tau = float(np.quantile(positive, NEAR_QUANTILE))
    near = (d_test > 0) & (d_test < tau)
    count = int(near.sum())
    share = count / test_rows.size
    p = float(binom.sf(count - 1, test_rows.size, NEAR_QUANTILE)) if count else 1.0
    ctx.note("(table)", near_duplicate_share=share)
    if share < NEAR_MIN_SHARE or p >= ALPHA:
        return []
    examples = np.flatnonzero(near)[:_EXAMPLES]
    severity = Severity.HIGH if share >= 0.2 else Severity.MEDIUM if share >= 0.05 else Severity.LOW
    return [Finding(
        check="leakage.near_duplicates", failure_mode=FailureMode.DATA_LEAKAGE, severity=severity, columns=(),
        message=f"{share:.1%} of test rows lie closer to a training row than 99% of training rows lie to each other "
                "(near duplicates: the same case, lightly changed)",
        evidence={"test": "nearest-neighbour distance on standardised numeric features, binomial against 1%",
                  "statistic": share, "p_value": p, "threshold_distance": tau,
                  "threshold": f"share >= {NEAR_MIN_SHARE:.0%} and p < {ALPHA} (1% expected)",
                  "sample_size": int(test_rows.size), "reference_rows": int(n_ref), "features": int(keep.sum()),
                  "examples": [{"test_row": int(test_rows[i]), "train_row": int(ref[idx[i]]),
                                "distance": float(d_test[i])} for i in examples]},
        recommendation=("Group near-identical cases before splitting (the same customer, document or image with small "
                        "edits) and keep each group on one side; the test score otherwise overstates generalisation."),
        id="leakage.near_duplicates")]


def check_entities(ctx: ScanContext) -> list[Finding]:
    """The same group (``--group``) or id (``--id``) on both sides of the split (``seismo leakage`` only)."""
    split = two_tables(ctx)
    assert split.test is not None
    if not split.command:
        # serving data meets the training entities again by nature: not a leak inside a scan
        raise NotApplicable("judged by seismo leakage only (train and test splits with --group / --id)")
    names = [n for n, c in ctx.schema.items() if c.role in (Role.GROUP, Role.ID)
             and n in split.train.columns and n in split.test.columns]
    if not names:
        raise NotApplicable("no group or id column in both tables (--group / --id)")
    chronological = _chronological(split)
    out = []
    for name in names:
        train_v = split.train.get_column(name).drop_nulls().unique()
        test_s = split.test.get_column(name)
        both = test_s.is_in(train_v.implode())
        rows = int(both.sum())
        if rows == 0:
            continue
        shared = int(test_s.filter(both).n_unique())
        share = rows / split.test.height
        role = ctx.schema[name].role
        examples = [str(v) for v in test_s.filter(both).unique(maintain_order=True).head(_EXAMPLES).to_list()]
        later = (" - the test rows all come later, so this is the entities' history, as it will be in serving"
                 if chronological else "")
        out.append(Finding(
            check="leakage.entities", failure_mode=FailureMode.DATA_LEAKAGE,
            severity=Severity.LOW if chronological else _severity(share), columns=(name,),
            message=f"{shared:,} {name} values appear on both sides: {rows:,} test rows ({share:.1%}) belong to an "
                    f"entity the model trained on{later}",
            evidence={"statistic": share, "shared_values": shared, "test_rows": rows,
                      "sample_size": split.test.height, "role": role.value, "examples": examples,
                      "chronological_split": chronological,
                      "threshold": "any shared value (low when every test row is later than every training row)"},
            recommendation=(f"Split by {name} (GroupKFold / GroupShuffleSplit), so that each entity is wholly in "
                            "training or in test; otherwise the model is scored on people or things it has seen."),
            id=f"leakage.entities:{name}"))
    return out


def _chronological(split: Split) -> bool:
    """Every test row is later than every training row (by the timestamp)."""
    if split.timestamp is None or split.test is None:
        return False
    train_t, test_t = times(split.train, split.timestamp), times(split.test, split.timestamp)
    if train_t is None or test_t is None or train_t.drop_nulls().len() == 0 or test_t.drop_nulls().len() == 0:
        return False
    return bool(test_t.min() >= train_t.max())  # type: ignore[operator]
