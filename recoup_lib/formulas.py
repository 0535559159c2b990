"""CSV text that never runs as a formula when a spreadsheet opens it (docs/contract.md, "Output safety").

Every CSV the kit writes passes its text through :func:`guard_formulas`, and
every CSV it reads through :func:`unguard_formulas`, so a value survives a
round trip exactly while ``=HYPERLINK(...)`` in a patient's name never runs.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "GUARD", "guard_formulas", "unguard_formulas", "guard_text", "unguard_text",
           "unwrap_text_formulas"]

#: Characters that make a spreadsheet read a cell as a formula (or, tab and carriage return, that
#: hide one), when they start it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A cell starting with a quote mark and then one of those has been guarded (see :func:`guard_formulas`).
GUARD = "'"
_RISKY = r"^'*[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_GUARDED = r"^'('*[=+\-@\t\r])"
_TEXT_FORMULA = r'^="([^"]*)"$'


def _arrow():
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


def guard_formulas(values):
    """Text that a spreadsheet would run as a formula, made inert with a leading ``'``.

    A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return that is not a number (``-40.50`` and ``+3`` stay as they are) gets
    a ``'`` in front, which spreadsheets show as text; so does a value that
    already starts with quote marks followed by one of those characters, so
    that :func:`unguard_formulas` gives back exactly the original text.

    Parameters
    ----------
    values : pyarrow.Array or ChunkedArray of strings

    Returns
    -------
    pyarrow.Array or ChunkedArray
        Same length; nulls stay null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> guard_formulas(pa.array(["=1+2", "-40.50", "@SUM(A1)", "'=x", "plain"])).to_pylist()
    ["'=1+2", '-40.50', "'@SUM(A1)", "''=x", 'plain']
    """
    pa, pc = _arrow()
    if not _may_start_a_formula(values):
        return values
    risky = pc.and_(pc.match_substring_regex(values, _RISKY),
                    pc.invert(pc.match_substring_regex(values, _NUMBER)))
    guarded = pc.binary_join_element_wise(pa.scalar(GUARD, values.type), values, pa.scalar("", values.type))
    return pc.if_else(pc.fill_null(risky, False), guarded, values)


def _may_start_a_formula(values) -> bool:
    """Whether any value starts with a formula character or a quote mark (a cheap first look, see
    :func:`_may_start_with`)."""
    return _may_start_with(values, FORMULA_STARTS + (GUARD,))


def _may_start_with(values, starts: tuple[str, ...]) -> bool:
    """:func:`recoup_lib.arrowtext.may_start_with`, imported when first asked (this module loads without
    pyarrow)."""
    from .arrowtext import may_start_with

    return may_start_with(values, starts)


def unguard_formulas(values):
    """Undo :func:`guard_formulas`: one leading ``'`` dropped before quote marks and a formula start.

    >>> import pyarrow as pa
    >>> unguard_formulas(pa.array(["'=1+2", "''=x", "'plain", "-40.50"])).to_pylist()
    ['=1+2', "'=x", "'plain", '-40.50']
    """
    pa, pc = _arrow()
    if not _may_start_with(values, (GUARD,)):
        return values
    return pc.replace_substring_regex(values, _GUARDED, r"\1")


def unwrap_text_formulas(values):
    """``="0001"`` -> ``0001``: the text of a cell an export wrote as a formula giving that text.

    Billing systems write ids and codes so in their "Excel" CSVs, for a spreadsheet to keep them as
    text (leading zeros, long numbers); a spreadsheet shows the text, and so must an import, or
    ``="99213"`` would be taken for a procedure code. A value with a quote inside the text is left
    as it is.

    >>> import pyarrow as pa
    >>> unwrap_text_formulas(pa.array(['="0001U"', '=""', '=1+2', '="a""b"', 'C1'])).to_pylist()
    ['0001U', '', '=1+2', '="a""b"', 'C1']
    """
    pa, pc = _arrow()
    if not _may_start_with(values, ("=",)):
        return values
    return pc.replace_substring_regex(values, _TEXT_FORMULA, r"\1")


def guard_text(text: str) -> str:
    """:func:`guard_formulas` for one string (a header name)."""
    pa, _ = _arrow()
    return guard_formulas(pa.array([text], pa.string()))[0].as_py()


def unguard_text(text: str) -> str:
    """:func:`unguard_formulas` for one string."""
    pa, _ = _arrow()
    return unguard_formulas(pa.array([text], pa.string()))[0].as_py()
