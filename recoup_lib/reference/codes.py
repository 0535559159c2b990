"""Look up and explain the codes a billing office meets on remittances and claims.

The meanings live in the shipped tables of ``recoup_lib/reference/data``
(``carc.csv``, ``rarc.csv``, ``plb_reasons.csv``, ``cas_groups.csv``,
``claim_status.csv``, ``place_of_service.csv``, ``em_levels.csv``), written
in our own plain words; this module only reads them. Every code is text:
leading zeros are kept (place of service ``"02"``), and ``"B13"`` is as much
a CARC as ``"45"``.

Scalar helpers (``explain_carc("CO-45")``) return one sentence for a person;
the vectorised ones (:func:`meanings`, :func:`carc_error_types`,
:func:`em_families`, :func:`em_level_numbers`) map a whole column at once.

Notes
-----
Code sets: CARC and RARC lists are published by X12 (RARCs maintained by
CMS); place-of-service codes by CMS; CLP02 claim status is X12 element 1029.
See ``docs/sources.md`` sections 5.1, 5.3, 6 and 10 for the facts and sources.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from . import load

__all__ = [
    "TABLES",
    "REASON_CODE",
    "code_table",
    "normalize_code",
    "split_adjustment",
    "pasted_codes",
    "lookup",
    "explain",
    "explain_carc",
    "explain_rarc",
    "explain_plb",
    "explain_group",
    "explain_pos",
    "explain_claim_status",
    "meanings",
    "carc_error_types",
    "carc_categories",
    "em_family",
    "em_level",
    "em_families",
    "em_level_numbers",
]

#: Code tables this module explains: short name -> (file, code column, label).
TABLES: dict[str, tuple[str, str, str]] = {
    "carc": ("carc.csv", "code", "CARC"),
    "rarc": ("rarc.csv", "code", "RARC"),
    "plb": ("plb_reasons.csv", "code", "PLB reason"),
    "group": ("cas_groups.csv", "code", "CAS group"),
    "pos": ("place_of_service.csv", "code", "Place of service"),
    "status": ("claim_status.csv", "code", "Claim status (CLP02)"),
    "em": ("em_levels.csv", "procedure_code", "E/M office visit"),
}

_GROUPS = ("CO", "PR", "OA", "PI", "CR")
#: One reason code, upper-cased, with or without its CAS group (``CO-45``, ``CO 45``, ``CO:45``, ``CO45``,
#: ``PR-B13``, ``16``): ``group`` is the group (None without one), ``carc`` the CARC. Searched in a cell, it
#: finds each code written there: a group may follow the code before it directly (``CO45PR2``); a bare
#: code may not start inside a word or a number (``MA130`` holds none). Matched whole (``fullmatch``), it
#: splits one code.
REASON_CODE = re.compile(rf"(?:(?<![A-Z])(?P<group>{'|'.join(_GROUPS)})[\s\-:]*|(?<![A-Z0-9]))(?P<carc>[A-Z]?\d+)")


@lru_cache(maxsize=None)
def _indexed(name: str) -> pd.DataFrame:
    file, key, _ = TABLES[name]
    frame = load(file)
    return frame.set_index(key, drop=False)


def code_table(name: str) -> pd.DataFrame:
    """One shipped code table, all columns as text (a fresh copy).

    Parameters
    ----------
    name : str
        ``"carc"``, ``"rarc"``, ``"plb"``, ``"group"``, ``"pos"``,
        ``"status"`` or ``"em"`` (see :data:`TABLES`).

    Returns
    -------
    pandas.DataFrame
        The table as shipped; see ``data/README.md`` for its columns.

    Raises
    ------
    KeyError
        For an unknown table name.

    Examples
    --------
    >>> code_table("group")["code"].tolist()
    ['CO', 'PR', 'OA', 'PI', 'CR']
    """
    if name not in TABLES:
        raise KeyError(f"unknown code table {name!r}; expected one of {', '.join(TABLES)}")
    return _indexed(name).reset_index(drop=True).copy()


def normalize_code(code, table: str | None = None) -> str:
    """Tidy one code as typed by a person: strip spaces, upper-case.

    For place of service (``table="pos"``) a one-digit code gets its leading
    zero back (``2`` -> ``"02"``), as spreadsheets often drop it.

    Examples
    --------
    >>> normalize_code(" b13 ")
    'B13'
    >>> normalize_code(2, table="pos")
    '02'
    """
    text = "" if code is None else str(code).strip().upper()
    if table == "pos" and text.isdigit() and len(text) == 1:
        text = text.zfill(2)
    return text


def split_adjustment(text) -> tuple[str, str]:
    """Split ``"CO-45"`` into its group code and CARC.

    Accepts ``"CO-45"``, ``"CO 45"``, ``"co45"``, ``"PR-B13"`` or a bare CARC
    (``"45"``, group ``""``).

    Returns
    -------
    tuple of str
        ``(group, carc)``; the group is ``""`` when none was given.

    Examples
    --------
    >>> split_adjustment("co-45")
    ('CO', '45')
    >>> split_adjustment("B13")
    ('', 'B13')
    """
    code = normalize_code(text)
    match = REASON_CODE.fullmatch(code)
    if match and match["group"]:
        return match["group"], match["carc"]
    return "", code


def pasted_codes(text) -> list[str]:
    """The codes of a list as a user pastes it: ``"45,96"``, ``"CO-45 CO-96"``, ``"OA*23"``.

    Codes are separated by commas, semicolons, spaces or ``*``; a CAS group followed by a code
    (``CO 45``, or ``OA*23`` as an X12 CAS segment writes a group and its reason) is one code, the
    group's.

    Examples
    --------
    >>> pasted_codes("45,96; CO-45 CO-96 OA*23 PR 2 N362")
    ['45', '96', 'CO-45', 'CO-96', 'OA-23', 'PR-2', 'N362']
    """
    found = []
    for item in re.split(r"[,;]", str(text)):
        words = [word for word in re.split(r"[\s*]+", item) if word]
        at = 0
        while at < len(words):
            word = words[at]
            if word.upper() in _GROUPS and at + 1 < len(words) and words[at + 1].upper() not in _GROUPS:
                found.append(f"{word}-{words[at + 1]}")
                at += 2
                continue
            found.append(word)
            at += 1
    return found


def lookup(table: str, code) -> dict | None:
    """The row of a code table for one code, as a dict of text, or None.

    Examples
    --------
    >>> lookup("carc", "18")["related_error_type"]
    'duplicate_claim'
    >>> lookup("carc", "999") is None
    True
    """
    frame = _indexed(table)
    key = normalize_code(code, table)
    if table == "carc":
        key = split_adjustment(key)[1]
    if key not in frame.index:
        return None
    return frame.loc[key].to_dict()


def _unknown(label: str, code: str, where: str) -> str:
    return f"{label} {code}: not in the kit's table ({where})."


def explain_carc(code) -> str:
    """Explain a claim adjustment reason code, with its group when given.

    Parameters
    ----------
    code : str
        A CARC (``"45"``, ``"B13"``) or group + CARC as printed on
        remittances (``"CO-45"``, ``"PR 2"``).

    Returns
    -------
    str
        One sentence for a person; unknown codes say so instead of raising.

    Notes
    -----
    docs/sources.md §6.1 (group codes) and 6.2 (CARCs). Meanings are our own
    paraphrases; the canonical list is X12's.

    Examples
    --------
    >>> print(explain_carc("CO-18"))  # doctest: +NORMALIZE_WHITESPACE
    CO-18: The same claim or service was already sent and processed: an exact duplicate.
    (CO = contractual obligation; borne by the provider.)
    """
    group, carc = split_adjustment(code)
    row = lookup("carc", carc)
    head = f"{group}-{carc}" if group else f"CARC {carc}"
    if row is None:
        text = f"{head}: not in the kit's table (check the X12 CARC list)."
    else:
        text = f"{head}: {row['meaning']}"
    if group:
        g = lookup("group", group)
        who = str(g["who_bears"])
        bears = ("who bears it depends on the case" if who == "varies" else "who bears it: not applicable"
                 if who == "n/a" else f"borne by the {who}")
        text += f" ({group} = {g['label'].lower()}; {bears}.)"
    return text


def explain_rarc(code) -> str:
    """Explain a remittance advice remark code (``"N362"``, ``"MA130"``).

    Examples
    --------
    >>> explain_rarc("n362").split(":")[0]
    'RARC N362'
    """
    key = normalize_code(code)
    row = lookup("rarc", key)
    if row is None:
        return _unknown("RARC", key, "check the X12 RARC list")
    return f"RARC {key}: {row['meaning']}"


def explain_plb(code, amount=None) -> str:
    """Explain a PLB (provider-level adjustment) reason code.

    Parameters
    ----------
    code : str
        PLB03-1 reason code, e.g. ``"WO"``, ``"FB"``, ``"72"``.
    amount : number or str, optional
        The PLB amount as sent. When given, the sentence says what its sign
        means (positive takes money from the provider).

    Notes
    -----
    docs/sources.md §5.3: a positive PLB amount lowers the payment, a negative one
    raises it; WO and positive FB are recoupments (offsets).

    Examples
    --------
    >>> explain_plb("WO", "75.00").endswith("money taken back from this payment.")
    True
    """
    key = normalize_code(code)
    row = lookup("plb", key)
    if row is None:
        return _unknown("PLB reason", key, "see the X12 PLB03 code list")
    text = f"PLB {key}: {row['meaning']}"
    if amount is not None:
        value = Decimal(str(amount).replace(",", "").replace("$", "").strip() or "0")
        if value > 0 and row["is_recoupment"] == "true":
            text += " Positive here: money taken back from this payment."
        elif value > 0:
            text += " Positive here: it lowers this payment."
        elif value < 0:
            text += " Negative here: it raises this payment."
    return text


def explain_group(code) -> str:
    """Explain a CAS group code (``"CO"``, ``"PR"``, ``"OA"``, ``"PI"``, ``"CR"``).

    Examples
    --------
    >>> explain_group("pr").startswith("PR (patient responsibility)")
    True
    """
    key = normalize_code(code)
    row = lookup("group", key)
    if row is None:
        return _unknown("CAS group", key, "5010 uses CO, PR, OA and PI")
    return f"{key} ({row['label'].lower()}): {row['meaning']} Borne by: {row['who_bears']}."


def explain_pos(code) -> str:
    """Explain a two-digit place-of-service code (``"11"``, ``"02"``).

    Examples
    --------
    >>> explain_pos(2)
    'POS 02: Telehealth with the patient somewhere other than home'
    """
    key = normalize_code(code, "pos")
    row = lookup("pos", key)
    if row is None:
        return _unknown("POS", key, "see CMS's place of service code set")
    return f"POS {key}: {row['meaning']}"


def explain_claim_status(code) -> str:
    """Explain a CLP02 claim status code (``"1"``, ``"22"``).

    Examples
    --------
    >>> explain_claim_status("22")
    'Claim status 22: Reversal of a previous payment'
    """
    key = normalize_code(code)
    row = lookup("status", key)
    if row is None:
        return _unknown("Claim status", key, "X12 element 1029")
    return f"Claim status {key}: {row['meaning']}"


def explain(code) -> pd.DataFrame:
    """Every meaning a code has across the kit's code tables.

    A short code can mean different things in different places (``"1"`` is
    the deductible CARC and the "processed as primary" claim status), so
    this returns one row per table where the code is found. Codes are
    matched exactly here (place of service ``"02"``, not ``"2"``).

    A group code with a second code (``"CO-45"``) reads as a CAS group and
    a CARC. When the second code is not a CARC the kit knows (``"CO-999"``,
    or ``"CO-N362"`` with a RARC), a row with ``known`` false says so, so
    that it is not dropped in silence; the tables where the second code is
    found (RARC, PLB, ...) follow, then the group.

    Returns
    -------
    pandas.DataFrame
        Columns ``table`` (label), ``code``, ``meaning`` and ``known``
        (false only for the unknown CARC of a group code); empty when the
        code is in no table.

    Examples
    --------
    >>> explain("1")["table"].tolist()
    ['CARC', 'Claim status (CLP02)']
    >>> explain("CO-999")[["code", "known"]].values.tolist()
    [['999', False], ['CO', True]]
    """
    rows = []
    group, carc = split_adjustment(code)
    exact = normalize_code(code)
    unknown_carc = bool(group) and carc not in _indexed("carc").index
    if unknown_carc:
        rows.append((TABLES["carc"][2], carc, f"not in the kit's CARC table ({exact} reads as group "
                     f"{group} and CARC {carc}; check the X12 CARC list)", False))
    for name, (_, _, label) in TABLES.items():
        key = carc if name == "carc" or unknown_carc else exact
        if key not in _indexed(name).index:
            continue
        row = _indexed(name).loc[key].to_dict()
        if name == "em":
            meaning = (f"{row['family']} patient, level {row['level']} (medical decision making: "
                       f"{row['mdm']}; total time 2021-2023: {row['time_2021_2023']})")
        else:
            meaning = row["meaning"]
        shown = f"{group}-{key}" if (name == "carc" and group) else key
        rows.append((label, shown, meaning, True))
    if group:
        g = _indexed("group").loc[group]
        rows.append((TABLES["group"][2], group, f"{g['label']}: {g['meaning']}", True))
    return pd.DataFrame(rows, columns=["table", "code", "meaning", "known"])


def _map_column(codes: pd.Series, table: str, column: str) -> pd.Series:
    frame = _indexed(table)
    keys = codes.astype("str").str.strip().str.upper()
    if table == "carc":
        split = keys.str.extract(rf"^(?:{REASON_CODE.pattern})$")
        keys = split["carc"].where(split["group"].notna(), keys)
    elif table == "pos":
        keys = keys.where(~keys.str.fullmatch(r"\d"), keys.str.zfill(2))
    mapped = keys.map(frame[column])
    return mapped.fillna("").astype("str")


def meanings(codes: pd.Series, table: str) -> pd.Series:
    """The meaning of every code in a column (``""`` where unknown).

    Parameters
    ----------
    codes : pandas.Series
        Codes as text. For ``table="carc"`` a group prefix (``"CO-45"``) is
        allowed.
    table : str
        A name of :data:`TABLES` (not ``"em"``).

    Returns
    -------
    pandas.Series
        ``str`` dtype, same index as ``codes``.

    Examples
    --------
    >>> meanings(pd.Series(["CO-45", "XX"]), "carc").str.len().gt(0).tolist()
    [True, False]
    """
    return _map_column(codes, table, "meaning")


def carc_error_types(codes: pd.Series) -> pd.Series:
    """The contract ``error_type`` a CARC points to, for a column of CARCs.

    ``""`` where the CARC is unknown or maps to no error type (e.g. 45, the
    routine contractual write-off).

    Notes
    -----
    Mapping from ``carc.csv`` (``related_error_type``): 18/B13 ->
    duplicate_claim, 150 -> upcoding, 151 -> units_over_mue, 97/234/236 ->
    unbundling, 226/252/B12 -> missing_documentation, 26/27/109 ->
    coverage_lapsed, 204 -> policy_change.

    Examples
    --------
    >>> carc_error_types(pd.Series(["CO-150", "45", "B13"])).tolist()
    ['upcoding', '', 'duplicate_claim']
    """
    return _map_column(codes, "carc", "related_error_type")


def carc_categories(codes: pd.Series) -> pd.Series:
    """The kit category of every CARC (``overpayment``, ``routine``, ...; ``""`` if unknown).

    Examples
    --------
    >>> carc_categories(pd.Series(["18", "2"])).tolist()
    ['overpayment', 'routine']
    """
    return _map_column(codes, "carc", "kit_category")


def em_family(code) -> str | None:
    """``'new'`` for 99202-99205, ``'established'`` for 99211-99215, else None.

    Notes
    -----
    docs/sources.md §10.1. 99201 was deleted in 2021 and is not an office E/M code
    here.

    Examples
    --------
    >>> em_family("99214"), em_family("99203"), em_family("99201")
    ('established', 'new', None)
    """
    row = lookup("em", code)
    return None if row is None else row["family"]


def em_level(code) -> int | None:
    """The level (1-5) of an office E/M code, or None for any other code.

    Examples
    --------
    >>> em_level("99215"), em_level("99211"), em_level("36415")
    (5, 1, None)
    """
    row = lookup("em", code)
    return None if row is None else int(row["level"])


def em_families(codes: pd.Series) -> pd.Series:
    """:func:`em_family` over a column: ``'new'``, ``'established'`` or ``""``.

    Examples
    --------
    >>> em_families(pd.Series(["99202", "99212", "J1100"])).tolist()
    ['new', 'established', '']
    """
    return _map_column(codes, "em", "family")


def em_level_numbers(codes: pd.Series) -> pd.Series:
    """:func:`em_level` over a column, as nullable ``Int64`` (``<NA>`` for non-E/M codes).

    Examples
    --------
    >>> em_level_numbers(pd.Series(["99204", "80053"])).tolist()
    [4, <NA>]
    """
    text = _map_column(codes, "em", "level")
    return pd.to_numeric(text.where(text != "", None)).astype("Int64")
