"""Checkers for notebook 11 (imbalanced lesion classes: the categorical focal loss)."""

from __future__ import annotations

import numpy as np

from ._core import expect, expect_close, run_checks


def _reference_focal_loss(y_true, y_pred, alpha, gamma=2.0):
    """Keras' ``CategoricalFocalCrossentropy`` with per-class ``alpha``, averaged over the batch."""
    import keras

    return keras.losses.CategoricalFocalCrossentropy(alpha=[float(a) for a in np.ravel(alpha)],
                                                     gamma=float(gamma))(y_true, y_pred)


def _number(got, what):
    """The student's result as a float (a scalar tensor or array is fine), or a clear failure."""
    if hasattr(got, "numpy"):
        got = got.numpy()
    expect(got is not None and not isinstance(got, (str, bytes)),
           f"{what}: expected a number, got {type(got).__name__}")
    arr = np.asarray(got, dtype=float)
    expect(arr.size == 1, f"{what}: expected one number (the loss averaged over the batch), got shape {arr.shape}: "
           "sum over the classes, then average over the samples")
    return float(arr.reshape(()))


def _one_hot(labels, k):
    return np.eye(k, dtype=np.float32)[labels]


def _ce_one_sample(f):
    # p = (0.2, 0.5, 0.3), true class 1: cross-entropy -log 0.5
    y, p = _one_hot([1], 3), np.array([[0.2, 0.5, 0.3]], np.float32)
    what = "one sample, gamma = 0, alpha = 1 (plain cross-entropy -log p_true with p_true = 0.5)"
    got = _number(f(y, p, [1.0, 1.0, 1.0], 0.0), what)
    expected = -np.log(0.5)
    expect(not np.isclose(got, -np.log(np.exp(0.5) / np.exp(p).sum()), rtol=1e-4),
           f"{what}: expected {expected:.4f}, got {got:.4f}, which is -log(softmax(y_pred))[true]: y_pred are "
           "already probabilities (the model ends in a softmax); take their log, not the log of a softmax of them")
    expect(not np.isclose(got, 0.5 * expected, rtol=1e-4),
           f"{what}: expected {expected:.4f}, got {got:.4f} = (1 - 0.5) * -log 0.5: at gamma = 0 the factor "
           "(1 - p) ** gamma is 1; is the exponent gamma missing?")
    expect(not np.isclose(got, 0.0, atol=1e-6),
           f"{what}: expected {expected:.4f}, got 0: at gamma = 0 the factor (1 - p) ** gamma is 1, while "
           "(1 - p) * gamma is 0; raise to the power gamma, do not multiply by it")
    expect(not np.isclose(got, expected / 3, rtol=1e-4),
           f"{what}: expected {expected:.4f}, got {got:.4f} = that / 3: you averaged over the classes; "
           "sum over the classes (only the true class is non-zero), average over the samples only")
    binary = -(np.log(0.5) + np.log(0.8) + np.log(0.7))
    expect(not (np.isclose(got, binary, rtol=1e-4) or np.isclose(got, binary / 3, rtol=1e-4)),
           f"{what}: expected {expected:.4f}, got {got:.4f}, the binary cross-entropy of every class "
           "(-log p for the true class plus -log(1 - p) for the others): with a softmax the classes are "
           "exclusive and the categorical loss counts the true class only")
    expect_close(got, expected, what, rtol=1e-4)


def _mean_over_batch(f):
    y = _one_hot([0, 1, 2, 1], 3)
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.1, 0.1, 0.8], [0.5, 0.25, 0.25]], np.float32)
    what = "four samples, gamma = 0, alpha = 1"
    per_sample = -np.log(np.sum(y * p, axis=1))
    got = _number(f(y, p, [1.0, 1.0, 1.0], 0.0), what)
    expect(not np.isclose(got, per_sample.sum(), rtol=1e-4),
           f"{what}: expected the mean over the batch {per_sample.mean():.4f}, got the sum {got:.4f}: "
           "a summed loss grows with the batch size and changes the learning rate with it (Keras' losses average)")
    expect_close(got, per_sample.mean(), f"{what}: the mean over the batch of -log p_true", rtol=1e-4)


def _modulating_factor(f):
    # p_true = 0.6, gamma = 2: (1 - 0.6)^2 = 0.16
    y, p = _one_hot([0], 3), np.array([[0.6, 0.3, 0.1]], np.float32)
    ce = -np.log(0.6)
    what = "one sample with p_true = 0.6, gamma = 2, alpha = 1"
    got = _number(f(y, p, [1.0, 1.0, 1.0], 2.0), what)
    wrong = {0.4 * 2.0: "(1 - p) * gamma: the factor is (1 - p) raised to the power gamma",
             0.4: "(1 - p) without the exponent gamma",
             0.6 ** 2: "p ** gamma: the factor is (1 - p) ** gamma, small for easy (confident, right) samples",
             1.0: "no modulating factor at all (plain cross-entropy)"}
    for factor, mistake in wrong.items():
        expect(not np.isclose(got, factor * ce, rtol=1e-4),
               f"{what}: expected (1 - 0.6)^2 * -log 0.6 = {0.16 * ce:.4f}, got {got:.4f} = {factor:.2f} * -log 0.6: "
               f"{mistake}")
    expect_close(got, 0.16 * ce, f"{what}: (1 - p_true)^gamma * -log p_true", rtol=1e-4)


def _alpha_of_true_class(f):
    # the true class is 2 (alpha 0.7); the most probable class is 0 (alpha 0.1)
    y, p = _one_hot([2], 3), np.array([[0.5, 0.2, 0.3]], np.float32)
    alpha = [0.1, 0.2, 0.7]
    ce = -np.log(0.3)
    what = "one sample of class 2 (alpha 0.7) that the model puts in class 0 (alpha 0.1), gamma = 0"
    got = _number(f(y, p, alpha, 0.0), what)
    expect(not np.isclose(got, 0.1 * ce, rtol=1e-4),
           f"{what}: expected 0.7 * -log 0.3 = {0.7 * ce:.4f}, got {got:.4f} = 0.1 * -log 0.3: alpha was taken for "
           "the predicted class; it weights the sample by its true class")
    expect(not np.isclose(got, np.mean(alpha) * ce, rtol=1e-4) and not np.isclose(got, np.sum(alpha) * ce, rtol=1e-4),
           f"{what}: expected 0.7 * -log 0.3 = {0.7 * ce:.4f}, got {got:.4f}: alpha was averaged or summed over the "
           "classes; each sample gets the alpha of its own (true) class")
    binary = 0.7 * ce - 0.9 * np.log(0.5) - 0.8 * np.log(0.8)
    expect(not np.isclose(got, binary, rtol=1e-4),
           f"{what}: expected 0.7 * -log 0.3 = {0.7 * ce:.4f}, got {got:.4f}, the binary focal loss of every class "
           "(alpha for the true class plus (1 - alpha) * -log(1 - p) for the others): with a softmax the classes "
           "are exclusive and the categorical loss counts the true class only")
    expect(not np.isclose(got, 0.3 * ce, rtol=1e-4),
           f"{what}: expected 0.7 * -log 0.3 = {0.7 * ce:.4f}, got {got:.4f} = (1 - 0.7) * -log 0.3: that is the "
           "binary focal loss's weight for negatives; here alpha[c] weights the samples of class c")
    expect_close(got, 0.7 * ce, f"{what}: alpha[true class] * -log p_true", rtol=1e-4)


def _matches_keras(f):
    rng = np.random.default_rng(11)
    logits = rng.normal(0, 1.5, (16, 4))
    p = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float32)
    y = _one_hot(rng.integers(0, 4, 16), 4)
    for alpha, gamma in (([0.25, 0.25, 0.25, 0.25], 2.0), ([0.1, 0.2, 0.3, 0.4], 0.5), ([2.0, 1.0, 0.5, 4.0], 3.0)):
        expected = float(_reference_focal_loss(y, p, alpha, gamma))
        expect_close(_number(f(y, p, alpha, gamma), "a batch of 16"), expected,
                     f"a batch of 16 samples, 4 classes, alpha = {alpha}, gamma = {gamma} (Keras' "
                     "CategoricalFocalCrossentropy)", rtol=1e-4)


def _zero_probability(f):
    # a probability of exactly 0: for another class it must not matter, for the true class it must stay finite
    y = _one_hot([0, 1], 3)
    p = np.array([[0.9, 0.0, 0.1], [0.0, 0.0, 1.0]], np.float32)
    got = _number(f(y, p, [1.0, 1.0, 1.0], 2.0), "a probability of exactly 0")
    expect(np.isfinite(got), "samples with probabilities of exactly 0 (one for the true class) gave "
           f"{got}: clip the probabilities (e.g. to [1e-7, 1 - 1e-7]) before the log")
    expect(got > 5.0, f"a sample whose true class has probability 0 must cost a lot (Keras: about "
           f"{float(_reference_focal_loss(y, p, [1.0, 1.0, 1.0], 2.0)):.1f}), got a batch mean of {got:.4f}")


def _differentiable(f):
    import tensorflow as tf

    y = tf.constant(_one_hot([0, 1, 2, 3], 4))
    logits = tf.Variable(np.array([[2.0, 0.1, -1.0, 0.3], [0.0, 0.5, 0.2, 0.1], [1.0, 1.0, 0.0, -1.0],
                                   [0.3, 0.2, 0.1, 0.0]], np.float32))
    alpha = [0.1, 0.2, 0.3, 0.4]

    @tf.function
    def step():  # how model.fit calls a loss: traced into a graph, then differentiated
        with tf.GradientTape() as tape:
            loss = f(y, tf.nn.softmax(logits), alpha, 2.0)
        return loss, tape.gradient(loss, logits)

    try:
        loss, grad = step()
    except Exception as err:  # NumPy on symbolic tensors, Python control flow on tensors...
        last = (str(err).strip().splitlines() or [""])[-1].strip()[:200]  # TensorFlow puts the cause last
        expect(False, f"inside a traced training step (as model.fit runs it) your function raised "
               f"{type(err).__name__}: {last}. Write it with keras.ops (ops.log, ops.power, ops.sum, "
               "ops.mean, ops.clip), not NumPy, so Keras can run and differentiate it")
    expect(grad is not None and np.all(np.isfinite(grad.numpy())) and np.any(grad.numpy() != 0),
           "the gradient of your loss with respect to the model's outputs is missing or zero: keep the computation "
           "in keras.ops from y_pred to the result (no .numpy(), no float())")
    expected = float(_reference_focal_loss(y.numpy(), tf.nn.softmax(logits).numpy(), alpha, 2.0))
    expect_close(float(loss), expected, "the loss inside a traced training step", rtol=1e-4)


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("cross-entropy at gamma = 0", _ce_one_sample), ("mean over the batch", _mean_over_batch),
         ("the modulating factor", _modulating_factor), ("alpha of the true class", _alpha_of_true_class),
         ("Keras' CategoricalFocalCrossentropy", _matches_keras), ("probabilities of 0", _zero_probability),
         ("inside model.fit (traced, differentiable)", _differentiable)]


def focal_loss(student_fn):
    """Check ``focal_loss(y_true, y_pred, alpha, gamma=2.0) -> scalar``: the categorical focal loss
    ``mean over samples of -alpha[true] * (1 - p_true) ** gamma * log(p_true)``, as Keras'
    ``CategoricalFocalCrossentropy`` computes it (one-hot ``y_true``, softmax probabilities ``y_pred``).

    Examples
    --------
    >>> from medlab.check import q11
    >>> fn = q11.focal_loss(_reference_focal_loss)
    ✓ focal_loss: all 7 cases pass.
    """
    return run_checks("focal_loss", student_fn, _reference_focal_loss, CASES,
                      hint="p_true = ops.sum(y_true * y_pred, axis=-1) after clipping y_pred to [1e-7, 1 - 1e-7]; "
                           "alpha_true = ops.sum(y_true * alpha, axis=-1); the loss is "
                           "ops.mean(-alpha_true * ops.power(1 - p_true, gamma) * ops.log(p_true)).")
