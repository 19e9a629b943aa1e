"""The contract every checker meets, as one parametrized test over all of them.

Each notebook's checkers are described as data in ``tests/checker_cases/qNN.py``: a list
``CONTRACTS`` of dicts, one per checker::

    dict(checker=q01.normalize_intensity,            # the checker under test
         reference=q01._reference_normalize,         # what it returns for a stub
         wrong=[("statistics over the batch", fn, r"case 'per-image ...': each image's mean"), ...],
         accepted=[("global average pooling", fn)])  # optional: other right answers

and this module asserts, for every checker in ``medlab.check``: the reference passes (and is
returned), a stub falls back to the reference with a note (and fails in strict mode), something
that is not callable is refused, every wrong answer is rejected with its message (a regular
expression searched in the ``AssertionError``), every accepted answer passes, and every checker
has a contract with at least two wrong answers.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import medlab.check
from medlab.check import strict

CASE_DIR = Path(__file__).parent / "checker_cases"


def _load_contracts():
    contracts = []
    for path in sorted(CASE_DIR.glob("q*.py")):
        spec = importlib.util.spec_from_file_location(f"checker_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for contract in module.CONTRACTS:
            contracts.append(dict(contract, source=path.stem))
    return contracts


CONTRACTS = _load_contracts()


def _name(contract):
    return f"{contract['checker'].__module__.rsplit('.', 1)[-1]}.{contract['checker'].__name__}"


def _stub(*args, **kwargs):
    raise NotImplementedError()


WRONG = [pytest.param(c, w, id=f"{_name(c)}: {w[0]}") for c in CONTRACTS for w in c["wrong"]]
ACCEPTED = [pytest.param(c, a, id=f"{_name(c)}: {a[0]}") for c in CONTRACTS for a in c.get("accepted", ())]
EACH = [pytest.param(c, id=_name(c)) for c in CONTRACTS]


@pytest.mark.parametrize("contract", EACH)
def test_reference_passes(contract, capsys):
    reference = contract["reference"]
    assert contract["checker"](reference) is reference
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("contract", EACH)
def test_stub_falls_back_to_the_reference(contract, capsys):
    assert contract["checker"](_stub) is contract["reference"]
    assert "not written yet" in capsys.readouterr().out


@pytest.mark.parametrize("contract", EACH)
def test_stub_fails_in_strict_mode(contract):
    with strict(), pytest.raises(AssertionError, match="not written yet"):
        contract["checker"](_stub)


@pytest.mark.parametrize("contract", EACH)
def test_not_callable_is_refused(contract):
    with pytest.raises(TypeError, match="student_fn: expected your function"):
        contract["checker"](42)


@pytest.mark.parametrize("contract, wrong", WRONG)
def test_wrong_answer_is_rejected(contract, wrong):
    _, fn, message = wrong
    with pytest.raises(AssertionError, match=message):
        contract["checker"](fn)


@pytest.mark.parametrize("contract, accepted", ACCEPTED)
def test_other_right_answer_is_accepted(contract, accepted):
    _, fn = accepted
    assert contract["checker"](fn) is fn


def _all_checkers():
    found = []
    for info in pkgutil.iter_modules(medlab.check.__path__):
        if info.name.startswith("q") and info.name[1:].isdigit():
            module = importlib.import_module(f"medlab.check.{info.name}")
            found += [f"{info.name}.{name}" for name, obj in vars(module).items()
                      if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == module.__name__]
    return sorted(found)


def test_every_checker_has_a_contract_with_two_wrong_answers():
    described = {_name(c): len(c["wrong"]) for c in CONTRACTS}
    missing = [name for name in _all_checkers() if name not in described]
    assert not missing, f"checkers without a contract in tests/checker_cases/: {missing}"
    thin = {name: n for name, n in described.items() if n < 2}
    assert not thin, f"checkers with fewer than two wrong answers: {thin}"
    repeated = [_name(c) for c in CONTRACTS if len({w[0] for w in c["wrong"]}) < len(c["wrong"])]
    assert not repeated, f"wrong answers need distinct names: {repeated}"
