"""show_heatmaps (notebook 07)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medlab import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_show_heatmaps_marks_the_peak_and_outline():
    heat = np.zeros((2, 8, 8))
    heat[0, 2, 5] = 1.0
    masks = np.zeros((2, 8, 8), bool)
    masks[:, 2:4, 4:6] = True
    fig = viz.show_heatmaps(np.zeros((2, 8, 8, 1)), heat, masks, titles=["a", "b"], ncols=2)
    ax0, ax1 = fig.axes
    x, y = ax0.lines[0].get_data()
    assert (x[0], y[0]) == (5, 2)  # column, row of the maximum
    assert not ax1.lines  # a flat map has no peak to mark
    assert ax0.get_title() == "a"


def test_show_heatmaps_bad_input():
    with pytest.raises(ValueError, match="heatmaps"):
        viz.show_heatmaps(np.zeros((2, 8, 8)), np.zeros((2, 8, 7)))
    with pytest.raises(ValueError, match="heatmaps"):
        viz.show_heatmaps(np.zeros((2, 8, 8)), np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="masks"):
        viz.show_heatmaps(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), masks=np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="titles"):
        viz.show_heatmaps(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), titles=["x"])
