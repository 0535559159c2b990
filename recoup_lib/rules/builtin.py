"""Imports the modules that register the contract's ten built-in rules.

To add a rule: write one documented, vectorised function in the module of its
category (or a new module imported here), decorate it with ``@register``,
and add its case table under ``tests/rule_cases/``.
"""

from . import coding, documentation, eligibility, overpayment, policy  # noqa: F401
