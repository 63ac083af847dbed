"""Huge and hostile diagrams are refused before they are parsed, quickly and in little memory, with an error
naming the limit; a large but legal diagram still deploys."""

import time
import tracemalloc

import pytest

from engine.errors import DeployError
from engine.services.deploy import deploy
from engine.specs import MAX_DEPTH, MAX_ELEMENTS, MAX_FILE_BYTES, MAX_VALUE_CHARS, read_xml

pytestmark = pytest.mark.integration

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="big_definitions" targetNamespace="http://bharatpol.example/test">'
        '<process id="big" name="Big" isExecutable="true">')
TAIL = "</process></definitions>"
# generous bounds for a busy CI machine; measured figures are far below (see the report in the README)
REFUSAL_SECONDS, REFUSAL_BYTES = 5.0, 32 * 1024 * 1024


def flows(pairs) -> str:
    return "".join(f'<sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(pairs))


def chain(tasks: int, *, name: str = "Step") -> bytes:
    """A process start -> task 1 -> ... -> task n -> end, with compact markup."""
    ids = ["s", *(f"t{i}" for i in range(1, tasks + 1)), "e"]
    nodes = ['<startEvent id="s"/>', *(f'<task id="{t}" name="{name}"/>' for t in ids[1:-1]), '<endEvent id="e"/>']
    return (HEAD + "".join(nodes) + flows(zip(ids, ids[1:], strict=False)) + TAIL).encode()


def parallel(branches: int, length: int) -> bytes:
    """start -> split -> `branches` chains of `length` tasks -> join -> end."""
    lines = [[f"t{b}_{i}" for i in range(length)] for b in range(branches)]
    pairs = [("s", "split"), ("join", "e")]
    for line in lines:
        pairs += [("split", line[0]), *zip(line, line[1:], strict=False), (line[-1], "join")]
    nodes = ['<startEvent id="s"/>', '<parallelGateway id="split"/>', '<parallelGateway id="join"/>',
             '<endEvent id="e"/>', *(f'<task id="{t}" name="Step"/>' for line in lines for t in line)]
    return (HEAD + "".join(nodes) + flows(pairs) + TAIL).encode()


def nested(depth: int) -> bytes:
    opened = "".join(f'<subProcess id="p{i}">' for i in range(depth))
    return (HEAD + '<startEvent id="s"/>' + opened + "</subProcess>" * depth + TAIL).encode()


def measured_refusal(platform, content: bytes) -> tuple[tuple, float, int]:
    """((file, element, reason) of the refusal, seconds, peak bytes allocated while refusing)."""
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(DeployError) as refused:
        deploy(platform, actor="tests", files={"big.bpmn": content})
    seconds, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    error = refused.value
    return (error.filename, error.element, error.reason), seconds, peak


def test_twenty_thousand_tasks_are_refused_by_the_element_limit(platform):
    content = chain(20_000)
    refusal, seconds, peak = measured_refusal(platform, content)
    assert (len(content) < MAX_FILE_BYTES, refusal) == (
        True, ("big.bpmn", None, f"more than {MAX_ELEMENTS} elements (limit MAX_ELEMENTS)"))
    assert (seconds < REFUSAL_SECONDS, peak < REFUSAL_BYTES) == (True, True)


def test_fifty_megabytes_are_refused_by_the_size_limit_before_parsing(platform):
    content = chain(1) + b" " * (50 * 1024 * 1024)
    refusal, seconds, peak = measured_refusal(platform, content)
    assert refusal == ("big.bpmn", None, "file is larger than 2048 KiB")
    assert (seconds < 0.5, peak < 1024 * 1024) == (True, True)


def test_deep_nesting_is_refused_by_the_depth_limit(platform):
    refusal, seconds, peak = measured_refusal(platform, nested(20_000))
    assert refusal == ("big.bpmn", f"p{MAX_DEPTH - 2}", f"nested more than {MAX_DEPTH} deep (limit MAX_DEPTH)")
    assert (seconds < REFUSAL_SECONDS, peak < REFUSAL_BYTES) == (True, True)


def test_huge_attribute_is_refused_naming_the_element(platform):
    refusal, seconds, peak = measured_refusal(platform, chain(1, name="N" * 1_500_000))
    assert refusal == ("big.bpmn", "t1",
                       f"attribute 'name' longer than {MAX_VALUE_CHARS} characters (limit MAX_VALUE_CHARS)")
    assert (seconds < REFUSAL_SECONDS, peak < REFUSAL_BYTES) == (True, True)


def test_huge_script_text_is_refused_naming_the_element(platform):
    script = "x = 1\n" * 200_000
    content = chain(1).replace(b'<task id="t1" name="Step"/>',
                               f'<scriptTask id="t1"><script>{script}</script></scriptTask>'.encode())
    refusal, _seconds, _peak = measured_refusal(platform, content)
    assert refusal == ("big.bpmn", "t1", f"text longer than {MAX_VALUE_CHARS} characters (limit MAX_VALUE_CHARS)")


def test_values_and_depth_at_the_limits_are_read():
    content = nested(MAX_DEPTH - 2).replace(b'<startEvent id="s"/>',
                                            f'<startEvent id="s" name="{"n" * MAX_VALUE_CHARS}"/>'.encode())
    assert read_xml("big.bpmn", content).get("id") == "big_definitions"


def test_large_but_legal_diagram_deploys(platform):
    content = parallel(20, 25)
    started = time.perf_counter()
    deployed = deploy(platform, actor="tests", files={"big.bpmn": content})
    assert (content.count(b"<task "), [(d.process_id, d.version) for d in deployed]) == (500, [("big", 1)])
    assert time.perf_counter() - started < 30


def test_long_sequential_chain_is_refused_cleanly_by_the_engine(platform):
    """SpiffWorkflow builds a spec recursively along its flows: about 490 steps in a row exhaust the stack."""
    refusal, _seconds, _peak = measured_refusal(platform, chain(600))
    assert refusal[:2] == ("big.bpmn", "big")
    assert refusal[2].startswith("RecursionError(")
