"""Explaining a classifier's prediction: Grad-CAM, integrated gradients, occlusion, and the
model-randomization sanity check.

Every map explains the model's **score** for one output unit. When the model ends in a ``Dense``
layer with a sigmoid or softmax, the score is that layer's pre-activation (the logit), as in
Selvaraju et al. (2017): a probability saturates near 0 and 1 and its gradient vanishes, and a
softmax mixes the classes. Otherwise the score is the model's output.

Images go in as NumPy arrays ``(N, H, W, C)`` and maps come out as NumPy arrays ``(N, H, W)``.
Quantitative checks of the maps (``pointing_game``, ``spearman_correlation``) live in
``medlab.metrics`` and need no TensorFlow.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._validate import as_array, as_generator, check_range

__all__ = ["feature_map_layers", "last_conv_layer", "grad_cam", "integrated_gradients", "occlusion_map",
           "layers_with_weights", "randomize_weights"]

_CONV_TYPES = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose")
# layers that keep a feature map's shape and belong to the convolution before them
_FOLLOWERS = ("BatchNormalization", "LayerNormalization", "GroupNormalization", "Activation", "ReLU",
              "LeakyReLU", "ELU", "PReLU", "Dropout", "SpatialDropout2D")


# ---------------------------------------------------------------- inputs and layers

def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"model: expected one input and one output, got {len(model.inputs)} inputs and "
                         f"{len(model.outputs)} outputs")


def _output_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):  # a layer used more than once, or never called
        return None


def _check_images(model, images):
    x = as_array(images, "images", ndim=4).astype(np.float32)
    want = tuple(model.inputs[0].shape)[1:]
    if len(want) != 3 or any(w is not None and w != g for w, g in zip(want, x.shape[1:])):
        raise ValueError(f"images: expected shape (N, {', '.join('any' if w is None else str(w) for w in want)}) "
                         f"to match the model's input, got {x.shape}")
    if len(x) == 0:
        raise ValueError("images: expected at least one image, got none")
    return x


def feature_map_layers(model):
    """Names of the layers whose output is a 4-D feature map ``(batch, height, width, channels)``.

    These are the layers Grad-CAM can use.

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> feature_map_layers(small_cnn((32, 32, 1), filters=(8, 16)))[:3]
    ['block1_conv', 'block1_bn', 'block1_relu']
    """
    _check_model(model)
    return [layer.name for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and len(_output_shape(layer) or ()) == 4]


def last_conv_layer(model):
    """Name of the default Grad-CAM layer: the output of the last convolution *block*.

    That is the last convolution layer, followed through the layers after it that keep its shape
    (batch norm, activation, dropout), so Grad-CAM sees the rectified features, as it does in
    networks whose convolutions carry their own ReLU. For ``medlab.models.small_cnn`` it is
    ``"block3_relu"``.

    Raises
    ------
    ValueError
        When the model has no convolution with a 4-D output (the message lists the layers).

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> last_conv_layer(small_cnn((32, 32, 1), filters=(8, 16)))
    'block2_relu'
    """
    _check_model(model)
    layers = model.layers
    convs = [i for i, layer in enumerate(layers)
             if type(layer).__name__ in _CONV_TYPES and len(_output_shape(layer) or ()) == 4]
    if not convs:
        raise ValueError(f"model: found no convolution layer with a 4-D output to explain; layers: "
                         f"{[layer.name for layer in layers]}. Pass layer_name= explicitly (one of "
                         f"{feature_map_layers(model)}), or explain the sub-model that holds the convolutions")
    i = convs[-1]
    shape = _output_shape(layers[i])
    while (i + 1 < len(layers) and type(layers[i + 1]).__name__ in _FOLLOWERS
           and _output_shape(layers[i + 1]) == shape):
        i += 1
    return layers[i].name


def _feature_layer(model, layer_name):
    if layer_name is None:
        layer_name = last_conv_layer(model)
    if not isinstance(layer_name, str):
        raise TypeError(f"layer_name: expected a layer name (str), got {type(layer_name).__name__}")
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name: model {model.name!r} has no layer {layer_name!r}; layers with feature maps: "
                         f"{feature_map_layers(model)}")
    layer = model.get_layer(layer_name)
    shape = _output_shape(layer)
    if shape is None or len(shape) != 4:
        raise ValueError(f"layer_name: Grad-CAM needs a layer with a 4-D output (batch, height, width, channels); "
                         f"{layer_name!r} outputs shape {shape}. Layers with feature maps: {feature_map_layers(model)}")
    return layer


def _check_class(model, class_index):
    n_out = int(model.outputs[0].shape[-1])
    if not isinstance(class_index, (int, np.integer)) or isinstance(class_index, bool):
        raise TypeError(f"class_index: expected an int, got {type(class_index).__name__}")
    if not 0 <= class_index < n_out:
        raise ValueError(f"class_index: expected a value in [0, {n_out - 1}] for a model with {n_out} output(s), "
                         f"got {class_index}")
    return int(class_index)


def _score_head(model):
    """(tensor feeding the head, head layer) when the model ends in a Dense + sigmoid/softmax, else None."""
    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        return None
    name = getattr(head.activation, "__name__", "")
    if name not in ("sigmoid", "softmax"):
        return None
    try:
        if head.output is not model.outputs[0]:
            return None
        return head.input, head
    except (AttributeError, ValueError):
        return None


def _explainer(model, extra_output=None):
    """A function ``x -> (extra, scores)`` where scores are the logits of a sigmoid/softmax head."""
    split = _score_head(model)
    last = split[0] if split else model.outputs[0]
    outputs = [last] if extra_output is None else [extra_output, last]
    inner = keras.Model(model.inputs[0], outputs)  # one input tensor: called with one array

    def forward(x):
        out = inner(x, training=False)
        if extra_output is None:
            extra, h = None, out if not isinstance(out, (list, tuple)) else out[0]
        else:
            extra, h = out
        if split:
            head = split[1]
            h = tf.matmul(h, head.kernel)
            if head.use_bias:
                h = h + head.bias
        return extra, h

    return forward


def _batches(n, size):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


# ---------------------------------------------------------------- Grad-CAM

def grad_cam(model, images, *, layer_name=None, class_index=0, batch_size=64):
    """Gradient-weighted class activation maps (Selvaraju et al., ICCV 2017).

    For the feature maps ``A^k`` of ``layer_name`` and the class score ``y``, each channel gets the
    weight ``alpha_k = mean over positions of dy/dA^k`` (global-average-pooled gradients); the map is
    ``ReLU(sum_k alpha_k A^k)``: only the features that *raise* the score. It is upsampled
    (bilinear) to the input size and divided by its maximum.

    Parameters
    ----------
    model : keras.Model
        One image input, one output.
    images : array-like, shape (N, H, W, C)
        As the model expects them (already normalized).
    layer_name : str, optional
        Layer whose feature maps are weighted; default ``last_conv_layer(model)``.
    class_index : int
        Output unit to explain (0 for a single sigmoid output).
    batch_size : int

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        In [0, 1], maximum 1 in each image; an image whose map is 0 everywhere (no feature raises
        the score) stays all zeros.

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> model = small_cnn((32, 32, 1), filters=(8, 16))
    >>> maps = grad_cam(model, np.random.default_rng(0).normal(size=(2, 32, 32, 1)))
    >>> maps.shape, bool(maps.min() >= 0 and maps.max() <= 1)
    ((2, 32, 32), True)
    """
    _check_model(model)
    x = _check_images(model, images)
    layer = _feature_layer(model, layer_name)
    c = _check_class(model, class_index)
    check_range(batch_size, "batch_size", 1)
    forward = _explainer(model, layer.output)
    out = []
    for part in _batches(len(x), int(batch_size)):
        with tf.GradientTape() as tape:
            fmap, scores = forward(tf.constant(x[part]))
            target = scores[:, c]
        grads = tape.gradient(target, fmap)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * fmap, axis=-1, keepdims=True))
        cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")
        out.append(cam.numpy()[..., 0])
    cam = np.concatenate(out).astype(np.float32)
    peak = cam.max(axis=(1, 2), keepdims=True)
    return np.where(peak > 0, cam / np.where(peak > 0, peak, 1.0), 0.0).astype(np.float32)


# ---------------------------------------------------------------- integrated gradients

def integrated_gradients(model, images, *, baseline=None, steps=32, class_index=0, batch_size=256):
    """Integrated gradients (Sundararajan, Taly, Yan, ICML 2017), summed over channels.

    ``IG_i(x) = (x_i - x'_i) * integral_0^1 dy(x' + a (x - x'))/dx_i da``, the integral taken with the
    trapezoidal rule on ``steps`` intervals. The attributions of an image add up to
    ``y(x) - y(x')`` (completeness), which is the check that ``steps`` is large enough.

    Parameters
    ----------
    model : keras.Model
    images : array-like, shape (N, H, W, C)
    baseline : None, float or array-like broadcastable to ``images``
        The reference "absence of signal" ``x'``; default 0, which for z-scored images is each
        image's mean intensity. The choice matters: read the maps as "compared with the baseline".
    steps : int
        Intervals of the path integral (>= 1).
    class_index : int
    batch_size : int
        Path points evaluated per forward pass.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        Signed attributions: positive pixels raise the score.

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> model = small_cnn((32, 32, 1), filters=(8, 16), output_activation=None, dropout=0)
    >>> x = np.random.default_rng(0).normal(size=(1, 32, 32, 1)).astype("float32")
    >>> ig = integrated_gradients(model, x, steps=64)
    >>> total = float(model(x)[0, 0] - model(np.zeros_like(x))[0, 0])
    >>> bool(abs(ig.sum() - total) < 0.05 * abs(total) + 1e-3)
    True
    """
    _check_model(model)
    x = _check_images(model, images)
    c = _check_class(model, class_index)
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"steps: expected an int, got {type(steps).__name__}")
    check_range(steps, "steps", 1)
    check_range(batch_size, "batch_size", 1)
    if baseline is None:
        base = np.zeros_like(x)
    else:
        b = as_array(baseline, "baseline").astype(np.float32)
        try:
            base = np.broadcast_to(b, x.shape).astype(np.float32)
        except ValueError:
            raise ValueError(f"baseline: expected a number or an array broadcastable to the images' shape "
                             f"{x.shape}, got shape {b.shape}") from None
    forward = _explainer(model)

    # a graph runs the many path points faster than eager mode; one signature: traced once for any batch
    @tf.function(input_signature=[tf.TensorSpec((None,) + x.shape[1:], tf.float32)])
    def input_gradients(points):
        with tf.GradientTape() as tape:
            tape.watch(points)
            target = forward(points)[1][:, c]
        return tape.gradient(target, points)

    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, np.float32)
    weights[[0, -1]] /= 2  # trapezoidal rule
    per_chunk = max(1, int(batch_size) // (steps + 1))
    out = np.empty(x.shape[:3], np.float32)
    for part in _batches(len(x), per_chunk):
        xi, bi = x[part], base[part]
        path = bi[:, None] + alphas[None, :, None, None, None] * (xi - bi)[:, None]  # (n, steps+1, H, W, C)
        grads = input_gradients(tf.constant(path.reshape((-1,) + x.shape[1:]))).numpy().reshape(path.shape)
        avg = np.tensordot(weights, grads, axes=([0], [1]))  # (n, H, W, C)
        out[part] = ((xi - bi) * avg).sum(axis=-1)
    return out


# ---------------------------------------------------------------- occlusion

def _positions(length, patch, stride):
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:
        starts.append(length - patch)  # cover the last rows / columns too
    return starts


def occlusion_map(model, images, *, patch=8, stride=4, fill=0.0, class_index=0, batch_size=512):
    """Occlusion sensitivity (Zeiler and Fergus, ECCV 2014): how much the score drops when a patch
    is hidden.

    A ``patch`` x ``patch`` square of value ``fill`` slides over the image with step ``stride``;
    each pixel gets the mean drop ``y(x) - y(x with the patch)`` over the patches that cover it.
    Model-agnostic (no gradients), but costs one forward pass per patch position.

    Parameters
    ----------
    model : keras.Model
    images : array-like, shape (N, H, W, C)
    patch : int
        Side of the square, in pixels; about the size of the structure you look for.
    stride : int
        Step between patch positions (<= patch, so every pixel is covered).
    fill : float or "mean"
        Value of the hidden pixels; ``"mean"`` uses each image's mean. 0 is the mean of a z-scored
        image.
    class_index : int
    batch_size : int
        Occluded images per forward pass.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        Positive where hiding the region lowers the score.

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> model = small_cnn((32, 32, 1), filters=(8, 16))
    >>> occlusion_map(model, np.zeros((1, 32, 32, 1)), patch=8, stride=8).shape
    (1, 32, 32)
    """
    _check_model(model)
    x = _check_images(model, images)
    c = _check_class(model, class_index)
    h, w = x.shape[1:3]
    for name, value in (("patch", patch), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    check_range(patch, "patch", 1, min(h, w))
    check_range(stride, "stride", 1, patch)
    check_range(batch_size, "batch_size", 1)
    if isinstance(fill, str):
        if fill != "mean":
            raise ValueError(f"fill: expected a number or 'mean', got {fill!r}")
        fills = x.mean(axis=(1, 2, 3))
    else:
        check_range(fill, "fill")
        fills = np.full(len(x), float(fill), np.float32)
    forward = _explainer(model)
    score = tf.function(lambda b: forward(b)[1][:, c],  # graph mode: faster; traced once for any batch
                        input_signature=[tf.TensorSpec((None,) + x.shape[1:], tf.float32)])

    def scores(batch):
        return np.concatenate([score(tf.constant(batch[s])).numpy() for s in _batches(len(batch), int(batch_size))])

    base = scores(x)
    boxes = [(r, q) for r in _positions(h, patch, stride) for q in _positions(w, patch, stride)]
    count = np.zeros((h, w), np.float32)
    for r, q in boxes:
        count[r:r + patch, q:q + patch] += 1
    per_chunk = max(1, int(batch_size) // len(boxes))
    out = np.zeros(x.shape[:3], np.float32)
    for part in _batches(len(x), per_chunk):
        xi = x[part]
        occluded = np.repeat(xi[:, None], len(boxes), axis=1)  # (n, boxes, H, W, C)
        for k, (r, q) in enumerate(boxes):
            occluded[:, k, r:r + patch, q:q + patch] = fills[part, None, None, None]
        drops = base[part, None] - scores(occluded.reshape((-1,) + x.shape[1:])).reshape(len(xi), len(boxes))
        for k, (r, q) in enumerate(boxes):
            out[part, r:r + patch, q:q + patch] += drops[:, k, None, None]
    return out / count


# ---------------------------------------------------------------- randomization sanity check

def layers_with_weights(model):
    """Names of the layers that hold weights, from input to output (the order of a cascade).

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> layers_with_weights(small_cnn((32, 32, 1), filters=(8, 16)))
    ['block1_conv', 'block1_bn', 'block2_conv', 'block2_bn', 'head']
    """
    _check_model(model)
    return [layer.name for layer in model.layers if layer.weights]


def randomize_weights(model, seed, *, layers=None):
    """A copy of ``model`` with the weights of ``layers`` re-initialised (Adebayo et al., NeurIPS 2018).

    Each weight is drawn again from its layer's own initializer (kernels from Glorot or He,
    biases and batch-norm shifts back to 0, scales and variances to 1), seeded from ``seed``; the
    other layers keep their trained weights. The original model is not changed.

    * **Full randomization**: ``layers=None`` re-initialises every layer.
    * **Cascading randomization**: call it with the top layer, then the top two, ... (see
      ``layers_with_weights``). An explanation that does not change while the weights it is
      supposed to explain are destroyed explains the input, not the model.

    Parameters
    ----------
    model : keras.Model
        A functional or Sequential model (it is cloned with ``keras.models.clone_model``).
    seed : int or numpy.random.Generator
    layers : sequence of str, optional
        Names of the layers to re-initialise; default all layers with weights.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> from medlab.models import small_cnn
    >>> model = small_cnn((32, 32, 1), filters=(8, 16))
    >>> rand = randomize_weights(model, seed=0, layers=["head"])
    >>> bool(np.allclose(rand.get_layer("block2_conv").kernel, model.get_layer("block2_conv").kernel))
    True
    >>> bool(np.allclose(rand.get_layer("head").kernel, model.get_layer("head").kernel))
    False
    """
    _check_model(model)
    rng = as_generator(seed)
    available = layers_with_weights(model)
    if layers is None:
        targets = list(available)
    else:
        if isinstance(layers, str):
            raise TypeError(f"layers: expected a sequence of layer names, got the string {layers!r}; "
                            f"write [{layers!r}]")
        targets = list(layers)
        unknown = [t for t in targets if t not in available]
        if unknown:
            raise ValueError(f"layers: {unknown} are not layers with weights of model {model.name!r}; "
                             f"choose from {available}")
    try:
        clone = keras.models.clone_model(model)
    except Exception as err:
        raise TypeError(f"model: cannot clone {type(model).__name__} ({err}); use a functional or Sequential "
                        "model") from None
    clone.set_weights(model.get_weights())
    for name in targets:
        layer = clone.get_layer(name)
        for var in layer.weights:
            short = var.name.split("/")[-1]
            init = getattr(layer, f"{short}_initializer", None)
            if init is None:
                raise ValueError(f"layers: do not know how to re-initialise weight {var.path!r} of layer "
                                 f"{name!r} (no {short}_initializer)")
            config = init.get_config()
            if "seed" in config:
                config["seed"] = int(rng.integers(2**31 - 1))
            fresh = type(init).from_config(config)
            var.assign(fresh(tuple(var.shape), dtype=var.dtype))
    return clone
