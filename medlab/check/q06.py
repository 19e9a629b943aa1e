"""Checkers for notebook 06 (multimodal fusion)."""

from __future__ import annotations

import numpy as np

from ._core import expect, run_checks

_NAMES = ("image", "series", "tabular")


def _reference_build_fusion_model(image_shape, series_shape, n_tabular):
    from ..models import fusion_model

    return fusion_model(image_shape, series_shape, n_tabular)


def _all_layers(model):
    """Every layer of ``model``, descending into nested models (the branches)."""
    import keras

    out = []
    for layer in model.layers:
        out.append(layer)
        if isinstance(layer, keras.Model):
            out += _all_layers(layer)
    return out


def _producer(tensor):
    """The operation that produced a symbolic tensor and the tensors it was called on."""
    op, node_index, _ = tensor._keras_history
    return op, list(op._inbound_nodes[node_index].input_tensors)


def _width(tensor):
    shape = tuple(tensor.shape)
    return shape[-1] if len(shape) >= 2 else 1


def _fusion_structure(model, names=_NAMES):
    """Find where the modalities meet in a functional model and say what is wrong there, or None.

    Intermediate fusion: every modality has its own encoder (a layer with weights between its
    input and the merge), the encoders' embeddings (wider than one number) are concatenated, and
    a shared head (layers with weights) maps the fused embedding to the output.
    """
    import keras

    inputs, outputs = list(model.inputs), list(model.outputs)
    if not all(hasattr(t, "_keras_history") for t in inputs + outputs):
        return ("build the model with the functional API (keras.Input, layers called on tensors, keras.Model"
                "(inputs, outputs)), so its fusion can be inspected")
    index = {id(t): k for k, t in enumerate(inputs)}
    deps_memo, weighted_memo, seen = {}, {}, {}

    def deps(t):
        if id(t) not in deps_memo:
            if id(t) in index:
                deps_memo[id(t)] = frozenset([index[id(t)]])
            else:
                deps_memo[id(t)] = frozenset().union(*[deps(u) for u in _producer(t)[1]])
        return deps_memo[id(t)]

    def encoded(t):
        """Does a layer with weights lie between the model's inputs and ``t``?"""
        if id(t) not in weighted_memo:
            if id(t) in index:
                weighted_memo[id(t)] = False
            else:
                op, ins = _producer(t)
                weighted_memo[id(t)] = bool(getattr(op, "weights", None)) or any(encoded(u) for u in ins)
        return weighted_memo[id(t)]

    def walk(t):  # every tensor upstream of t, once
        if id(t) in seen:
            return
        seen[id(t)] = t
        if id(t) not in index:
            for u in _producer(t)[1]:
                walk(u)

    for t in outputs:
        walk(t)
    merges = []
    for t in seen.values():
        if id(t) in index:
            continue
        op, ins = _producer(t)
        if len(deps(t)) >= 2 and max((len(deps(u)) for u in ins), default=0) < len(deps(t)):
            merges.append((t, op, ins))
    if not merges:
        return "the modalities never meet: concatenate the three embeddings before the head"
    all_modalities = frozenset(range(len(inputs)))
    for t, op, ins in merges:
        if isinstance(op, keras.Model) and len(op.inputs) > 1:  # the fusion sits in a nested model
            return _fusion_structure(op, [names[min(deps(u))] if len(deps(u)) == 1 else "fused" for u in ins])
        kind = type(op).__name__
        branches = [u for u in ins if len(deps(u)) == 1]
        for u in branches:
            if not encoded(u):
                return (f"the {names[min(deps(u))]} input reaches the {kind} without an encoder (no layer with "
                        "weights in between): give every modality its own encoder that ends in a small "
                        "embedding (CNN + global pooling, Conv1D, Dense)")
        for u in branches:
            if _width(u) == 1:
                return (f"late fusion: the {names[min(deps(u))]} branch reaches the {kind} as a single number "
                        "per patient (a per-modality prediction), so the modalities are combined only after "
                        "each has made its own prediction. Intermediate fusion concatenates per-modality "
                        "embeddings (e.g. 16 numbers each) and trains a shared head on them")
        widths = [_width(u) for u in ins]
        if not isinstance(op, keras.layers.Concatenate) and _width(t) < sum(widths):
            return (f"the embeddings are merged by {kind} ({' + '.join(map(str, widths))} numbers in, "
                    f"{_width(t)} out), which mixes them into one vector before any shared layer sees them: "
                    "use Concatenate, so the head sees every modality's embedding")
    head = []  # operations that see the fused embedding only (every input of theirs depends on all modalities)
    for t in seen.values():
        if id(t) not in index:
            op, ins = _producer(t)
            if ins and all(deps(u) == all_modalities for u in ins):
                head.append(op)
    if not any(getattr(op, "weights", None) for op in head):
        return ("nothing with weights comes after the fusion: put a shared head on the concatenated "
                "embeddings (Dense layers ending in Dense(1, activation='sigmoid'))")
    return None


def build_fusion_model(student_fn):
    """Check ``build_fusion_model(image_shape, series_shape, n_tabular) -> keras.Model``:
    intermediate fusion of an image, a multichannel time series and a tabular row into one
    outcome probability.

    The model must take ``[image, series, tabular]`` in that order, return one probability per
    patient, let every input reach the output (non-zero gradient), give every modality its own
    encoder (a layer with weights) whose embedding (wider than one number) is concatenated with
    the others before a shared head with weights (late fusion, which combines per-modality
    predictions, and encoder-free models are rejected), keep the image branch from flattening its
    feature maps into thousands of features, and build from its arguments.
    """
    import keras
    import tensorflow as tf

    shapes = ((32, 32, 1), (24, 3), 5)
    other = ((40, 40, 1), (16, 2), 3)
    rng = np.random.default_rng(6)
    built = {}

    def batch(s, n=8):
        image, series, n_tab = s
        return [rng.normal(size=(n,) + image).astype(np.float32),
                rng.normal(size=(n,) + series).astype(np.float32),
                rng.normal(size=(n, n_tab)).astype(np.float32)]

    def model_for(f, s=shapes):
        if s not in built:
            built[s] = f(*s)
        return built[s]

    def three_inputs(f):
        model = model_for(f)
        expect(isinstance(model, keras.Model), f"expected a keras.Model, got {type(model).__name__}")
        n = len(model.inputs)
        expect(n == 3, f"expected 3 inputs (image, series, tabular), got {n}")

    def input_order(f):
        model = model_for(f)
        image, series, n_tab = shapes
        for name, inp, want in zip(_NAMES, model.inputs, ((None,) + image, (None,) + series, (None, n_tab))):
            got = tuple(inp.shape)
            expect(got == want, f"input '{name}' should have shape {want}, got {got}: take the inputs in the "
                                "order [image, series, tabular] with the shapes you were given")

    def probabilities(f):
        model = model_for(f)
        xs = batch(shapes)
        out = np.asarray(model([x * 3 for x in xs], training=False))
        expect(out.shape == (8, 1),
               f"expected one probability per patient, shape (8, 1) for 8 patients; got {out.shape}")
        expect(np.all((out >= 0) & (out <= 1)),
               f"outputs must be probabilities in [0, 1] (a sigmoid), got range [{out.min():.3g}, {out.max():.3g}]")
        expect(np.ptp(out) > 0, "all outputs are identical: a softmax over a single unit always gives 1.0")

    def gradient_sizes(model):
        xs = [tf.convert_to_tensor(x) for x in batch(shapes)]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            total = tf.reduce_sum(model(xs, training=False))
        return [0.0 if g is None else float(np.abs(np.asarray(g)).max()) for g in tape.gradient(total, xs)]

    def uses_every_input(f):
        sizes = gradient_sizes(model_for(f))
        for _ in range(2):  # a branch whose few ReLU units all start dead is unlucky, not disconnected:
            if min(sizes) > 0:  # two fresh initializations tell the two apart
                break
            sizes = np.maximum(sizes, gradient_sizes(f(*shapes)))
        for name, size in zip(_NAMES, sizes):
            expect(size > 0, f"the output does not depend on the {name} input (its gradient is zero): "
                             f"connect the {name} branch to the fused layer")

    def fused_embeddings(f):
        problem = _fusion_structure(model_for(f))
        expect(problem is None, problem)

    def no_flattened_image(f):
        model = model_for(f)
        for layer in _all_layers(model):
            if isinstance(layer, keras.layers.Flatten):
                try:
                    shape = tuple(layer.input.shape)
                except (AttributeError, ValueError):
                    continue
                if len(shape) == 4:
                    n = int(np.prod([d for d in shape[1:] if d is not None]))
                    expect(False, f"a Flatten layer turns the image feature maps {shape} into {n:,} features, "
                                  "against a few dozen from the series and the table: the image drowns the "
                                  "other modalities. End the image branch with GlobalAveragePooling2D and a "
                                  "small Dense embedding")

    def from_arguments(f):
        model = f(*other)
        try:
            out = np.asarray(model(batch(other), training=False))
        except (ValueError, TypeError) as err:
            first = str(err).strip().splitlines()[0][:160]
            expect(False, f"built with image_shape={other[0]}, series_shape={other[1]}, n_tabular={other[2]}, "
                          f"the model rejects inputs of those shapes ({first}): build it from the arguments, "
                          "not from hard-coded shapes")
        expect(out.shape == (8, 1), f"built with image_shape={other[0]}, series_shape={other[1]}, "
                                    f"n_tabular={other[2]}, the model returned shape {out.shape}: build it from "
                                    "the arguments, not from hard-coded shapes")

    def small(f):
        n = model_for(f).count_params()
        expect(1_000 <= n <= 500_000, f"expected between 1k and 500k parameters for this task, got {n:,}")

    cases = [("a Keras model with three inputs", three_inputs),
             ("inputs in the order image, series, tabular", input_order),
             ("one probability per patient", probabilities),
             ("every modality reaches the output", uses_every_input),
             ("per-modality encoders, embeddings concatenated, a shared head", fused_embeddings),
             ("no flattened image feature maps", no_flattened_image),
             ("built from its arguments", from_arguments),
             ("a small model", small)]
    return run_checks("build_fusion_model", student_fn, _reference_build_fusion_model, cases,
                      hint="one keras.Input per modality; an encoder per modality that ends in a small "
                           "embedding (CNN + global pooling, Conv1D, Dense); Concatenate the three "
                           "embeddings; Dense layers; Dense(1, activation='sigmoid').")
