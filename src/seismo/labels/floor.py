"""The noise floor: the disagreement between labels and model that remains where the model is certain.

Confident learning counts every row whose label a model doubts, and on a hard or partly random
target most of those rows are ambiguous, not mislabelled (its estimated "noise rate" then measures
the difficulty of the task). The two cases part ways in the rows the model is surest about. There,
a clean label's chance of disagreeing with the model shrinks with the model's own doubt ``1 - p``:
to zero for a deterministic concept, and along with ``1 - p`` for an outcome that is partly random
everywhere (defaults, clicks, churn). A label flipped at random disagrees at the same rate whatever
the model's doubt. Measured per band of confidence (docs/labels.md), flipped labels give a flat
disagreement rate near the flip rate, clean partly random outcomes a rate that follows the model's
doubt down towards zero.

So, within the rows the model assigns to each class, the most confident 40% are taken, and the
disagreement indicator is regressed on the model's doubt ``1 - p`` (a linear probability model,
slope >= 0, heteroscedasticity-robust HC3 standard errors). The intercept, the disagreement left
when the doubt goes to zero, estimates the rate of labels flipped independently of the features:
the *noise floor*. The intercept's standard error is HC3 (Long & Ervin 2000, "Using
heteroscedasticity consistent standard errors in the linear regression model", The American
Statistician 54(3)): with rare binary outcomes in a few hundred rows, HC1 made the one-sided test
several times too liberal. When the doubt barely varies (a model equally sure of every row there),
or disagreement does not rise with it, the floor is the plain disagreement rate, tested with an exact
binomial test: a plateau of confidence with the same disagreement throughout is what flipped labels
leave. An overconfident model of a partly random target can mimic it in small tables (docs/labels.md).

A table is said to carry label noise when, for some class the model predicts,

* the model is skilled at the class: the rows labelled with it get higher probabilities of it
  than the other rows, with a one-vs-rest AUC of at least :data:`SKILL_AUC` (0.65) and a
  Mann-Whitney p-value below :data:`ALPHA`; else the features cannot judge its labels (random
  labels get a significant but useless AUC of 0.53 at 5,000 rows, and an overconfident model then
  "disagrees" with half of them). A share ``e`` of binary labels flipped at random lowers the AUC
  of a perfect model to ``1 - 2e(1 - e)`` (0.82 at 10%, 0.68 at 20%), so this keeps noise up to
  about a fifth of the labels in view;
* the floor is at least :data:`FLOOR_MIN` (2%) and significantly above :data:`FLOOR_NULL` (1%),
  one-sided p < :data:`ALPHA`: a little disagreement is tolerated, since real tables carry a few
  ambiguous rows everywhere.

Both tests are Bonferroni-adjusted over the classes. Reading the rows per predicted class sees noise
confined to one class (its rows relabelled as another) even when the model is surest about the
others. The overall floor weights each class's floor by the share of rows the model assigns to it.

The idea of reading the labels where the classifier is most confident follows the "confident
examples" of Northcutt, Jiang & Chuang (2021, JAIR 70) and the small-loss view of clean samples
(Han et al., 2018, NeurIPS, "Co-teaching"); the intercept test is seismo's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ALPHA", "FLOOR_MIN", "FLOOR_NULL", "SKILL_AUC", "ClassFloor", "NoiseFloor", "noise_floor"]

SHARE = 0.40
"""The most confident 40% of the rows assigned to a class."""
MIN_ROWS = 100
"""...but at least this many rows (all of a smaller class)."""
SKILL_AUC = 0.65
FLOOR_NULL = 0.01
FLOOR_MIN = 0.02
ALPHA = 0.001
_FLAT = 1e-4
"""Below this variance of the doubt, the intercept is the plain disagreement rate."""

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class ClassFloor:
    """The floor within the rows the model assigns to one class."""

    code: int
    rows: int
    """Rows read: the most confident 40% of the class's rows (at least 100, or all)."""
    disagree: int
    """Of those, rows labelled with another class."""
    floor: float
    """The intercept: disagreement extrapolated to a model without doubt (in [0, 1])."""
    slope: float
    """Disagreement per unit of the model's doubt (>= 0)."""
    std_error: float
    p_value: float
    """One-sided p-value of ``floor > FLOOR_NULL``."""
    mean_doubt: float
    """Mean ``1 - p`` over the rows read: the disagreement the model itself expects."""
    predicted_rows: int
    auc: float
    """One-vs-rest AUC of this class's probability for the rows labelled with it."""
    auc_p_value: float
    """Its one-sided Mann-Whitney p-value (not adjusted)."""

    @property
    def rate(self) -> float:
        """The plain disagreement rate over the rows read."""
        return self.disagree / self.rows if self.rows else 0.0

    def skilled(self, tests: int) -> bool:
        return self.auc >= SKILL_AUC and self.auc_p_value * tests < ALPHA

    def evident(self, tests: int) -> bool:
        return self.skilled(tests) and self.floor >= FLOOR_MIN and self.p_value * tests < ALPHA


@dataclass(frozen=True)
class NoiseFloor:
    """The labels against the model where it is most confident, per predicted class.

    Attributes
    ----------
    classes : list of ClassFloor
        Per predicted class: the rows read, their disagreement, the fitted floor and slope.
    rate : float
        The estimated rate of labels flipped independently of the features: each class's floor
        weighted by the share of rows the model assigns to it.
    """

    classes: list[ClassFloor]
    rate: float

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.classes)

    @property
    def disagree(self) -> int:
        return sum(c.disagree for c in self.classes)

    @property
    def skill_auc(self) -> float:
        """The best one-vs-rest AUC over the predicted classes."""
        return max([0.5, *(c.auc for c in self.classes)])

    @property
    def skilled(self) -> bool:
        """The labels of some class are predictable from the features."""
        return any(c.skilled(len(self.classes)) for c in self.classes)

    @property
    def evident_classes(self) -> list[ClassFloor]:
        """Classes whose floor is beyond the tolerated one (Bonferroni over the classes)."""
        return [c for c in self.classes if c.evident(len(self.classes))]

    @property
    def significant(self) -> bool:
        """Evidence of label noise: some skilled class's floor beyond the tolerated one."""
        return bool(self.evident_classes)

    @property
    def p_value(self) -> float:
        """The smallest per-class p-value of the floor, Bonferroni-adjusted."""
        return min([1.0, *(c.p_value * len(self.classes) for c in self.classes)])

    def to_dict(self, names: list[str] | None = None) -> dict[str, Any]:
        def name(code: int) -> str:
            return names[code] if names is not None else str(code)

        k = len(self.classes)
        return {"rate": self.rate, "rows": self.rows, "disagree": self.disagree, "p_value": self.p_value,
                "null_rate": FLOOR_NULL, "min_rate": FLOOR_MIN, "alpha": ALPHA, "min_auc": SKILL_AUC,
                "per_predicted_class": {name(c.code): {
                    "rows": c.rows, "disagree": c.disagree, "disagree_rate": c.rate, "floor": c.floor,
                    "slope": c.slope, "std_error": c.std_error, "p_value": c.p_value, "mean_doubt": c.mean_doubt,
                    "auc": c.auc, "auc_p_value": c.auc_p_value, "evident": c.evident(k)} for c in self.classes}}


def noise_floor(codes: Array, proba: Array) -> NoiseFloor:
    """The noise floor of labels ``codes`` (0..k-1) against probabilities ``proba`` (n, k).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> true = rng.integers(0, 2, 2000)
    >>> proba = np.where(true[:, None] == np.arange(2), 0.999, 0.001)
    >>> noise_floor(true, proba).significant
    False
    >>> noisy = np.where(rng.random(2000) < 0.1, 1 - true, true)
    >>> f = noise_floor(noisy, proba)
    >>> f.significant, round(f.rate, 2)
    (True, 0.12)
    """
    codes = np.asarray(codes, dtype=np.int64)
    n = codes.size
    if n == 0:
        return NoiseFloor([], 0.0)
    predicted = proba.argmax(axis=1)
    per_class: list[ClassFloor] = []
    weighted = 0.0
    for c in np.unique(predicted):
        mine = np.flatnonzero(predicted == c)
        n_c = mine.size
        m = min(n_c, max(int(np.ceil(SHARE * n_c)), MIN_ROWS))
        top = mine[np.argsort(-proba[mine, c], kind="stable")[:m]]
        wrong = (codes[top] != c).astype(np.float64)
        doubt = 1.0 - proba[top, c]
        floor, slope, se, p_value = _intercept(doubt, wrong)
        auc, auc_p = _auc(codes, proba, int(c))
        per_class.append(ClassFloor(code=int(c), rows=m, disagree=int(wrong.sum()), floor=floor, slope=slope,
                                    std_error=se, p_value=p_value, mean_doubt=float(doubt.mean()),
                                    predicted_rows=int(n_c), auc=auc, auc_p_value=auc_p))
        weighted += floor * n_c / n
    return NoiseFloor(classes=per_class, rate=weighted)


def _intercept(x: Array, y: Array) -> tuple[float, float, float, float]:
    """Intercept, slope (>= 0), HC3 standard error of the intercept and the one-sided p-value of
    ``intercept > FLOOR_NULL`` for the linear probability model ``y ~ a + b x``."""
    from scipy import stats

    m = y.size
    y_bar = float(y.mean())
    x_bar = float(x.mean())
    sxx = float(((x - x_bar) ** 2).sum())
    sxy = float(((x - x_bar) * (y - y_bar)).sum())
    if m < 3 or sxx / m < _FLAT or sxy <= 0:
        # no usable trend: the floor is the plain rate, tested exactly. A model equally sure of every
        # row there and wrong at the same rate everywhere is the plateau flipped labels leave
        d = int(round(y.sum()))
        p = float(stats.binom.sf(d - 1, m, FLOOR_NULL)) if d else 1.0
        return y_bar, 0.0, float(np.sqrt(y_bar * (1 - y_bar) / max(m, 1))), p
    slope = sxy / sxx
    a = y_bar - slope * x_bar
    resid = y - a - slope * x
    design = np.column_stack([np.ones(m), x])
    bread = np.linalg.inv(design.T @ design)
    leverage = np.einsum("ij,jk,ik->i", design, bread, design)
    weight = resid**2 / np.maximum(1.0 - leverage, 1e-12) ** 2  # HC3
    meat = (design * weight[:, None]).T @ design
    cov = bread @ meat @ bread
    se = float(np.sqrt(max(cov[0, 0], 0.0)))
    a_clipped = float(np.clip(a, 0.0, 1.0))
    if se == 0.0:
        return a_clipped, slope, 0.0, 0.0 if a > FLOOR_NULL else 1.0
    return a_clipped, slope, se, float(stats.norm.sf((a - FLOOR_NULL) / se))


def _auc(codes: Array, proba: Array, c: int) -> tuple[float, float]:
    """One-vs-rest AUC of class ``c``'s probability for the rows labelled ``c``, with its one-sided
    Mann-Whitney p-value (0.5 and 1 when every row or none carries the label)."""
    from scipy import stats

    mine = codes == c
    n1 = int(mine.sum())
    if n1 == 0 or n1 == codes.size:
        return 0.5, 1.0
    test = stats.mannwhitneyu(proba[mine, c], proba[~mine, c], alternative="greater")
    return float(test.statistic) / (n1 * (codes.size - n1)), float(test.pvalue)
