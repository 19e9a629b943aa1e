"""Notebook 07's checker beyond the contract (tests/checker_cases/q07.py): a message names the mistake made,
not a neighbouring one."""

import pytest
from checker_cases.q07 import _grad_cam, _relu_last

from medlab.check import q07


def test_bicubic_is_not_blamed_on_the_relu():
    with pytest.raises(AssertionError) as err:
        q07.grad_cam(lambda m, x, name: _grad_cam(m, x, name, method="bicubic"))
    assert "bicubic" in str(err.value) and "apply a ReLU" not in str(err.value)


def test_missing_relu_is_not_blamed_on_the_upsampling():
    with pytest.raises(AssertionError) as err:
        q07.grad_cam(_relu_last)
    assert "apply a ReLU" in str(err.value) and "cubic" not in str(err.value)
