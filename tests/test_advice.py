"""Advice that holds on code no one here had seen (issue 20): a cause follows from the
structure of the guarded value (an optimizer's setting, an item of a dict the caller passes,
a module's attribute, an int's range, a value carried over a graph break), and every fix
story is told only where its premise holds for that guard.

Unit tests over the parsers and the analysis, with the guards and reasons of the loops in
``loops/`` (torch 2.13.0's words): no torch run. ``tests/test_loops.py`` runs the loops.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from dynotrace.analysis.causes import CATEGORIES, MARK_UNBACKED, Premises, classify, suggest
from dynotrace.analysis.explain import _GuardIndex, _shared_code, _suggestion
from dynotrace.analysis.fold import PathStyle, resumed_values
from dynotrace.analysis.reasons import parse_reason
from dynotrace.analysis.sources import parse_source
from dynotrace.model import Compile, Guard, GuardFailure, Location

LOOP = Location("train.py", 88, "<module>", "loss = model(batch, batch)")
INSIDE_A_MODEL = Location("moe.py", 54, "forward", "current = self.experts[i](current_state)")
GENERATE = Location("gen.py", 10, "<module>", "out = model.generate(prompt, max_new_tokens=4)")


def _explain(reason: str, guard: Guard | None = None, types: dict[str, str] | None = None, **premises: object) -> tuple[str, str]:
    failure = parse_reason(reason)
    category = classify(failure, guard, types)
    return category, suggest(failure, category, Premises(**premises))  # type: ignore[arg-type]


def test_an_lr_schedule_is_an_optimizer_setting_fixed_by_a_tensor_lr() -> None:
    guard = Guard("EQUALS_MATCH", "L['self'].param_groups[0]['lr'] == 0.0003", "L['self'].param_groups[0]['lr']")
    category, fix = _explain(
        "2/0: self.param_groups[0]['lr'] == 0.0003", guard, {"L['self']": "torch.optim.adamw.AdamW"}, became_dynamic=True
    )
    assert category == "optimizer_setting"
    assert "lr=torch.tensor(1e-3)" in fix and "register_buffer" not in fix
    assert "then made it dynamic" in fix  # the same report shows the float went dynamic


def test_a_value_of_a_dict_the_caller_passes_is_not_a_module_attribute() -> None:
    guard = Guard("EQUALS_MATCH", "L['cfg']['topk'] == 20", "L['cfg']['topk']")
    category, fix = _explain("0/1: cfg['topk'] == 20", guard, {"L['cfg']": "dict"})
    assert category == "passed_value"
    assert "register_buffer" not in fix and "module" not in fix


def test_a_dict_gaining_a_key_names_the_dict_not_the_key() -> None:
    failure = parse_reason("0/2: not ___dict_contains('top_p', cfg)")
    assert (failure.source, failure.expected, failure.actual) == ("cfg", "no key 'top_p'", "key 'top_p'")
    category, fix = _explain("0/2: not ___dict_contains('top_p', cfg)")
    assert category == "container"
    assert fix.startswith("cfg gained the key 'top_p'.")


def test_a_dataclass_field_of_an_argument_and_of_a_module() -> None:
    assert _explain("1/0: cfg.temperature == 4.0")[0] == "passed_value"
    assert _explain("0/0: self.config.logit_softcap == 30.0")[0] == "module_attribute"


def test_an_int_range_from_a_branch_is_not_other() -> None:
    category, fix = _explain("0/1: 16 <= t <= 99")
    assert category == "value_range"
    assert "between 16 and 99" in fix and "branches on its value" in fix
    assert _explain("0/0: 1 <= t")[0] == "value_range"


def test_a_float_is_never_told_to_turn_off_specialize_float() -> None:
    # torch's specialize_float is False on every release 2.6-2.15 (its default already).
    for dynamic in (True, False):
        _, fix = _explain("0/0: alpha == 0.1", became_dynamic=dynamic)
        assert "specialize_float" not in fix


def test_the_last_batch_only_for_a_batch_a_loop_passes_that_shrank() -> None:
    reason = "0/0: tensor 'x' size mismatch at index 0. expected 23, actual 20"
    assert "last one of an epoch" in _explain(reason, call_site=LOOP)[1]
    # Tokens routed to an expert: the call is inside a model's forward.
    assert "epoch" not in _explain(reason, call_site=INSIDE_A_MODEL)[1]
    # A view of another tensor: computed inside the model.
    assert "epoch" not in _explain(reason, call_site=LOOP, view=True)[1]
    # It changed before: not "after equal earlier calls".
    assert "epoch" not in _explain(reason, call_site=LOOP, first_change=False)[1]
    # It grew.
    assert "epoch" not in _explain("0/0: tensor 'x' size mismatch at index 0. expected 20, actual 23", call_site=LOOP)[1]


def test_a_size_of_one_is_the_0_1_specialisation_which_mark_dynamic_cannot_prevent() -> None:
    _, fix = _explain("0/0: tensor 'x' size mismatch at index 0. expected 2, actual 1", call_site=LOOP)
    assert f"{MARK_UNBACKED}(x, 0)" in fix
    assert "torch._dynamo.mark_dynamic(x" not in fix
    assert "does not prevent this recompile" in fix


def test_the_kv_cache_grows_only_along_its_sequence_dimension_by_one() -> None:
    grow = "0/1: tensor 'kwargs['cache'].layers[0].keys' size mismatch at index 2. expected 5, actual 6"
    assert "one more token" in _explain(grow, call_site=GENERATE)[1]
    batch = "0/1: tensor 'kwargs['cache'].layers[0].keys' size mismatch at index 0. expected 4, actual 2"
    assert "grew" not in _explain(batch, call_site=GENERATE)[1]
    new_prompt = "0/1: tensor 'kwargs['cache'].layers[0].keys' size mismatch at index 2. expected 8, actual 13"
    assert "a new input length, not one more token" in _explain(new_prompt, call_site=GENERATE)[1]


def test_a_cache_filling_up_is_generate_s_story_only_under_generate() -> None:
    reason = "0/4: kwargs['cache'].layers[0].is_initialized == False"
    assert "each generate() starts" in _explain(reason, call_site=GENERATE)[1]
    assert "generate()" not in _explain(reason, call_site=LOOP)[1]


def test_a_tensor_computed_before_a_graph_break_is_not_one_the_caller_passes() -> None:
    _, fix = _explain(
        "4/0: tensor 'idx' size mismatch at index 0. expected 2, actual 15", call_site=LOOP, resumed=True, resume_line=68
    )
    assert "computed inside the function before the graph break at line 68" in fix
    assert "before your call" not in fix


def test_dynamos_names_for_resumed_values_never_reach_the_user() -> None:
    text = resumed_values("tensor '___stack0' size mismatch; ___stack1 == 3", 35)
    assert "___stack" not in text
    assert "(value before the graph break at line 35)" in text and "(value 2 before the graph break at line 35)" in text
    failure = parse_reason(f"0/0: {resumed_values('___stack0 == 3', 35)}")
    assert classify(failure) == "resumed_value"
    assert parse_source("(value before the graph break at line 35).size()[0]").scope == "stack"  # type: ignore[union-attr]


def test_object_ids_in_dynamos_globals_are_not_the_report_s() -> None:
    text = PathStyle(None).text("NOT_NONE: G['__optimizer_139858320911440_139858275782384_c7']() is not None")
    assert text == "NOT_NONE: G['__optimizer_<id>_<id>_c7']() is not None"


def _compile(n: int, cls: str, failures: tuple[GuardFailure, ...] = (), guards: tuple[Guard, ...] = ()) -> Compile:
    return Compile(
        compile_id=f"0/{n}", frame_id=0, frame_compile_id=n, code_name="wrapper", status="ok",
        self_class=cls, guard_failures=failures, guards=guards,
    )


def test_one_code_object_for_many_classes_is_explained_as_shared_code() -> None:
    identity = GuardFailure("0/0", "___check_obj_id(fn.__code__, <id>)", source="fn.__code__", category="object_identity")
    compiles = (_compile(0, "Stem"), _compile(1, "ResBlock", (identity,)))
    shared = _shared_code("wrapper", compiles)[1].guard_failures[0]
    assert shared.category == "shared_code"
    assert (shared.expected, shared.actual) == ("Stem", "ResBlock")
    assert "raise torch._dynamo.config.recompile_limit to at least 2" in shared.suggestion
    # One class: not shared.
    assert _shared_code("wrapper", (_compile(0, "Stem"), _compile(1, "Stem", (identity,))))[1].guard_failures[0].category == "object_identity"


@pytest.mark.parametrize(
    ("text", "scope", "name", "attributes"),
    [
        ("L['self'].param_groups[0]['lr']", "local", "self", ("param_groups",)),
        ("G['__optimizer_<id>_c4']", "dynamo", "__optimizer_<id>_c4", ()),
        ("L['self']._modules['fc']._parameters['weight']", "local", "self", ("fc", "weight")),
        ("cfg['topk']", "local", "cfg", ()),
        ("___stack0", "stack", "___stack0", ()),
        ("G['SCALE']", "global", "SCALE", ()),
    ],
)
def test_sources_parse_into_their_structure(text: str, scope: str, name: str, attributes: tuple[str, ...]) -> None:
    source = parse_source(text)
    assert source is not None
    assert (source.scope, source.name, source.attributes) == (scope, name, attributes)


def test_a_category_remembered_for_one_guard_tree_is_not_another_s() -> None:
    # classify remembers what it read from the texts; what the tree says the source is
    # (an optimizer here, a dict there) still decides for each call.
    guard = Guard("EQUALS_MATCH", "L['opt']['momentum'] == 0.9", "L['opt']['momentum']")
    failure = parse_reason("2/0: opt['momentum'] == 0.9")
    assert classify(failure, guard, {"L['opt']": "torch.optim.sgd.SGD"}) == "optimizer_setting"
    assert classify(failure, guard, {"L['opt']": "dict"}) == "passed_value"
    assert classify(failure, guard, {"L['opt']": "torch.optim.sgd.SGD"}) == "optimizer_setting"


def test_the_explainers_remembered_suggestion_is_keyed_on_every_premise() -> None:
    # explain._suggestion stands for suggest with a failure's reason, source and values and
    # every premise but the tree's types: a premise added later must join its key.
    premise_names = {f.name for f in dataclasses.fields(Premises)} - {"types"}
    keyed = set(inspect.signature(_suggestion).parameters)
    assert keyed == {"category", "reason", "source", "expected", "actual"} | premise_names


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize(
    "reason",
    [
        "0/0: tensor 'x' size mismatch at index 0. expected 8, actual 7",
        "0/0: tensor 'kwargs['input_ids']' size mismatch at index 1. expected 9, actual 1",
        "0/0: tensor 'L['self'].k_cache' size mismatch at index 2. expected 5, actual 6",
        "0/0: self.param_groups[0]['lr'] == 0.0003",
        "0/0: 2 <= x.size()[0]",
        "0/0: len(xs) == 2",
        "0/0: not ___dict_contains('top_p', L['cfg'])",
        "0/0: x is None",
    ],
)
def test_a_remembered_suggestion_is_what_suggest_says(category: str, reason: str) -> None:
    for premises in (
        Premises(),
        Premises(became_dynamic=True, call_site=LOOP, view=True, resume_line=12, resumed=True, types={"L['x']": "torch.Tensor"}),
        Premises(call_site=GENERATE, in_library=True, first_change=False),
        Premises(call_site=INSIDE_A_MODEL, resume_line=3),
    ):
        failure = dataclasses.replace(
            parse_reason(reason), location=LOOP, category="other", guard_kind="TENSOR_MATCH", suggestion="?"
        )
        remembered = _suggestion(
            category, failure.reason, failure.source, failure.expected, failure.actual,
            *(getattr(premises, name) for name in list(inspect.signature(_suggestion).parameters)[5:]),
        )
        assert remembered == suggest(failure, category, premises)


def test_a_failure_finds_the_first_guard_of_its_tensor_check_state_or_source() -> None:
    state = Guard("GLOBAL_STATE", "___check_global_state()")
    x = Guard("TENSOR_MATCH", "check_tensor(L['x'], Float, [8])", "L['x']")
    x_again = Guard("TENSOR_MATCH", "check_tensor(L['x'], Float, [8])  # again", "L['x']")
    n = Guard("EQUALS_MATCH", "L['n'] == 3", "L['n']")
    view = Guard("TENSOR_MATCH", "check_tensor(L['y']._base, Float, [16])", "L['y']._base")
    index = _GuardIndex(_compile(0, "Net", guards=(state, x, x_again, n, view)))
    assert index.failing_guard("tensor 'x' size mismatch at index 0. expected 8, actual 9", "x.size()[0]") is x
    assert index.failing_guard("tensor 'z' dtype mismatch. expected Float, actual Half", "z.dtype") is None
    assert index.failing_guard("n == 3", "n") is n  # the check in the user's terms
    assert index.failing_guard("L['n'] == 3", "n") is n  # and in Dynamo's
    assert index.failing_guard("GLOBAL_STATE changed: grad_mode", "global state: grad_mode") is state
    assert index.failing_guard("n == 4", "n") is n  # by its source
    assert index.failing_guard("m == 4", "m") is None
    assert index.mentions_view("L['y']") and index.mentions_view("y") is False
    assert index.mentions_view("L['x']") is False
