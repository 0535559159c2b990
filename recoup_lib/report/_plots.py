"""The dashboard's figures: each function returns a matplotlib Figure of a fixed size.

Figures are built with :class:`matplotlib.figure.Figure` directly, not with
pyplot, so making them never opens a window, needs no backend choice and
leaves no global state behind; :func:`save_figures` writes them as PNG
files of :data:`FIGSIZE` x :data:`DPI` pixels (800 x 450) with no
timestamp or version in the file, so the same data gives the same bytes.
In a notebook, ``display(fig)`` shows one.

Money is plotted in dollars: the cents are divided by 100 for the axis
only, never for a total that is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..rules import CATEGORIES, CATEGORY_LABELS, capped_findings, summarise

__all__ = [
    "FIGSIZE",
    "DPI",
    "pareto_table",
    "plot_pareto",
    "plot_at_risk_pareto",
    "plot_money_by_month",
    "plot_recoupments_by_month",
    "plot_exposure_by_month",
    "plot_notice_aging",
    "plot_top_at_risk",
    "save_figures",
]

if TYPE_CHECKING:  # matplotlib is imported when a figure is made, so importing the report stays light
    from matplotlib.figure import Figure

#: Size of every figure in inches, and the resolution PNGs are written at.
FIGSIZE = (8.0, 4.5)
DPI = 100
_BAR = "#3b6ea5"
_LINE = "#c0504d"
_STACK = ("#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f")


def _figure() -> tuple[Figure, object]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


#: Longest label drawn as it is; longer text from a file is cut with an ellipsis.
LABEL_CHARS = 60


def plain_label(text) -> str:
    r"""Text from a file made safe to draw: shown as written, never read as math markup.

    matplotlib reads text between two ``$`` as mathtext, and markup it does
    not know (``$\undefinedmacro{x}$`` in a procedure code) stops the drawing
    with an error. Every ``$`` is escaped, so it is drawn as a dollar sign;
    text longer than :data:`LABEL_CHARS` is cut, so a hostile value cannot
    blow a figure up.

    >>> print(plain_label(r"$\undefinedmacro{x}$ and $5"))
    \$\undefinedmacro{x}\$ and \$5
    """
    text = str(text)
    if len(text) > LABEL_CHARS:
        text = text[:LABEL_CHARS - 1] + "\u2026"
    return text.replace("$", r"\$")


def _axis_dollars(cents) -> np.ndarray:
    """Cents as dollars for drawing only (plot coordinates are floats)."""
    return np.asarray(cents, dtype=np.int64) / 100.0


def _money_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"${v:,.0f}"))


def _empty(ax, title: str, message: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


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


def plot_pareto(frame: pd.DataFrame, label: str, value: str, title: str = "Pareto chart",
                ylabel: str = "dollars", mark: float = 80.0, empty: str = "Nothing to show") -> Figure:
    """A Pareto chart: bars of a cents column largest first, and the running share as a line.

    Parameters
    ----------
    frame : pandas.DataFrame
    label, value : str
        Column of names and integer column of cents (ranked as
        :func:`pareto_table` ranks them).
    title, ylabel : str
    mark : float, default 80.0
        Running share (percent) marked with a dashed line: the "80%" of the
        80/20 habit.
    empty : str
        Said on the figure when the total is 0.

    Returns
    -------
    matplotlib.figure.Figure
        Bars in dollars on the left axis; the cumulative percent on the right.
    """
    fig, ax = _figure()
    table = pareto_table(frame, label, value)
    cents = table[value].to_numpy(dtype=np.int64)
    if not cents.sum():
        _empty(ax, title, empty)
        return fig
    names = [plain_label(name) for name in table[label].astype("str")]
    x = np.arange(len(names))
    ax.bar(x, _axis_dollars(cents), color=_BAR)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    _money_axis(ax.yaxis)
    ax.set_title(title)
    share = ax.twinx()
    cumulative = 100.0 * np.cumsum(cents) / cents.sum()
    share.plot(x, cumulative, color=_LINE, marker="o")
    share.axhline(mark, color=_LINE, linestyle="--", linewidth=0.8)
    share.set_ylim(0, 105)
    from matplotlib.ticker import PercentFormatter

    share.yaxis.set_major_formatter(PercentFormatter())
    share.set_ylabel("cumulative share")
    return fig


def plot_at_risk_pareto(findings: pd.DataFrame, by: str = "error_type", title: str | None = None) -> Figure:
    """Money at risk by cause as a Pareto chart: bars largest first, and the cumulative share.

    Parameters
    ----------
    findings : pandas.DataFrame
        The audit's findings (``AuditResult.findings``).
    by : {"error_type", "category", "payer", "provider", "code"}, default "error_type"
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        :func:`plot_pareto` of the at-risk dollars (each line capped at what
        was paid) of the causes with something at risk.

    Notes
    -----
    The Pareto view shows which few causes carry most of the money, the
    place to start prevention (docs/sources.md §9: money at risk by cause).
    """
    title = title or f"Money at risk by cause ({by.replace('_', ' ')})"
    summary = summarise(findings, by)
    summary = summary.loc[summary["at_risk_capped_cents"] > 0, [by, "at_risk_capped_cents"]]
    if by == "category":
        summary = summary.assign(category=[CATEGORY_LABELS.get(n, n) for n in summary[by].astype("str")])
    return plot_pareto(summary, by, "at_risk_capped_cents", title, ylabel="at risk (capped)",
                       empty="No findings: nothing at risk")


def plot_money_by_month(frame: pd.DataFrame, date_column: str, amount_column: str, title: str,
                        stack: str | None = None, ylabel: str = "dollars") -> Figure:
    """Money by calendar month, as bars (stacked by ``stack`` when given).

    Parameters
    ----------
    frame : pandas.DataFrame
    date_column : str
        Dates to group by month.
    amount_column : str
        Integer cents.
    title, ylabel : str
    stack : str, optional
        A column whose values split each bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure()
    dates = pd.to_datetime(frame[date_column]) if len(frame) else pd.Series([], dtype="datetime64[us]")
    if not len(frame) or dates.isna().all():
        _empty(ax, title, "Nothing to show")
        return fig
    data = pd.DataFrame({"month": dates.dt.strftime("%Y-%m"),
                         "cents": frame[amount_column].astype("int64").to_numpy(),
                         "part": (frame[stack].astype("str").fillna("").replace("", "unspecified").to_numpy()
                                  if stack else "all")})
    data = data.loc[data["month"].notna()]
    table = data.pivot_table(index="month", columns="part", values="cents", aggfunc="sum", fill_value=0)
    months = pd.period_range(table.index.min(), table.index.max(), freq="M").strftime("%Y-%m")
    table = table.reindex(months, fill_value=0)
    if stack == "category":
        table = table[[c for c in CATEGORIES if c in table.columns]
                      + [c for c in table.columns if c not in CATEGORIES]]
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for i, part in enumerate(table.columns):
        heights = _axis_dollars(table[part].to_numpy(dtype=np.int64))
        label = CATEGORY_LABELS.get(part, part) if stack == "category" else part
        drawn = heights != 0  # a span of decades is mostly empty months: no bar drawn for them
        ax.bar(x[drawn], heights[drawn], bottom=bottom[drawn], color=_STACK[i % len(_STACK)],
               label=plain_label(label))
        bottom = bottom + heights
    step = max(1, len(table) // 12)
    ax.set_xticks(x[::step], list(table.index[::step]), rotation=45, ha="right")
    ax.set_ylabel(ylabel)
    _money_axis(ax.yaxis)
    ax.set_title(title)
    if stack:
        ax.legend(fontsize="small", frameon=False)
    return fig


def plot_recoupments_by_month(recoupments: pd.DataFrame) -> Figure:
    """Money taken back per month, split by mechanism (reversal, offset).

    Parameters
    ----------
    recoupments : pandas.DataFrame
        payment_date, net_amount_cents (else amount_cents), mechanism. The
        bars are money taken back, net (each dollar once), as every other
        view of the kit counts it.
    """
    stack = "mechanism" if "mechanism" in recoupments.columns else None
    money = "net_amount_cents" if "net_amount_cents" in recoupments.columns else "amount_cents"
    return plot_money_by_month(recoupments, "payment_date", money, "Money taken back by month",
                               stack=stack, ylabel="taken back (net)")


def plot_exposure_by_month(findings: pd.DataFrame) -> Figure:
    """Money at risk (the audit's exposure) by month of service, split by category.

    Parameters
    ----------
    findings : pandas.DataFrame
        The audit's findings; each line is capped at what was paid on it.
    """
    capped = capped_findings(findings)
    return plot_money_by_month(capped, "service_date", "at_risk_capped_cents",
                               "Exposure: money at risk by month of service", stack="category",
                               ylabel="at risk (capped)")


def plot_notice_aging(aging: pd.DataFrame, title: str = "Open recoupment notices by age") -> Figure:
    """Open notices by age bucket: dollars as bars, the number of notices written on each.

    Parameters
    ----------
    aging : pandas.DataFrame
        :func:`recoup_lib.report.notice_aging` output (bucket, notices,
        amount_cents).
    """
    fig, ax = _figure()
    if not int(aging["notices"].sum()):
        _empty(ax, title, "No open notices")
        return fig
    x = np.arange(len(aging))
    heights = _axis_dollars(aging["amount_cents"].to_numpy(dtype=np.int64))
    ax.bar(x, heights, color=_BAR)
    for xi, h, n in zip(x, heights, aging["notices"]):
        ax.annotate(f"{int(n)} notice{'s' if n != 1 else ''}", (xi, h), ha="center", va="bottom",
                    fontsize="small", xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, [f"{b} days" for b in aging["bucket"]])
    ax.set_ylabel("amount asked")
    ax.margins(y=0.15)
    _money_axis(ax.yaxis)
    ax.set_title(title)
    return fig


def plot_top_at_risk(findings: pd.DataFrame, by: str = "provider", n: int = 10,
                     names: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """The ``n`` providers (or codes, payers) with the most money at risk, as horizontal bars.

    Parameters
    ----------
    findings : pandas.DataFrame
    by : {"provider", "code", "payer", "error_type", "category"}, default "provider"
    n : int, default 10
    names : mapping, optional
        Display names by key (e.g. NPI -> provider name); shown as
        "name (key)".
    title : str, optional
    """
    noun = {"provider": "providers", "code": "procedure codes", "payer": "payers"}.get(by, by)
    fig, ax = _figure()
    summary = summarise(findings, by)
    summary = summary.loc[summary["at_risk_capped_cents"] > 0].head(n)
    title = title or f"Top {len(summary) or n} {noun} by money at risk"
    if not len(summary):
        _empty(ax, title, "No findings: nothing at risk")
        return fig
    keys = summary[by].astype("str").tolist()
    labels = [plain_label(f"{names[k]} ({k})" if names and k in names else k) for k in keys]
    y = np.arange(len(summary))[::-1]
    ax.barh(y, _axis_dollars(summary["at_risk_capped_cents"].to_numpy(dtype=np.int64)), color=_BAR)
    ax.set_yticks(y, labels)
    ax.set_xlabel("at risk (capped)")
    _money_axis(ax.xaxis)
    ax.set_title(title)
    return fig


def save_figures(figs: Mapping[str, Figure], out: str | Path, dpi: int = DPI) -> dict[str, Path]:
    """Write each figure as ``out/<name>.png``.

    Parameters
    ----------
    figs : mapping of str to Figure
    out : path-like
        Created if needed.
    dpi : int, default :data:`DPI`

    Returns
    -------
    dict of str to Path
        The file written for each name.

    Notes
    -----
    The PNGs carry no "Software" or date metadata, so a figure of the same
    data is the same file on every run.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, fig in figs.items():
        path = out / f"{name}.png"
        fig.savefig(path, dpi=dpi, format="png", metadata={"Software": None})
        paths[name] = path
    return paths
