"""What is owed after a variable appraisal: the one-sided lower bound contractors demand, or the
point estimate, as the caller chooses (:data:`DEMAND_BASES`)."""

from __future__ import annotations

from ..errors import InvalidParameterError
from ._limits import VariableAppraisal

__all__ = ["DEMAND_BASES", "one_sided_lower_bound", "demand_amount"]

#: What a payer or a self-disclosure may use as the amount owed. Both rows are
#: practice described in docs/sources.md §4 and are flagged there as
#: unconfirmed against the primary text, so the choice stays a parameter.
DEMAND_BASES = {
    "lower_bound": "lower limit of a one-sided 90% confidence interval: the usual contractor "
                   "demand under CMS PIM ch. 8 section 8.4 [unconfirmed wording]",
    "point_estimate": "point estimate: what the OIG Self-Disclosure Protocol is described as "
                      "using for damages [unconfirmed]",
}


def one_sided_lower_bound(appraisal: VariableAppraisal, confidence: float = 0.90) -> int:
    """Lower bound of a one-sided confidence interval for the total, in cents.

    Parameters
    ----------
    appraisal : VariableAppraisal
    confidence : float, default 0.90
        One-sided level. At 0.90 the bound equals the lower limit of the
        two-sided 80% interval that RAT-STATS prints.

    Returns
    -------
    int
        Cents, half-up. May be negative when the sampling error is large.

    Notes
    -----
    CMS's Program Integrity Manual (ch. 8, section 8.4) has contractors
    demand, as a rule, the lower limit of a one-sided 90% interval, which
    leaves the provider the benefit of the sampling error (docs/sources.md §4.1;
    the manual's wording is marked unconfirmed there).

    Examples
    --------
    >>> import pandas as pd
    >>> from recoup_lib.sampling import appraise_variable
    >>> s = pd.DataFrame({"overpayment_cents": [0, 4520, 0, 11200, 0, 3875]})
    >>> a = appraise_variable(s, universe_size=600)
    >>> one_sided_lower_bound(a) == a.interval(0.80).lower_cents
    True
    """
    return appraisal.one_sided_lower(confidence).lower_cents


def demand_amount(appraisal: VariableAppraisal, basis: str = "lower_bound",
                  confidence: float = 0.90) -> int:
    """Amount owed under a chosen basis, in cents (never below 0).

    Parameters
    ----------
    appraisal : VariableAppraisal
    basis : {"lower_bound", "point_estimate"}, default "lower_bound"
        See :data:`DEMAND_BASES`. ``"lower_bound"`` is a contractor's usual
        demand (one-sided lower bound at ``confidence``); ``"point_estimate"``
        is what a self-disclosure under the OIG protocol is described as
        repaying. Both descriptions are unconfirmed against the primary text
        (docs/sources.md §4.1, 4.2), which is why the basis is a parameter.
    confidence : float, default 0.90
        One-sided level for ``"lower_bound"``.

    Returns
    -------
    int
        Cents; a negative bound or estimate gives 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from recoup_lib.sampling import appraise_variable
    >>> s = pd.DataFrame({"overpayment_cents": [0, 4520, 0, 11200, 0, 3875]})
    >>> a = appraise_variable(s, universe_size=600)
    >>> demand_amount(a, "point_estimate")
    1959500
    """
    if basis not in DEMAND_BASES:
        raise InvalidParameterError(f"basis must be one of {', '.join(DEMAND_BASES)}; got {basis!r}")
    if basis == "point_estimate":
        return max(appraisal.point_estimate_cents, 0)
    return max(one_sided_lower_bound(appraisal, confidence), 0)
