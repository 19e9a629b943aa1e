"""tests/mutation.py: the mutation operators make valid, different programs and leave messages alone."""

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import mutation  # noqa: E402

SOURCE = '''
"""Module docstring 1."""
__all__ = ["f"]


def f(x, k=2):
    """Docstring with 3 numbers 4."""
    if x < 0 and k:
        raise ValueError(f"x: expected >= 0, got {x + 1}")
    y = x * k + 1
    y += 0.5
    return -y if not x else y
'''


def test_every_operator_is_found_and_gives_a_valid_different_program():
    points = mutation.mutation_points(SOURCE)
    operators = {op.rstrip("0123456789") for _, op, _ in points}
    assert operators == {"compare", "binop", "number", "return", "condition", "boolop", "unary", "assign"}
    original = ast.dump(ast.parse(SOURCE))
    for node, op, _ in points:
        mutant = mutation.mutate(SOURCE, node, op)
        compile(mutant, "mutant", "exec")
        assert ast.dump(ast.parse(mutant)) != original, (node, op)


def test_messages_docstrings_and_all_are_never_mutated():
    descriptions = [d for _, _, d in mutation.mutation_points(SOURCE)]
    assert not any(d.startswith("line 2:") or d.startswith("line 3:") for d in descriptions)  # docstring, __all__
    assert not any(d.startswith("line 9:") for d in descriptions)  # the raise and its f-string message
    assert "line 10: 2 -> 3" not in descriptions  # no such constant: k is a name
    assert "line 6: 2 -> 3" in descriptions  # the default value is a constant
    assert "line 11: 0.5 -> 0.75" in descriptions


def test_mutants_behave_differently():
    namespace = {}
    points = [p for p in mutation.mutation_points(SOURCE) if p[1] == "binop" and "Mult" in p[2]]
    exec(mutation.mutate(SOURCE, points[0][0], points[0][1]), namespace)
    assert namespace["f"](4) == 4 / 2 + 1 + 0.5  # x * k became x / k


def test_configured_modules_tests_and_equivalents_exist():
    """A module moved or a test file renamed must not leave the mutation run pointing at nothing."""
    for module, tests in mutation.MODULES.items():
        assert (mutation.ROOT / module).is_file(), f"MODULES names {module}, which does not exist"
        for test in tests:
            assert (mutation.ROOT / test).is_file(), f"MODULES: {module}'s test {test} does not exist"
    unknown = set(mutation.KEYWORDS) - set(mutation.MODULES)
    assert not unknown, f"KEYWORDS names modules that are not configured: {sorted(unknown)}"
    equivalents = mutation._equivalents(mutation.ROOT / "tests" / "mutation_equivalent.txt")
    for module, line, _ in equivalents:
        assert module in mutation.MODULES, f"mutation_equivalent.txt names {module}, which is not configured"
        source = (mutation.ROOT / module).read_text(encoding="utf-8")
        assert line in {s.strip() for s in source.splitlines()}, f"mutation_equivalent.txt: {line!r} not in {module}"
