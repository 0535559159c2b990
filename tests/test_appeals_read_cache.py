"""A rule table read again from an unchanged file is the table a fresh parse gives, and never shared.

``recoup_lib.appeals._profiles._read`` keeps the shipped tables it read (a
decision loads the same shipped files again and again); these tests compare
every loader's tables with an uncached parse, and check that a user's copy is
read again after each edit (even one keeping its size and modification time),
that an edited shipped file is read again, that a caller changing a table
changes nobody else's, and that a bad file fails every time.
"""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from recoup_lib.appeals import DATA_DIR, PROFILE_FILES, load_profiles
from recoup_lib.appeals import _profiles, _tables as rule_tables
from recoup_lib.appeals._audit_letters import load_audit_rules
from recoup_lib.appeals._plans import load_plan_types
from recoup_lib.appeals._sixty_day import load_sixty_day_rules
from recoup_lib.errors import InputError


def _frames(value) -> dict[str, pd.DataFrame]:
    if isinstance(value, pd.DataFrame):
        return {"table": value}
    return {k: v for k, v in vars(value).items() if isinstance(v, pd.DataFrame)}


def _uncached(monkeypatch):
    def read(path, label, check, spec=None):
        return _profiles._read_file(path, label, check, spec or _profiles.APPEAL_RULE_SPECS[path.name])

    for module in (_profiles, rule_tables):
        monkeypatch.setattr(module, "_read", read)


@pytest.mark.parametrize("loader", [load_profiles, load_plan_types, load_sixty_day_rules, load_audit_rules])
def test_every_loader_gives_the_tables_of_a_fresh_parse_read_after_read(loader, monkeypatch):
    with monkeypatch.context() as patched:
        _uncached(patched)
        fresh = _frames(loader())
    assert fresh
    for _ in range(3):
        tables = _frames(loader())
        assert tables.keys() == fresh.keys()
        for name, table in fresh.items():
            pd.testing.assert_frame_equal(tables[name], table, check_exact=True)
            tables[name].columns = [f"changed by a caller {i}" for i in range(table.shape[1])]


def test_a_table_changed_by_its_caller_is_not_the_next_callers():
    first = load_profiles()
    medicare_levels = int(first.levels["payer_type"].eq("medicare").sum())
    first.levels["level"] = -1
    first.levels.loc[first.levels["payer_type"].eq("medicare"), "payer_type"] = "changed"
    first.rules["value"] = ""
    first.overturn["use"] = False
    again = load_profiles()
    assert (again.levels["level"] >= 0).all() and "changed" not in set(again.levels["payer_type"])
    assert int(again.levels["payer_type"].eq("medicare").sum()) == medicare_levels
    assert again.rules["value"].ne("").all()
    assert again.overturn["use"].any()
    assert again.sources == dict.fromkeys(PROFILE_FILES, "shipped")


def test_an_edited_copy_is_read_again(tmp_path):
    shutil.copy(DATA_DIR / "appeal_levels.csv", tmp_path / "appeal_levels.csv")
    before = load_profiles(tmp_path).levels
    path = tmp_path / "appeal_levels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")    # the last row gone
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))            # the same time: the size tells
    assert len(load_profiles(tmp_path).levels) == len(before) - 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(load_profiles(tmp_path).levels) == len(before)
    assert load_profiles(tmp_path).sources["appeal_levels.csv"] == str(path)
    assert load_profiles().sources["appeal_levels.csv"] == "shipped"


def test_a_bad_copy_fails_each_time_it_is_read(tmp_path):
    shutil.copy(DATA_DIR / PROFILE_FILES[0], tmp_path / PROFILE_FILES[0])
    text = (tmp_path / PROFILE_FILES[0]).read_text(encoding="utf-8").splitlines()
    (tmp_path / PROFILE_FILES[0]).write_text("\n".join([text[0], "not,a,row"]) + "\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError):
            load_profiles(tmp_path)


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
    monkeypatch.setattr(_profiles, "_SHIPPED_READ", {})
    before = load_profiles()
    path = data / "medicare_aic.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    after = load_profiles()
    assert len(after.aic) == len(before.aic) - 1
