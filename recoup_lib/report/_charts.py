"""The lessons' charts: a demand letter's timeline, cash by week, money by label, samples, take-backs.

The lesson notebooks are written for billing staff, so their code cells stay
a few lines long; these charts are what those cells draw, tested in
``tests/test_lessons_helpers.py``. The dashboard's own figures are in
:mod:`recoup_lib.report._plots` (its Pareto chart, :func:`plot_pareto`,
serves the lessons too).

==============================  ===============================================
:func:`timeline_chart`          a Medicare demand letter's key days as a timeline
:func:`cash_flow_chart`         why a deposit "suddenly dropped": weekly cash, offset stacked
:func:`money_bar_chart`         any table of cents as a bar chart in dollars
:func:`sampling_chart`          where repeated samples' estimates fall against the truth
:func:`recoupment_chart`        money taken back per period, stacked by cause
==============================  ===============================================

Money stays integer cents in every table these charts read; cents turn into
dollars only to place bars on an axis. Each chart is a
:class:`matplotlib.figure.Figure` built outside pyplot (or drawn on the
``ax`` given), so a notebook shows each one once, as the cell's last value,
and nothing is left open between cells.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ..money import dollars
from ._plots import _money_axis, plain_label

__all__ = ["timeline_chart", "cash_flow_chart", "money_bar_chart", "sampling_chart", "recoupment_chart"]


def _new_axes(ax, figsize):
    """A new figure outside pyplot (nothing global to close), or the figure of ``ax``."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=figsize, layout="tight")
        ax = fig.subplots()
    else:
        fig = ax.figure
    return fig, ax


def timeline_chart(events: pd.DataFrame, ax=None, title: str | None = None):
    """Draw :func:`recoup_lib.appeals.medicare_timeline` as a line of days with labelled marks.

    Parameters
    ----------
    events : pandas.DataFrame
        Columns ``day``, ``date``, ``event`` (as
        :func:`recoup_lib.appeals.medicare_timeline` returns them).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Shaded spans show the three phases: no interest and no offset (up
        to the day before interest starts), interest without offset, and
        offset.
    """
    fig, ax = _new_axes(ax, (11, 3.6))
    days = events["day"].to_numpy()
    last = int(days.max())
    by_event = dict(zip(events["event"], days))
    interest = by_event.get("Interest starts")
    offset = by_event.get("Offset starts")
    if interest is not None:
        ax.axvspan(1, interest, color="#dff0d8", zorder=0)
        ax.text((1 + interest) / 2, 1.85, "no interest, no offset", ha="center", fontsize=8)
    if interest is not None and offset is not None:
        ax.axvspan(interest, offset, color="#fcf8e3", zorder=0)
        ax.text((interest + offset) / 2, 1.85, "interest", ha="center", fontsize=8)
    if offset is not None:
        ax.axvspan(offset, last + 8, color="#f2dede", zorder=0)
        ax.text((offset + last) / 2, 1.85, "money taken from new payments", ha="center",
                fontsize=8)
    ax.axhline(0, color="black", linewidth=1)
    ax.scatter(days, np.zeros(len(days)), color="black", zorder=3)
    heights = (1.2, -0.55, 0.45, -1.2, 1.2, -0.55)
    for i, row in enumerate(events.itertuples(index=False)):
        h = heights[i % len(heights)]
        where = (row.day + 8) / (last + 16)
        align = "left" if where < 0.12 else "right" if where > 0.88 else "center"
        ax.plot([row.day, row.day], [0, h], color="grey", linewidth=0.8)
        label = textwrap.fill(plain_label(row.event), 26)
        ax.text(row.day, h, f"day {row.day} ({row.date:%b %d})\n{label}", ha=align,
                va="bottom" if h > 0 else "top", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.set_xlim(-8, last + 8)
    ax.set_ylim(-2.0, 2.1)
    ax.set_yticks([])
    ax.set_xlabel("days, counted from the date on the demand letter (day 1)")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return fig


def cash_flow_chart(weekly: pd.DataFrame, ax=None, title: str | None = None,
                    marks: dict | None = None):
    """Bars of weekly deposits, with the offset stacked on top in red.

    Parameters
    ----------
    weekly : pandas.DataFrame
        As returned by :func:`recoup_lib.report.weekly_cash`.
    ax : matplotlib Axes, optional
    title : str, optional
    marks : dict of str to date-like, optional
        Dates to mark with a dashed vertical line and a label (for example
        the demand letter and the first day of offset).

    Returns
    -------
    matplotlib.figure.Figure
        The full bar is what the week's claims paid; the grey part reached
        the bank and the red part was kept back.
    """
    from matplotlib.dates import DateFormatter, MonthLocator

    fig, ax = _new_axes(ax, (11, 4.4))
    x = weekly["week_ending"]
    deposited = weekly["deposited_cents"].to_numpy() / 100
    kept = weekly["offset_cents"].to_numpy() / 100
    ax.bar(x, deposited, width=5, color="#7f8c8d", label="deposited")
    ax.bar(x, kept, width=5, bottom=deposited, color="#c0392b", hatch="//",
           label="kept back by the payer (offset)")
    hit = weekly.loc[weekly["offset_cents"] > 0]
    if len(hit):
        first = hit.iloc[0]
        ax.annotate(f"week ending {first['week_ending']:%b %d}:\npaid for claims "
                    f"{dollars(first['paid_cents'])},\ndeposited {dollars(first['deposited_cents'])}",
                    xy=(first["week_ending"], first["paid_cents"] / 100),
                    xytext=(0.02, 0.95), textcoords="axes fraction", va="top", fontsize=9,
                    arrowprops={"arrowstyle": "->", "color": "#c0392b"})
    top = float(weekly["paid_cents"].max()) / 100 if len(weekly) else 1.0
    for i, (text, when) in enumerate((marks or {}).items()):
        when = pd.Timestamp(when)
        ax.axvline(when, color="black", linestyle="--", linewidth=1)
        ax.text(when, top * (1.3 - 0.12 * i), f" {text}\n {when:%b %d}", fontsize=8, va="top")
    ax.set_ylim(0, top * 1.35)
    _money_axis(ax.yaxis)
    ax.xaxis.set_major_locator(MonthLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    ax.set_ylabel("per week")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return fig


def money_bar_chart(frame: pd.DataFrame, label: str, value: str, ax=None,
                    title: str | None = None, horizontal: bool = False):
    """A plain bar chart of a cents column, drawn in dollars.

    Parameters
    ----------
    frame : pandas.DataFrame
    label, value : str
        Column of names and integer column of cents; bars keep the frame's
        order.
    ax : matplotlib Axes, optional
    title : str, optional
    horizontal : bool, default False

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _new_axes(ax, (9, 3.6))
    names = [plain_label(name) for name in frame[label].astype("str")]
    amounts = frame[value].to_numpy(dtype=np.int64) / 100
    if horizontal:
        ax.barh(names, amounts, color="#2c7fb8")
        ax.invert_yaxis()
        _money_axis(ax.xaxis)
    else:
        ax.bar(names, amounts, color="#2c7fb8")
        _money_axis(ax.yaxis)
    if title:
        ax.set_title(title)
    return fig


def sampling_chart(simulation: pd.DataFrame, truth_cents: int, ax=None, title: str | None = None):
    """Histograms of the point estimates and lower bounds of repeated samples.

    Parameters
    ----------
    simulation : pandas.DataFrame
        As returned by
        :func:`recoup_lib.sampling.repeated_appraisals`.
    truth_cents : int
        The universe's true total overpayment.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        A black line marks the truth; the legend says what share of the
        lower bounds fell at or below it.
    """
    fig, ax = _new_axes(ax, (10, 4))
    point = simulation["point_estimate_cents"].to_numpy() / 100
    lower = simulation["lower_bound_cents"].to_numpy() / 100
    bins = np.linspace(min(lower.min(), point.min()), max(lower.max(), point.max()), 40)
    under = float((simulation["lower_bound_cents"] <= truth_cents).mean())
    ax.hist(point, bins=bins, alpha=0.55, color="#2c7fb8", label="point estimates")
    ax.hist(lower, bins=bins, alpha=0.55, color="#d95f0e",
            label=f"lower bounds ({under:.1%} at or below the truth)")
    ax.axvline(truth_cents / 100, color="black", linewidth=2, label="true total (answer key)")
    _money_axis(ax.xaxis)
    ax.set_xlabel("estimated total overpayment in the universe")
    ax.set_ylabel("number of samples")
    ax.legend(loc="upper right", fontsize=9)
    if title:
        ax.set_title(title)
    return fig


def recoupment_chart(by_cause: pd.DataFrame, ax=None, title: str | None = None):
    """Money taken back per period, stacked by cause.

    Parameters
    ----------
    by_cause : pandas.DataFrame
        As returned by :func:`recoup_lib.remit.reconcile.recoupments_by_cause`
        (period, cause, taken_cents).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One bar per period; each cause a colour, largest total at the bottom.
    """
    fig, ax = _new_axes(ax, (11, 4.4))
    table = by_cause.pivot_table(index="period", columns="cause", values="taken_cents",
                                 aggfunc="sum", fill_value=0)
    table = table[table.sum().sort_values(ascending=False).index]
    bottom = np.zeros(len(table))
    colours = ["#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
               "#2c3e50", "#f39c12", "#e84393", "#95a5a6", "#34495e"]
    for i, cause in enumerate(table.columns):
        values = table[cause].to_numpy() / 100
        ax.bar(table.index, values, width=20, bottom=bottom, label=plain_label(cause),
               color=colours[i % len(colours)])
        bottom += values
    _money_axis(ax.yaxis)
    ax.set_ylabel("taken back per period")
    ax.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return fig
