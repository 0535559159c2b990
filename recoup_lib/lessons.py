"""Small helpers behind the lesson notebooks: timelines, cash flow, Pareto, repeated samples.

The notebooks in ``notebooks/`` are written for billing staff, so their code
cells stay a few lines long. Anything longer lives here and is tested in
``tests/test_lessons_helpers.py``.

==============================  ===============================================
:func:`medicare_timeline`       the demand letter's key days as a table
:func:`timeline_chart`          that table drawn as a timeline
:func:`weekly_cash`             a payer's payments by week, with an offset taken
:func:`cash_flow_chart`         why a deposit "suddenly dropped"
:func:`pareto_table`            causes ranked by money, with cumulative shares
:func:`pareto_chart`            the same as bars and a cumulative line
:func:`money_bar_chart`         any table of cents as a bar chart in dollars
:func:`repeated_appraisals`     many seeded samples of one universe, appraised
:func:`sampling_chart`          where their estimates fall against the truth
:func:`recoupment_chart`        money taken back per month, stacked by cause
==============================  ===============================================

Money stays in integer cents in every table these functions return. The
charts turn cents into dollars only to place bars on an axis. Charts are
built as :class:`matplotlib.figure.Figure` objects outside pyplot, so a
notebook shows each one once (the cell's last value) and nothing is left
open between cells.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .appeals import medicare_dates
from .money import dollars

__all__ = [
    "TIMELINE_COLUMNS",
    "medicare_timeline",
    "timeline_chart",
    "weekly_cash",
    "cash_flow_chart",
    "pareto_table",
    "pareto_chart",
    "money_bar_chart",
    "repeated_appraisals",
    "sampling_chart",
    "recoupment_chart",
]

#: Columns of :func:`medicare_timeline`.
TIMELINE_COLUMNS = ("day", "date", "event", "what_to_do")

_TIMELINE_STEPS = (
    ("notice_date", "Demand letter dated",
     "Open it the day it arrives; put every date below on the calendar."),
    ("rebuttal_by", "Rebuttal due",
     "Explain why the money should not be taken (for example hardship). A rebuttal alone "
     "does not stop collection."),
    ("stop_offset_by", "Pay with no interest, or appeal to stop the offset",
     "Pay in full, or file a redetermination: filed by today, it stops the offset while it "
     "is decided (Section 935)."),
    ("interest_from", "Interest starts",
     "Interest is charged on what is still unpaid, per started 30-day period."),
    ("offset_starts", "Offset starts",
     "The payer keeps the money out of new payments for unrelated claims."),
    ("file_by", "Redetermination due",
     "120 days after receipt (receipt is presumed 5 days after the letter's date). Filed "
     "after day 30 it is still an appeal, but it no longer stops the offset."),
)


def medicare_timeline(notice_date, profiles=None) -> pd.DataFrame:
    """The key days of a Medicare overpayment demand, as a table.

    Parameters
    ----------
    notice_date : date-like
        The date printed on the demand letter (day 1).
    profiles : recoup_lib.appeals.Profiles, optional
        Rule tables (default: the shipped ones).

    Returns
    -------
    pandas.DataFrame
        One row per step, in date order: ``day`` (day number, the letter's
        date is day 1), ``date`` (datetime64), ``event``, ``what_to_do``.

    Notes
    -----
    The dates come from :func:`recoup_lib.appeals.medicare_dates`, which
    reads them from the payer rules table: rebuttal by day 15, pay or file
    by day 30 with no interest (a redetermination filed by then stops the
    offset under Section 935 of the MMA), interest from day 31, offset from
    day 41, and the redetermination due 120 days after the presumed receipt
    (docs/sources.md §1.1, 1.3 and 2; CMS Medicare Financial Management Manual,
    Pub. 100-06, ch. 3).

    Examples
    --------
    >>> medicare_timeline("2025-03-03")["day"].tolist()
    [1, 15, 30, 31, 41, 126]
    """
    dates = medicare_dates([notice_date], profiles).iloc[0]
    day_one = dates["notice_date"]
    rows = []
    for column, event, todo in _TIMELINE_STEPS:
        when = dates[column]
        if pd.isna(when):
            continue
        rows.append({"day": int((when - day_one).days) + 1, "date": when, "event": event,
                     "what_to_do": todo})
    table = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values("day", kind="stable").reset_index(drop=True)


def _new_axes(ax, figsize):
    """A new figure outside pyplot (nothing global to close), or the figure of ``ax``."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=figsize, layout="tight")
        ax = fig.subplots()
    else:
        fig = ax.figure
    return fig, ax


def _dollar_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"${x:,.0f}"))


def timeline_chart(events: pd.DataFrame, ax=None, title: str | None = None):
    """Draw :func:`medicare_timeline` as a line of days with labelled marks.

    Parameters
    ----------
    events : pandas.DataFrame
        Columns ``day``, ``date``, ``event`` (as :func:`medicare_timeline`).
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
        label = textwrap.fill(str(row.event), 26)
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


def weekly_cash(payments: pd.DataFrame, offset_cents: int, offset_starts,
                week: str = "W-FRI") -> pd.DataFrame:
    """A payer's payments by week, with an overpayment offset out of them.

    Parameters
    ----------
    payments : pandas.DataFrame
        Columns ``payment_date`` (datetime) and ``paid_cents`` (int): what
        the payer's claim payments add up to, reversals included.
    offset_cents : int
        The overpayment the payer recovers by offset (>= 0).
    offset_starts : date-like
        First day the payer may offset. From then on, each day's payment
        (when positive) is kept back until the overpayment is recovered.
    week : str, default "W-FRI"
        pandas weekly frequency; weeks end on Friday.

    Returns
    -------
    pandas.DataFrame
        One row per week from the first to the last payment: ``week_ending``,
        ``paid_cents`` (what the week's claims paid), ``offset_cents`` (kept
        back), ``deposited_cents`` (what reached the bank), ``still_owed_cents``
        (the overpayment left at the end of the week).

    Raises
    ------
    ValueError
        ``offset_cents`` is negative.

    Notes
    -----
    Recoupment by offset takes the money from payments for *other* claims,
    which is why a deposit can drop with nothing wrong on that week's claims
    (docs/sources.md §1.1 day 41; the 835 shows it as a PLB ``WO`` adjustment,
    docs/sources.md §5.3).

    Examples
    --------
    >>> pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-06", "2025-01-13"]),
    ...                     "paid_cents": [10000, 10000]})
    >>> weekly_cash(pay, 2500, "2025-01-10")["deposited_cents"].tolist()
    [10000, 7500]
    """
    if offset_cents < 0:
        raise ValueError(f"offset_cents must be 0 or more; got {offset_cents}")
    daily = (payments.groupby(pd.to_datetime(payments["payment_date"]))["paid_cents"].sum()
             .astype("int64").sort_index())
    start = pd.Timestamp(offset_starts)
    available = np.where(daily.index >= start, np.clip(daily.to_numpy(), 0, None), 0)
    taken_so_far = np.minimum(np.cumsum(available), int(offset_cents))
    taken = np.diff(taken_so_far, prepend=0).astype("int64")
    frame = pd.DataFrame({"paid_cents": daily.to_numpy(), "offset_cents": taken}, index=daily.index)
    weekly = frame.resample(week).sum().astype("int64")
    weekly["deposited_cents"] = weekly["paid_cents"] - weekly["offset_cents"]
    weekly["still_owed_cents"] = int(offset_cents) - weekly["offset_cents"].cumsum()
    weekly.index.name = "week_ending"
    return weekly.reset_index()


def cash_flow_chart(weekly: pd.DataFrame, ax=None, title: str | None = None,
                    marks: dict | None = None):
    """Bars of weekly deposits, with the offset stacked on top in red.

    Parameters
    ----------
    weekly : pandas.DataFrame
        As returned by :func:`weekly_cash`.
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
    _dollar_axis(ax.yaxis)
    ax.xaxis.set_major_locator(MonthLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    ax.set_ylabel("per week")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return fig


def pareto_table(frame: pd.DataFrame, label: str, value: str) -> pd.DataFrame:
    """Rows ranked by ``value`` (largest first) with their share and running share.

    Parameters
    ----------
    frame : pandas.DataFrame
    label, value : str
        The column naming each row, and the integer column to rank by
        (e.g. ``at_risk_capped_cents``).

    Returns
    -------
    pandas.DataFrame
        ``label``, ``value``, ``share`` and ``cumulative_share`` (fractions
        of the total; the last is exactly 1.0 when the total is not 0).
        Rows with a value of 0 are kept, at the end.

    Examples
    --------
    >>> t = pareto_table(pd.DataFrame({"k": ["a", "b"], "v": [100, 300]}), "k", "v")
    >>> t["k"].tolist(), t["cumulative_share"].tolist()
    (['b', 'a'], [0.75, 1.0])
    """
    out = frame[[label, value]].sort_values(value, ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    values = out[value].to_numpy(dtype=np.int64)
    total = int(values.sum())
    if total == 0:
        out["share"] = 0.0
        out["cumulative_share"] = 0.0
        return out
    running = np.cumsum(values)
    out["share"] = values / total
    out["cumulative_share"] = running / total
    return out


def pareto_chart(frame: pd.DataFrame, label: str, value: str, ax=None, title: str | None = None,
                 mark: float = 0.8):
    """Bars of ``value`` largest first, with the running share as a line.

    Parameters
    ----------
    frame : pandas.DataFrame
    label, value : str
        Column of names and integer column of cents.
    ax : matplotlib Axes, optional
    title : str, optional
    mark : float, default 0.8
        Draws a dotted line at this running share (the "80%" of the
        80/20 habit).

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = pareto_table(frame, label, value)
    fig, ax = _new_axes(ax, (10, 4.2))
    names = table[label].astype("str").str.replace("_", " ")
    ax.bar(names, table[value].to_numpy() / 100, color="#2c7fb8")
    _dollar_axis(ax.yaxis)
    ax.set_ylabel("money at risk")
    ax.tick_params(axis="x", rotation=35)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    line = ax.twinx()
    line.plot(names, table["cumulative_share"] * 100, color="#d95f0e", marker="o")
    line.axhline(mark * 100, color="#d95f0e", linestyle=":", linewidth=1)
    line.set_ylim(0, 105)
    line.set_ylabel("running share of the total (%)")
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
    names = frame[label].astype("str")
    amounts = frame[value].to_numpy(dtype=np.int64) / 100
    if horizontal:
        ax.barh(names, amounts, color="#2c7fb8")
        ax.invert_yaxis()
        _dollar_axis(ax.xaxis)
    else:
        ax.bar(names, amounts, color="#2c7fb8")
        _dollar_axis(ax.yaxis)
    if title:
        ax.set_title(title)
    return fig


def repeated_appraisals(values_cents, sample_size: int, repeats: int, seed: int,
                        confidence: float = 0.90) -> pd.DataFrame:
    """Draw many simple random samples from one universe and appraise each.

    Parameters
    ----------
    values_cents : sequence of int
        The true overpayment of every unit of the universe, in frame order
        (only a training data set with an answer key knows this).
    sample_size : int
        Units per sample (at least 2, less than the universe).
    repeats : int
        How many samples.
    seed : int
        Sample ``i`` (0, 1, ...) draws exactly the units that
        ``recoup_lib.sampling.select_sample(frame, id, sample_size, seed + i)``
        selects from a frame in the same order.
    confidence : float, default 0.90
        One-sided level of the lower bound.

    Returns
    -------
    pandas.DataFrame
        One row per sample: ``repeat``, ``seed``, ``nonzero`` (sampled units
        with an overpayment), ``point_estimate_cents`` and
        ``lower_bound_cents`` (half-up to the cent).

    Raises
    ------
    ValueError
        A sample size outside [2, universe size - 1], or fewer than 1 repeat.

    Notes
    -----
    The estimator is the mean-per-unit one of
    :func:`recoup_lib.sampling.appraise_variable` (finite population
    correction, Student's t with n - 1 degrees of freedom), computed here
    in floating point for all samples at once so that a lesson can draw a
    thousand samples in a moment. It is for pictures: the tests check it
    against ``appraise_variable`` to the cent, and a real appraisal should
    use ``appraise_variable``.
    """
    from scipy import stats

    values = np.asarray(values_cents, dtype=np.int64)
    universe = len(values)
    if not 2 <= sample_size < universe:
        raise ValueError(f"sample_size must be between 2 and {universe - 1} (the universe has "
                         f"{universe} units); got {sample_size}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    picks = np.stack([np.random.default_rng(seed + i).permutation(universe)[:sample_size]
                      for i in range(repeats)])
    drawn = values[picks].astype(np.float64)
    mean = drawn.mean(axis=1)
    sd = drawn.std(axis=1, ddof=1)
    standard_error = universe * sd / np.sqrt(sample_size) * np.sqrt((universe - sample_size) / universe)
    t = stats.t.ppf(confidence, sample_size - 1)
    point = universe * mean
    lower = point - t * standard_error
    return pd.DataFrame({
        "repeat": np.arange(repeats, dtype=np.int64),
        "seed": seed + np.arange(repeats, dtype=np.int64),
        "nonzero": (values[picks] != 0).sum(axis=1).astype(np.int64),
        "point_estimate_cents": np.floor(point + 0.5).astype(np.int64),
        "lower_bound_cents": np.floor(lower + 0.5).astype(np.int64),
    })


def sampling_chart(simulation: pd.DataFrame, truth_cents: int, ax=None, title: str | None = None):
    """Histograms of the point estimates and lower bounds of repeated samples.

    Parameters
    ----------
    simulation : pandas.DataFrame
        As returned by :func:`repeated_appraisals`.
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
    _dollar_axis(ax.xaxis)
    ax.set_xlabel("estimated total overpayment in the universe")
    ax.set_ylabel("number of samples")
    ax.legend(loc="upper right", fontsize=9)
    if title:
        ax.set_title(title)
    return fig


# ---------------------------------------------------------------------------
# Lesson 04: remittances of a practice, and recoupments over time
# ---------------------------------------------------------------------------

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
        ax.bar(table.index, values, width=20, bottom=bottom, label=cause,
               color=colours[i % len(colours)])
        bottom += values
    _dollar_axis(ax.yaxis)
    ax.set_ylabel("taken back per period")
    ax.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return fig

