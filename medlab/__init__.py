"""medlab: helpers for the deep-learning-in-medical-imaging workbook.

``import medlab`` is light: submodules (``medlab.data``, ``medlab.metrics``, ``medlab.models``...)
load on first use, and only the ones that need Keras import TensorFlow.
"""

from __future__ import annotations

import importlib
import sys

from ._setup import Settings, _filter_native_stderr, setup
from .report import assert_bar, assert_finding, record, say

if "ipykernel" in sys.modules:  # in a notebook: keep TensorFlow's C++ log lines out of the cells
    _filter_native_stderr()

__version__ = "0.1.0"
__all__ = ["setup", "Settings", "assert_bar", "assert_finding", "say", "record", "__version__"]

_SUBMODULES = {"anomaly", "augment", "baselines", "check", "data", "explain", "gan", "io", "losses", "metrics",
               "models", "preprocess", "report", "viz", "workbook"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'medlab' has no attribute {name!r}")
