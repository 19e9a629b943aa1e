"""``medlab.setup``: one call at the top of every notebook."""

from __future__ import annotations

import os
import random

from ._validate import check_choice

MODES = ("smoke", "fast", "full")


class Settings(dict):
    """A dict whose keys can also be read as attributes (``cfg.epochs``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"setting {key!r} is not defined; defined: {sorted(self)}") from None

    def __repr__(self):
        body = ", ".join(f"{k}={v!r}" for k, v in self.items())
        return f"Settings({body})"


def resolve_mode(mode=None) -> str:
    """Return ``mode``, or ``$MEDLAB_MODE``, or ``"fast"``, and check it."""
    if mode is None:
        mode = os.environ.get("MEDLAB_MODE", "").strip() or "fast"
    check_choice(mode, "mode", MODES)
    return mode


def setup(mode=None, seed=0, *, smoke=None, fast=None, full=None, threads=None, tensorflow=True):
    """Seed everything, quiet TensorFlow, set threads and return the sizes for the mode.

    Parameters
    ----------
    mode : {"smoke", "fast", "full"} or None
        ``None`` reads ``$MEDLAB_MODE`` and falls back to ``"fast"``.
    seed : int
        Seeds Python's ``random``, NumPy's global state and TensorFlow (through Keras).
    smoke, fast, full : dict, optional
        Per-mode settings (sizes, epochs...). The dict for the chosen mode is returned, with
        ``mode`` and ``seed`` added.
    threads : int, optional
        CPU threads for TensorFlow; default: ``$MEDLAB_THREADS`` or all cores. NumPy's and
        SciPy's BLAS always get one thread: the matrices here are small, and two BLAS threads
        spin-wait on each other (01's pixel logistic regression: 11.4 CPU-s on two threads,
        0.6 on one, with the same iterations and result).
    tensorflow : bool
        Set to ``False`` in notebooks that do not need TensorFlow (it is then not imported).

    Returns
    -------
    Settings
        A dict with attribute access: ``cfg.mode``, ``cfg.seed``, ``cfg.epochs``...

    Examples
    --------
    >>> cfg = setup("smoke", seed=1, smoke=dict(epochs=1), fast=dict(epochs=5), tensorflow=False)
    >>> cfg.epochs, cfg.mode
    (1, 'smoke')
    """
    mode = resolve_mode(mode)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    chosen = {"smoke": smoke, "fast": fast, "full": full}[mode]
    if chosen is None and any(x is not None for x in (smoke, fast, full)):
        raise ValueError(f"no settings given for mode {mode!r}; pass {mode}=dict(...)")
    if chosen is not None and not isinstance(chosen, dict):
        raise TypeError(f"{mode}: expected a dict of settings, got {type(chosen).__name__}")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    if threads is None:
        threads = int(os.environ.get("MEDLAB_THREADS", "0")) or (os.cpu_count() or 1)
    _limit_blas_threads()
    if tensorflow:
        _setup_tensorflow(seed, threads)
        _set_eager(mode == "smoke")
        _build_optimizer_before_fit()
        _fuse_batch_norm()
    cfg = Settings(mode=mode, seed=seed)
    cfg.update(chosen or {})
    return cfg


_BLAS_LIMIT = []  # keeps the threadpoolctl limiter of the first setup() alive


def _limit_blas_threads() -> None:
    """One BLAS thread for NumPy, SciPy and scikit-learn, for the rest of the process."""
    if not _BLAS_LIMIT:
        from threadpoolctl import threadpool_limits

        _BLAS_LIMIT.append(threadpool_limits(limits=1, user_api="blas"))


# TensorFlow's C++ start-up chatter that TF_CPP_MIN_LOG_LEVEL no longer silences (absl logging).
_NATIVE_NOISE = (b"WARNING: All log messages before absl::InitializeLog()", b"I0000 ", b"W0000 ",
                 b"NodeDef mentions attribute use_unbounded_threadpool",
                 b"To enable the following instructions:", b"rebuild TensorFlow with the appropriate compiler",
                 b"DT_HALF")  # 08's mixed-precision demo on a CPU without AVX-512 FP16
_filter_installed = False


def _filter_native_stderr() -> None:
    """Drop TensorFlow's informational C++ log lines from file descriptor 2, keep everything else.

    Jupyter kernels show fd-2 output in the notebook, so these lines would clutter every training
    cell. Other lines (real errors, crashes) are forwarded unchanged. A partial line (no newline
    yet) is forwarded once the pipe has been quiet for 50 ms: ipykernel wakes its own fd-2 reader
    at shutdown with a lone NUL byte, and a filter that held it back made every kernel that
    imported medlab take 2-3 s longer to shut down (or restart).
    """
    global _filter_installed
    if _filter_installed or os.name != "posix":
        return
    import select
    import threading

    read_fd, write_fd = os.pipe()
    original = os.dup(2)
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def forward(line):
        if not any(noise in line for noise in _NATIVE_NOISE):
            os.write(original, line)

    def pump():
        buffer = b""
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while True:
                if buffer and not select.select([read_fd], [], [], 0.05)[0]:
                    forward(buffer)  # a partial line, and nothing more is coming for now
                    buffer = b""
                chunk = pipe.read(4096)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    forward(line + b"\n")
            if buffer:
                forward(buffer)

    threading.Thread(target=pump, name="medlab-stderr-filter", daemon=True).start()
    _filter_installed = True


_EAGER = {"on": False}


def _set_eager(eager: bool) -> None:
    """Run Keras' own training, evaluation and prediction loops eagerly in smoke mode.

    Smoke mode only checks that a notebook runs, on a handful of images for an epoch or two, where
    tracing every model's training step into a graph costs more than the computation: eagerly, the
    exercises run in about 40 % less time. Only Keras' loops change (as ``compile(run_eagerly=True)``
    would): a ``tf.function`` the notebook or the student writes still runs as a graph, so its
    semantics (tensor conversion of its arguments, shape checks) are the same in every mode. Fast
    and full mode trace Keras' loops too.
    """
    from keras.src.trainers.trainer import Trainer

    _EAGER["on"] = bool(eager)
    if not getattr(Trainer, "_medlab_eager_patch", False):
        original = Trainer.run_eagerly

        def run_eagerly(self):
            return original.fget(self) or _EAGER["on"]

        Trainer.run_eagerly = property(run_eagerly, original.fset, doc=original.__doc__)
        Trainer._medlab_eager_patch = True


def _build_optimizer_before_fit() -> None:
    """Make ``fit`` create the optimizer's variables before it traces the training step.

    Without a distribution strategy, Keras 3 lets the first traced step create them (Adam's
    moments), and a ``tf.function`` that creates variables on its first call is traced twice:
    1-2 s per model on a CPU. ``fit`` now builds the optimizer first, on the same variables
    (``model.trainable_variables`` at that moment); nothing else changes, the weights are identical.
    A model that is not built yet (no input shape) is left to Keras.
    """
    import functools

    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    if getattr(TensorFlowTrainer, "_medlab_fit_patch", False):
        return
    original = TensorFlowTrainer.fit

    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        optimizer = getattr(self, "optimizer", None)
        if getattr(self, "compiled", False) and self.built and optimizer is not None and not optimizer.built:
            optimizer.build(self.trainable_variables)
        return original(self, *args, **kwargs)

    TensorFlowTrainer.fit = fit
    TensorFlowTrainer._medlab_fit_patch = True


def _fuse_batch_norm() -> None:
    """Run Keras' ``BatchNormalization`` on 4D float32 images as TensorFlow's fused kernel.

    Keras 3 normalizes with separate ops (``moments``, then ``batch_normalization``) whose
    gradients are a dozen more small ops; TensorFlow's ``FusedBatchNormV3`` does the same
    arithmetic, forward and backward, in one kernel each (oneDNN on a CPU). The maths is the same:
    batch mean and biased batch variance in training, moving statistics in inference, moving
    averages updated with the layer's momentum. On a U-Net with 8 base filters this makes a
    training step 13-32 % faster (batch 8-16, 2-core CPU). Any other case (masks, renorm,
    synchronized, channels not last, not 4D, another dtype) keeps Keras' own code.
    """
    from keras.src.layers.normalization.batch_normalization import BatchNormalization

    if getattr(BatchNormalization, "_medlab_fused_patch", False):
        return
    import tensorflow as tf

    original = BatchNormalization.call

    def call(self, inputs, training=None, mask=None):
        if (mask is not None or self.renorm or self.synchronized or len(inputs.shape) != 4
                or self.axis not in (-1, 3) or inputs.dtype != tf.float32 or self.compute_dtype != "float32"
                or self.moving_mean.dtype != "float32"):
            return original(self, inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        gamma = self.gamma.value if self.scale else tf.ones([channels], tf.float32)
        beta = self.beta.value if self.center else tf.zeros([channels], tf.float32)
        if training and self.trainable:
            empty = tf.constant([], tf.float32)
            y, mean, variance, *_ = tf.raw_ops.FusedBatchNormV3(
                x=inputs, scale=gamma, offset=beta, mean=empty, variance=empty, epsilon=self.epsilon,
                exponential_avg_factor=1.0, data_format="NHWC", is_training=True)
            # the kernel returns the unbiased (n - 1) variance; Keras averages the biased one
            n = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
            variance = variance * tf.maximum(n - 1.0, 0.0) / tf.maximum(n, 1.0)
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
            return y
        y, *_ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=gamma, offset=beta, mean=self.moving_mean.value, variance=self.moving_variance.value,
            epsilon=self.epsilon, data_format="NHWC", is_training=False)
        return y

    BatchNormalization.call = call
    BatchNormalization._medlab_keras_call = original  # kept for the test that compares the two
    BatchNormalization._medlab_fused_patch = True


def _setup_tensorflow(seed: int, threads: int) -> None:
    import logging
    import sys

    if "ipykernel" in sys.modules:
        _filter_native_stderr()

    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover
        pass
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # already initialised (setup called twice in one kernel): keep the first setting
    import keras

    keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # pragma: no cover - older builds
        pass
    _freeze_imported_objects()


def _freeze_imported_objects() -> None:
    """Move the objects alive now (mostly TensorFlow's and Keras' modules) out of the garbage collector's view.

    They live as long as the process, yet every full collection walks them, and so does the
    collection at interpreter exit: with TensorFlow loaded, a kernel took about a second longer to
    shut down. ``gc.freeze`` is Python's documented way to exempt long-lived objects; it is done
    once, at the first ``setup``, so the notebook's own objects (data, models) stay collectable.
    """
    import gc

    if not _FROZEN:
        gc.freeze()
        _FROZEN.append(True)


_FROZEN = []
