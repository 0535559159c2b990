"""Many seeded samples of one universe, each appraised: what a single audit's estimate could have been.

A training data set knows every unit's true overpayment, so it can show
what no real audit can: how the estimates of many samples of the same size
scatter around the truth, and how often the demanded lower bound stays
under it. Each sample is drawn as :func:`select_sample` draws it and
appraised by :func:`appraise_variable` itself, in exact integer cents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ._select import stratum_rng
from ._demand import one_sided_lower_bound
from ._variable import appraise_variable

__all__ = ["repeated_appraisals"]


def repeated_appraisals(values_cents, sample_size: int, repeats: int, seed: int,
                        confidence: float = 0.90) -> pd.DataFrame:
    """Draw many simple random samples from one universe and appraise each.

    Parameters
    ----------
    values_cents : sequence of int
        The true overpayment of every unit of the universe, in frame order
        (only a training data set with an answer key knows this).
    sample_size : int
        Units per sample (at least 2, less than the universe).
    repeats : int
        How many samples.
    seed : int
        Sample ``i`` (0, 1, ...) draws exactly the units that
        ``select_sample(frame, id, sample_size, seed + i)`` selects from a
        frame in the same order.
    confidence : float, default 0.90
        One-sided level of the lower bound.

    Returns
    -------
    pandas.DataFrame
        One row per sample: ``repeat``, ``seed``, ``nonzero`` (sampled units
        with an overpayment), ``point_estimate_cents`` and
        ``lower_bound_cents`` (half-up to the cent), exactly what
        :func:`appraise_variable` and :func:`one_sided_lower_bound` give for
        that sample.

    Raises
    ------
    InvalidParameterError
        A sample size outside [2, universe size - 1], or fewer than 1 repeat
        (a ``ValueError``).

    Notes
    -----
    Mean-per-unit estimation with the finite population correction and
    Student's t with n - 1 degrees of freedom (see
    :func:`appraise_variable`). A thousand samples of 100 take about a
    second.

    Examples
    --------
    >>> sim = repeated_appraisals([0, 0, 500, 1200, 0, 300, 0, 0, 900, 0], 4, 3, seed=1)
    >>> sim.columns.tolist()
    ['repeat', 'seed', 'nonzero', 'point_estimate_cents', 'lower_bound_cents']
    """
    values = np.asarray(values_cents, dtype=np.int64)
    universe = len(values)
    if not 2 <= sample_size < universe:
        raise InvalidParameterError(f"sample_size must be between 2 and {universe - 1} (the universe has "
                                    f"{universe} units); got {sample_size}")
    if repeats < 1:
        raise InvalidParameterError(f"repeats must be at least 1; got {repeats}")
    seeds = seed + np.arange(repeats, dtype=np.int64)
    nonzero, point, lower = [], [], []
    for one_seed in seeds:
        drawn = values[stratum_rng(int(one_seed)).permutation(universe)[:sample_size]]
        appraisal = appraise_variable(pd.DataFrame({"overpayment_cents": drawn}), universe_size=universe)
        nonzero.append(int((drawn != 0).sum()))
        point.append(appraisal.point_estimate_cents)
        lower.append(one_sided_lower_bound(appraisal, confidence))
    return pd.DataFrame({
        "repeat": np.arange(repeats, dtype=np.int64),
        "seed": seeds,
        "nonzero": np.asarray(nonzero, dtype=np.int64),
        "point_estimate_cents": np.asarray(point, dtype=np.int64),
        "lower_bound_cents": np.asarray(lower, dtype=np.int64),
    })
