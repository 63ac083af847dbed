"""The restricted script environment at run time: plain data works, everything else is refused."""

import pytest

from engine import compliance
from engine.scripting import RestrictedEnvironment, ScriptRefused, build_script_engine, compile_expression

pytestmark = pytest.mark.unit

REQUEST = {"notice_type": "RED", "subject": {"family_name": "Sharma", "nationalities": ["IN", "AE"]}}
DUNDER_CLASS = 'Line 1: "__class__" is an invalid attribute name because it starts with "_".'
FORMAT_REFUSED = "Using the format*() methods of `str` is not safe"
NO_ATTRIBUTES = "attribute-less object (assign or del)"


@pytest.fixture
def env() -> RestrictedEnvironment:
    return build_script_engine().environment


def data() -> dict:
    """Fresh task data for one script run."""
    return {"request": {**REQUEST, "subject": {**REQUEST["subject"]}}, "items": [3, 1, 2]}


def run(env, script: str, context: dict | None = None) -> dict:
    """Execute script on task data and return the task data afterwards."""
    context = data() if context is None else context
    assert env.execute(script, context) is True
    return context


# --- plain data scripts -----------------------------------------------------------------------------------


def test_script_environment_is_restricted(env):
    assert type(env) is RestrictedEnvironment


def test_script_dict_and_list_literals_go_back_into_task_data(env):
    after = run(env, "summary = {'type': request['notice_type'], 'codes': ['IN', 'AE'], 'count': 2}\nflags = []")
    assert after == {**data(), "summary": {"type": "RED", "codes": ["IN", "AE"], "count": 2}, "flags": []}


def test_script_item_assignment_changes_nested_task_data(env):
    after = run(env, "request['subject']['sex'] = 'M'\nrequest['tags'] = ['urgent']\nitems[0] = 9\n"
                     "del request['notice_type']")
    assert after == {"request": {"subject": {**REQUEST["subject"], "sex": "M"}, "tags": ["urgent"]},
                     "items": [9, 1, 2]}


def test_script_comprehensions_and_unpacking_work(env):
    script = ("doubled = [i * 2 for i in items if i > 1]\n"
              "names = {k: v for k, v in request['subject'].items() if k != 'nationalities'}\n"
              "pairs = [[n, i] for n, i in enumerate(sorted(items))]\n"
              "first, second = items[0], items[1]\n"
              "total = sum(i for i in items)")
    after = run(env, script)
    assert {k: after[k] for k in ("doubled", "names", "pairs", "first", "second", "total")} == {
        "doubled": [6, 4],
        "names": {"family_name": "Sharma"},
        "pairs": [[0, 1], [1, 2], [2, 3]],
        "first": 3, "second": 1, "total": 6,
    }


def test_script_loops_conditions_and_whitelisted_builtins_work(env):
    script = ("largest = 0\n"
              "for i in items:\n"
              "    if i > largest:\n"
              "        largest = i\n"
              "facts = [min(items), max(items), len(items), any(items), all(items), sorted(items, reverse=True)]\n"
              "kinds = list(set(request['subject']['nationalities']) - {'AE'})\n"
              "copy = dict(request, notice_type='BLUE')['notice_type']")
    after = run(env, script)
    assert (after["largest"], after["facts"], after["kinds"], after["copy"]) == (
        3, [1, 3, 3, True, True, [3, 2, 1]], ["IN"], "BLUE")


def test_script_calls_compliance_helpers(env):
    script = ("facts = notice_facts(request, ['warrant'])\n"
              "blocks = rule_blocks(['red_purpose'], ['Give a purpose.'])\n"
              "published = publication_record({'notice_number': 'A-1/2024', 'published_on': '2024-02-29'})")
    after = run(env, script)
    assert after["facts"] == compliance.notice_facts(data()["request"], ["warrant"])
    assert after["blocks"] == [{"rule": "red_purpose", "message": "Give a purpose."}]
    assert after["published"] == {"interpol_notice_number": "A-1/2024", "published_on": "2024-02-29",
                                  "review_due": "2029-02-28"}


def test_script_string_methods_and_percent_formatting_work(env):
    after = run(env, "ref = '%s/%d' % (request['notice_type'], 7)\nname = ', '.join(['a', 'b']).upper()")
    assert (after["ref"], after["name"]) == ("RED/7", "A, B")


def test_script_catches_exceptions(env):
    after = run(env, "try:\n    x = 1 / 0\nexcept ZeroDivisionError as e:\n    problem = str(e)")
    assert after == {**data(), "problem": "division by zero"}


# --- what goes back into task data -----------------------------------------------------------------------


def test_script_new_variables_go_back_but_not_functions(env):
    script = ("helper = notice_facts\n"
              "method = items.append\n"
              "square = lambda n: n * n\n"
              "def twice(n):\n"
              "    return n * 2\n"
              "result = [square(2), twice(2)]")
    assert run(env, script) == {**data(), "result": [4, 4]}


def test_script_task_data_gets_no_globals_or_underscore_names(env):
    after = run(env, "x = 1")
    assert sorted(after) == ["items", "request", "x"]
    assert not any(k.startswith("_") for k in after)


def test_script_reassigning_helper_name_is_not_written_back(env):
    # the helper keeps its name in every later script; the assignment is silently dropped
    assert run(env, "notice_facts = {'mine': True}\nrule_blocks = 1") == data()


def test_script_external_context_is_not_written_back(env):
    context = {"a": 1}
    assert env.execute("b = dmninputexpr + a", context, {"dmninputexpr": 41}) is True
    assert context == {"a": 1, "b": 42}


def test_script_deleting_variable_removes_it_from_task_data(env):
    assert run(env, "del items") == {"request": REQUEST}


def test_script_that_raises_adds_nothing_to_task_data(env):
    context = data()
    with pytest.raises(ValueError, match="^stop$"):
        env.execute("x = 1\nraise ValueError('stop')", context)
    assert context == data()


def test_script_non_json_values_are_refused_not_dropped(env):
    with pytest.raises(ScriptRefused) as err:
        run(env, "seen = set(items)\ncount = len(seen)")
    assert str(err.value) == ("variable 'seen' holds a set; scripts may keep only JSON data "
                              "(dict, list, str, number, bool, None)")


# --- expressions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "expected"), [
    ('request["notice_type"] == "RED"', True),
    ('request["notice_type"] != "RED"', False),
    ('request.get("purpose", "none")', "none"),
    ('"IN" in request["subject"]["nationalities"] and len(items) == 3', True),
    ("[i for i in items if i > 1]", [3, 2]),
    ("sum(items) / len(items)", 2.0),
    ("items[-1]", 2),
    ('notice_facts(request, [])["purpose"]', ""),
])
def test_expression_evaluates(env, expression, expected):
    assert env.evaluate(expression, data()) == expected


def test_expression_does_not_change_task_data(env):
    context = data()
    assert env.evaluate("(x := 5) + 1", context) == 6
    assert context == data()


def test_expression_sees_external_context(env):
    assert env.evaluate("dmninputexpr > items[0]", data(), {"dmninputexpr": 5}) is True


def test_expression_reading_missing_attribute_raises(env):
    with pytest.raises(AttributeError):
        env.evaluate('request.notice_type == "RED"', data())


# --- refused when compiled (deploy time) ------------------------------------------------------------------


@pytest.mark.parametrize(("script", "message"), [
    ("import os", "line 1: import statements are not allowed"),
    ("from os import path", "line 1: import statements are not allowed"),
    ("x = 1\nimport os.path as p", "line 2: import statements are not allowed"),
    ("x = __import__('os')", 'Line 1: "__import__" is an invalid variable name because it starts with "_"'),
    ("x = __builtins__", 'Line 1: "__builtins__" is an invalid variable name because it starts with "_"'),
    ("_hidden = 1", 'Line 1: "_hidden" is an invalid variable name because it starts with "_"'),
    ("x = request.__class__", DUNDER_CLASS),
    ("x = notice_facts.__globals__", 'Line 1: "__globals__" is an invalid attribute name because it starts with "_".'),
    ("x = f'{request.__class__}'", DUNDER_CLASS),
    ("g = (i for i in items)\nf = g.gi_frame",
     'Line 2: "gi_frame" is a restricted name, that is forbidden to access in RestrictedPython.'),
    ("x = eval('1')", "Line 1: Eval calls are not allowed."),
    ("exec('x = 1')", "Line 1: Exec calls are not allowed."),
    ("items[0] += 1", "Line 1: Augmented assignment of object items and slices is not allowed."),
])
def test_script_refused(env, script, message):
    context = data()
    with pytest.raises(ScriptRefused) as caught:
        env.execute(script, context)
    assert str(caught.value) == message
    assert context == data()


@pytest.mark.parametrize(("expression", "message"), [
    ("request.__class__", DUNDER_CLASS),
    ("().__class__.__bases__[0]",
     f'Line 1: "__bases__" is an invalid attribute name because it starts with "_".; {DUNDER_CLASS}'),
    ("__import__('os')", 'Line 1: "__import__" is an invalid variable name because it starts with "_"'),
    ("eval('1')", "Line 1: Eval calls are not allowed."),
])
def test_expression_refused(env, expression, message):
    with pytest.raises(ScriptRefused) as caught:
        env.evaluate(expression, data())
    assert str(caught.value) == message


def test_compile_expression_refuses_statements():
    with pytest.raises(ScriptRefused) as caught:
        compile_expression("import os")
    assert str(caught.value) == "Line 1: SyntaxError: invalid syntax at statement: 'import os'"


# --- refused only at run time -----------------------------------------------------------------------------


@pytest.mark.parametrize(("script", "name"), [
    ("x = open('/etc/passwd').read()", "open"),
    ("x = getattr(request, '__class__')", "getattr"),
    ("x = globals()", "globals"),
    ("x = locals()", "locals"),
    ("x = vars(request)", "vars"),
    ("x = type(request)", "type"),
    ("x = compile('1', 'f', 'eval')", "compile"),
    ("x = hasattr(request, 'keys')", "hasattr"),
    ("x = dir(request)", "dir"),
])
def test_script_unsafe_builtin_is_not_defined(env, script, name):
    context = data()
    with pytest.raises(NameError) as caught:
        env.execute(script, context)
    assert str(caught.value) == f"name '{name}' is not defined"
    assert context == data()


@pytest.mark.parametrize("expression", ["open('/etc/passwd')", "getattr(request, '__class__')", "globals()"])
def test_expression_unsafe_builtin_is_not_defined(env, expression):
    with pytest.raises(NameError):
        env.evaluate(expression, data())


@pytest.mark.parametrize("script", [
    "x = '{0.__class__}'.format(request)",
    "x = str.format('{0.__class__}', request)",
    "x = '{x}'.format_map(request)",
])
def test_script_str_format_is_refused(env, script):
    with pytest.raises(NotImplementedError) as caught:
        env.execute(script, data())
    assert str(caught.value) == FORMAT_REFUSED


@pytest.mark.parametrize("script", [
    "notice_facts.flag = True",
    "setattr(notice_facts, 'flag', True)",
    "delattr(notice_facts, 'flag')",
    "problem = ValueError('x')\nproblem.flag = 1",
])
def test_script_writing_attributes_on_objects_is_refused(env, script):
    with pytest.raises(TypeError) as caught:
        env.execute(script, data())
    assert str(caught.value) == NO_ATTRIBUTES
    assert "flag" not in vars(compliance.notice_facts)


def test_script_writing_attribute_on_dict_is_refused(env):
    with pytest.raises(AttributeError) as caught:
        env.execute("request.notice_type = 'BLUE'", data())
    assert str(caught.value) == "'dict' object has no attribute 'notice_type'"


def test_script_class_definition_fails(env):
    with pytest.raises(NameError) as caught:
        env.execute("class Thing:\n    pass", data())
    assert str(caught.value) == "name '__metaclass__' is not defined"


def test_script_augmented_assignment_of_a_name_works(env):
    assert run(env, "total = 0\nfor i in items:\n    total += i")["total"] == 6
