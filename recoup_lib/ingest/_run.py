"""``import_files``: users' exports, workbooks, 837s and 835s -> an audit folder.

One call per pipeline step: :func:`import_files` reads what a billing office
has, maps its columns, reads its values, sets aside what cannot be used (with
the reason, counted), and returns an :class:`ImportResult`; ``.write(out)``
writes the audit folder ``recoup audit`` reads, plus ``mapping.json`` (the
mapping used; give it back with ``mapping=``/``--map``: :mod:`._mapping`), ``import_rejected.csv``
(every row set aside and why), ``import_rejected_rows/`` (those rows as read)
and ``import_counts.csv`` (rows read = used + set aside + blank rows skipped, per file).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import WHOLE_LINE, WHOLE_PAYMENT, InputError, Problem, UsageError
from ..filekind import resolved, shown
from ..folder import LINE_KEY, line_exists
from ..money import format_cents
from ..schema import SPECS, parse_table
from ..wording import listed
from ..x12 import LOWER_CASE_X12, holds_a_file, looks_like_x12, lower_case_x12
from ._build import Built, build_export, rename_reason, required_fields, text_frame
from ._claims_stand_ins import INFERABLE, continue_numbering
from ._fields import (GROUP_FIELDS, KINDS, TARGET_FILES, account_as_claim_note, check_required, prefer_npi_values,
                      propose, yielded_notes)
from ._header_score import header_score
from ._line_match import placing_note, rows_looked_for
from ._mapping import _check_columns_option, _fixed_for, _one_column_per_header, _wrong_fill_down, load_mapping
from ._notes_placing import notes_placing_note, place_blank_notes, place_notes
from ._placing import as_read, place_blank_numbers, place_unnumbered
from ._remit_payments import other_code_note, payments_from_835
from ._result import ImportResult, SourceReport
from ._tables import check_readable, read_export, split_sheet
from ._unnumbered import UNNUMBERED, UNNUMBERED_NOTES, contract_for, spec_for
from ._x837 import CLAIM_LINES_837, LINE_COLUMNS, X12_ELEMENTS, _workers, read_837

__all__ = ["import_files", "preview_file"]


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [value]
    return list(value)


def _each_once(given: dict[str, list]) -> tuple[dict[str, list], list[str]]:
    """Each kind's files with a file named twice for it kept the first time, and a message per repeat.

    Read twice, every row of the second reading would be set aside as a repeat "from another file".
    The same file may still be given for two kinds (one export holding both charges and payments).
    """
    once, repeats = {}, []
    for kind, specs in given.items():
        seen = set()
        once[kind] = []
        for spec in specs:
            path, sheet = split_sheet(spec)
            key = (resolved(path), sheet)
            if key in seen:
                repeats.append(f"{shown(spec)}: named twice as {kind}; read once")
                continue
            seen.add(key)
            once[kind].append(spec)
    return once, repeats


#: The X12 transaction set each kind of input is read from (named in what a folder's walk skips).
_X12_KIND = {"claims": "837", "payments": "835"}


def _is_x12_source(spec, kind: str = "claims") -> bool:
    """Whether a file given is X12 (an 837 or 835) rather than an export; a folder is read as X12.

    Raises
    ------
    InputError
        The file is X12 with its segment ids in lower case, which the X12 readers do not take
        (read as an export, it would end in a puzzling "no header for required field"); or
        the folder holds no file to read (read, it would give no row): the message says what
        the walk of ``recoup remit`` and of the X12 readers passed over in it, and why.
    """
    path, _ = split_sheet(spec)
    if path.is_dir():
        passed: list = []
        if not holds_a_file(path, passed, _X12_KIND.get(kind, "837 or 835")):
            said = [f"{_below(path, where)}: {reason}" for where, _, reason in passed]
            raise InputError(f"{shown(path)}: the folder holds no file to read ("
                             + ("; ".join(said[:3]) + (f"; and {len(said) - 3:,} more" if len(said) > 3 else "")
                                if said else "it is empty")
                             + "); give the folder that holds the 837 or 835 files.")
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    if looks_like_x12(head):
        return True
    if lower_case_x12(head):
        raise InputError(f"{shown(path.name)}: {LOWER_CASE_X12}, and import it again.")
    return False


def _below(folder: Path, where: str) -> str:
    """``where``, a path the walk of ``folder`` met, as shown in a message: from the folder down."""
    try:
        return shown(Path(where).relative_to(folder))
    except ValueError:
        return shown(where)


def _parse(built: Built, spec, label: str, report: SourceReport):
    """The contract check on rows already in contract text (values the contract refuses are set aside)."""
    parsed = parse_table(built.frame, spec, label=label, row_numbers=built.rows)
    problems = list(built.problems)
    aside = built.aside
    if len(parsed.rejected):
        rej = _typed_as_text(parsed.rejected, built.typed)
        reasons = [rename_reason(r, built.header_of, x12=report.format == "837") for r in rej["_reason"]]
        original = as_read(built, rej) if built.cells_as_read else rej.drop(columns=["_file", "_reason"])
        original.insert(1, "_reason", reasons)
        aside = pd.concat([aside, original], ignore_index=True).sort_values("_row", kind="stable")
        problems += [Problem(p.file, p.row, built.header_of.get(p.column, p.column), p.value, p.expected)
                     for p in parsed.problems]
    report.rows_used = len(parsed.data)
    report.rows_set_aside = len(aside)
    report.rows_read = report.rows_used + report.rows_set_aside + report.blank_rows
    report.aside = aside.reset_index(drop=True)
    return parsed.data, problems


def _typed_as_text(rejected: pd.DataFrame, typed: tuple) -> pd.DataFrame:
    """Rows set aside by the contract check show their dates and amounts as the text the check
    would have been given (``YYYY-MM-DD``, ``-12.50``, blank where none), whether they were handed
    over as text or already read."""
    if not typed:
        return rejected
    rejected = rejected.copy()
    for name in typed:
        if pd.api.types.is_datetime64_any_dtype(rejected[name].dtype):
            iso = np.datetime_as_string(rejected[name].to_numpy(dtype="datetime64[D]"), unit="D")
            rejected[name] = pd.array(np.where(iso == "NaT", "", iso), dtype=pd.StringDtype("pyarrow"))
        else:
            rejected[name] = format_cents(rejected[name])
    return rejected


def _read_exports(kind: str, specs: list, mapping: dict, columns: dict, seen: dict) -> list:
    """Read each export of one kind (header row found with the names of --map and --column too)."""
    score = header_score(kind, mapping, columns)
    raws = [read_export(item, score) for item in specs]
    for raw in raws:
        seen[raw.label] = raw.headers
    return raws


def _build_exports(kind: str, raws: list, mapping: dict, columns: dict, reports: list):
    """Map and read each export of one kind; returns [(built, report)]."""
    out = [_build_one(kind, raw, mapping, columns) for raw in raws]
    reports += [report for _, report in out]
    return out


def _read_map_check(kind: str, exports: list, mapping: dict, columns: dict):
    """One kind's exports read, mapped and checked against the contract: (raws, built, parse futures).

    A reading error is raised; an error in mapping is returned in place of ``built``, and one in
    the check is held by its future, so :func:`import_files` raises them in the order it would meet
    them step by step (every file read, then ``--column`` checked, then each file mapped)."""
    raws = _read_exports(kind, exports, mapping, columns, {})
    try:
        built = _build_exports(kind, raws, mapping, columns, [])
    except Exception as exc:  # noqa: BLE001 - raised by import_files in its turn
        return raws, exc, []
    return raws, built, [_settled(_parse, b, contract_for(kind, report.columns), report.label, report)
                         for b, report in built]


def _settled(function, *args) -> Future:
    """``function(*args)`` run now, its result or its error held by a future."""
    future: Future = Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:  # noqa: BLE001 - given back by future.result()
        future.set_exception(exc)
    return future


def _proposal_for(kind: str, raw, mapping: dict, columns: dict):
    """The mapping in force for one export: proposed from its headers, with --map and --column applied,
    and a tie for rendering_npi broken by the values (:func:`._fields.prefer_npi_values`)."""
    fixed, sources = _fixed_for(kind, raw.label, raw.headers, mapping, columns)
    proposal = propose(kind, raw.headers, fixed, sources)
    prefer_npi_values(proposal, lambda header: raw.columns[header].to_pandas())
    for name, value in fixed.items():
        if value is None:
            proposal.columns.pop(name, None)
    return proposal


#: The in-memory mapping's key saying the import may stand in for line numbers and billed dates
#: (``--infer-missing``; never written to mapping.json).
INFER_MISSING = "_infer_missing"


def _required(kind: str, proposal, mapping: dict) -> list[str]:
    """The fields an export of ``kind`` must have a header for: the contract's required fields, bar
    line numbers and billed dates when the user lets the import stand in for them (``--infer-missing``:
    :mod:`._claims_stand_ins`, :mod:`._line_match`)."""
    if mapping.get(INFER_MISSING):
        return required_fields(spec_for(kind, proposal.columns), kind)
    return required_fields(SPECS[TARGET_FILES[kind]])


def _build_one(kind: str, raw, mapping: dict, columns: dict):
    proposal = _proposal_for(kind, raw, mapping, columns)
    try:
        check_required(proposal, _required(kind, proposal, mapping), raw.label, inferable=INFERABLE[kind])
    except InputError as exc:
        others = raw.info.get("other_sheets")
        if not others or raw.label.endswith(f"#{raw.info['sheet']}"):
            raise
        raise InputError(f"{exc} This is sheet {raw.info['sheet']!r}; the workbook's other sheets: "
                         f"{', '.join(map(repr, others))} (name one as {raw.label}#SHEET).") from None
    return _build_mapped(kind, raw, proposal, mapping.get("fill_down", ()))


def _build_mapped(kind: str, raw, proposal, fill_down):
    """One export read through its mapping: (Built, SourceReport with its notes)."""
    fill_down = [f for f in fill_down if f in proposal.columns]
    built = build_export(raw, spec_for(kind, proposal.columns), proposal, fill_down,
                         contract_for(kind, proposal.columns))
    fmt = "workbook" if raw.info.get("sheet") is not None else "CSV"
    report = SourceReport(raw.label, kind, fmt, blank_rows=built.blank_rows,
                          info={**raw.info, **({"fill_down": fill_down} if fill_down else {})},
                          columns=dict(proposal.columns))
    report.notes += [raw.info[k] for k in ("holds", "sheet_note", "header_note") if raw.info.get(k)]
    report.notes += yielded_notes(proposal, raw.label) + proposal.notes
    account = account_as_claim_note(proposal)
    if account:
        report.notes.append(account)
    report.notes += built.notes
    merged = raw.info.get("merged") or []
    if merged:
        report.notes.append(f"merged cells read as one value in each of their cells: {listed(merged, 6)}")
    unsaved = raw.info.get("formulas_without_values") or []
    if unsaved:
        report.notes.append(f"{len(unsaved):,} formula cell(s) with no saved value, read as blank ("
                            + ", ".join(unsaved[:6]) + (" ..." if len(unsaved) > 6 else "")
                            + "): the workbook was saved by a program that does not calculate formulas; open it "
                            "in Excel or LibreOffice, save it, and import it again")
    unused = [h for h in raw.headers if h not in proposal.used_headers()]
    if unused:
        report.notes.append("kept as extra columns: " + ", ".join(repr(h) for h in unused[:8])
                            + (" ..." if len(unused) > 8 else ""))
    return built, report


def _import_837(specs: list, reports: list, messages: list):
    claims = read_837(specs)
    noted = set()
    frame = text_frame({k: claims.lines[k] for k in LINE_COLUMNS})
    rows = np.asarray(claims.lines["_row"], dtype=np.int64)
    files = np.asarray(claims.lines["_file"].to_pylist(), dtype=object)
    out = []
    for label in claims.files:
        mask = files == label
        aside = sorted((seg, why, text) for f, seg, why, text in claims.set_aside if f == label)
        aside_frame = pd.DataFrame(aside, columns=["_row", "_reason", "_text"])
        problems = [Problem(label, int(seg), WHOLE_LINE, text[:60], why) for seg, why, text in aside]
        built = Built(frame.loc[mask].reset_index(drop=True), rows[mask], aside_frame, problems,
                      dict(X12_ELEMENTS), 0)
        report = SourceReport(label, "claims", "837", info={"segment_numbers": True})
        if not mask.any() and not aside:
            first = next((i for i, (f, _, _) in enumerate(claims.problems) if f == label), None)
            if first is not None:
                report.notes.append(claims.problems[first][2])
                noted.add(first)
        out.append((built, report))
        reports.append(report)
    messages += [f"{f}, segment {seg}: {msg}" if seg else f"{f}: {msg}"
                 for i, (f, seg, msg) in enumerate(claims.problems) if i not in noted]
    return out


def _dedupe_across(parsed: list[tuple[pd.DataFrame, SourceReport]], key: tuple, problems: list):
    """A key already seen in an earlier file of the same kind sets the later row aside.

    Each key's first file is found once, by one group-by over every file's keys, rather than by
    comparing each file with all the files before it (a year of daily exports is 365 files).
    """
    columns = list(key)
    if len(parsed) < 2:
        return [data for data, _ in parsed]
    reason = f"the same {' and '.join(key)} came earlier from another file"
    sizes = [len(data) for data, _ in parsed]
    keys = pd.concat([data[columns] for data, _ in parsed], ignore_index=True)
    ordinal = np.repeat(np.arange(len(parsed)), sizes)
    first = (pd.Series(ordinal).groupby([keys[c] for c in columns], sort=False, dropna=False)
             .transform("min").to_numpy())
    later = ordinal > first
    kept, start = [], 0
    for (data, report), size in zip(parsed, sizes):
        dup = later[start:start + size]
        start += size
        if dup.any():
            extra = data.loc[dup, columns + ["_row"]].astype(str).assign(
                _row=data.loc[dup, "_row"].to_numpy(), _reason=reason)
            report.set_aside_later(extra, [Problem(report.label, int(r), ",".join(key), "", reason)
                                           for r in extra["_row"]], problems)
            data = data.loc[~dup]
        kept.append(data)
    return kept


def import_files(claims, payments=None, coverage=None, documentation=None, columns=None,
                 mapping=None, fill_down=None, infer_missing: bool = False) -> ImportResult:
    """Turn a billing office's files into the audit folder the kit reads.

    Parameters
    ----------
    claims : path-like or list of path-like
        Practice-management exports (CSV in UTF-8 or Windows-1252, or a
        workbook: its first sheet shown that holds cells, ``book.xlsx#Sheet`` for another) or
        X12 837P/837I files (or folders of them).
    payments : path-like or list, optional
        Payment exports or 835 remittances (files or folders).
    coverage, documentation : path-like or list, optional
        Exports of coverage spans and of what the notes document.
    columns : dict, optional
        ``{field: header}`` settling a field in every file that has that
        header (``--column FIELD=HEADER``); a list of headers for modifiers
        and diagnosis_codes; ``None`` or ``""`` to leave a field out.
    mapping : path-like or dict, optional
        A ``mapping.json`` written by an earlier import (``--map``).
    fill_down : list of str, optional
        Fields a grouped report prints only on the first row of each group (a claim's number
        on its first line): each blank cell of such a field, on a row holding other values, is
        filled from the nearest row above that has one (``--fill-down FIELD``). Kept in
        mapping.json.
    infer_missing : bool, default False
        ``--infer-missing``: an export without line numbers or a billed date is read rather than
        stopped at: each claim's lines numbered in the order the export lists them, the service
        date taken as the billed date, each payment put on its claim's line by its CPT code,
        modifiers and date of service, each note of a documentation export on its line by its CPT
        code, or on every line of its visit without one, a row listed taken as a note on file when
        the export has no note-present column (each said in a note). Without it such an export stops the
        import (exit 1), as any required field without a header does, and the message names
        this option.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        A file is missing or unreadable, or a required field has no header or
        two (the message names the candidates and the headers seen).
    UsageError
        ``columns`` names an unknown field or a header no file has; it, or
        ``mapping``, settles two fields of one kind of file to one header.

    Examples
    --------
    >>> result = import_files("synthetic/messy_export/charges.csv",  # doctest: +SKIP
    ...                       payments="synthetic/messy_export/payments.xlsx")
    >>> print(result.summary())  # doctest: +SKIP
    >>> result.write("my_audit_folder")  # doctest: +SKIP
    """
    columns = dict(columns or {})
    _one_column_per_header(columns)
    mapping = load_mapping(mapping)
    if fill_down:
        wrong = _wrong_fill_down(list(fill_down))
        if wrong is not None:
            raise UsageError(f"--fill-down {wrong}: unknown field, or not one a grouped report prints on a "
                             f"group's first row only; fields: {', '.join(GROUP_FIELDS)}")
        mapping = {**mapping, "fill_down": list(dict.fromkeys(fill_down))}
    if infer_missing:
        mapping = {**mapping, INFER_MISSING: True}
    given, repeats = _each_once({"claims": _as_list(claims), "payments": _as_list(payments),
                                 "coverage": _as_list(coverage), "documentation": _as_list(documentation)})
    if not given["claims"]:
        raise UsageError("claims: at least one claims file (an export or 837s) is required")
    inputs = [split_sheet(p)[0] for kind in KINDS for p in given[kind]]
    for path in inputs:
        check_readable(path)
    reports: list[SourceReport] = []
    messages: list[str] = repeats
    problems: list[Problem] = []
    seen: dict[str, list[str]] = {}
    tables: dict[str, pd.DataFrame] = {}
    built_by_kind: dict[str, list] = {}
    raws, x12 = {}, {}
    # Files are read, mapped and checked side by side (Arrow and numpy work outside the interpreter
    # lock), each kind from reading to the contract check in one worker; results are gathered in the
    # order given, every read before any mapping, so reports, messages and the first error raised
    # are those of doing it step by step.
    parsing: dict[str, list] = {}
    with ThreadPoolExecutor(_workers()) as pool:
        working = {}
        for kind in ("claims", "coverage", "documentation", "payments"):
            exports = [p for p in given[kind] if not (kind in ("claims", "payments") and _is_x12_source(p, kind))]
            x12[kind] = [p for p in given[kind] if p not in exports]
            working[kind] = pool.submit(_read_map_check, kind, exports, mapping, columns)
        for kind, future in working.items():
            raws[kind] = future.result()[0]
            for raw in raws[kind]:
                seen[raw.label] = raw.headers
        _check_columns_option(columns, seen)
        for kind, future in working.items():
            _, built, parsing[kind] = future.result()
            if isinstance(built, Exception):
                raise built
            reports += [report for _, report in built]
            if x12[kind] and kind == "claims":
                from_837 = _import_837(x12[kind], reports, messages)
                parsing[kind] += [pool.submit(_parse, b, CLAIM_LINES_837, report.label, report)
                                  for b, report in from_837]
                built += from_837
            built_by_kind[kind] = (built, x12[kind])

        for kind in ("claims", "coverage", "documentation", "payments"):
            built, x12 = built_by_kind[kind]
            spec = SPECS[TARGET_FILES[kind]]
            parsed, line_counts = [], []
            for (b, report), future in zip(built, parsing[kind]):
                line_counts.append(b.line_counts)
                data, got = future.result()
                data["_file"] = report.label
                problems += got
                if kind == "payments":
                    place = place_blank_numbers if "line_no" in report.columns else place_unnumbered
                    data = place(data, b, report, tables.get("claim_lines.csv"), problems)
                elif kind == "documentation" and "line_no" not in report.columns:
                    data = place_notes(data, b, report, tables.get("claim_lines.csv"), problems)
                elif kind == "documentation":
                    data = place_blank_notes(data, b, report, tables.get("claim_lines.csv"), problems,
                                             bool(mapping.get(INFER_MISSING)))
                parsed.append((data, report))
            if kind == "payments" and x12:
                parsed += _payments_835(x12, tables.get("claim_lines.csv"), spec, reports, messages, problems)
            if not parsed:
                continue
            if kind == "claims":
                parsed = list(zip(continue_numbering(parsed, line_counts, problems), [r for _, r in parsed]))
            if spec.key:
                kept = _dedupe_across(parsed, spec.key, problems)
            else:
                kept = [d for d, _ in parsed]
            table = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
            if kind == "payments" and "claim_lines.csv" in tables:
                table = _orphans(table, tables["claim_lines.csv"], [r for _, r in parsed], problems)
            tables[TARGET_FILES[kind]] = table
    order = {TARGET_FILES[k]: i for i, k in enumerate(KINDS)}
    tables = dict(sorted(tables.items(), key=lambda kv: order[kv[0]]))
    problems.sort(key=lambda p: (p.file, p.row))
    return ImportResult(tables, reports, problems, messages, inputs)


def _payments_835(paths, claim_lines, spec, reports, messages, problems) -> list:
    """The 835 files' payments, each file's as ``(payments, its SourceReport)``: what is set aside
    later (payments of no claim line imported) is counted in the file it came from. Files that give
    no payment at all (837s given as payments, 835s whose every transaction is set aside) are
    counted as the paths given (a folder's name ending in ``/``), each with no row, so the import stops
    saying so."""
    frame, rows, labels, aside, notes = payments_from_835(paths, claim_lines)
    messages += notes
    parsed = []
    label_set = list(dict.fromkeys(list(labels) + [a[0] for a in aside]))
    for label in label_set:
        mask = labels == label
        own = [(seg, why, text) for f, seg, why, text in aside if f == label]
        built = Built(frame.loc[mask].reset_index(drop=True), rows[mask],
                      pd.DataFrame(own, columns=["_row", "_reason", "_text"]),
                      [Problem(label, int(s), WHOLE_PAYMENT, t[:60], w) for s, w, t in own], {}, 0)
        report = SourceReport(label, "payments", "835", info={"segment_numbers": True})
        data, got = _parse(built, spec, label, report)
        data["_file"] = label
        report.notes += other_code_note(data["matched_by"])
        problems += got
        reports.append(report)
        parsed.append((data, report))
    if not parsed:
        empty = parse_table(pd.DataFrame({c: pd.Series([], dtype="str") for c in
                                          ["claim_id", "line_no", "payment_id", "payment_date", "paid"]}),
                            spec).data
        for path in map(Path, paths):
            label = shown(path.name) + ("/" if path.is_dir() else "")
            report = SourceReport(label, "payments", "835", info={"segment_numbers": True})
            reports.append(report)
            parsed.append((empty.assign(_file=report.label), report))
    return parsed


def _orphans(payments: pd.DataFrame, lines: pd.DataFrame, reports: list, problems: list) -> pd.DataFrame:
    """Payments whose claim line was not imported (or was set aside) are set aside too."""
    orphan = ~line_exists(lines, payments)
    if not orphan.any():
        return payments
    by_label = {r.label: r for r in reports}
    reason = "no usable claim line with this claim_id and line_no among the claims imported"
    expected = "a claim line among the claims imported"
    for label, group in payments.loc[orphan].groupby("_file", sort=False):
        extra = pd.DataFrame({"_row": group["_row"].to_numpy(), "_reason": reason,
                              "claim_id": group["claim_id"].astype(str).to_numpy(),
                              "line_no": group["line_no"].astype(str).to_numpy()})
        by_label[label].set_aside_later(extra, [Problem(label, int(r), LINE_KEY, f"{c}|{n}", expected)
                                                for r, c, n in zip(group["_row"], group["claim_id"],
                                                                   group["line_no"])], problems)
    return payments.loc[~orphan].reset_index(drop=True)


def preview_file(path, kind: str = "claims", columns: dict | None = None, raw=None, fill_down=(),
                 infer_missing: bool = False):
    """One export mapped and read on its own: what the mapping widget shows.

    Parameters
    ----------
    path : path-like
        A CSV or workbook export (``book.xlsx#Sheet`` for another sheet).
    kind : {"claims", "payments", "coverage", "documentation"}
    columns : dict, optional
        Fields settled by hand (as ``import_files(columns=...)``).
    raw : RawExport, optional
        The file as already read (``preview.raw`` of an earlier call), to skip reading it again.
    fill_down : list of str, optional
        Fields filled down the rows of a grouped report (as ``import_files(fill_down=...)``).
    infer_missing : bool, default False
        As ``import_files(infer_missing=...)``: without it, line numbers and billed dates without a
        column are missing, as they stop the import; with it, the preview stands in for them.

    Returns
    -------
    proposal : Proposal
        The mapping in force (``columns``, ``ambiguous``, ``headers``).
    report : SourceReport or None
        Rows read, used and set aside with reasons, and a note on what the import does with payments
        or notes without a line number (placed on their claims' lines, or, notes without
        ``--infer-missing``, set aside); None while a required field has no header (``missing`` says which).
    missing : list of str
        Required fields without a header, or with two.

    Raises
    ------
    InputError
        The file cannot be read as an export: missing, empty, or an X12
        837 or 835 file (the import reads those without a mapping).
    """
    columns = dict(columns or {})
    if raw is None and _is_x12_source(path, kind):
        where = split_sheet(path)[0]
        what = "a folder, read as X12 files" if where.is_dir() else "an X12 file"
        raise InputError(f"{shown(where.name)}: {what} (837 claims or 835 remittances), which recoup import reads "
                         "as it is (give it with --claims or --payments); it has no columns to map.")
    raw = raw if raw is not None else _read_exports(kind, [path], {}, columns, {})[0]
    proposal = _proposal_for(kind, raw, {}, columns)
    spec = spec_for(kind, proposal.columns)
    missing = [f for f in _required(kind, proposal, {INFER_MISSING: infer_missing}) if f not in proposal.columns]
    proposal.raw = raw
    if missing:
        return proposal, None, missing
    built, report = _build_mapped(kind, raw, proposal, fill_down)
    data, _ = _parse(built, contract_for(kind, proposal.columns), raw.label, report)
    unnumbered = spec in (UNNUMBERED, UNNUMBERED_NOTES)
    blank = int(data["line_no"].isna().sum()) if not unnumbered and kind in ("payments", "documentation") else 0
    if unnumbered or blank:
        rows = rows_looked_for(None if unnumbered else blank)
        report.notes.append(placing_note(rows) if kind == "payments" else notes_placing_note(rows, infer_missing))
    return proposal, report, []


