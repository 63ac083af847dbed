"""The restricted environment that runs scripts and expressions in diagrams.

SpiffWorkflow runs scripts with plain exec/eval; here every script is compiled by RestrictedPython
(no imports, no names or attributes starting with an underscore, guarded item/attribute access)
and runs with a small whitelist of builtins plus the reviewed helpers of engine.compliance.
"""

import ast
import builtins as py_builtins
import operator
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import compliance

EXTRA_BUILTINS = {
    name: getattr(py_builtins, name)
    for name in ("all", "any", "dict", "enumerate", "list", "max", "min", "set", "sorted", "sum", "tuple", "zip")
}
INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
           "//=": operator.ifloordiv, "%=": operator.imod}
JSON_SCALARS = (str, int, float, bool, type(None))


def _inplacevar(op: str, x, y):
    if op not in INPLACE:
        raise ScriptRefused(f"operator {op} is not allowed in scripts")
    return INPLACE[op](x, y)


def _json_plain(value) -> bool:
    if isinstance(value, JSON_SCALARS):
        return True
    if isinstance(value, list):
        return all(_json_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_plain(v) for k, v in value.items())
    return False


class ScriptRefused(Exception):
    """A script or expression that the restricted environment will not run."""


@lru_cache(maxsize=4096)
def compile_script(source: str):
    """Compile a script task body; refuse imports and anything RestrictedPython rejects."""
    _refuse_imports(source)
    result = compile_restricted_exec(source)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    """Compile a condition or expression (gateways, timers, decision tables)."""
    result = compile_restricted_eval(source)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    return result.code


def _refuse_imports(source: str):
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScriptRefused(f"syntax error on line {exc.lineno}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise ScriptRefused(f"line {node.lineno}: import statements are not allowed")


def base_globals(helpers: dict) -> dict:
    """The globals every script sees: guarded builtins, guards, and the helpers."""
    builtins = dict(safe_builtins)
    builtins.update(EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": safer_getattr_raise,
        "_inplacevar_": _inplacevar,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        **helpers,
    }


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Task data is the namespace; only plain data written by a script goes back into it."""

    def __init__(self, helpers: dict):
        super().__init__(base_globals(helpers))

    def evaluate(self, expression, context, external_context=None):
        # guards and helpers last: task data can never shadow them
        namespace = {**context, **(external_context or {}), **self.globals}
        return eval(compile_expression(expression), namespace)  # noqa: S307 - restricted bytecode

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        namespace = {**context, **external, **self.globals}
        exec(compile_script(script), namespace)  # noqa: S102 - restricted bytecode
        for key, value in namespace.items():
            if key in self.globals or key in external or key.startswith("_") or callable(value):
                continue
            if not _json_plain(value):
                raise ScriptRefused(f"variable '{key}' holds a {type(value).__name__}; scripts may keep only "
                                    "JSON data (dict, list, str, number, bool, None)")
            context[key] = value
        for key in [k for k in context if k not in namespace]:
            del context[key]
        return True


def build_script_engine() -> PythonScriptEngine:
    """The script engine every workflow in BHARATPOL runs with."""
    return PythonScriptEngine(environment=RestrictedEnvironment(compliance.HELPERS))
