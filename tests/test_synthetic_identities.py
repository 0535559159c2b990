"""The seeded identities: name pools drawn without Faker are the ones a seeded Faker draws."""

from __future__ import annotations

import numpy as np
import pytest
from faker import Faker

from recoup_lib.synthetic._identities import name_pools


def _faker_pools(seed: int, size: int) -> dict[str, np.ndarray]:
    """The pools as a seeded Faker makes them, call by call (the general way the fast one replaces)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return {"female": np.array(sorted({fake.first_name_female() for _ in range(size)})),
            "male": np.array(sorted({fake.first_name_male() for _ in range(size)})),
            "last": np.array(sorted({fake.last_name() for _ in range(size * 2)}))}


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 11, 42, 2024, 2**31 - 1, 987654321])
@pytest.mark.parametrize("size", [1, 13, 400])
def test_name_pools_are_the_names_a_seeded_faker_draws(seed, size):
    name_pools.cache_clear()
    fast, faker = name_pools(seed, size), _faker_pools(seed, size)
    assert set(fast) == set(faker)
    for kind in faker:
        assert fast[kind].dtype == faker[kind].dtype
        assert fast[kind].tolist() == faker[kind].tolist()


def test_profiles_handed_to_a_worker_give_the_notices_it_would_make_itself():
    """A worker given the parent's resolved appeal profiles (pickled, as a process pool sends them)
    computes the same look-back limits as with the profiles it reads itself."""
    import pickle

    from recoup_lib.synthetic import _payer, generate_practice

    practice = generate_practice(lines=3000, seed=5)
    first_paid = _payer._first_paid(practice)[1]
    own = _payer.lookback_limits(practice, first_paid)
    held = _payer._PROFILES.pop("shipped", None)
    try:
        payers = practice.refs.payers
        handed = pickle.loads(pickle.dumps(_payer.resolved_profiles(payers)))
        _payer._PROFILES.clear()
        _payer.use_profiles(handed)
        assert _payer._shipped_profiles() is handed
        given = _payer.lookback_limits(practice, first_paid)
    finally:
        _payer._PROFILES.clear()
        if held is not None:
            _payer._PROFILES["shipped"] = held
    np.testing.assert_array_equal(own[0], given[0])
    np.testing.assert_array_equal(own[1], given[1])
    assert {p: v.key for p, v in own[2].items()} == {p: v.key for p, v in given[2].items()}


def _member_ids_every_row(rng, payer_types, payer_ids):
    """Member ids made as text for every row of every kind, then chosen by kind (the general way)."""
    from recoup_lib.synthetic._identities import _DIGITS, _MBI_LETTERS, _strings

    n = len(payer_types)
    letters = _MBI_LETTERS[rng.integers(0, len(_MBI_LETTERS), (n, 11))]
    digits = _DIGITS[rng.integers(0, 10, (n, 11))]
    mixed = np.where(rng.random((n, 11)) < 0.5, letters, digits)
    mbi = np.stack([_DIGITS[rng.integers(1, 10, n)], letters[:, 1], mixed[:, 2], digits[:, 3], letters[:, 4],
                    mixed[:, 5], digits[:, 6], letters[:, 7], letters[:, 8], digits[:, 9], digits[:, 10]], axis=1)
    medicaid = np.concatenate([digits[:, :8], letters[:, :1]], axis=1)
    prefix = payer_ids.astype("str").str.replace("-", "", regex=False).str.slice(0, 3).to_numpy(dtype=object)
    commercial = prefix + "9" + _strings(digits[:, :8])
    kind = payer_types.to_numpy(dtype=object)
    return np.where(kind == "medicare", _strings(mbi), np.where(kind == "medicaid", _strings(medicaid), commercial))


@pytest.mark.parametrize("n", [0, 1, 7, 3000])
@pytest.mark.parametrize("kinds", [("medicare", "medicaid", "commercial"), ("medicare",), ("commercial",),
                                   ("medicaid", "commercial")])
def test_member_ids_made_kind_by_kind_are_those_made_for_every_row(n, kinds):
    import pandas as pd

    from recoup_lib.synthetic._identities import member_ids

    pick = np.random.default_rng(n)
    types = pd.Series(pick.choice(list(kinds), n), dtype=object, index=np.arange(n) + 5)
    payers = pd.Series(pick.choice(["MCR-GA", "AETNA-1", "BC", "X-Y-Z9"], n), dtype=object, index=types.index)
    made = member_ids(np.random.default_rng(11), types, payers)
    assert made.index.equals(types.index) and made.dtype == object
    assert made.tolist() == _member_ids_every_row(np.random.default_rng(11), types, payers).tolist()
