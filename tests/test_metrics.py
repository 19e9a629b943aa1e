"""medlab.metrics as a package: light to import (its modules are tested in tests/test_metrics_*.py)."""


def test_import_is_light():
    import subprocess
    import sys
    import time

    code = ("import sys, time; t = time.perf_counter(); import medlab.metrics; "
            "print(time.perf_counter() - t); print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["False", "False"], "import medlab.metrics must not import TensorFlow or Keras"
    assert float(out[0]) < 1.0
    assert time.perf_counter() - start < 5

