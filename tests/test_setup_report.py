"""medlab.setup, medlab.assert_bar and the record channel."""

import json
import os

import numpy as np
import pytest

import medlab


def test_setup_picks_the_mode_and_seeds(monkeypatch):
    monkeypatch.delenv("MEDLAB_MODE", raising=False)
    cfg = medlab.setup(None, 3, smoke=dict(n=1), fast=dict(n=2), full=dict(n=3), tensorflow=False)
    assert (cfg.mode, cfg.seed, cfg.n) == ("fast", 3, 2)
    a = np.random.rand(3)
    medlab.setup("fast", 3, fast=dict(n=2), tensorflow=False)
    assert np.array_equal(a, np.random.rand(3))


def test_setup_reads_the_environment(monkeypatch):
    monkeypatch.setenv("MEDLAB_MODE", "full")
    assert medlab.setup(tensorflow=False).mode == "full"
    assert medlab.setup("smoke", tensorflow=False).mode == "smoke"  # an explicit mode wins


def test_setup_errors(monkeypatch):
    with pytest.raises(ValueError, match="mode: expected one of"):
        medlab.setup("quick", tensorflow=False)
    with pytest.raises(TypeError, match="seed"):
        medlab.setup("fast", "0", tensorflow=False)
    with pytest.raises(ValueError, match="no settings given for mode 'full'"):
        medlab.setup("full", 0, fast=dict(n=1), tensorflow=False)
    cfg = medlab.setup("fast", fast=dict(n=1), tensorflow=False)
    with pytest.raises(AttributeError, match="epochs"):
        _ = cfg.epochs


def test_setup_seeds_tensorflow():
    import keras

    medlab.setup("fast", 5)
    a = keras.random.normal((3,)).numpy()
    medlab.setup("fast", 5)
    assert np.array_equal(a, keras.random.normal((3,)).numpy())


def test_smoke_mode_runs_keras_loops_eagerly_and_leaves_tf_functions_alone():
    import keras
    import tensorflow as tf

    @tf.function
    def graph_only(x):
        return tf.executing_eagerly()

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    try:
        medlab.setup("smoke", 0)
        assert model.run_eagerly and not graph_only(tf.constant(1.0))  # a user's tf.function stays a graph
        assert not tf.config.functions_run_eagerly()
        medlab.setup("fast", 0)  # a kernel that switches modes gets Keras' graphs back
        assert not model.run_eagerly
        model.run_eagerly = True  # an explicit choice is kept
        assert model.run_eagerly
    finally:
        medlab.setup("fast", 0)


def test_assert_bar_passes_fails_and_records(tmp_path, monkeypatch, capsys):
    record = tmp_path / "r.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(record))
    bar = medlab.assert_bar("AUC", 0.97, {"fast": 0.95, "full": 0.97}, baseline=0.7, mode="fast")
    assert bar["passed"] and "passed" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="below the bar"):
        medlab.assert_bar("AUC", 0.90, 0.95, baseline=0.7, mode="fast")
    with pytest.raises(AssertionError, match="does not beat the baseline"):
        medlab.assert_bar("AUC", 0.96, 0.95, baseline=0.98, mode="full")
    with pytest.raises(AssertionError, match="above the bar"):
        medlab.assert_bar("MRE", 3.0, 2.0, baseline=5.0, mode="fast", higher_is_better=False)
    assert not medlab.assert_bar("AUC", 0.5, 0.95, baseline=0.7, mode="smoke")["passed"]  # recorded only
    assert not medlab.assert_bar("AUC", 0.5, 0.95, baseline=0.7, mode="fast", enforce=False)["passed"]
    with pytest.raises(AssertionError, match="NaN"):
        medlab.assert_bar("AUC", float("nan"), 0.95, baseline=0.7, mode="fast")
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(events) == 7 and events[0]["bar"]["threshold"] == 0.95 and events[0]["bar"]["enforced"]
    assert events[4]["bar"]["enforced"] is False


def test_record_is_silent_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("MEDLAB_RECORD", raising=False)
    medlab.record("metric", name="x", value=1.0)  # no file, no error


def test_bar_records_its_slack():
    bar = medlab.assert_bar("AUC", 0.97, 0.95, baseline=0.93, mode="fast")
    assert bar["slack"] == pytest.approx(0.02)  # 0.97 - 0.95 is smaller than 0.97 - 0.93
    bar = medlab.assert_bar("error", 1.5, 2.0, baseline=1.8, mode="fast", higher_is_better=False)
    assert bar["slack"] == pytest.approx(0.3)


@pytest.mark.parametrize("value, reference, relation, margin, passed, slack", [
    (0.80, 0.87, "<", 0.0, True, 0.07),
    (0.80, 0.87, ">", 0.0, False, -0.07),
    (0.90, 0.87, ">", 0.02, True, 0.01),
    (0.88, 0.87, ">", 0.02, False, -0.01),
    (0.87, 0.87, ">=", 0.0, True, 0.0),
    (0.87, 0.87, ">", 0.0, False, 0.0),
    (0.87, 0.87, "<=", 0.0, True, 0.0),
    (0.85, 0.87, "<", 0.05, False, -0.03),
    (0.85, 0.87, "~", 0.03, True, 0.01),
    (0.83, 0.87, "~", 0.03, False, -0.01),
])
def test_finding_relations(value, reference, relation, margin, passed, slack):
    f = medlab.assert_finding("claim", value, reference, relation=relation, margin=margin, mode="smoke")
    assert f["passed"] is passed and f["slack"] == pytest.approx(slack) and not f["enforced"]
    if passed:
        assert medlab.assert_finding("claim", value, reference, relation=relation, margin=margin, mode="fast")
    else:
        with pytest.raises(AssertionError, match="finding does not hold: claim"):
            medlab.assert_finding("claim", value, reference, relation=relation, margin=margin, mode="fast")
        medlab.assert_finding("claim", value, reference, relation=relation, margin=margin, mode="full",
                              enforce=False)  # reported, not asserted


def test_finding_with_nan_fails_and_bad_arguments_are_named():
    with pytest.raises(AssertionError):
        medlab.assert_finding("claim", float("nan"), 0.5, mode="fast")
    with pytest.raises(ValueError, match="relation: expected one of"):
        medlab.assert_finding("claim", 1, 0, relation="=>", mode="fast")
    with pytest.raises(ValueError, match="margin: expected a number >= 0"):
        medlab.assert_finding("claim", 1, 0, margin=-0.1, mode="fast")
    with pytest.raises(ValueError, match="needs a tolerance"):
        medlab.assert_finding("claim", 1, 1, relation="~", mode="fast")
    with pytest.raises(TypeError, match="value: expected a number, got str"):
        medlab.assert_finding("claim", "0.9", 0.5, mode="fast")
    with pytest.raises(TypeError, match="labels"):
        medlab.assert_finding("claim", 1, 0, labels=("a",), mode="fast")


def test_findings_and_bars_reach_the_record(tmp_path, monkeypatch):
    from medlab import workbook

    path = tmp_path / "events.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(path))
    medlab.assert_bar("AUC", 0.97, 0.95, baseline=0.9, mode="fast")
    medlab.assert_bar("sensitivity", 0.9, 0.85, baseline=0.5, mode="fast")
    medlab.assert_finding("late below intermediate", 0.8, 0.87, relation="<", mode="fast")
    summary = workbook.summarize_events(workbook.read_events(path))
    assert summary["bar"]["name"] == "AUC"  # the headline bar is the first one
    assert [b["name"] for b in summary["bars"]] == ["AUC", "sensitivity"]
    assert [f["name"] for f in summary["findings"]] == ["late below intermediate"]
    assert summary["findings"][0]["slack"] == pytest.approx(0.07)


def test_say_prints_outside_a_notebook(capsys):
    medlab.say("AUC **0.97**")
    assert capsys.readouterr().out == "AUC **0.97**\n"
    with pytest.raises(TypeError, match="text: expected a str"):
        medlab.say(0.97)


def test_setup_gives_blas_one_thread():
    import subprocess
    import sys

    code = ("import numpy, scipy.linalg, medlab, threadpoolctl\n"
            "medlab.setup('fast', tensorflow=False)\n"
            "print(sorted({d['num_threads'] for d in threadpoolctl.threadpool_info() if d['user_api'] == 'blas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    assert out.stdout.strip() == "[1]", out.stdout + out.stderr


def test_fit_builds_the_optimizer_outside_the_traced_step():
    import keras
    import tensorflow as tf

    calls = []

    class Recording(keras.optimizers.Adam):
        def build(self, variables):
            calls.append(tf.inside_function())  # True: created inside the first traced step (traced twice)
            super().build(variables)

    medlab.setup("fast", 0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(Recording(1e-2), "mse")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 1), "float32")
    before = [w.numpy().copy() for w in model.weights]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert calls == [False]
    assert len(model.optimizer.variables) > 2 and not np.allclose(before[0], model.weights[0].numpy())
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)  # a second fit keeps working
    assert calls == [False]


@pytest.mark.parametrize("traced", [False, True])
@pytest.mark.parametrize("training", [True, False])
def test_fused_batch_norm_matches_keras(training, traced):
    import keras
    import tensorflow as tf
    from keras.src.layers.normalization.batch_normalization import BatchNormalization

    medlab.setup("fast", 0)
    x = tf.constant(np.random.default_rng(0).normal(2, 3, (4, 5, 6, 3)).astype("float32"))
    weights = np.linspace(-1, 1, x.shape.num_elements(), dtype="float32").reshape(x.shape)

    def run(call):
        layer = keras.layers.BatchNormalization(momentum=0.9)
        layer.build(x.shape)
        layer.gamma.assign([1.5, 0.5, 2.0])
        layer.beta.assign([0.1, -0.2, 0.3])
        layer.moving_mean.assign([1.0, 2.0, 3.0])
        layer.moving_variance.assign([4.0, 9.0, 1.0])

        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = call(layer, x, training=training)
                loss = tf.reduce_sum(weights * y**2)
            return y, tape.gradient(loss, [x, layer.gamma.value, layer.beta.value])

        y, grads = (tf.function(step) if traced else step)(x)
        return [y.numpy(), *(g.numpy() for g in grads), layer.moving_mean.numpy(), layer.moving_variance.numpy()]

    fused = run(BatchNormalization.call)
    stock = run(BatchNormalization._medlab_keras_call)
    assert BatchNormalization.call is not BatchNormalization._medlab_keras_call
    for name, a, b in zip(["output", "d/dx", "d/dgamma", "d/dbeta", "moving mean", "moving variance"], fused, stock):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-4, err_msg=name)
    if training:  # the moving statistics did move, by the layer's momentum
        assert not np.allclose(fused[4], [1.0, 2.0, 3.0])


def test_fused_batch_norm_leaves_other_inputs_to_keras():
    import keras
    import tensorflow as tf

    medlab.setup("fast", 0)
    layer = keras.layers.BatchNormalization()  # 3D input (a 1D signal): Keras' own code
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 7, 3)).astype("float32"))
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 1)), 0, atol=1e-5)


def test_native_stderr_filter_drops_noise_and_forwards_partial_lines():
    """TensorFlow's C++ chatter is dropped; other lines pass; a partial line (ipykernel wakes its fd-2
    reader at shutdown with a lone NUL byte) is forwarded without waiting for a newline that never comes."""
    import subprocess
    import sys

    code = ("import os, time\n"
            "import medlab._setup as s\n"
            "s._filter_native_stderr()\n"
            "os.write(2, b'I0000 00:00:1 port.cc:153] oneDNN custom operations are on\\n')\n"
            "os.write(2, b'a real error\\n')\n"
            "os.write(2, b'\\0no newline')\n"
            "time.sleep(1.0)\n"
            "os._exit(0)  # no interpreter shutdown: what was not forwarded by now is lost\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
    assert b"oneDNN" not in out.stderr
    assert b"a real error\n" in out.stderr
    assert out.stderr.endswith(b"\0no newline"), out.stderr


def test_setup_freezes_the_imported_objects_once():
    import subprocess
    import sys

    code = ("import gc, medlab\n"
            "medlab.setup('fast')\n"
            "first = gc.get_freeze_count()\n"
            "junk = [[i] for i in range(1000)]\n"
            "medlab.setup('fast')\n"
            "print(first, gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    first, second = map(int, out.stdout.split())
    assert first > 100_000, "TensorFlow's and Keras' objects should be frozen at the first setup"
    assert second < first + 1000, "a second setup must not freeze the notebook's own objects (1000 lists)"
