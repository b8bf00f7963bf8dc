"""Explanations on the sources real models produce (issue 16): keyword arguments,
attribute chains, containers and cache objects; the user's own line as the place to act;
wrapped graph breaks under their real cause; names users know; paths outside the project.

Pure unit tests over dynotrace's parsers and analysis: no torch run. The field corpus
(tests/test_field.py) checks the same on real models end to end.
"""

from __future__ import annotations

import pytest

from dynotrace.analysis.fold import PathStyle
from dynotrace.analysis.causes import classify, passed_as, suggest
from dynotrace.analysis.explain import _qualified_name, _run_notes
from dynotrace.analysis.graph_breaks import parse_graph_break
from dynotrace.analysis.reasons import parse_reason
from dynotrace.model import Compile, Function, Functions, GraphBreak, Location, Report, RunInfo

SOURCES = [
    ("kwargs['input_ids']", "kwargs['input_ids'].size()[0]"),
    ("L['kwargs']['input_ids']", "kwargs['input_ids'].size()[0]"),
    ("kwargs['cache'].layers[0].keys", "kwargs['cache'].layers[0].keys.size()[0]"),
    ("L['self']._modules['layers'][0].attn.k_cache", "self.layers[0].attn.k_cache.size()[0]"),
    ("x", "x.size()[0]"),
]


@pytest.mark.parametrize(("raw", "source"), SOURCES)
def test_a_size_change_is_a_shape_change_on_any_source(raw: str, source: str) -> None:
    failure = parse_reason(f"0/0: tensor '{raw}' size mismatch at index 0. expected 4, actual 2")
    assert (failure.source, failure.expected, failure.actual) == (source, "4", "2")
    assert classify(failure) == "tensor_shape"


@pytest.mark.parametrize(
    ("what", "category", "suffix"),
    [
        ("dtype mismatch. expected Float, actual Half", "dtype", ".dtype"),
        ("requires_grad mismatch. expected requires_grad=1", "requires_grad", ".requires_grad"),
        ("stride mismatch at index 1. expected 1, actual 4", "stride", ".stride()[1]"),
        ("rank mismatch. expected 2, actual 3", "tensor_shape", ".dim()"),
    ],
)
def test_every_tensor_category_works_on_a_keyword_source(what: str, category: str, suffix: str) -> None:
    failure = parse_reason(f"0/0: tensor 'kwargs['pixel_values']' {what}")
    assert failure.source == f"kwargs['pixel_values']{suffix}"
    assert classify(failure) == category


USER_LINE = Location("train.py", 23, "<module>", "loss = model(input_ids=batch, labels=batch).loss")
GENERATE_LINE = Location("gen.py", 10, "<module>", "out = model.generate(prompt, max_new_tokens=4)")


def test_the_value_passed_at_the_users_line() -> None:
    assert passed_as("input_ids", USER_LINE) == "batch"
    assert passed_as("attention_mask", USER_LINE) is None
    assert passed_as("input_ids", Location("t.py", 1, "f", "for x in (")) is None  # not a whole statement


def _fix(reason: str, call_site: Location | None, *, in_library: bool = True, dynamic: bool = True) -> str:
    failure = parse_reason(reason)
    return suggest(failure, classify(failure), became_dynamic=dynamic, call_site=call_site, in_library=in_library)


def test_the_last_smaller_batch_names_the_users_variable_and_line() -> None:
    fix = _fix("0/0: tensor 'kwargs['input_ids']' size mismatch at index 0. expected 4, actual 2", USER_LINE)
    assert "batch (passed as input_ids) went from 4 to 2 at train.py:23" in fix
    assert "drop_last=True" in fix and "pad it to 4 rows" in fix
    assert "torch._dynamo.mark_dynamic(batch, 0) before your call at train.py:23" in fix


def test_a_library_tensor_the_user_never_passed_is_not_named_in_the_fix() -> None:
    fix = _fix("0/0: tensor 'kwargs['logits']' size mismatch at index 0. expected 4, actual 2", USER_LINE)
    assert "mark_dynamic(kwargs" not in fix
    assert "on the tensor you pass at train.py:23" in fix


def test_a_growing_kv_cache_points_at_a_static_cache() -> None:
    fix = _fix("0/1: tensor 'kwargs['cache'].layers[0].keys' size mismatch at index 2. expected 5, actual 6", GENERATE_LINE)
    assert fix.startswith("The KV cache grew by one position (5, then 6): one more token.")
    assert 'cache_implementation="static"' in fix


def test_prompt_then_decoding_in_generate_is_expected() -> None:
    fix = _fix("0/0: tensor 'kwargs['input_ids']' size mismatch at index 1. expected 5, actual 1", GENERATE_LINE)
    assert "generate() runs the model on the whole prompt (5 tokens), then on one new token at a time (1)" in fix


def test_a_changing_sequence_length_suggests_padding() -> None:
    line = Location("train.py", 9, "<module>", "out = model(input_ids=ids)")
    fix = _fix("0/0: tensor 'input_ids' size mismatch at index 1. expected 16, actual 20", line, in_library=True)
    assert "sequence length of ids (passed as input_ids) changed (16, then 20)" in fix
    assert 'padding="max_length"' in fix and "mark_dynamic(ids, 1)" in fix


def test_user_code_keeps_the_plain_fix() -> None:
    fix = _fix("0/0: tensor 'x' size mismatch at index 0. expected 8, actual 9", None, in_library=False)
    assert "torch._dynamo.mark_dynamic(x, 0)" in fix


WRAPPED = """Graph break in user code at /venv/lib/python3.11/site-packages/transformers/modeling_utils.py:4824
Graph Break Reason: Encountered graph break that we cannot resume from. Compiling up to the previous resumable state, then skipping the rest of the function. Graph break encountered:

logging.Logger method not supported for non-export cases
  Explanation: logging.Logger methods are not supported for non-export cases.
  Hint: Add the logging method to `torch._dynamo.config.ignore_logging_functions`.

 For more details about this graph break, please visit: https://meta-pytorch.github.io/compile-graph-break-site/gb/gb0291.html

User code traceback:
  File "/home/u/train.py", line 23, in <module>
    loss = model(input_ids=batch, labels=batch).loss
  File "/venv/lib/python3.11/site-packages/transformers/modeling_utils.py", line 4824, in loss_function
    logger.warning_once(
"""


def test_a_wrapped_graph_break_is_read_under_its_inner_cause() -> None:
    gb = parse_graph_break(WRAPPED)
    assert gb.gb_type == "logging.Logger method not supported for non-export cases"
    assert gb.gb_id == "GB0291"
    assert gb.skip  # the rest of the frame ran eagerly
    assert gb.explanation == "logging.Logger methods are not supported for non-export cases."
    assert gb.location is not None and gb.location.line == 4824


def test_paths_outside_the_project_name_their_kind_not_the_machines_folders() -> None:
    paths = PathStyle("/home/u/proj")
    assert paths.display("/root/.pyenv/versions/3.11.7/lib/python3.11/contextlib.py") == "<stdlib>/contextlib.py"
    assert paths.display("/usr/lib/python3/dist-packages/yaml/x.py") == "<site-packages>/yaml/x.py"
    assert paths.display("/venv/lib/python3.12/site-packages/torch/nn/modules/module.py") == (
        "<site-packages>/torch/nn/modules/module.py"
    )
    assert paths.display("/home/u/proj/train.py") == "train.py"
    assert paths.display("/home/u/lib.py") == "../lib.py"
    assert paths.display("/root/other/x.py") == "/root/other/x.py"


def _compile(**kw: object) -> Compile:
    return Compile(compile_id="0/0", frame_id=0, frame_compile_id=0, code_name="x", status="ok", **kw)  # type: ignore[arg-type]


def test_a_decorated_forward_is_named_after_the_module() -> None:
    assert _qualified_name("wrapper", (_compile(self_class="GPT2LMHeadModel", module_forward=True),)) == (
        "GPT2LMHeadModel.forward"
    )
    assert _qualified_name("wrapped_func", (_compile(wrapped_class="BertModel", module_forward=True),)) == (
        "BertModel.forward"
    )
    # torch.compile(module) compiles torch's ``inner`` around it.
    assert _qualified_name("inner", (_compile(wrapped_class="Net"),)) == "Net.forward"
    # Not called as a module's forward: a method keeps its own name.
    assert _qualified_name("loss_function", (_compile(self_class="GPT2LMHeadModel"),)) == "GPT2LMHeadModel.loss_function"
    assert _qualified_name("helper", (_compile(),)) == "helper"


def _report(*functions: Function) -> Report:
    run = RunInfo(command="t.py", source="live", torch_version="2.13.0", python_version="3.11", dynotrace_version="0")
    return Report(run=run, functions=Functions(functions))


def test_nothing_compiled_is_said_first() -> None:
    skip = GraphBreak(gb_type="Attempted to call function marked as skipped", explanation="", skip=True)
    ddp = Function(
        name="forward",
        file="<site-packages>/torch/nn/parallel/distributed.py",
        first_line=1,
        compiles=(_compile(graph_breaks=(skip,)),),
        qualified_name="DistributedDataParallel.forward",
    )
    notes = _run_notes(_report(ddp))
    assert notes[0].startswith("Nothing was compiled: torch.compile entered 1 frame and produced 0 graphs")
    assert "DDP(torch.compile(model))" in notes[1]
    compiled = Function(name="f", file="t.py", first_line=1, compiles=(_compile(graphs=1),))
    assert _run_notes(_report(compiled)) == ()


def test_a_cache_filling_up_is_explained_as_the_cache() -> None:
    for reason in (
        "0/3: expected type of 'kwargs['cache'].layers[0].keys' to be a tensor type, but found <class 'NoneType'>",
        "0/4: kwargs['cache'].layers[0].is_initialized == False",
    ):
        fix = _fix(reason, GENERATE_LINE)
        assert fix.startswith("The KV cache changed state between calls"), fix
        assert 'cache_implementation="static"' in fix


def test_lazily_set_state_is_set_before_the_first_call() -> None:
    fix = _fix("0/1: self.config.problem_type is None", USER_LINE)
    assert "Set it before the first compiled call" in fix


def test_ids_and_install_paths_in_torchs_texts_are_not_the_machines() -> None:
    text = PathStyle("/home/u/proj").text(
        "G['_139798916826512_c0'].Tensor; file `/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/torch/_compile.py`"
    )
    assert text == "G['_<id>'].Tensor; file `<site-packages>/torch/_compile.py`"


def test_a_one_row_batch_under_a_dynamic_size_is_the_0_1_specialisation() -> None:
    line = Location("train.py", 19, "<module>", "out = model(input_ids=b, labels=b)")
    fix = _fix("0/3: 2 <= kwargs['input_ids'].size()[0]", line)
    assert fix.startswith("b had size 0 or 1 in dimension 0 at train.py:19.")
    assert "drop_last=True" in fix
    # Any other bound is a branch of the code on a size.
    assert "branched on a size" in _fix("0/0: 5 <= x.size()[0]", None, in_library=False)


def test_a_guard_made_in_torch_under_the_users_line_is_shown_at_the_users_line() -> None:
    reason = (
        "0/0: tensor 'x' size mismatch at index 0. expected 8, actual 6\n"
        "User stack trace:\n"
        '  File "train.py", line 50, in forward\n'
        "    return self.fc2(torch.relu(self.fc1(x)))\n"
        '  File "<site-packages>/torch/nn/modules/linear.py", line 134, in forward\n'
        "    return F.linear(input, self.weight, self.bias)\n"
    )
    failure = parse_reason(reason)
    assert failure.location == Location("train.py", 50, "forward", "return self.fc2(torch.relu(self.fc1(x)))")
