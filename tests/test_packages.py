"""medlab's subpackages by concern: each re-exports the public names of its modules, so ``medlab.metrics.roc_auc``
and ``from medlab import data; data.make_lesion_dataset(...)`` keep working whichever module a function lives in."""

import importlib
import pkgutil

import pytest


@pytest.mark.parametrize("package, expected", [
    ("metrics", {"segmentation", "classification", "calibration", "bootstrap", "saliency", "image_quality",
                 "detection", "landmarks", "lesions"}),
    ("data", {"phantom", "ct", "multimodal", "splits", "landmarks", "lesion_types"}),
    ("models", {"classification", "segmentation", "autoencoders", "denoising", "fusion", "detection", "landmarks"}),
    ("losses", {"segmentation", "multitask", "detection"}),
])
def test_every_public_name_is_reexported(package, expected):
    pkg = importlib.import_module(f"medlab.{package}")
    modules = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    assert expected <= set(modules), f"medlab.{package}: modules {sorted(modules)}"
    names = []
    for name in modules:
        module = importlib.import_module(f"medlab.{package}.{name}")
        for public in module.__all__:
            assert getattr(pkg, public) is getattr(module, public), f"medlab.{package}.{public}"
        names += module.__all__
    assert sorted(names) == sorted(pkg.__all__), f"medlab.{package}.__all__ is the union of its modules' __all__"
