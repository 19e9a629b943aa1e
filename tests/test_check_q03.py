"""Notebook 03's checker beyond the contract (tests/checker_cases/q03.py): which mistake a message names."""

import pytest
from checker_cases.q03 import _mean_instead

from medlab.check import q03


def test_wrong_reduction_is_not_blamed_on_the_absolute_value():
    """The mean of the map treats dark and bright alike: the message must name the reduction."""
    with pytest.raises(AssertionError) as err:
        q03.anomaly_score(_mean_instead)
    assert "absolute value" not in str(err.value)
    assert "99th percentile" in str(err.value)
