"""medlab.viz: the reliability diagram, predictive values against prevalence, and heatmaps over images."""

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


def test_plot_reliability_two_models():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 200), 0, 1)
    fig = viz.plot_reliability(y, {"model": p, "baseline": np.full(200, y.mean())}, strategy="quantile")
    ax = fig.axes[0]
    assert len(fig.axes) == 2
    assert any("Brier" in t.get_text() for t in ax.get_legend().get_texts())


def test_plot_reliability_bad_input():
    with pytest.raises(ValueError, match="y_prob"):
        viz.plot_reliability([0, 1], [0.2, 3.0])
    with pytest.raises(ValueError, match="probs"):
        viz.plot_reliability([0, 1], {})


def test_plot_predictive_values_marks():
    fig = viz.plot_predictive_values(0.95, 0.9, marks={"screening": 0.01, "clinic": 0.3})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("screening") for t in texts) and any(t.startswith("clinic") for t in texts)
    assert fig.axes[0].get_xscale() == "log"


def test_plot_predictive_values_bad_input():
    with pytest.raises(ValueError, match="prevalences"):
        viz.plot_predictive_values(0.9, 0.9, prevalences=[0.0, 0.5])
    with pytest.raises(ValueError, match="sensitivity"):
        viz.plot_predictive_values(1.5, 0.9)



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


def test_show_lesion_matches_titles_and_colours():
    import matplotlib.pyplot as plt

    t = np.zeros((2, 12, 12), np.uint8)
    t[0, 1:4, 1:4] = 1
    t[0, 7:10, 7:10] = 1
    p = np.zeros_like(t)
    p[0, 1:4, 1:4] = 1  # found
    p[1, 5:7, 5:7] = 1  # a false positive on a lesion-free slice
    fig = viz.show_lesion_matches(np.zeros((2, 12, 12, 1)), p, t, suptitle="matches")
    assert [ax.get_title() for ax in fig.axes[:2]] == ["TP 1 FP 0 FN 1", "TP 0 FP 1 FN 0"]
    overlay = fig.axes[0].images[1].get_array()
    assert overlay[2, 2] == 1 and np.ma.is_masked(overlay[8, 8])  # found in green; the miss is only outlined
    assert fig.axes[1].images[1].get_array()[5, 5] == 2  # red
    plt.close(fig)
    with pytest.raises(ValueError, match="images and pred_masks must have the same length"):
        viz.show_lesion_matches(np.zeros((2, 12, 12)), p[:1], t)


def test_plot_froc_and_show_detections():
    from medlab.metrics import froc

    dets = [np.array([[2, 2, 0.9], [2, 3, 0.5], [6, 6, 0.4]]), np.zeros((0, 3))]
    lesions = [np.array([[2, 2.5, 1.5]]), np.array([[5, 5, 2.0]])]
    out = froc(dets, [les[:, :2] for les in lesions], 2)
    fig = viz.plot_froc({"a": out, "b": out})
    assert "CPM" in fig.axes[0].get_legend().get_texts()[0].get_text()
    fig = viz.show_detections(np.zeros((2, 8, 8)), dets, lesions, 2, titles=["x", "y"])
    ax = fig.axes[0]
    assert [p.get_edgecolor()[:3] for p in ax.patches] == [(0.0, 1.0, 0.0)]  # the lesion found: a green circle
    assert [line.get_marker() for line in ax.lines] == [".", "x"]  # the extra hit, then the false positive
    assert fig.axes[1].patches[0].get_linestyle() == "--"  # the missed lesion
    with pytest.raises(ValueError, match="froc"):
        viz.plot_froc({"a": {"cpm": 1}})
    with pytest.raises(ValueError, match="same length"):
        viz.show_detections(np.zeros((2, 8, 8)), dets[:1], lesions, 2)
