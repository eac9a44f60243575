"""What a script task may say: RestrictedPython's rules, stricter, checked before anything runs.

RestrictedPython rewrites attribute, item and iteration access into calls of
guards (``_getattr_`` and friends) and refuses names starting with "_". On top
of that we refuse what a BPMN script never needs and an attacker always wants:
imports, classes (metaclass games), and the builtins that run code, read
namespaces or reach attributes by computed name. Refusing them at compile time
means a model is rejected at deployment, with the line, instead of failing in
production; the sandbox process does not offer them either, in case a check is
ever missed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from types import CodeType

from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from engine.sandbox.errors import ScriptError

SCRIPT_FILENAME = "<script>"
MAX_SCRIPT_CHARS = 100_000

_NO_CODE = "scripts cannot run other code"
_NO_INTROSPECTION = "scripts cannot inspect namespaces or reach attributes by computed name; use a dict"
FORBIDDEN_NAMES: dict[str, str] = {
    "eval": _NO_CODE,
    "exec": _NO_CODE,
    "compile": _NO_CODE,
    "breakpoint": _NO_CODE,
    "open": "scripts have no file access",
    "input": "scripts cannot read input",
    "help": "scripts cannot read input",
    "exit": "scripts end by reaching their last line",
    "quit": "scripts end by reaching their last line",
    "globals": _NO_INTROSPECTION,
    "locals": _NO_INTROSPECTION,
    "vars": _NO_INTROSPECTION,
    "dir": _NO_INTROSPECTION,
    "getattr": _NO_INTROSPECTION,
    "setattr": _NO_INTROSPECTION,
    "delattr": _NO_INTROSPECTION,
    "hasattr": _NO_INTROSPECTION,
    "type": "use isinstance() to test a value's type",
    "object": "scripts cannot define types",
    "super": "scripts cannot define types",
    "classmethod": "scripts cannot define types",
    "staticmethod": "scripts cannot define types",
    "property": "scripts cannot define types",
    "memoryview": "scripts work with plain values only",
}

# RestrictedPython reports eval()/exec() calls itself; ours names the reason.
_DUPLICATES = re.compile(r"^Line \d+: (Eval|Exec) calls are not allowed\.$")
_LINE_PREFIX = re.compile(r"^Line (\d+|None): ")


class ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer, also refusing imports, classes and unsafe builtins."""

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import statements are not allowed; math, len, sorted and friends need no import")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are not allowed; math, len, sorted and friends need no import")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, f"class '{node.name}' is not allowed; use dicts and functions")
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST | Iterable[ast.AST] | None:
        # RestrictedPython refuses ``d[k] += 1`` and ``o.a += 1``; say how to write it instead.
        if isinstance(node.target, ast.Subscript | ast.Attribute):
            target = ast.unparse(node.target)[:60]
            operator = ast.unparse(ast.BinOp(ast.Name("x"), node.op, ast.Name("y")))[2:-2]
            self.error(
                node, f"{target} {operator}= ... is not allowed; write {target} = {target} {operator} ... instead"
            )
            return self.node_contents_visit(node)
        return super().visit_AugAssign(node)

    def visit_Name(self, node: ast.Name) -> ast.AST | Iterable[ast.AST] | None:
        self._refuse_forbidden(node, node.id)
        return super().visit_Name(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST | Iterable[ast.AST] | None:
        self._refuse_forbidden(node, node.name)
        return super().visit_FunctionDef(node)

    def _refuse_forbidden(self, node: ast.AST, name: str) -> None:
        if name in FORBIDDEN_NAMES:
            self.error(node, f"'{name}' is not available: {FORBIDDEN_NAMES[name]}")


def _split_line(problem: str) -> tuple[int | None, str]:
    """'Line 3: text' (RestrictedPython's form) -> (3, 'text')."""
    match = _LINE_PREFIX.match(problem)
    if match is None:
        return None, problem
    number = match.group(1)
    return (int(number) if number.isdigit() else None), problem[match.end() :]


def _syntax_error(exc: SyntaxError) -> ScriptError:
    column = f" (column {exc.offset})" if exc.offset else ""
    return ScriptError(f"{exc.msg}{column}", kind="syntax", line=exc.lineno)


def compile_script(source: object) -> CodeType:
    """Compile a script task's source under the policy; raise ScriptError("syntax"/"forbidden")."""
    if not isinstance(source, str):
        raise ScriptError(f"the script is a {type(source).__name__}, not text", kind="syntax")
    if len(source) > MAX_SCRIPT_CHARS:
        raise ScriptError(
            f"the script is {len(source)} characters long; the limit is {MAX_SCRIPT_CHARS}", kind="forbidden"
        )
    try:
        tree = ast.parse(source, SCRIPT_FILENAME, "exec")
    except SyntaxError as exc:
        raise _syntax_error(exc) from exc
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        # NUL bytes (ValueError) and absurd nesting (RecursionError/MemoryError) never reach ast.
        raise ScriptError(f"the script cannot be parsed: {exc or 'it is nested too deeply'}", kind="syntax") from exc
    try:
        result = compile_restricted_exec(tree, SCRIPT_FILENAME, policy=ScriptPolicy)
    except SyntaxError as exc:  # late checks in compile(), e.g. 'return' outside a function
        raise _syntax_error(exc) from exc
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ScriptError(
            f"the script is too complex to compile: {exc or 'it is nested too deeply'}", kind="forbidden"
        ) from exc
    found = [_split_line(p) for p in result.errors if not _DUPLICATES.match(p)]
    if found or result.code is None:
        found = found or [(None, "the script was refused")]
        line, detail = found[0]
        if len(found) > 1:
            detail += f" (and {len(found) - 1} more problem(s))"
        problems = [f"line {n}: {text}" if n is not None else text for n, text in found]
        raise ScriptError(detail, kind="forbidden", line=line, problems=problems)
    return result.code


def check_python_script(source: str) -> list[str]:
    """Every compile-time problem of a script task, [] if it may run; never raises.

    Meant for deployment: a model whose scripts have problems is refused with
    all of them listed, each starting with "line N:".
    """
    try:
        compile_script(source)
    except ScriptError as exc:
        return exc.problems
    return []
