"""``list_int_1m`` / ``list_opt_int_1m`` / ``list_str_1m`` / ``dict_str_float_200k`` / ``dict_str_str_200k``: echo tasks,
so all the time is literal <-> Python conversion."""

from typing import Dict, List, Optional

try:
    from flytekit import task
except ImportError:
    from flyte_entrypoint import task


@task
def echo_list_int(xs: List[int]) -> List[int]:
    return xs


@task
def echo_dict_str_float(d: Dict[str, float]) -> Dict[str, float]:
    return d


@task
def echo_dict_str_str(d: Dict[str, str]) -> Dict[str, str]:
    return d


@task
def echo_list_opt_int(xs: List[Optional[int]]) -> List[Optional[int]]:
    return xs


@task
def echo_list_str(xs: List[str]) -> List[str]:
    return xs
