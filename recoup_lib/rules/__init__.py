"""The audit: the contract's ten rules, the engine that runs them, and scoring.

Public API
----------
audit_folder(folder)            read a folder and audit it (``recoup audit``)
run_audit(inputs)               audit what ``read_audit_folder`` returned
audit_tables(lines, payments, ...)  audit in-memory tables
custom_rule(error_type, category)   decorator: a notebook check as a Rule
default_registry()              the built-in rules
summarise(findings, by)         totals by category/error_type/payer/provider/month
score(findings, labels)         precision, recall and dollars per error type

See ``recoup_lib/rules/builtin.py`` for where each rule lives, and the README's
"Where do I add ..." table for adding one.
"""

from ._context import AuditContext, build_context, modifier_key
from ._engine import (
    FINDING_COLUMNS,
    AuditResult,
    audit_folder,
    audit_tables,
    explain_claim,
    run_audit,
)
from ._registry import Rule, RuleRegistry, custom_rule, default_registry
from ._scoring import SCORE_WRITTEN_BY, score
from ._summary import capped_findings, summarise
from ._vocabulary import (
    ACTIONS,
    BYPASS_MODIFIERS,
    CATEGORIES,
    CATEGORY_LABELS,
    EM_FAMILIES,
    ERROR_TYPES,
    NCCI_ASSOCIATED_MODIFIERS_TEXT,
    REPEAT_MODIFIERS,
)
from ._write import summary_markdown, write_audit, write_audit_set_aside

__all__ = [
    "ACTIONS", "BYPASS_MODIFIERS", "CATEGORIES", "CATEGORY_LABELS", "EM_FAMILIES", "ERROR_TYPES",
    "NCCI_ASSOCIATED_MODIFIERS_TEXT", "REPEAT_MODIFIERS", "FINDING_COLUMNS", "AuditContext", "AuditResult", "Rule",
    "RuleRegistry", "SCORE_WRITTEN_BY",
    "audit_folder", "audit_tables", "build_context", "capped_findings", "custom_rule",
    "default_registry", "explain_claim", "modifier_key", "run_audit", "score", "summarise", "summary_markdown",
    "write_audit", "write_audit_set_aside",
]
