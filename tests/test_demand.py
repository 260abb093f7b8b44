from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner._errors import InputDataError
from planner.demand import PLACE_WEIGHTS, distribute, largest_remainder, settlement_weights


def test_largest_remainder_by_hand() -> None:
    # 10 * (1, 1, 1) / 3 = 3.33 each: the first position takes the extra unit
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert largest_remainder(7, [0, 2, 5]).tolist() == [0, 2, 5]
    assert largest_remainder(0, [1, 2]).tolist() == [0, 0]


@given(
    st.integers(min_value=0, max_value=10**8),
    st.lists(st.floats(min_value=0.01, max_value=1000), min_size=1, max_size=50),
)
def test_largest_remainder_sums_exactly(total: int, weights: list[float]) -> None:
    parts = largest_remainder(total, weights)
    assert int(parts.sum()) == total
    exact = total * np.asarray(weights) / sum(weights)
    assert np.all(np.abs(parts - exact) < 1.0 + 1e-9)


def test_largest_remainder_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="total is -1"):
        largest_remainder(-1, [1])
    with pytest.raises(ValueError, match="not all zero"):
        largest_remainder(5, [0, 0])


def test_settlement_weights() -> None:
    w = settlement_weights(pd.Series(["city", "village", "hamlet"]))
    assert w.tolist() == [PLACE_WEIGHTS["city"], 1.0, PLACE_WEIGHTS["hamlet"]]
    with pytest.raises(InputDataError, match=r"\['suburb'\]"):
        settlement_weights(pd.Series(["city", "suburb"]))


def test_distribute_by_group() -> None:
    groups = pd.Series(["A", "A", "B"])
    out = distribute({"A": 100, "B": 7}, groups, [3.0, 1.0, 1.0])
    assert out.tolist() == [75, 25, 7]
    with pytest.raises(InputDataError, match="'C'"):
        distribute({"C": 5}, groups, [1.0, 1.0, 1.0])
