"""Prediction intervals for the ETS models whose intervals statsforecast 2.1.1 gets wrong.

statsforecast 2.1.1 (the latest release, November 2026) has two known faults in its analytic ETS intervals,
both fixed on its main branch but not yet released:

- ETS(M,A,A): the coefficient ``c_j`` is ``alpha * beta * j + gamma * d_j`` instead of
  ``alpha + beta * j + gamma * d_j`` (Nixtla/statsforecast pull request 1216), so the intervals barely widen.
- ETS(M,N,M), ETS(M,A,M), ETS(M,Ad,M) ("class 3"): the mean state matrix is not carried forward inside the
  recursion (pull request 1218), so every step's variance is scaled by the first step's forecast and the
  interval ignores the seasonal pattern.

``AutoETS`` here is statsforecast's, with the interval widths of those four models recomputed from the
fitted model by the variance formulas of Hyndman, Koehler, Ord and Snyder (2008), *Forecasting with
Exponential Smoothing*, chapter 6 (classes 2 and 3); everything else (model selection, point forecasts, the
other models' intervals) is statsforecast's own. Remove this module when a statsforecast release carries
both fixes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
from statsforecast.models import AutoETS as _StatsforecastAutoETS


def needs_correction(components: str) -> bool:
    """Whether statsforecast 2.1.1's interval for this model (``"MAAN"``: error, trend, season, damped) is wrong."""
    return components[0] == "M" and (components[2] == "M" or components == "MAAN")


def forecast_variance(model: Mapping[str, Any], mean: np.ndarray) -> np.ndarray:
    """Variance of each step's forecast error for a fitted multiplicative-error model that ``needs_correction``."""
    components = str(model["components"])
    if components[2] == "M":
        return _class3_variance(model, len(mean))
    alpha, beta, gamma = (float(value) for value in model["par"][:3])
    season_length = int(model["m"])
    steps = np.arange(1, len(mean))
    coefficients = alpha + beta * steps + gamma * (steps % season_length == 0)
    return _class2_variance(float(model["sigma2"]), mean, coefficients)


def _class2_variance(sigma2: float, mean: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """v_h = (1 + s2) t_h - mu_h^2, where t_h = mu_h^2 + s2 * sum_{j<h} c_j^2 t_{h-j} (Hyndman et al. 6.4)."""
    theta = np.empty(len(mean))
    for h in range(len(mean)):
        earlier = theta[:h][::-1]  # t_{h-1}, ..., t_1 in the order of c_1, ..., c_{h-1}
        theta[h] = mean[h] ** 2 + sigma2 * float(np.dot(coefficients[:h] ** 2, earlier))
    return np.asarray((1 + sigma2) * theta - mean**2)


def _class3_variance(model: Mapping[str, Any], horizon: int) -> np.ndarray:
    """Class 3 (multiplicative error and season): moments of vec(x_t z_t') carried forward step by step.

    The state is split into x (level, and trend if any) and z (the last m seasonal indices, newest first);
    y_t = (H1 x_{t-1}) (H2 z_{t-1}) (1 + e_t), x_t = (F1 + G1 e_t) x_{t-1}, z_t = (F2 + G2 e_t) z_{t-1}.
    """
    alpha, beta, gamma, phi = (float(value) for value in model["par"][:4])
    sigma2 = float(model["sigma2"])
    season_length = int(model["m"])
    components = str(model["components"])
    trended = components[1] != "N"
    state = np.asarray(model["states"][-1], dtype=np.float64)
    width = 2 if trended else 1
    level_trend, seasons = state[:width], state[width : width + season_length]

    h1 = np.ones((1, width))
    f1 = np.array([[1.0, 1.0], [0.0, phi if components[3] == "D" else 1.0]]) if trended else np.ones((1, 1))
    g1 = np.array([[alpha, alpha], [beta, beta]]) if trended else np.array([[alpha]])
    h2 = np.zeros((1, season_length))
    h2[0, -1] = 1.0
    f2 = np.eye(season_length, k=-1)
    f2[0, -1] = 1.0
    g2 = np.zeros((season_length, season_length))
    g2[0, -1] = gamma

    # vec() stacks columns, so vec(A M B') = (B kron A) vec(M)
    h21, f21, g21 = np.kron(h2, h1), np.kron(f2, f1), np.kron(g2, g1)
    mixed = np.kron(g2, f1) + np.kron(f2, g1)
    means = np.outer(level_trend, seasons)
    covariance = np.zeros((width * season_length, width * season_length))
    variance = np.empty(horizon)
    for step in range(horizon):
        expected = float((h1 @ means @ h2.T)[0, 0])
        variance[step] = (1 + sigma2) * float((h21 @ covariance @ h21.T)[0, 0]) + sigma2 * expected**2
        vec = means.reshape(-1, 1, order="F")
        second = covariance + vec @ vec.T
        covariance = (
            f21 @ covariance @ f21.T
            + sigma2 * (f21 @ covariance @ g21.T + g21 @ covariance @ f21.T + mixed @ second @ mixed.T)
            + sigma2**2 * (g21 @ (3 * covariance + 2 * vec @ vec.T) @ g21.T)
        )
        means = f1 @ means @ f2.T + sigma2 * (g1 @ means @ g2.T)
    return variance


def corrected(model: Mapping[str, Any], result: dict[str, Any], level: Sequence[int] | None) -> dict[str, Any]:
    """statsforecast's ``predict`` output with the intervals of an affected model recomputed."""
    if not level or not needs_correction(str(model["components"])) or model.get("distribution", "normal") != "normal":
        return result
    mean = np.asarray(result["mean"], dtype=np.float64)
    spread = np.sqrt(np.maximum(forecast_variance(model, mean), 0.0))
    fixed = dict(result)
    for each in level:
        z = NormalDist().inv_cdf(0.5 + each / 200)
        fixed[f"lo-{each}"] = mean - z * spread
        fixed[f"hi-{each}"] = mean + z * spread
    return fixed


class AutoETS(_StatsforecastAutoETS):
    """statsforecast's ``AutoETS`` with corrected intervals for ETS(M,A,A) and the class 3 models."""

    def predict(self, h: int, X: Any = None, level: list[int] | None = None) -> dict[str, Any]:  # noqa: N803
        result: dict[str, Any] = super().predict(h=h, X=X, level=level)
        return corrected(self.model_, result, level)

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: Any = None,  # noqa: N803
        X_future: Any = None,  # noqa: N803
        level: list[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, Any]:
        """Fit and predict in one go (what ``cross_validation`` calls at each origin)."""
        model: AutoETS = self.new()  # type: ignore[no-untyped-call]
        model.fit(y=y, X=X)
        result = model.predict(h=h, level=level)
        if fitted:
            result["fitted"] = model.model_["fitted"]
        return result
