"""medlab._validate's layout helpers: an array is read as one item or a batch from an explicit spatial_ndim."""

import numpy as np
import pytest

from medlab._validate import as_batch, check_spatial_ndim, refuse_lone_channel


@pytest.mark.parametrize("shape, spatial_ndim, channel, items, batched", [
    ((8, 9), 2, False, (1, 8, 9), False),
    ((3, 8, 9), 2, False, (3, 8, 9), True),
    ((3, 8, 9, 1), 2, True, (3, 8, 9), True),
    ((4, 8, 9), 3, False, (1, 4, 8, 9), False),
    ((2, 4, 8, 9), 3, False, (2, 4, 8, 9), True),
    ((2, 4, 8, 9, 1), 3, True, (2, 4, 8, 9), True),
])
def test_as_batch_layouts(shape, spatial_ndim, channel, items, batched):
    arr = np.arange(np.prod(shape)).reshape(shape)
    got, was_batch = as_batch(arr, "x", spatial_ndim, channel=channel)
    assert got.shape == items and was_batch is batched
    np.testing.assert_array_equal(got.ravel(), arr.ravel())


@pytest.mark.parametrize("shape, spatial_ndim, channel, match", [
    ((3, 8, 9, 1), 2, False, r"x: expected \(H, W\) or \(N, H, W\) for 2D images \(spatial_ndim=2\), got shape"),
    ((3, 8, 9, 2), 2, True, r"x: expected \(H, W\) or \(N, H, W\) or \(N, H, W, 1\) for 2D images"),
    ((8,), 2, True, r"got shape \(8,\)"),
    ((8, 9, 1), 2, True, r"x: shape \(8, 9, 1\) would be read as 8 items of shape \(9, 1\), one pixel wide"),
    ((4, 8, 9, 1), 3, True, r"x: shape \(4, 8, 9, 1\) would be read as 4 items .*: pass \(D, H, W\) or"),
])
def test_as_batch_refuses(shape, spatial_ndim, channel, match):
    with pytest.raises(ValueError, match=match):
        as_batch(np.zeros(shape), "x", spatial_ndim, channel=channel)


@pytest.mark.parametrize("value", [1, 4, 2.0, True, "2", None])
def test_check_spatial_ndim_refuses(value):
    with pytest.raises(ValueError, match=r"spatial_ndim: expected 2 or 3 \(the number of spatial axes"):
        check_spatial_ndim(value)


def test_check_spatial_ndim_accepts():
    assert check_spatial_ndim(2) == 2 and check_spatial_ndim(np.int64(3)) == 3
    assert check_spatial_ndim(3, allowed=(3,)) == 3


def test_refuse_lone_channel_only_refuses_a_last_axis_of_one():
    refuse_lone_channel(np.zeros((3, 8, 9)), "x", "advice")
    refuse_lone_channel(np.zeros((8, 1)), "x", "advice")  # 2D: nothing to confuse
    with pytest.raises(ValueError, match="one pixel wide; its last axis of 1 looks like a channel .*: advice$"):
        refuse_lone_channel(np.zeros((8, 9, 1)), "x", "advice")
