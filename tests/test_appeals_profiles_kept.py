"""The shipped appeal profiles are parsed once per process; nothing a caller does reaches the next one."""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict

import pytest

from recoup_lib.appeals import DATA_DIR, PROFILE_FILES, _profiles, load_profiles
from recoup_lib.errors import InputError

TABLES = ("levels", "rules", "aic", "interest_rates", "ers", "overturn", "evidence")


def _fresh(monkeypatch):
    """The profiles as a first caller in a new process gets them: nothing kept yet."""
    monkeypatch.setattr(_profiles, "_READ_CACHE", OrderedDict())
    return load_profiles()


def test_kept_shipped_tables_equal_a_fresh_parse(monkeypatch):
    kept = load_profiles()
    fresh = _fresh(monkeypatch)
    for attr in TABLES:
        assert getattr(kept, attr).equals(getattr(fresh, attr)), attr
        assert list(getattr(kept, attr).dtypes) == list(getattr(fresh, attr).dtypes), attr
    assert kept.sources == fresh.sources == dict.fromkeys(PROFILE_FILES, "shipped")


def test_a_caller_changing_its_tables_does_not_reach_the_next_caller():
    first = load_profiles()
    medicare_levels = int(first.levels["payer_type"].eq("medicare").sum())
    first.levels.loc[first.levels["payer_type"].eq("medicare"), "payer_type"] = "changed"
    first.rules["value"] = ""
    first.overturn["use"] = False
    second = load_profiles()
    assert int(second.levels["payer_type"].eq("medicare").sum()) == medicare_levels
    assert second.rules["value"].ne("").all()
    assert second.overturn["use"].any()


def test_a_users_file_is_read_again_after_each_edit(tmp_path):
    shutil.copy(DATA_DIR / "payer_rules.csv", tmp_path / "payer_rules.csv")
    text = (tmp_path / "payer_rules.csv").read_text(encoding="utf-8")
    edited = text.replace("commercial,TX,lookback,180,days", "commercial,TX,lookback,170,days", 1)
    assert edited != text
    (tmp_path / "payer_rules.csv").write_text(edited, encoding="utf-8")
    first = load_profiles(tmp_path)
    written = (tmp_path / "payer_rules.csv").stat()
    (tmp_path / "payer_rules.csv").write_text(
        text.replace("commercial,TX,lookback,180,days", "commercial,TX,lookback,160,days", 1), encoding="utf-8")
    os.utime(tmp_path / "payer_rules.csv", ns=(written.st_atime_ns, written.st_mtime_ns))  # within one clock tick
    assert (tmp_path / "payer_rules.csv").stat().st_size == written.st_size
    second = load_profiles(tmp_path)

    def lookback(p):
        row = p.rules.loc[p.rules["payer_type"].eq("commercial") & p.rules["state"].eq("TX")
                          & p.rules["parameter"].eq("lookback"), "value"]
        return row.iloc[0]

    assert (lookback(first), lookback(second), lookback(load_profiles())) == ("170", "160", "180")
    (tmp_path / "payer_rules.csv").write_text(text.replace(",180,days", ",180,fortnights", 1), encoding="utf-8")
    with pytest.raises(InputError, match="payer_rules.csv"):
        load_profiles(tmp_path)


def test_an_edited_shipped_file_is_read_again(monkeypatch, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    monkeypatch.setattr(_profiles, "DATA_DIR", data)
    before = _fresh(monkeypatch)
    path = data / "medicare_aic.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    after = load_profiles()
    assert len(after.aic) == len(before.aic) - 1
