"""The appeal desk widget: pick a notice, see its deadlines on a calendar, decide, see the outcome.

A thin front end over :mod:`recoup_lib.widgets._appeal_desk` (calendar,
grading, outcome text and score live there and are tested).

CSS classes: the whole widget ``recoup-appeal-desk``; the notice picker
``recoup-notice``; the decision buttons ``recoup-decision`` and
``recoup-decision-<choice>``; ``recoup-calendar`` (the chart and the
table of dates); ``recoup-outcome``; ``recoup-score``.
"""

from __future__ import annotations

import html
import io

import ipywidgets as w
import pandas as pd

from ..errors import InvalidParameterError
from ._appeal_desk import DESK_CHOICES, AppealDesk, calendar_chart, desk_from_folder
from ._review import TABLE_STYLE, html_table

__all__ = ["appeal_desk", "AppealDeskWidget"]

_LABELS = {"appeal": "Appeal", "accept": "Accept (repay)", "partial": "Repay part, appeal the rest"}


class AppealDeskWidget:
    """The widget's parts and handlers (``.widget`` is what a notebook shows)."""

    def __init__(self, desk: AppealDesk):
        self.desk = desk
        self.picker = w.Dropdown(options=desk.notice_ids, description="Notice")
        self.picker.add_class("recoup-notice")
        self.picker.observe(lambda change: self.show(change["new"]), names="value")
        self.facts = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.dates = w.HTML()
        self.calendar = w.VBox([self.chart, self.dates])
        self.calendar.add_class("recoup-calendar")
        self.buttons = {}
        for choice in DESK_CHOICES:
            button = w.Button(description=_LABELS[choice], layout=w.Layout(width="auto"))
            button.add_class("recoup-decision")
            button.add_class(f"recoup-decision-{choice}")
            button.on_click(lambda _b, c=choice: self.choose(c))
            self.buttons[choice] = button
        self.outcome = w.HTML()
        self.outcome.add_class("recoup-outcome")
        self.score = w.HTML(value=html.escape(desk.score_text()))
        self.score.add_class("recoup-score")
        self.widget = w.VBox([self.picker, self.facts, self.calendar,
                              w.HTML("<b>Your decision</b>"), w.HBox(list(self.buttons.values())),
                              self.outcome, self.score])
        self.widget.add_class("recoup-appeal-desk")
        if desk.notice_ids:
            self.show(desk.notice_ids[0])
        else:
            self.facts.value = f"<p>{html.escape(desk.empty_text())}</p>" + _taken_back_table(desk.recoupments)
            self.outcome.value = "<i>No notice to decide.</i>"
            for button in self.buttons.values():
                button.disabled = True

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def show(self, notice_id: str) -> None:
        """Show a notice, its calendar (chart and dates) and clear the outcome (what the picker does)."""
        if self.picker.value != notice_id:
            self.picker.value = notice_id
            return
        calendar = self.desk.calendar(notice_id)
        self.facts.value = f"<p>{html.escape(self.desk.summary(notice_id))}</p>"
        table = calendar[["day", "date", "event", "what_to_do"]].assign(
            date=[f"{d:%a %Y-%m-%d}" for d in calendar["date"]])
        figure = calendar_chart(calendar, title=f"Notice {notice_id}: the days that matter")
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=80)
        self.chart.value = png.getvalue()
        self.dates.value = table.to_html(index=False, escape=True, border=0)
        self.outcome.value = "<i>Choose appeal, accept or repay part.</i>"

    def choose(self, choice: str):
        """Grade a decision for the shown notice and show its outcome (what a button click does).

        With no notice shown (none could be decided) the outcome says so and None is returned.
        """
        if self.picker.value is None:
            self.outcome.value = "<i>No notice to decide.</i>"
            return None
        outcome = self.desk.choose(self.picker.value, choice)
        colour = "#2e7d32" if outcome.agrees_with_kit else "#c62828"
        self.outcome.value = f"<div style='color:{colour}'>{html.escape(outcome.text)}</div>"
        self.score.value = html.escape(self.desk.score_text())
        return outcome


#: The columns of the money taken back a desk without notices lists, in the order shown.
_TAKEN_BACK = ["payment_date", "claim_id", "amount_cents", "net_amount_cents", "mechanism", "reason_code",
               "reference", "trace_number"]


def _taken_back_table(recoupments: pd.DataFrame | None) -> str:
    """The money the remittances show taken back, as a table (nothing when there is none to show)."""
    if recoupments is None or not len(recoupments):
        return ""
    shown = recoupments[[c for c in _TAKEN_BACK if c in recoupments.columns]].sort_values("payment_date",
                                                                                         kind="stable")
    return TABLE_STYLE + html_table(shown.rename(columns={"amount_cents": "gross_cents",
                                                          "net_amount_cents": "taken_back_cents"}), "none")


def appeal_desk(source, payers: pd.DataFrame | None = None, findings: pd.DataFrame | None = None,
                payments: pd.DataFrame | None = None, **tables) -> AppealDeskWidget:
    """An appeal desk over an appeal folder, or over tables in memory.

    Parameters
    ----------
    source : str, pathlib.Path, AppealDesk or pandas.DataFrame
        An appeal folder (audit folder plus notices.csv and payers.csv), a
        ready :class:`AppealDesk`, or the notices table (then ``payers``,
        ``findings`` and ``payments`` are required). A folder without
        notices.csv shows why nothing can be decided and lists the money its
        remittances show taken back (see :func:`desk_from_folder`).
    payers, findings, payments : pandas.DataFrame, optional
    **tables
        ``documentation``, ``claim_lines``, ``truth``, ``profiles`` (see
        :class:`AppealDesk`).

    Returns
    -------
    AppealDeskWidget
        Display it as the last value of a cell; ``show(notice_id)`` and
        ``choose(choice)`` do what the picker and buttons do.

    Raises
    ------
    InvalidParameterError
        Notices given as a table without payers or payments.
    """
    if isinstance(source, AppealDesk):
        desk = source
    elif isinstance(source, pd.DataFrame):
        if payers is None or payments is None:
            raise InvalidParameterError("appeal_desk(notices, ...): payers and payments are required with a "
                                        "notices table")
        desk = AppealDesk(source, payers, findings, payments, **tables)
    else:
        desk = desk_from_folder(source, truth=tables.get("truth"), profiles=tables.get("profiles"))
    return AppealDeskWidget(desk)
