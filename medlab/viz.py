"""Figures: image grids with mask overlays, training curves, ROC and FROC curves, detections. Matplotlib only."""

from __future__ import annotations

import numpy as np

from ._validate import as_array

__all__ = ["show_images", "plot_history", "plot_roc", "results_table", "show_heatmaps", "plot_reliability",
           "plot_predictive_values", "show_lesion_matches", "plot_froc", "show_detections"]


def _squeeze(img):
    img = np.asarray(img)
    return img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img


def _image_grid(n, ncols, size, suptitle):
    """A figure with one small axes per image, axes switched off; returns (fig, axes list)."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.3) * nrows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    return fig, list(axes.flat)


def _check_same_length(n, **named):
    for name, value in named.items():
        if value is not None and len(value) != n:
            raise ValueError(f"images and {name} must have the same length, got {n} and {len(value)}")


def _image_panels(images, titles, ncols, size, suptitle, **same_length):
    """Check a batch of images, its titles and the sequences that go with it (one item per image);
    return the images and a figure with one panel per image: ``(images, fig, axes)``."""
    imgs = as_array(images, "images", ndim=(3, 4))
    n = len(imgs)
    if n == 0:
        raise ValueError("images: expected at least one image, got none")
    _check_same_length(n, **same_length)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles: expected {n} titles, got {len(titles)}")
    fig, axes = _image_grid(n, ncols, size, suptitle)
    return imgs, fig, axes[:n]


def _finish(fig, suptitle):
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_images(images, masks=None, predictions=None, *, titles=None, ncols=6, size=2.0,
                cmap="gray", suptitle=None):
    """Show a grid of images, with ground-truth (green) and predicted (red) mask outlines.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, 1)
    masks, predictions : array-like, shape (N, H, W), optional
        Binary masks drawn as contours (ground truth green, prediction red dashed).
    titles : sequence of str, optional
    ncols : int
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_images(np.zeros((2, 8, 8)), titles=["a", "b"])
    """

    imgs, fig, axes = _image_panels(images, titles, ncols, size, suptitle, masks=masks, predictions=predictions)
    for i, ax in enumerate(axes):
        ax.imshow(_squeeze(imgs[i]), cmap=cmap)
        if masks is not None and np.any(masks[i]):
            ax.contour(_squeeze(masks[i]), levels=[0.5], colors="lime", linewidths=1.0)
        if predictions is not None and np.any(predictions[i]):
            ax.contour(_squeeze(predictions[i]), levels=[0.5], colors="red", linewidths=1.0,
                       linestyles="--")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    return _finish(fig, suptitle)


def plot_history(history, metrics=("loss",), *, title=None):
    """Plot training and validation curves from ``model.fit``'s History (or its ``.history``).

    Examples
    --------
    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    """
    import matplotlib.pyplot as plt

    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise TypeError(f"history: expected a keras History or a dict, got {type(history).__name__}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    missing = [m for m in metrics if m not in hist]
    if missing:
        raise ValueError(f"metrics: {missing} not in history; available: {sorted(hist)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        epochs = np.arange(1, len(hist[m]) + 1)
        ax.plot(epochs, hist[m], "o-", ms=3, label="train")
        if f"val_{m}" in hist:
            ax.plot(epochs, hist[f"val_{m}"], "o-", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_roc(y_true, scores, *, ax=None, points=None, title="ROC curve"):
    """Plot ROC curves of one or more scorers on the same labels, with their AUC in the legend.

    Parameters
    ----------
    y_true : array-like of {0, 1}
    scores : dict of name -> array-like, or a single array-like
    points : dict of name -> (fpr, tpr), optional
        Operating points to mark (e.g. the chosen threshold).

    Examples
    --------
    >>> fig = plot_roc([0, 0, 1, 1], {"model": [0.1, 0.4, 0.35, 0.8]})
    """
    import matplotlib.pyplot as plt

    from .metrics import roc_auc, roc_curve

    if not isinstance(scores, dict):
        scores = {"model": scores}
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 4.0))
    else:
        fig = ax.figure
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y_true, s)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(y_true, s):.3f})")
    for name, (x, y) in (points or {}).items():
        ax.plot([x], [y], "ko", ms=5)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.plot([0, 1], [0, 1], ":", color="gray", lw=1)
    ax.set_xlabel("1 - specificity (false positive rate)")
    ax.set_ylabel("sensitivity (true positive rate)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def results_table(rows, *, digits=3):
    """A small results table (model against baseline) that renders in a notebook.

    Parameters
    ----------
    rows : dict of name -> dict of column -> value
        One row per model; columns are the union of the inner keys, in first-seen order.
    digits : int
        Decimals for floats.

    Returns
    -------
    IPython.display.Markdown (or the Markdown text when IPython is absent)

    Examples
    --------
    >>> t = results_table({"CNN": {"AUC": 0.97}, "baseline": {"AUC": 0.71}})
    """
    if not isinstance(rows, dict) or not rows or not all(isinstance(v, dict) for v in rows.values()):
        raise TypeError("rows: expected a non-empty dict of name -> dict of column -> value")
    columns = []
    for values in rows.values():
        columns += [c for c in values if c not in columns]

    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return "" if v is None else str(v)

    lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, values in rows.items():
        lines.append(f"| **{name}** | " + " | ".join(fmt(values.get(c)) for c in columns) + " |")
    text = "\n".join(lines)
    try:
        from IPython.display import Markdown
    except ImportError:  # pragma: no cover
        return text
    return Markdown(text)


def show_heatmaps(images, heatmaps, masks=None, *, titles=None, ncols=6, size=2.0, alpha=0.45, cmap="jet",
                  mark_peak=True, suptitle=None):
    """Overlay heatmaps (Grad-CAM, attributions, anomaly maps) on images, with the lesion outline.

    Each heatmap is clipped at 0 (only evidence *for* the class is coloured) and scaled to its own
    maximum, so panels show where a map points, not how strongly. The map's maximum, the point
    the pointing game scores, is marked with a white cross.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, 1)
    heatmaps : array-like, shape (N, H, W)
    masks : array-like, shape (N, H, W), optional
        Ground-truth outlines, drawn in green.
    titles : sequence of str, optional
    ncols : int
    size : float
        Inches per panel.
    alpha : float
        Opacity of the heatmap.
    cmap : str
    mark_peak : bool
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_heatmaps(np.zeros((2, 8, 8)), np.random.default_rng(0).random((2, 8, 8)), titles=["a", "b"])
    """

    imgs = as_array(images, "images", ndim=(3, 4))
    heat = as_array(heatmaps, "heatmaps", ndim=3).astype(float)
    if len(imgs) and heat.shape[1:] != _squeeze(imgs[0]).shape:
        raise ValueError(f"heatmaps: expected shape (N, H, W) matching the images {imgs.shape}, got {heat.shape}")
    imgs, fig, axes = _image_panels(imgs, titles, ncols, size, suptitle, heatmaps=heat, masks=masks)
    for i, ax in enumerate(axes):
        ax.imshow(_squeeze(imgs[i]), cmap="gray")
        h = np.clip(heat[i], 0, None)
        top = h.max()
        ax.imshow(h / top if top > 0 else h, cmap=cmap, alpha=alpha, vmin=0, vmax=1)
        if masks is not None and np.any(masks[i]):
            ax.contour(_squeeze(masks[i]), levels=[0.5], colors="lime", linewidths=1.0)
        if mark_peak and top > 0:
            r, c = np.unravel_index(np.argmax(heat[i]), heat[i].shape)
            ax.plot([c], [r], marker="+", color="white", ms=10, mew=2)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    return _finish(fig, suptitle)


# ---------------------------------------------------------------- reliability and predictive values

def plot_reliability(y_true, probs, *, n_bins=10, strategy="uniform", title="Reliability diagram"):
    """Reliability diagram: observed frequency against predicted probability, with a histogram.

    Top: one curve per model from ``metrics.calibration_curve`` (marker area ~ cases in the bin),
    the diagonal of perfect calibration and each model's Brier score in the legend. Bottom: how
    the predictions are spread over [0, 1] (a calibration curve says little where few cases are).

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (N,)
    probs : dict of name -> array-like of shape (N,), or a single array-like
        Predicted probabilities in [0, 1].
    n_bins : int
    strategy : {"uniform", "quantile"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_reliability([0, 0, 1, 1], {"model": [0.1, 0.3, 0.7, 0.9]}, n_bins=2)
    """
    import matplotlib.pyplot as plt

    from .metrics import brier_score, calibration_curve

    if not isinstance(probs, dict):
        probs = {"model": probs}
    if not probs:
        raise ValueError("probs: expected at least one model's probabilities, got an empty dict")
    fig, (ax, hist_ax) = plt.subplots(2, 1, figsize=(4.4, 5.0), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], ":", color="gray", lw=1, label="perfectly calibrated")
    for name, p in probs.items():
        prob_true, prob_pred, counts = calibration_curve(y_true, p, n_bins, strategy, return_counts=True)
        line, = ax.plot(prob_pred, prob_true, "-", lw=1.2,
                        label=f"{name} (Brier {brier_score(y_true, p):.3f})")
        ax.scatter(prob_pred, prob_true, s=12 + 120 * counts / counts.max(), color=line.get_color(), zorder=3)
        hist_ax.hist(np.asarray(p, float), bins=np.linspace(0, 1, 21), histtype="step", color=line.get_color())
    ax.set_ylabel("observed frequency of disease")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{title} ({strategy} bins)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    hist_ax.set_yscale("log")
    hist_ax.set_xlabel("predicted probability")
    hist_ax.set_ylabel("cases")
    fig.tight_layout()
    return fig


def plot_predictive_values(sensitivity, specificity, *, prevalences=None, marks=None, ax=None,
                           title="Predictive values against prevalence"):
    """PPV and NPV of one operating point as the prevalence changes (log axis), with marked settings.

    Parameters
    ----------
    sensitivity, specificity : float in [0, 1]
        The operating point, e.g. measured on the test set at the chosen threshold.
    prevalences : array-like in (0, 1), optional
        The x axis; default: 200 values from 0.1 % to 70 %.
    marks : dict of name -> prevalence, optional
        Settings to mark with their PPV, e.g. ``{"screening": 0.01, "clinic": 0.3}``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_predictive_values(0.9, 0.95, marks={"screening": 0.01})
    """
    import matplotlib.pyplot as plt

    from .metrics import ppv_npv

    pis = np.geomspace(1e-3, 0.7, 200) if prevalences is None else as_array(prevalences, "prevalences", ndim=1)
    if pis.size == 0 or pis.min() <= 0 or pis.max() >= 1:
        raise ValueError("prevalences: expected values strictly between 0 and 1")
    ppv, npv = ppv_npv(sensitivity, specificity, pis)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 3.6))
    else:
        fig = ax.figure
    ax.plot(pis, ppv, lw=2, label="PPV: P(disease | flagged)")
    ax.plot(pis, npv, lw=2, label="NPV: P(no disease | cleared)")
    for name, pi in (marks or {}).items():
        p_pos, p_neg = ppv_npv(sensitivity, specificity, pi)
        ax.axvline(pi, color="gray", ls="--", lw=1)
        ax.plot([pi, pi], [p_pos, p_neg], "ko", ms=4)
        low = pi < 0.1  # labels of high prevalences go left of their line and below the point
        ax.annotate(f"{name} ({pi:.0%})\nPPV {p_pos:.3f}\nNPV {p_neg:.4f}", (pi, p_pos),
                    textcoords="offset points", xytext=(6, 10) if low else (-6, -10),
                    ha="left" if low else "right", va="bottom" if low else "top", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:g} %"))
    ax.set_xlabel("prevalence (log scale)")
    ax.set_ylabel("predictive value")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{title}\n(sensitivity {sensitivity:.2f}, specificity {specificity:.2f})", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="center left", fontsize=8)
    fig.tight_layout()
    return fig


def show_lesion_matches(images, pred_masks, true_masks, *, min_iou=0.1, titles=None, ncols=6, size=2.0,
                        suptitle=None):
    """Show lesion-wise matching: found lesions green, missed lesions blue, false positives red.

    Each image's components are matched by :func:`medlab.metrics.match_lesions` (one to one,
    IoU >= ``min_iou``). Filled colours show the prediction: a matched predicted component is
    green, an unmatched one red (a false positive); a true lesion that no component found is
    outlined in blue (a miss). Every true lesion is also outlined in white.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, 1)
    pred_masks, true_masks : array-like of bool or {0, 1}, shape (N, H, W)
    min_iou : float
    titles : sequence of str, optional
        Default: the image's counts, e.g. ``"TP 2 FP 1 FN 0"``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = np.zeros((1, 8, 8)); t[0, 1:3, 1:3] = 1
    >>> p = np.zeros((1, 8, 8)); p[0, 5:7, 5:7] = 1
    >>> fig = show_lesion_matches(np.zeros((1, 8, 8)), p, t)
    >>> fig.axes[0].get_title()
    'TP 0 FP 1 FN 1'
    """
    from matplotlib.colors import ListedColormap

    from .metrics import match_lesions

    imgs, fig, axes = _image_panels(images, titles, ncols, size, suptitle, pred_masks=pred_masks, true_masks=true_masks)
    colours = ListedColormap(["none", "lime", "red"])
    for i, ax in enumerate(axes):
        r = match_lesions(pred_masks[i], true_masks[i], min_iou)
        matched_pred = np.isin(r["pred_labels"], [j for _, j, _ in r["pairs"]])
        overlay = np.where(r["pred_labels"] == 0, 0, np.where(matched_pred, 1, 2)).astype(float)
        ax.imshow(_squeeze(imgs[i]), cmap="gray")
        ax.imshow(np.ma.masked_equal(overlay, 0), cmap=colours, vmin=0, vmax=2, alpha=0.45, interpolation="nearest")
        if r["n_true"]:
            ax.contour(r["true_labels"] > 0, levels=[0.5], colors="white", linewidths=0.8)
            missed = np.isin(r["true_labels"], [k for k in range(1, r["n_true"] + 1)
                                                if k not in {a for a, _, _ in r["pairs"]}])
            if missed.any():
                ax.contour(missed, levels=[0.5], colors="deepskyblue", linewidths=1.6)
        ax.set_title(titles[i] if titles is not None else f"TP {r['tp']} FP {r['fp']} FN {r['fn']}", fontsize=9)
    return _finish(fig, suptitle)


def plot_froc(curves, *, fp_rates=(0.125, 0.25, 0.5, 1, 2, 4, 8), ax=None, title="FROC curve"):
    """Plot FROC curves (sensitivity against false positives per image, log scale) with their CPM.

    Parameters
    ----------
    curves : dict of name -> dict
        What :func:`medlab.metrics.froc` returns, per detector.
    fp_rates : sequence of float
        Rates marked on the x axis (the CPM's), with each curve's ``sensitivity_at`` as dots.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from medlab.metrics import froc
    >>> out = froc([np.array([[1, 1, 0.9], [5, 5, 0.4]])], [np.array([[1, 1]])], max_distance=2)
    >>> fig = plot_froc({"detector": out})
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves: expected a dict of name -> froc() result, got {type(curves).__name__}")
    for name, c in curves.items():
        if not isinstance(c, dict) or not {"fp_per_image", "sensitivity", "cpm"} <= set(c):
            raise ValueError(f"curves[{name!r}]: expected the dict that medlab.metrics.froc returns")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 3.8))
    else:
        fig = ax.figure
    lo, hi = min(fp_rates) / 2, max(fp_rates) * 2
    for name, c in curves.items():
        x = np.r_[lo, np.clip(c["fp_per_image"], lo, None)]  # start at sensitivity 0, before the first detection
        y = np.r_[0.0, c["sensitivity"]]
        line, = ax.step(x, y, where="post", label=f"{name} (CPM {c['cpm']:.3f})")
        at = c.get("sensitivity_at", {})
        ax.plot(list(at), list(at.values()), "o", color=line.get_color(), ms=4)
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(fp_rates), [f"{r:g}" for r in fp_rates])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("false positives per image")
    ax.set_ylabel("sensitivity (lesions found)")
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def show_detections(images, detections, lesions, max_distance, *, titles=None, ncols=6, size=2.2, suptitle=None):
    """Draw detections on images: hits (green circle), missed lesions (yellow dashed), false positives (red x).

    Detections are matched to lesions as :func:`medlab.metrics.froc` does (within ``max_distance``
    of the nearest lesion); a lesion hit several times shows its extra hits as small green dots.

    Parameters
    ----------
    images : array-like (N, H, W) or (N, H, W, 1)
    detections : list of array-like (k, 3)
        ``(row, col, score)`` per detection, already thresholded (the operating point to show).
    lesions : list of array-like (m, 2) or (m, 3)
        ``(row, col)`` (and optionally the radius, used for the circle) per lesion.
    max_distance : float

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_detections(np.zeros((1, 8, 8)), [np.array([[2, 2, 0.9], [6, 6, 0.5]])], [np.array([[2, 3]])], 2)
    """
    from matplotlib.patches import Circle

    from .metrics import match_detections

    imgs, fig, axes = _image_panels(images, titles, ncols, size, suptitle, detections=detections, lesions=lesions)
    for i, ax in enumerate(axes):
        ax.imshow(_squeeze(imgs[i]), cmap="gray")
        les = np.asarray(lesions[i], float).reshape(-1, np.shape(lesions[i])[-1] if np.size(lesions[i]) else 2)
        det = np.asarray(detections[i], float).reshape(-1, 3)
        score, _, hit = match_detections(det, les[:, :2], max_distance)
        for k, lesion in enumerate(les):
            radius = lesion[2] + 1.5 if len(lesion) > 2 else max_distance
            found = np.isfinite(score[k])
            ax.add_patch(Circle((lesion[1], lesion[0]), radius, fill=False, lw=1.2,
                                color="lime" if found else "yellow", ls="-" if found else "--"))
        best = {k: np.flatnonzero(hit == k)[np.argmax(det[hit == k, 2])] for k in set(hit[hit >= 0].tolist())}
        for j, (r, c, _) in enumerate(det):
            if hit[j] < 0:
                ax.plot(c, r, "x", color="red", ms=6, mew=1.5)
            elif best[hit[j]] != j:
                ax.plot(c, r, ".", color="lime", ms=3)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    return _finish(fig, suptitle)
