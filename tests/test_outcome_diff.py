"""``core/outcome_diff.py``: what ``flyte-entrypoint replay`` reports as different (README, "replay").

The contract: outputs are compared value by value (JSON views) with one entry per difference,
``{path, recorded, replayed, what}`` where ``what`` is ``added``/``removed``/``changed``/``length``;
error documents only by code, kind, origin and the ``Message:`` text (``summary``); a run that left
outputs and one that left an error differ at ``outcome``.
"""

from __future__ import annotations

from flyte_entrypoint.core.outcome_diff import ERROR_FIELDS, diff_outcomes, diff_values


def test_equal_values_have_no_difference() -> None:
    value = {"a": [1, {"b": "x"}], "c": None}
    assert diff_values(value, {"c": None, "a": [1, {"b": "x"}]}) == []


def test_changed_leaf_at_top_level_is_at_dollar() -> None:
    assert diff_values(1, 2) == [{"path": "$", "recorded": 1, "replayed": 2, "what": "changed"}]


def test_same_value_different_json_type_is_a_change() -> None:
    # 1 == 1.0 == True in Python, but the JSON views say int, float and bool: they differ
    assert diff_values(1, 1.0) == [{"path": "$", "recorded": 1, "replayed": 1.0, "what": "changed"}]
    assert diff_values({"x": True}, {"x": 1}) == [{"path": "x", "recorded": True, "replayed": 1, "what": "changed"}]


def test_dict_keys_added_removed_and_changed_in_key_order() -> None:
    recorded = {"b": 1, "a": {"x": 1, "y": 2}, "gone": "r"}
    replayed = {"b": 1, "a": {"x": 1, "y": 3}, "new": "n"}
    assert diff_values(recorded, replayed, "outputs") == [
        {"path": "outputs.a.y", "recorded": 2, "replayed": 3, "what": "changed"},
        {"path": "outputs.gone", "recorded": "r", "replayed": None, "what": "removed"},
        {"path": "outputs.new", "recorded": None, "replayed": "n", "what": "added"},
    ]


def test_top_level_dict_paths_have_no_leading_dot() -> None:
    assert diff_values({"k": 1}, {"k": 2}) == [{"path": "k", "recorded": 1, "replayed": 2, "what": "changed"}]
    assert diff_values({}, {"k": 2}) == [{"path": "k", "recorded": None, "replayed": 2, "what": "added"}]
    assert diff_values({"k": 1}, {}) == [{"path": "k", "recorded": 1, "replayed": None, "what": "removed"}]


def test_lists_compare_length_then_each_common_element() -> None:
    assert diff_values({"o": [1, 2, 3]}, {"o": [1, 5]}) == [
        {"path": "o", "recorded": 3, "replayed": 2, "what": "length"},
        {"path": "o[1]", "recorded": 2, "replayed": 5, "what": "changed"},
    ]
    assert diff_values([1], [1, 2]) == [{"path": "$", "recorded": 1, "replayed": 2, "what": "length"}]
    assert diff_values([[0], [1]], [[0], [2]], "o") == [{"path": "o[1][0]", "recorded": 1, "replayed": 2, "what": "changed"}]


def test_a_dict_against_a_list_or_a_scalar_is_one_change() -> None:
    assert diff_values({"a": 1}, [1]) == [{"path": "$", "recorded": {"a": 1}, "replayed": [1], "what": "changed"}]
    assert diff_values([1], {"a": 1}, "o") == [{"path": "o", "recorded": [1], "replayed": {"a": 1}, "what": "changed"}]
    assert diff_values({"a": 1}, "a") == [{"path": "$", "recorded": {"a": 1}, "replayed": "a", "what": "changed"}]


def _error(**fields: str) -> dict[str, str]:
    base = {
        "file": "error.pb",
        "code": "USER:RuntimeError",
        "kind": "NON_RECOVERABLE",
        "origin": "USER",
        "worker": "w1",
        "timestamp": "2026-12-03T09:37:41.483412027Z",
        "summary": "ZeroDivisionError: division by zero",
    }
    return {**base, **fields}


def test_the_fields_that_identify_a_failure() -> None:
    assert ERROR_FIELDS == ("code", "kind", "origin", "summary")


def test_errors_differ_only_by_code_kind_origin_and_message() -> None:
    recorded = {"outputs": None, "error": _error()}
    same = {"outputs": None, "error": _error(worker="w2", timestamp="2027-01-01T00:00:00Z", file="error-0.pb")}
    assert diff_outcomes(recorded, same) == []
    for field, value in [
        ("code", "USER:ValueError"),
        ("kind", "RECOVERABLE"),
        ("origin", "SYSTEM"),
        ("summary", "ValueError: x"),
    ]:
        other = {"outputs": None, "error": _error(**{field: value})}
        assert diff_outcomes(recorded, other) == [
            {"path": f"error.{field}", "recorded": _error()[field], "replayed": value, "what": "changed"}
        ]


def test_outputs_are_compared_value_by_value_under_outputs() -> None:
    recorded = {"outputs": {"o0": 1, "o1": "a"}, "error": None}
    assert diff_outcomes(recorded, {"outputs": {"o0": 1, "o1": "a"}, "error": None}) == []
    assert diff_outcomes(recorded, {"outputs": {"o0": 2, "o1": "a"}, "error": None}) == [
        {"path": "outputs.o0", "recorded": 1, "replayed": 2, "what": "changed"}
    ]


def test_empty_outputs_are_outputs() -> None:
    # a task without outputs writes an empty LiteralMap: outputs {} is not "nothing"
    assert diff_outcomes({"outputs": {}, "error": None}, {"outputs": None, "error": None}) == [
        {"path": "outcome", "recorded": "outputs", "replayed": "nothing", "what": "changed"}
    ]


def test_outcome_kinds_differ() -> None:
    outputs = {"outputs": {"o0": 1}, "error": None}
    error = {"outputs": None, "error": _error()}
    nothing = {"outputs": None, "error": None}
    assert diff_outcomes(error, outputs) == [
        {"path": "outcome", "recorded": "error", "replayed": "outputs", "what": "changed"}
    ]
    assert diff_outcomes(outputs, error) == [
        {"path": "outcome", "recorded": "outputs", "replayed": "error", "what": "changed"}
    ]
    assert diff_outcomes(nothing, error) == [
        {"path": "outcome", "recorded": "nothing", "replayed": "error", "what": "changed"}
    ]
    assert diff_outcomes(nothing, {}) == []


def test_outputs_win_over_an_error_document_in_the_same_outcome() -> None:
    both = {"outputs": {"o0": 1}, "error": _error()}
    assert diff_outcomes(both, {"outputs": {"o0": 1}, "error": None}) == []
