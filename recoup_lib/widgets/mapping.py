"""The mapping widget: load an export, check which column is which, save mapping.json.

For trainers and self-audit teams who do not code. Pick a file and what it
holds (claims, payments, coverage, documentation); the widget proposes which
header holds each field (the names billing systems use), lets you change any
of them with a dropdown, shows how many rows would be used and which would be
set aside and why (and what was read in a way to know of, such as a grouped
report whose claim number is printed on a claim's first line only, with the
fields to fill down the rows), and saves the mapping as ``mapping.json`` for
``recoup import --map`` (or ``import_files(mapping=...)``), showing that
command. An export without line numbers or a billed date stops the import
unless it is given ``--infer-missing``: the widget says so, and its "infer
missing" choice previews what the import then puts in their place and adds
the option to the command.

The logic is :class:`MappingSession` (no browser needed; tested in
``tests/test_widgets_mapping.py``); :func:`mapping_widget` only draws it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

__all__ = ["mapping_widget", "MappingSession", "NOT_IN_FILE"]

#: The dropdown choice meaning "this file has no such column".
NOT_IN_FILE = "(not in this file)"
#: The step :meth:`MappingSession.save` records as the writer of the mapping.json it saves.
SAVED_BY = "recoup import mapping"


def _kit_mapping(path: Path) -> bool:
    """Whether ``path`` holds a mapping.json the kit wrote: a JSON object with ``recoup import``'s key."""
    from ..ingest import MANIFEST_KEY

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and bool(document.get(MANIFEST_KEY))


class MappingSession:
    """A mapping being checked: the proposal, the changes, and what the import would do.

    Parameters
    ----------
    path : path-like
        A CSV or workbook export (``book.xlsx#Sheet`` for another sheet).
    kind : {"claims", "payments", "coverage", "documentation"}
    infer_missing : bool, default False
        Preview the import given ``--infer-missing`` (:meth:`set_infer_missing`).

    Examples
    --------
    >>> s = MappingSession("synthetic/messy_export/charges.csv")
    >>> s.mapping()["service_date"]
    'DOS'
    >>> s.report.rows_used
    1500
    """

    def __init__(self, path, kind: str = "claims", infer_missing: bool = False):
        from ..ingest import FIELD_NAMES

        if kind not in FIELD_NAMES:
            raise ValueError(f"kind must be one of {', '.join(FIELD_NAMES)}; got {kind!r}")
        self.path, self.kind = path, kind
        self.fields = list(FIELD_NAMES[kind])
        self.settled: dict = {}
        self.fill_down: list[str] = []
        self.infer_missing = bool(infer_missing)
        self._raw = None
        self.refresh()

    def refresh(self) -> None:
        from ..ingest import preview_file

        self.proposal, self.report, self.missing = preview_file(self.path, self.kind, self.settled, self._raw,
                                                                self.fill_down, self.infer_missing)
        self._raw = self.proposal.raw

    def fill_down_options(self) -> list[str]:
        """The fields a grouped report may print on a group's first row only (``--fill-down``)."""
        from ..ingest import GROUP_FIELDS

        return [f for f in self.fields if f in GROUP_FIELDS]

    def set_fill_down(self, fields) -> None:
        """Fill ``fields`` down the rows, as ``recoup import --fill-down`` does (an empty list: none)."""
        fields = list(fields or ())
        wrong = [f for f in fields if f not in self.fill_down_options()]
        if wrong:
            raise ValueError(f"{wrong[0]!r} cannot be filled down; fields: {', '.join(self.fill_down_options())}")
        self.fill_down = fields
        self.refresh()

    def set_infer_missing(self, on: bool) -> None:
        """Preview the import given ``--infer-missing`` (``on``) or not: without it, an export without
        line numbers or a billed date stops the import, so the preview names them missing; with it,
        the preview puts in their place what the import would, and :meth:`command` gives the option."""
        self.infer_missing = bool(on)
        self.refresh()

    def command(self, mapping="mapping.json") -> str:
        """The ``recoup import`` command that reads this file with the mapping saved as ``mapping``, both
        paths as given (so it runs from where the session was opened, wherever the two files are) and
        quoted as the commands quote theirs; ``--infer-missing`` in it when chosen."""
        from ..wording import shown_path

        given = f"--{self.kind} {shown_path(self.path)}"
        return ("recoup import " + ("" if self.kind == "claims" else "--claims CLAIMS_FILE ") + given
                + f" --map {shown_path(mapping)}" + (" --infer-missing" if self.infer_missing else "")
                + " --out FOLDER")

    def notes(self) -> list[str]:
        """What the import would say besides the counts: cells filled down or read as blank, and a
        grouped report's hint naming the fields to fill down."""
        return [] if self.report is None else list(self.report.notes)

    @property
    def headers(self) -> list[str]:
        return list(self.proposal.headers)

    def mapping(self) -> dict:
        """field -> header (a list for modifiers and diagnosis codes) in force now."""
        return dict(self.proposal.columns)

    def options(self, field: str) -> list[str]:
        """What a dropdown offers for ``field``: every header, and :data:`NOT_IN_FILE`."""
        return [NOT_IN_FILE] + self.headers

    def choose(self, field: str, header) -> None:
        """Settle ``field`` to ``header`` (a list for list fields; :data:`NOT_IN_FILE` to leave it out).

        Raises
        ------
        ValueError
            ``field`` or ``header`` is not one of this file's, or ``header`` is already chosen for
            another field: a column holds one field, as ``recoup import --column`` and ``--map`` say
            (the choice is not applied).
        """
        from ..ingest import fields_sharing_a_header, one_field_per_header

        if field not in self.fields:
            raise ValueError(f"{self.kind} files have no field {field!r}; fields: {', '.join(self.fields)}")
        headers = [header] if isinstance(header, str) else list(header or [])
        unknown = [h for h in headers if h != NOT_IN_FILE and h not in self.headers]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a header of this file; headers: {', '.join(self.headers)}")
        kept = [h for h in headers if h != NOT_IN_FILE]
        chosen = (kept[0] if isinstance(header, str) else kept) if kept else None
        shared = fields_sharing_a_header({**{f: h for f, h in self.settled.items() if f != field}, field: chosen})
        if shared is not None:
            other, _, _, taken = shared
            raise ValueError(f"{other}={taken} and {field}={taken}: {one_field_per_header(self.kind, taken)} "
                             f"(not applied: choose another column for {other} first)")
        self.settled[field] = chosen
        self.refresh()

    def status(self) -> str:
        """One line: rows read = used + set aside (+ blank rows skipped), or what is still missing (and, for
        a field ``--infer-missing`` stands in for, that the import stops without it, and what it would do)."""
        from ..ingest import INFERABLE
        from ..wording import rows_counted

        if self.missing:
            text = "Choose a column for: " + ", ".join(self.missing)
            if self.proposal.ambiguous:
                text += " (" + "; ".join(f"two columns fit {f}: {' or '.join(h)}" if len(h) > 1 else
                                         f"{f} may be {h[0]}, not taken unless chosen"
                                         for f, h in self.proposal.ambiguous.items()) + ")"
            inferable = [f for f in self.missing if f in INFERABLE[self.kind]]
            if inferable:
                text += (f"; without a column for {' or '.join(inferable)} the import stops, unless given "
                         "--infer-missing (choose \"infer missing\") to "
                         + " and ".join(INFERABLE[self.kind][f] for f in inferable))
            return text
        r = self.report
        return f"{r.label}: {rows_counted(r.rows_read, r.rows_used, r.rows_set_aside, r.blank_rows)}"

    def set_aside(self) -> pd.DataFrame:
        """The rows that would be set aside: row, reason, and the row as read."""
        if self.report is None or not len(self.report.aside):
            return pd.DataFrame(columns=["row", "reason", "row_as_read"])
        aside = self.report.aside
        cells = aside.drop(columns=["_row", "_reason"], errors="ignore").fillna("").astype(str)
        text = cells.apply(lambda r: " | ".join(v for v in r if v and v != "<NA>"), axis=1)
        return pd.DataFrame({"row": aside["_row"].to_numpy(), "reason": aside["_reason"].to_numpy(),
                             "row_as_read": text.to_numpy()})

    def document(self) -> dict:
        """The mapping.json this session would save."""
        from ..ingest import mapping_document

        document = mapping_document({self.kind: self.mapping()})
        if self.fill_down:
            document["fill_down"] = list(self.fill_down)
        return document

    def save(self, path) -> Path:
        """Write mapping.json whole (:func:`recoup_lib.outputs.output_file`, as the step ``recoup import
        mapping``), never over a file that is not one the kit wrote.

        A mapping the kit wrote is one it marked, or one holding ``recoup import``'s ``written_by`` key
        (a mapping saved before, or on a file system that keeps no mark, is replaced as it always was);
        a file the kit recorded as another step's (the ``mapping.json`` an import wrote into its folder)
        is not, nor is a file named as a folder's manifest.

        Raises
        ------
        FileExistsError
            ``path`` holds a file the kit did not write, is a folder, or cannot be written.
        """
        from ..errors import UsageError
        from ..outputs import output_file

        path = Path(path)
        try:
            with output_file(path, written_by=SAVED_BY, option="Save as", owned=_kit_mapping) as temporary:
                temporary.write_text(json.dumps(self.document(), indent=2) + "\n", encoding="utf-8")
        except UsageError as exc:
            raise FileExistsError(str(exc)) from None
        return path


def mapping_widget(path, kind: str = "claims", save_as: str = "mapping.json", show_command: bool = True):
    """Dropdowns for the mapping of one export, the rows set aside, and a Save button.

    ``show_command`` False leaves out the ``recoup import`` command the mapping is for: a no-code app
    (the practice desk) whose files sit in a temporary folder has no command for its user to run.

    Returns
    -------
    ipywidgets.VBox
        CSS class ``recoup-mapping``; ``.session`` is the :class:`MappingSession`, ``.infer_missing``
        its "infer missing" checkbox. A file the session cannot read (missing, empty, an 837 or 835)
        gives a box saying why, whose ``.session`` is None.
    """
    import ipywidgets as widgets

    from ..errors import InputError
    from ..ingest import LIST_FIELDS

    title = widgets.HTML(f"<h4>{html.escape(Path(str(path)).name)} ({html.escape(kind)})</h4>")
    try:
        session = MappingSession(path, kind)
    except InputError as exc:
        box = widgets.VBox([title, widgets.HTML(f"<p style='color:#c0392b'><b>{html.escape(str(exc))}</b></p>")])
        box.add_class("recoup-mapping")
        box.session, box.pickers, box.fill_down, box.infer_missing = None, {}, None, None
        return box
    status = widgets.HTML()
    notes = widgets.HTML()
    table = widgets.HTML()
    saved = widgets.HTML()
    command = widgets.HTML()
    pickers = {}
    name = widgets.Text(value=save_as, description="Save as", style={"description_width": "140px"})

    def draw() -> None:
        colour = "#c0392b" if session.missing else "#1e8449"
        status.value = f"<p style='color:{colour}'><b>{html.escape(session.status())}</b></p>"
        if show_command:
            command.value = f"<p>The import: <code>{html.escape(session.command(name.value))}</code></p>"
        notes.value = "".join(f"<p>{html.escape(note)}</p>" for note in session.notes())
        aside = session.set_aside()
        table.value = ("<p>No row is set aside.</p>" if aside.empty else
                       "<p>Rows set aside, and why:</p>" + aside.head(50).to_html(index=False, escape=True))

    putting_back: set[str] = set()

    def changed(field):
        def handler(change):
            if field in putting_back:
                return
            try:
                session.choose(field, change["new"])
                saved.value = ""
            except ValueError as exc:
                saved.value = f"<p style='color:#c0392b'>{html.escape(str(exc))}</p>"
                putting_back.add(field)         # the dropdown shows the choice in force, not the one refused
                try:
                    pickers[field].value = change["old"]
                finally:
                    putting_back.discard(field)
            draw()
        return handler

    current = session.mapping()
    for field in session.fields:
        value = current.get(field)
        if field in LIST_FIELDS:
            chosen = (value,) if isinstance(value, str) else tuple(value or ())
            picker = widgets.SelectMultiple(options=session.headers, value=chosen,
                                            description=field, rows=4, style={"description_width": "140px"})
        else:
            picker = widgets.Dropdown(options=session.options(field), value=value or NOT_IN_FILE,
                                      description=field, style={"description_width": "140px"})
        picker.observe(changed(field), names="value")
        pickers[field] = picker
    fill = widgets.SelectMultiple(options=session.fill_down_options(), value=(), rows=4,
                                  description="fill down", style={"description_width": "140px"})

    def filled(change):
        session.set_fill_down(change["new"])
        draw()

    fill.observe(filled, names="value")
    infer = widgets.Checkbox(value=False, description="infer missing (--infer-missing)",
                             style={"description_width": "140px"})

    def inferring(change):
        session.set_infer_missing(change["new"])
        draw()

    infer.observe(inferring, names="value")
    name.observe(lambda _: draw(), names="value")
    button = widgets.Button(description="Save mapping.json", button_style="success")

    def save(_):
        try:
            written = session.save(name.value)
            then = ": use it with the import below" if show_command else ""
            saved.value = f"<p>Saved {html.escape(str(written))}{then}.</p>"
        except (OSError, FileExistsError) as exc:
            saved.value = f"<p style='color:#c0392b'>{html.escape(str(exc))}</p>"

    button.on_click(save)
    draw()
    box = widgets.VBox([title, *pickers.values(), fill, infer, status, notes, widgets.HBox([name, button]), saved,
                        command, table])
    box.add_class("recoup-mapping")
    box.session = session
    box.pickers = pickers
    box.fill_down = fill
    box.infer_missing = infer
    return box
