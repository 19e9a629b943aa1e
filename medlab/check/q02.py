"""Checkers for notebook 02 (U-Net segmentation)."""

from __future__ import annotations

import numpy as np

from ..metrics import dice_coefficient as _dice_ref
from ._core import expect, expect_close, run_checks


def dice_coefficient(student_fn):
    """Check ``dice_coefficient(y_true, y_pred) -> float`` on binary NumPy masks.

    Each case can be the one that rejects an answer: the formula on large masks, its symmetry on
    masks of different sizes, exactness on a tiny lesion (where a smoothing constant shows), and
    the two empty-mask conventions.

    Examples
    --------
    >>> from medlab.check import q02
    >>> from medlab.metrics import dice_coefficient as ref
    >>> fn = q02.dice_coefficient(ref)
    ✓ dice_coefficient: all 6 cases pass.
    """
    a = np.zeros((16, 16), np.uint8)
    a[2:12, 2:12] = 1  # 100 pixels
    b = np.zeros((16, 16), np.uint8)
    b[4:14, 4:14] = 1  # 100 pixels, 64 shared with a: Dice 128 / 200
    c = np.zeros((16, 16), np.uint8)
    c[3:11, 3:11] = 1  # 64 pixels, all inside a: Dice 128 / 164
    tiny_a = np.zeros((6, 6), np.uint8)
    tiny_a[0, 0] = 1
    tiny_b = np.zeros((6, 6), np.uint8)
    tiny_b[0, 0:2] = 1
    empty = np.zeros((6, 6), np.uint8)
    some = np.zeros((6, 6), np.uint8)
    some[1:4, 1:4] = 1

    cases = [
        ("identical masks", lambda f: expect_close(f(a, a), 1.0, "Dice of a mask with itself")),
        # a large lesion: a smoothing constant barely moves it (the tiny lesion below catches that)
        ("partial overlap", lambda f: expect_close(f(a, b), 128 / 200, "Dice of two 10x10 squares sharing 64 "
                                                   "pixels", rtol=5e-3)),
        ("symmetric", lambda f: expect_close(f(c, a), 128 / 164, "dice(y_true=64-pixel square, y_pred=100-pixel "
                                             "square containing it): Dice is symmetric, so the sizes of both "
                                             "masks are in the denominator", rtol=5e-3)),
        ("tiny lesion", lambda f: expect_close(f(tiny_a, tiny_b), 2 / 3, "Dice of 1 pixel vs 2 pixels (a "
                                               "smoothing constant shows on small lesions)", rtol=1e-4)),
        ("both masks empty", lambda f: expect_close(f(empty, empty), 1.0, "Dice of two empty masks "
                                                    "(convention: 1.0, perfect agreement)")),
        ("one mask empty", lambda f: expect_close(f(some, empty), 0.0, "Dice when the prediction is empty and "
                                                  "the truth is not (nothing found: 0.0)")),
    ]
    return run_checks("dice_coefficient", student_fn, _dice_ref, cases,
                      hint="2 * |A and B| / (|A| + |B|); return 1.0 when both are empty; no smoothing "
                           "constant in a metric (it biases small lesions).")


def soft_dice_loss(student_fn):
    """Check ``soft_dice_loss(y_true, y_pred) -> scalar tensor`` (per image, averaged over the batch).

    Each case can be the one that rejects an answer: a scalar, zero for a perfect prediction, the
    value on soft probabilities (one image), the per-image average (two images of very different
    lesion sizes) and a gradient that reaches the predictions.
    """
    import tensorflow as tf

    from ..losses import soft_dice_loss as ref

    y = np.zeros((2, 8, 8, 1), np.float32)
    y[0, 2:6, 2:6] = 1  # 16 px
    y[1, 0:2, 0:2] = 1  # 4 px: small lesion
    rng = np.random.default_rng(5)
    p = np.clip(y * 0.7 + rng.uniform(0, 0.3, y.shape), 0, 1).astype(np.float32)
    p_empty_pred = np.zeros_like(p)
    p_empty_pred[0] = p[0]

    def scalar(f):
        shape = tuple(getattr(f(tf.constant(y), tf.constant(p)), "shape", ()))
        expect(len(shape) == 0, f"expected a scalar loss (the mean over the batch), got shape {shape}")

    def perfect(f):
        expect_close(f(tf.constant(y), tf.constant(y)), 0.0, "loss for a perfect prediction (1 - Dice)", atol=1e-4)

    def value(f):  # one image: per-image and whole-batch Dice agree here
        expect_close(f(tf.constant(y[:1]), tf.constant(p[:1])), ref(y[:1], p[:1]),
                     "loss on soft probabilities (one image)", rtol=1e-3, atol=1e-4)

    def per_image(f):
        expect_close(f(tf.constant(y), tf.constant(p_empty_pred)), ref(y, p_empty_pred),
                     "loss when the small lesion of image 2 is missed: one Dice per image, then their mean "
                     "(a Dice over the whole batch lets the large lesion hide the miss)", rtol=1e-3, atol=1e-4)

    def differentiable(f):
        pv = tf.Variable(p)
        with tf.GradientTape() as tape:
            loss = f(tf.constant(y), pv)
        expect(tf.is_tensor(loss), f"the loss is a {type(loss).__name__}, not a tensor: compute it with keras.ops "
               "(or tf), not NumPy, so that gradients reach y_pred")
        grad = tape.gradient(loss, pv)
        expect(grad is not None and float(tf.reduce_sum(tf.abs(grad))) > 0,
               "no gradient flows to y_pred: do not threshold or round the predictions inside a loss")

    cases = [("a scalar", scalar), ("perfect prediction", perfect), ("soft predictions", value),
             ("per-image average", per_image), ("gradient flows", differentiable)]
    return run_checks("soft_dice_loss", student_fn, ref, cases,
                      hint="sum over axes (1, 2, 3) per image: 1 - (2*sum(y*p) + 1e-6) / (sum(y) + sum(p) + 1e-6), "
                           "then the mean over the batch; use probabilities, not thresholded masks.")


_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")


def _calls(model):
    """Every call of an operation inside ``model``: (operation, input tensors, output tensors)."""
    return [(op, list(node.input_tensors), list(node.output_tensors))
            for op in model.operations for node in op._inbound_nodes]


def _reach(calls, seeds):
    """For each tensor (by id), the set of labels of the ``seeds`` tensors it depends on.

    ``seeds`` maps ``id(tensor)`` to a label; labels flow from a call's inputs to its outputs.
    """
    labels = {k: {v} for k, v in seeds.items()}
    for _ in range(len(calls) + 1):  # relax until nothing changes (the graph is acyclic)
        changed = False
        for _, ins, outs in calls:
            flowing = set().union(*(labels.get(id(t), set()) for t in ins)) if ins else set()
            for t in outs:
                have = labels.setdefault(id(t), set())
                if not flowing <= have:
                    have |= flowing
                    changed = True
        if not changed:
            break
    return labels


def _convs_3x3(op):
    """How many 3x3 ``Conv2D`` layers ``op`` is (0 or 1), or holds when it is a nested model."""
    import keras

    if isinstance(op, keras.Model):
        return sum(_convs_3x3(inner) for inner in op.layers)
    return int(type(op).__name__ == "Conv2D" and tuple(op.kernel_size) == (3, 3))


def _decoder_structure(model):
    """What is wrong with the wiring of a decoder block built on inputs (x, skip), or None.

    A U-Net decoder upsamples ``x`` to the skip's resolution, concatenates the full-resolution
    skip (channels side by side), and only then convolves (two 3x3 convolutions).
    """
    x_in, skip_in = model.inputs
    calls = _calls(model)
    deps = _reach(calls, {id(x_in): "x", id(skip_in): "skip"})
    merges = []  # the calls where the path from x first meets the path from skip
    for op, ins, outs in calls:
        each = [deps.get(id(t), set()) for t in ins]
        if len(ins) >= 2 and set().union(*each) >= {"x", "skip"} and not any(d >= {"x", "skip"} for d in each):
            merges.append((op, ins, outs))
    if not merges:
        return "x and skip never meet: concatenate the skip with the upsampled x"
    skip_hw = tuple(skip_in.shape[1:3])
    concats = [m for m in merges if type(m[0]).__name__ == "Concatenate"]
    if not concats:
        kind = type(merges[0][0]).__name__
        return (f"x and skip are merged with {kind}, not concatenated: a U-Net stacks the skip's channels "
                "beside the upsampled ones (Concatenate) and lets the convolutions learn how to combine them; "
                f"{kind} forces them into the same channels and needs equal channel counts")
    full = [m for m in concats if tuple(m[2][0].shape[1:3]) == skip_hw]
    if not full:
        got = tuple(concats[0][2][0].shape[1:3])
        return (f"the skip is concatenated at {got[0]}x{got[1]}, not at its own resolution "
                f"{skip_hw[0]}x{skip_hw[1]}: pooling the skip down throws away the boundary detail it carries; "
                "upsample x to the skip's size first, then concatenate")
    merged = full[0][2][0]
    after = _reach(calls, {id(merged): "merged"})
    n_after = sum(_convs_3x3(op) for op, ins, _ in calls if any("merged" in after.get(id(t), ()) for t in ins))
    n_before = sum(_convs_3x3(op) for op, ins, _ in calls
                   if not any("merged" in after.get(id(t), ()) for t in ins))
    if n_after < 2:
        before = (f" ({n_before} before it: convolutions before the merge never see the skip's features)"
                  if n_before else "")
        return f"expected two 3x3 convolutions after the concatenation, found {n_after}{before}"
    return None


def decoder_block(student_fn):
    """Check ``decoder_block(x, skip, filters) -> tensor``: upsample, concatenate the full-resolution
    skip, then two 3x3 convolutions.

    The wiring is read from the Keras graph, so an ``Add`` instead of a ``Concatenate``, a skip
    pooled down to x's resolution, or convolutions placed before the merge are named as such.
    """
    import keras

    from ..models import decoder_block as ref

    def build(f):
        x = keras.Input((8, 8, 32))
        skip = keras.Input((16, 16, 16))
        return keras.Model([x, skip], f(x, skip, 16))

    def uses_both_inputs(f):
        import tensorflow as tf

        model = build(f)
        rng = np.random.default_rng(0)
        x = tf.Variable(rng.normal(size=(1, 8, 8, 32)).astype(np.float32))
        s = tf.Variable(rng.normal(size=(1, 16, 16, 16)).astype(np.float32))
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(model([x, s], training=False) ** 2)
        gx, gs = tape.gradient(out, [x, s])
        expect(gs is not None and float(tf.reduce_sum(tf.abs(gs))) > 0,
               "the output does not depend on the skip tensor: concatenate it after upsampling")
        expect(gx is not None and float(tf.reduce_sum(tf.abs(gx))) > 0,
               "the output does not depend on x")

    def wiring(f):
        problem = _decoder_structure(build(f))
        expect(problem is None, problem)

    def shape(f):
        model = build(f)
        expect(tuple(model.output.shape) == (None, 16, 16, 16),
               f"expected output shape (None, 16, 16, 16) for x (8, 8, 32), skip (16, 16, 16), filters 16: "
               f"the skip's resolution and `filters` channels; got {tuple(model.output.shape)}")

    cases = [("skip connection used", uses_both_inputs),
             ("upsample, concatenate the full-resolution skip, then convolve", wiring),
             ("output shape", shape)]
    return run_checks("decoder_block", student_fn, ref, cases,
                      hint="Conv2DTranspose(filters, 2, strides=2) (or UpSampling2D), Concatenate()([x, skip]), "
                           "then two Conv2D(filters, 3, padding='same') with ReLU.")
