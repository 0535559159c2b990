"""Statistical sampling and extrapolation of overpayments, RAT-STATS style.

What a self-audit or a contractor audit does with a sample, in four steps:

1. **Select** a seeded probability sample of the claim universe, with spares
   (:func:`select_sample`, whose result writes the sample's files; strata from a column or from dollar bands,
   :func:`strata_from_bounds`; sizes split by :func:`allocate_sample`).
2. **Plan** the sample size from a probe sample (:func:`probe_sample_size`,
   :func:`variable_sample_size`).
3. **Appraise** the reviewed sample: project the overpayment to the universe
   with its confidence limits (:func:`appraise_variable`, the call behind
   ``recoup extrapolate``) or an error rate with exact limits
   (:func:`appraise_attribute`).
4. **Decide** what is owed: the one-sided 90% lower bound a contractor
   demands (:func:`one_sided_lower_bound`), the point estimate a
   self-disclosure is described as using (:func:`demand_amount`; both
   practices are unconfirmed in docs/sources.md §4.1-4.2 and stay a parameter), or
   the distribution-free minimum-sum bound (:func:`minimum_sum_lower_bound`).

Money is integer cents throughout; the point estimate and its variance are
exact fractions and every dollar result is rounded once, half-up to the cent.
Randomness comes from ``numpy.random.default_rng`` with the caller's seed
(details in :mod:`recoup_lib.sampling._select`); seeds are **not**
interchangeable with RAT-STATS, which has its own generator.

Sources (docs/sources.md §4): CMS Program Integrity Manual, Pub. 100-08,
ch. 8 section 8.4 (sampling for overpayment estimation); HHS-OIG RAT-STATS
and its companion manual (unrestricted and stratified variable appraisal,
attribute appraisal, sample-size determination); the OIG Self-Disclosure
Protocol; and 42 CFR 401.305, the rule that a provider report and return an
overpayment it has identified, which a self-audit's extrapolation
quantifies.
"""

from ._attribute import (
    ATTRIBUTE_METHODS,
    AttributeAppraisal,
    MinimumSumBound,
    appraise_attribute,
    errors_lower_bound,
    errors_upper_bound,
    minimum_sum_lower_bound,
)
from ._common import STANDARD_CONFIDENCES, check_confidence
from ._demand import DEMAND_BASES, demand_amount, one_sided_lower_bound
from ._files import FileReading, SampleFile, StrataSizes, read_frame_file, read_sample_file, read_strata_file
from ._limits import CONTRACT_KEYS, DF_METHODS, Interval, VariableAppraisal
from ._select import (
    GENERATOR,
    RAT_STATS_NOTE,
    SAMPLE_COLUMNS,
    SampleSelection,
    allocate_sample,
    check_strata_bounds,
    select_sample,
    strata_from_bounds,
    stratum_rng,
)
from ._simulate import repeated_appraisals
from ._size import SampleSizePlan, probe_sample_size, variable_sample_size
from ._variable import appraise_variable

__all__ = [
    "ATTRIBUTE_METHODS", "AttributeAppraisal", "MinimumSumBound", "appraise_attribute",
    "errors_lower_bound", "errors_upper_bound", "minimum_sum_lower_bound",
    "STANDARD_CONFIDENCES", "check_confidence",
    "FileReading", "SampleFile", "StrataSizes", "read_frame_file", "read_sample_file", "read_strata_file",
    "GENERATOR", "RAT_STATS_NOTE", "SAMPLE_COLUMNS", "SampleSelection", "allocate_sample",
    "check_strata_bounds", "select_sample", "strata_from_bounds", "stratum_rng",
    "SampleSizePlan", "probe_sample_size", "variable_sample_size",
    "CONTRACT_KEYS", "DEMAND_BASES", "DF_METHODS", "Interval", "VariableAppraisal",
    "appraise_variable", "demand_amount", "one_sided_lower_bound",
    "repeated_appraisals",
]
