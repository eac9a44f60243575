"""check_python_script: what a script task may say, decided before anything runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.sandbox import check_python_script
from engine.sandbox.policy import MAX_SCRIPT_CHARS


def test_plain_computation_has_no_problems() -> None:
    source = """
total = 0
for item in items:
    total = total + item["price"] * item.get("quantity", 1)
def rounded(value):
    return round(value, 2)
summary = {"total": rounded(total), "count": len(items), "root": math.sqrt(16)}
"""
    assert check_python_script(source) == []


def test_syntax_error_names_its_line_and_column() -> None:
    assert check_python_script("x = 1\nif x\n    y = 2") == ["line 2: expected ':' (column 5)"]


def test_misplaced_return_is_a_syntax_problem_with_line() -> None:
    assert check_python_script("x = 1\nreturn x")[0].startswith("line 2:")


@pytest.mark.parametrize(
    "source",
    ["import os", "import socket", "from os import path", "from . import x", "import os.path as p"],
)
def test_every_import_statement_is_refused(source: str) -> None:
    problems = check_python_script(source)
    assert problems and "import statements are not allowed" in problems[0]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("data = open('/etc/passwd').read()", "open"),
        ("x = eval('1 + 1')", "eval"),
        ("exec('x = 1')", "exec"),
        ("f = eval", "eval"),
        ("c = compile('1', 'f', 'eval')", "compile"),
        ("g = globals()", "globals"),
        ("v = vars()", "vars"),
        ("n = dir(x)", "dir"),
        ("t = type(x)", "type"),
        ("s = super()", "super"),
        ("value = getattr(x, 'real')", "getattr"),
        ("setattr(x, 'a', 1)", "setattr"),
        ("breakpoint()", "breakpoint"),
        ("def open(path):\n    return path", "open"),
    ],
)
def test_builtins_that_escape_are_refused_by_name(source: str, name: str) -> None:
    problems = check_python_script(source)
    assert problems, source
    assert f"'{name}' is not available" in problems[0]
    assert problems[0].startswith("line ")


def test_dunder_import_is_refused() -> None:
    problems = check_python_script("os = __import__('os')")
    assert problems == ['line 1: "__import__" is an invalid variable name because it starts with "_"']


@pytest.mark.parametrize(
    "source",
    [
        "x = ().__class__.__bases__[0].__subclasses__()",
        "f = (lambda: 0).__globals__",
        "c = len.__self__",
        "d = x.__dict__",
        "x._private = 1",
        "m = math._secret",
    ],
)
def test_underscore_attribute_access_is_refused(source: str) -> None:
    problems = check_python_script(source)
    assert problems and all('starts with "_"' in p for p in problems)


def test_subclasses_walk_reports_every_dunder_on_its_line() -> None:
    problems = check_python_script("ok = 1\nwalk = ().__class__.__bases__[0].__subclasses__()")
    assert len(problems) == 3
    assert all(p.startswith("line 2:") for p in problems)


def test_getattr_with_underscore_name_is_refused_at_compile_time() -> None:
    assert check_python_script("g = getattr(f, '__globals__')")


@pytest.mark.parametrize(
    "source",
    [
        "def gen():\n    yield 1\nframe = gen().gi_frame",
        "def f():\n    pass\ncode = f.gi_code",
        "try:\n    1 / 0\nexcept Exception as e:\n    tb = e.tb_frame",
    ],
)
def test_frame_and_code_attributes_are_refused(source: str) -> None:
    assert any("restricted name" in p for p in check_python_script(source))


def test_class_definitions_are_refused() -> None:
    assert check_python_script("class Evil:\n    pass") == [
        "line 1: class 'Evil' is not allowed; use dicts and functions"
    ]


def test_augmented_item_assignment_is_refused_with_the_rewrite() -> None:
    problems = check_python_script("counts = {'a': 1}\ncounts['a'] += 1")
    assert problems == ["line 2: counts['a'] += ... is not allowed; write counts['a'] = counts['a'] + ... instead"]


def test_augmented_name_assignment_is_allowed() -> None:
    assert check_python_script("n = 1\nn += 2\nn *= 3") == []


def test_async_code_is_refused() -> None:
    assert check_python_script("async def f():\n    pass")


def test_all_problems_are_listed_at_once() -> None:
    problems = check_python_script("import os\nx = 1\nf = open('x')\nclass A:\n    pass")
    assert [p.split(":")[0] for p in problems] == ["line 1", "line 3", "line 4"]


def test_oversized_script_is_refused() -> None:
    problems = check_python_script("x = 1\n" * (MAX_SCRIPT_CHARS // 6 + 1))
    assert problems and "limit" in problems[0]


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\x00",
        "(" * 500 + ")" * 500,
        "x = " + "-" * 50_000 + "1",
        "x = " + "+".join(["a"] * 30_000),
        "\ufeff\ud800",
    ],
)
def test_pathological_sources_give_problems_not_exceptions(source: str) -> None:
    assert isinstance(check_python_script(source), list)


def test_non_text_source_is_a_problem_not_an_exception() -> None:
    assert check_python_script(b"x = 1")  # type: ignore[arg-type]
    assert check_python_script(None)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_checked_without_raising(source: str) -> None:
    problems = check_python_script(source)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
