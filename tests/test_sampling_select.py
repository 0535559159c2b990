"""Seeded selection (recoup_lib.sampling.select_sample) and its helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.errors import InputError, InvalidParameterError
from recoup_lib.sampling import (
    SAMPLE_COLUMNS,
    allocate_sample,
    read_frame_file,
    select_sample,
    strata_from_bounds,
    stratum_rng,
)


def make_frame(n: int, strata: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"claim_id": [f"C{i:05d}" for i in range(1, n + 1)],
                          "paid": [str(100 + i) for i in range(n)]})
    if strata is not None:
        frame["specialty"] = [strata[i % len(strata)] for i in range(n)]
    return frame


def test_simple_sample_records_design_columns_and_reproduces_from_documented_generator():
    frame = make_frame(200)
    sel = select_sample(frame, "claim_id", size=10, seed=31337, spares=3)
    s = sel.sample
    assert list(s.columns[: len(SAMPLE_COLUMNS)]) == list(SAMPLE_COLUMNS)
    assert s["selection_order"].tolist() == list(range(1, 14))
    assert s["is_spare"].tolist() == [False] * 10 + [True] * 3
    assert set(s["stratum"]) == {"all"}
    assert (s["frame_size"] == 200).all() and (s["seed"] == 31337).all()
    expected = np.random.default_rng(31337).permutation(200)[:13] + 1
    assert s["frame_position"].tolist() == expected.tolist()
    assert (s["sample_id"] == frame["claim_id"].iloc[expected - 1].to_numpy()).all()
    assert s["paid"].tolist() == frame["paid"].iloc[expected - 1].tolist()


def test_design_names_seed_generator_sizes_and_rat_stats_caveat():
    d = select_sample(make_frame(50), "claim_id", size=5, seed=7, spares=1).design
    assert (d["seed"], d["frame_size"], d["sample_size"], d["spares"]) == (7, 50, 5, 1)
    assert d["method"] == "simple random sampling without replacement"
    assert "default_rng" in d["generator"] and d["numpy_version"] == np.__version__
    assert "RAT-STATS" in d["note"] and "not interchangeable" in d["note"]
    assert d["universe_sizes"] == {"all": 50} and d["sample_sizes"] == {"all": 5}


def test_stratified_stream_reproduces_from_seed_and_stratum_name():
    frame = make_frame(90, ["FM", "IM", "CARD"])
    sel = select_sample(frame, "claim_id", size={"FM": 4, "IM": 5, "CARD": 6}, seed=99,
                        strata="specialty")
    im = sel.sample[sel.sample["stratum"] == "IM"]
    members = np.flatnonzero(frame["specialty"].to_numpy() == "IM")
    expected = members[stratum_rng(99, "IM").permutation(len(members))[:5]] + 1
    assert im["frame_position"].tolist() == expected.tolist()
    assert sel.design["sample_sizes"] == {"CARD": 6, "FM": 4, "IM": 5}


def test_adding_a_stratum_leaves_other_strata_draws_unchanged():
    frame = make_frame(60, ["A", "B"])
    before = select_sample(frame, "claim_id", {"A": 5, "B": 5}, seed=5, strata="specialty")
    extra = pd.concat([frame, pd.DataFrame({"claim_id": ["Z1", "Z2", "Z3"], "paid": "1",
                                            "specialty": "C"})], ignore_index=True)
    after = select_sample(extra, "claim_id", {"A": 5, "B": 5, "C": 2}, seed=5,
                          strata="specialty")
    pick = lambda sel: sel.sample.loc[sel.sample.stratum != "C", "sample_id"].tolist()  # noqa: E731
    assert pick(before) == pick(after)


def test_spares_are_capped_at_units_left_in_stratum_and_recorded():
    sel = select_sample(make_frame(12, ["A", "B"]), "claim_id", {"A": 5, "B": 2}, seed=1,
                        strata="specialty", spares=4)
    assert {r["stratum"]: r["spares"] for r in sel.design["strata"]} == {"A": 1, "B": 4}
    assert sel.design["spares_requested"] == 4 and sel.design["spares"] == 5


def test_strata_table_feeds_extrapolate():
    sel = select_sample(make_frame(30, ["A", "B", "C"]), "claim_id", 9, seed=3,
                        strata="specialty")
    assert sel.strata_table().to_dict("list") == {"stratum": ["A", "B", "C"],
                                                  "universe_size": [10, 10, 10]}


def test_frame_column_named_like_a_design_column_is_prefixed():
    frame = make_frame(10).assign(stratum="x", seed="y")
    cols = select_sample(frame, "claim_id", 2, seed=1).sample.columns
    assert {"frame_stratum", "frame_seed"} <= set(cols)


# --- dollar bands and allocation ---------------------------------------------------------------

def test_dollar_bands_are_half_open_with_open_top():
    labels = strata_from_bounds(pd.Series([0, 9999, 10000, 49999, 50000, 10**9]),
                                [0, 10000, 50000])
    assert labels.tolist() == ["0.00-99.99", "0.00-99.99", "100.00-499.99", "100.00-499.99",
                               "500.00+", "500.00+"]


def test_amount_below_lowest_bound_is_refused_naming_its_index_label():
    """The row is named as a pandas user finds it (``amounts.loc[...]``); its position was named, another
    row's label in a frame indexed by claim or filtered."""
    with pytest.raises(InputError, match=r"1 frame unit\(s\) are below the lowest strata bound 0.00 \(first at "
                                         r"index label 1\)"):
        strata_from_bounds([100, -5], [0, 10000])
    paid = pd.Series([100, 250, -5, -7], index=["C10", "C11", "C12", "C13"])
    with pytest.raises(InputError, match=r"2 frame unit\(s\) are below .* \(first at index label 'C12' \(position 2\)\)"):
        strata_from_bounds(paid, [0, 10000])


def test_bounds_not_increasing_are_usage_error():
    with pytest.raises(InvalidParameterError, match="strictly increasing"):
        strata_from_bounds([100], [0, 500, 500])


def test_proportional_allocation_gives_two_each_then_shares_by_size():
    assert allocate_sample({"A": 100, "B": 300}, 40) == {"A": 11, "B": 29}
    assert allocate_sample({"A": 3, "B": 1000}, 10) == {"A": 2, "B": 8}
    assert allocate_sample({"A": 1, "B": 1000}, 10) == {"A": 1, "B": 9}


def test_equal_allocation_respects_stratum_sizes():
    assert allocate_sample({"A": 3, "B": 100, "C": 100}, 21, "equal") == {"A": 3, "B": 9, "C": 9}


def test_allocation_below_two_per_stratum_or_above_frame_is_refused():
    with pytest.raises(InvalidParameterError, match="each stratum needs at least 2"):
        allocate_sample({"A": 10, "B": 10, "C": 10}, 5)
    with pytest.raises(InvalidParameterError, match="larger than the frame"):
        allocate_sample({"A": 10, "B": 10}, 21)


# --- bad frames and arguments -------------------------------------------------------------------

def test_repeated_and_blank_ids_and_strata_are_refused_naming_index_labels():
    """A library caller's frame: its rows named by index label (what ``frame.loc`` takes), not by a
    position that is another row's label once the frame is filtered."""
    frame = pd.DataFrame({"claim_id": ["A", "B", "A", " ", "C"]})
    with pytest.raises(InputError, match=r"1 unit\(s\) have a blank 'claim_id' \(first at index "
                                         r"label 3\).*repeat an earlier 'claim_id' \(first: "
                                         r"'A' at index label 2\)"):
        select_sample(frame, "claim_id", 2, seed=1)
    filtered = make_frame(10, ["A", "B"]).iloc[4:]
    filtered.loc[filtered.index[2], "claim_id"] = filtered["claim_id"].iloc[0]
    with pytest.raises(InputError, match=r"repeat an earlier 'claim_id' \(first: 'C00005' at index label 6 \(position 2\)\)"):
        select_sample(filtered, "claim_id", 2, seed=1)
    filtered = make_frame(10, ["A", "B"]).iloc[4:].assign(specialty=["A", "B", None, "A", "B", "A"])
    with pytest.raises(InputError, match=r"1 frame unit\(s\) have no stratum \(first at index label 6 \(position 2\)\)"):
        select_sample(filtered, "claim_id", 2, seed=1, strata="specialty")


def test_missing_id_column_is_refused():
    with pytest.raises(InputError, match="no id column 'line_id'"):
        select_sample(make_frame(5), "line_id", 2, seed=1)


def test_frame_file_columns_are_named_trimmed_by_a_python_caller_too(tmp_path):
    """Spaces typed around a column's name (`` Claim # ``) were trimmed by ``recoup sample`` alone: a
    Python caller of read_frame_file was told the column is missing although the header names it."""
    (tmp_path / "frame.csv").write_text("Claim #,Payer,Paid\nC1,P1,1.00\nC2,P2,12.50\n")
    frame = read_frame_file(tmp_path / "frame.csv", " Claim # ", stratify_by=" payer ", amount_column="PAID ",
                            lowest_amount_cents=0)
    assert frame["Claim #"].tolist() == ["C1", "C2"] and frame["payer"].tolist() == ["P1", "P2"]
    assert frame["PAID_cents"].tolist() == [100, 1250]


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 0, "seed": 1}, "sample size must be a whole number >= 1"),
    ({"size": 3, "seed": -1}, "seed must be a whole number >= 0"),
    ({"size": 3, "seed": 1.5}, "seed must be a whole number >= 0"),
    ({"size": 11, "seed": 1}, "larger than the frame"),
    ({"size": 3, "seed": 1, "spares": -2}, "spares must be a whole number >= 0"),
])
def test_bad_size_seed_or_spares_is_usage_error(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        select_sample(make_frame(10), "claim_id", **kwargs)


def test_per_stratum_sizes_must_name_every_stratum():
    with pytest.raises(InvalidParameterError, match="not in the frame: Z; no size given for: B"):
        select_sample(make_frame(10, ["A", "B"]), "claim_id", {"A": 2, "Z": 2}, seed=1,
                      strata="specialty")


def test_per_stratum_sizes_name_strata_ignoring_case():
    sel = select_sample(make_frame(10, ["A", "B"]), "claim_id", {"a": 2, " B": 3}, seed=1, strata="specialty")
    assert sel.design["sample_sizes"] == {"A": 2, "B": 3}
    with pytest.raises(InvalidParameterError, match=r"name a stratum more than once \(as 'A', 'a'\)"):
        select_sample(make_frame(10, ["A", "B"]), "claim_id", {"A": 2, "a": 2, "B": 2}, seed=1,
                      strata="specialty")


def test_a_stratum_spelled_two_ways_is_refused_naming_both():
    with pytest.raises(InputError, match="strata 'A' and 'a' differ only by case"):
        select_sample(make_frame(10, ["A", "B", "a"]), "claim_id", 4, seed=1, strata="specialty")


# --- invariants ----------------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(n_frame=st.integers(min_value=1, max_value=400), data=st.data())
def test_same_seed_same_sample_and_spares_never_overlap(n_frame, data):
    size = data.draw(st.integers(min_value=1, max_value=n_frame))
    spares = data.draw(st.integers(min_value=0, max_value=20))
    seed = data.draw(st.integers(min_value=0, max_value=2**63))
    frame = make_frame(n_frame)
    one = select_sample(frame, "claim_id", size, seed, spares=spares)
    two = select_sample(frame.copy(), "claim_id", size, seed, spares=spares)
    pd.testing.assert_frame_equal(one.sample, two.sample)
    units, spare_ids = set(one.units["sample_id"]), set(one.spares["sample_id"])
    assert len(units) == size and not units & spare_ids
    assert len(spare_ids) == min(spares, n_frame - size)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_stratified_sizes_are_respected_and_units_stay_in_their_stratum(data):
    names = data.draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=4,
                               unique=True))
    counts = {k: data.draw(st.integers(min_value=1, max_value=60)) for k in names}
    sizes = {k: data.draw(st.integers(min_value=1, max_value=counts[k])) for k in names}
    labels = [k for k in names for _ in range(counts[k])]
    order = data.draw(st.permutations(range(len(labels))))
    frame = pd.DataFrame({"claim_id": [f"X{i}" for i in range(len(labels))],
                          "specialty": [labels[i] for i in order]})
    sel = select_sample(frame, "claim_id", sizes, seed=data.draw(st.integers(0, 10**9)),
                        strata="specialty", spares=2)
    got = sel.units.groupby("stratum").size().to_dict()
    assert got == sizes
    lookup = dict(zip(frame["claim_id"], frame["specialty"]))
    assert all(lookup[i] == s for i, s in zip(sel.sample["sample_id"], sel.sample["stratum"]))
    assert not sel.sample["sample_id"].duplicated().any()
    floor = sum(min(2, c) for c in counts.values())
    total = data.draw(st.integers(min_value=floor, max_value=len(labels)))
    alloc = select_sample(frame, "claim_id", total, seed=1, strata="specialty")
    assert len(alloc.units) == total
    assert all(alloc.design["sample_sizes"][k] <= counts[k] for k in names)


def test_dollar_band_strata_are_listed_low_to_high_not_alphabetically():
    frame = pd.DataFrame({"claim_id": [f"C{i}" for i in range(40)]})
    amounts = pd.Series([i * 5000 for i in range(40)])
    labels = strata_from_bounds(amounts, [0, 50000, 100000])
    sel = select_sample(frame, "claim_id", 9, seed=4, strata=labels)
    assert [r["stratum"] for r in sel.design["strata"]] == [
        "0.00-499.99", "500.00-999.99", "1000.00+"]
    assert sel.design["universe_sizes"] == {"0.00-499.99": 10, "500.00-999.99": 10,
                                            "1000.00+": 20}


def test_the_summary_says_when_fewer_spares_could_be_drawn_than_asked():
    frame = pd.DataFrame({"claim_id": [f"C{i}" for i in range(10)], "amount": range(10)})
    whole = select_sample(frame, "claim_id", size=9, seed=3, spares=3)
    assert len(whole.spares) == 1
    assert "Fewer spares than the 3 asked for in the frame (1): the sample leaves no more units to spare." \
        in whole.summary()
    assert "Fewer spares" not in select_sample(frame, "claim_id", size=5, seed=3, spares=3).summary()
