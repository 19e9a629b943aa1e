"""Figures: image grids with mask overlays, training curves, ROC curves. Matplotlib only."""

from __future__ import annotations

import numpy as np

from ._validate import as_array

__all__ = ["show_images", "plot_history", "plot_roc", "results_table"]


def _squeeze(img):
    img = np.asarray(img)
    return img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img


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
    import matplotlib.pyplot as plt

    imgs = as_array(images, "images", ndim=(3, 4))
    n = len(imgs)
    if n == 0:
        raise ValueError("images: expected at least one image, got none")
    for name, extra in (("masks", masks), ("predictions", predictions)):
        if extra is not None and len(extra) != n:
            raise ValueError(f"images and {name} must have the same length, got {n} and {len(extra)}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles: expected {n} titles, got {len(titles)}")
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.3) * nrows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(_squeeze(imgs[i]), cmap=cmap)
        if masks is not None and np.any(masks[i]):
            ax.contour(_squeeze(masks[i]), levels=[0.5], colors="lime", linewidths=1.0)
        if predictions is not None and np.any(predictions[i]):
            ax.contour(_squeeze(predictions[i]), levels=[0.5], colors="red", linewidths=1.0,
                       linestyles="--")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


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
