"""Dashboard figures: fixed sizes, PNG files written, same data -> same bytes, empty inputs drawn."""

from __future__ import annotations

import struct

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure

from recoup_lib.report import (
    DPI, FIGSIZE, notice_aging, plot_at_risk_pareto, plot_exposure_by_month, plot_notice_aging,
    plot_recoupments_by_month, plot_top_at_risk, save_figures,
)
from recoup_lib.rules import audit_folder, summarise
from recoup_lib.synthetic.demo import demo_path

matplotlib.use("Agg")


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def findings():
    return audit_folder(demo_path("orthopedic_group")).findings


RECOUPMENTS = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-10", "2025-03-02", "2025-03-20"]),
                            "amount_cents": [1000, 2550, 700], "mechanism": ["reversal", "offset", ""]})
NOTICES = pd.DataFrame({"notice_id": ["a", "b", "c"], "amount_cents": [5000, 2500, 100],
                        "notice_date": pd.to_datetime(["2025-01-01", "2025-02-20", "2025-03-25"])})


def _all_figures(findings) -> dict[str, Figure]:
    return {
        "pareto": plot_at_risk_pareto(findings),
        "pareto_category": plot_at_risk_pareto(findings, "category"),
        "recouped": plot_recoupments_by_month(RECOUPMENTS),
        "exposure": plot_exposure_by_month(findings),
        "aging": plot_notice_aging(notice_aging(NOTICES, "2025-04-01")),
        "providers": plot_top_at_risk(findings, "provider", names={}),
        "codes": plot_top_at_risk(findings, "code", n=5),
    }


def test_every_plot_returns_a_figure_of_the_fixed_size(findings):
    for name, fig in _all_figures(findings).items():
        assert isinstance(fig, Figure), name
        assert tuple(fig.get_size_inches()) == FIGSIZE, name


def test_save_figures_writes_non_empty_pngs_of_stable_pixel_size(tmp_path, findings):
    paths = save_figures(_all_figures(findings), tmp_path / "figs")
    assert set(paths) == {"pareto", "pareto_category", "recouped", "exposure", "aging", "providers", "codes"}
    for path in paths.values():
        assert path.parent == tmp_path / "figs" and path.suffix == ".png"
        assert path.stat().st_size > 5000
        assert _png_size(path) == (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))


def test_same_data_gives_the_same_png_bytes(tmp_path, findings):
    first = save_figures({"p": plot_at_risk_pareto(findings)}, tmp_path / "a")["p"].read_bytes()
    second = save_figures({"p": plot_at_risk_pareto(findings)}, tmp_path / "b")["p"].read_bytes()
    assert first == second
    assert b"matplotlib" not in first.lower()


def test_pareto_bars_are_sorted_and_the_cumulative_share_ends_at_100(findings):
    fig = plot_at_risk_pareto(findings)
    bars_ax, share_ax = fig.axes
    heights = [bar.get_height() for bar in bars_ax.patches]
    assert heights == sorted(heights, reverse=True) and len(heights) > 1
    cumulative = share_ax.lines[0].get_ydata()
    assert cumulative[-1] == pytest.approx(100.0)
    assert list(cumulative) == sorted(cumulative)


def test_top_providers_shows_names_largest_on_top_and_at_most_n_bars(findings):
    top = summarise(findings, "provider")["provider"].iloc[0]
    fig = plot_top_at_risk(findings, "provider", n=3, names={top: "Dr Example"})
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    widest = max(ax.patches, key=lambda bar: bar.get_width())
    labels = {round(tick): label.get_text() for tick, label in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert labels[round(widest.get_y() + widest.get_height() / 2)] == f"Dr Example ({top})"
    assert widest.get_y() == max(bar.get_y() for bar in ax.patches)


def test_aging_bars_carry_the_notice_counts():
    fig = plot_notice_aging(notice_aging(NOTICES, "2025-04-01"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1 notice", "1 notice", "1 notice", "0 notices", "0 notices"]


@pytest.mark.parametrize("maker", [
    lambda empty: plot_at_risk_pareto(empty),
    lambda empty: plot_exposure_by_month(empty),
    lambda empty: plot_top_at_risk(empty, "code"),
    lambda empty: plot_recoupments_by_month(RECOUPMENTS.iloc[0:0]),
    lambda empty: plot_notice_aging(notice_aging(NOTICES.iloc[0:0], "2025-04-01")),
])
def test_plots_of_nothing_say_so_instead_of_failing(tmp_path, findings, maker):
    fig = maker(findings.iloc[0:0])
    assert fig.axes[0].texts and fig.axes[0].texts[0].get_text()
    path = save_figures({"empty": fig}, tmp_path)["empty"]
    assert _png_size(path) == (800, 450)
