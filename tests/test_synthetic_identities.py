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
