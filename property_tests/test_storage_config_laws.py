"""Laws of the pure storage configuration (``flyte_entrypoint.core.storage_config``; see its docstring)."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from flyte_entrypoint.core import storage_config as sc

# Every variable the configuration reads.
NAMES = (
    "FLYTE_AWS_ENDPOINT",
    "FLYTE_AWS_ACCESS_KEY_ID",
    "FLYTE_AWS_SECRET_ACCESS_KEY",
    "FLYTE_AWS_ADDRESSING_STYLE",
    "FLYTE_AWS_RETRIES",
    "FLYTE_AWS_BACKOFF_SECONDS",
    "FLYTE_AWS_ENABLE_DEBUG",
    "FLYTE_GCP_GSUTIL_PARALLELISM",
    "FLYTE_AZURE_STORAGE_ACCOUNT_NAME",
    "FLYTE_AZURE_STORAGE_ACCOUNT_KEY",
    "FLYTE_AZURE_TENANT_ID",
    "FLYTE_AZURE_CLIENT_ID",
    "FLYTE_AZURE_CLIENT_SECRET",
    "FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA",
    "FLYTE_INTERNAL_EXECUTION_PROJECT",
    "FLYTE_INTERNAL_EXECUTION_DOMAIN",
    "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN",
    "FLYTE_INTERNAL_EXECUTION_WORKFLOW",
    "FLYTE_INTERNAL_EXECUTION_ID",
    "_F_PRJ",
    "_F_DM",
    "_F_LP",
    "_F_WF",
    "_F_NM",
    "_F_P_WRITE_CHUNK_SIZE",
    sc.ENV_MAX_ATTEMPTS,
    sc.ENV_TIMEOUT_SECONDS,
)

SPECIAL_VALUES = (
    "",
    "0",
    "1",
    "-1",
    "7",
    "true",
    "false",
    "OFF",
    "yes",
    "path",
    "virtual",
    "nan",
    "inf",
    "-inf",
)
values = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.text(max_size=8),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
envs = st.dictionaries(st.sampled_from(NAMES), values, max_size=len(NAMES))
foreign_names = st.text(st.sampled_from("ABCXYZ_"), min_size=1, max_size=6).map(lambda s: "OTHER_" + s)
protocols = st.sampled_from(["s3", "s3a", "S3", "gs", "gcs", "abfs", "abfss", "az", "memory", "http", "file"])
content = st.one_of(st.none(), st.sampled_from(["", "text/html", "gzip", "application/octet-stream"]))


@given(envs)
@example({sc.ENV_TIMEOUT_SECONDS: "inf", sc.ENV_MAX_ATTEMPTS: "0", "_F_P_WRITE_CHUNK_SIZE": "-5"})
@example({sc.ENV_TIMEOUT_SECONDS: "nan"})
def test_from_env_is_total_and_bounded(env: dict[str, str]) -> None:
    cfg = sc.StorageConfig.from_env(env)
    assert cfg.budget.attempts >= 1
    assert math.isfinite(cfg.budget.seconds) and cfg.budget.seconds > 0
    assert cfg.write_chunk_size > 0
    assert cfg.budget.connect_timeout <= 5.0
    assert cfg.budget.connect_timeout > 0 and cfg.budget.read_timeout > 0


@given(envs, st.dictionaries(foreign_names, values, max_size=4))
def test_only_its_own_names_count(env: dict[str, str], foreign: dict[str, str]) -> None:
    assert sc.StorageConfig.from_env({**env, **foreign}) == sc.StorageConfig.from_env(env)


@given(envs, st.sampled_from([n for n in NAMES if n != sc.ENV_ATTACH_METADATA]))
def test_empty_means_unset(env: dict[str, str], name: str) -> None:
    without = {k: v for k, v in env.items() if k != name}
    assert sc.StorageConfig.from_env({**without, name: ""}) == sc.StorageConfig.from_env(without)


@given(envs)
def test_attach_flag_present_and_empty_is_false(env: dict[str, str]) -> None:
    """flytekit's bool rule, the one exception to "empty means unset" (README, Q17)."""
    assert sc.StorageConfig.from_env({**env, sc.ENV_ATTACH_METADATA: ""}).execution_metadata is None
    without = {k: v for k, v in env.items() if k != sc.ENV_ATTACH_METADATA}
    assert sc.StorageConfig.from_env(without).execution_metadata is not None


@given(st.integers(1, 12), st.floats(0.001, 10_000, allow_nan=False))
@example(4, 60.0)
def test_the_budget_holds(attempts: int, seconds: float) -> None:
    b = sc.RetryBudget(attempts, seconds)
    assert b.connect_timeout <= 5.0
    assert math.isclose(b.connect_timeout + b.read_timeout, b.per_attempt_seconds)
    if seconds >= b.max_backoff_seconds + 0.5 * attempts:
        worst = attempts * (b.connect_timeout + b.read_timeout) + b.max_backoff_seconds
        assert worst <= seconds * (1 + 1e-9)
    config = b.botocore_config()
    assert config["retries"] == {"mode": "standard", "total_max_attempts": attempts}


@given(st.integers(1, 12), st.floats(0.001, 10_000, allow_nan=False))
@example(4, 60.0)
@example(2, 6.0)
def test_the_budget_holds_for_gcsfs_and_azure(attempts: int, seconds: float) -> None:
    b = sc.RetryBudget(attempts, seconds)
    gcs = b.gcsfs_timeouts()
    assert 0 < gcs.connect <= 5.0 and gcs.read > 0
    if seconds >= sc.GCSFS_MAX_BACKOFF_SECONDS + 0.5 * sc.GCSFS_TRIES:
        worst = sc.GCSFS_TRIES * (gcs.connect + gcs.read) + sc.GCSFS_MAX_BACKOFF_SECONDS
        assert worst <= seconds * (1 + 1e-9)
    az = b.azure_timeouts()
    assert 0 < az.connect <= 5.0 and az.read > 0
    if seconds >= b.azure_max_backoff_seconds + 0.5 * attempts:
        worst = attempts * (az.connect + az.read) + b.azure_max_backoff_seconds
        assert worst <= seconds * (1 + 1e-9)
    # the closed forms agree with the libraries' schedules, summed
    retries = range(attempts - 1)
    assert math.isclose(b.max_backoff_seconds, sum(min(2**n, 20) for n in retries))
    base = b.azure_increment_base
    assert math.isclose(b.azure_max_backoff_seconds, sum(1.5 + (0 if n == 0 else base**n) for n in retries))
    policy = b.azure_retry_policy()
    retries = {policy[k] for k in ("total_retries", "connect_retries", "read_retries", "status_retries")}
    assert retries == {attempts - 1}


@given(
    st.integers(1, 12), st.floats(0.001, 10_000, allow_nan=False), st.integers(0, 20), st.floats(0, 20_000)
)
@example(2, 6.0, 0, 0.1)
@example(1, 60.0, 0, 0.0)
def test_a_cut_body_is_reread_within_the_budget(
    attempts: int, seconds: float, done: int, elapsed: float
) -> None:
    b = sc.RetryBudget(attempts, seconds)
    one = b.single_try()
    assert one.attempts == 1
    assert math.isclose(one.connect_timeout, b.connect_timeout) and math.isclose(
        one.read_timeout, b.read_timeout
    )
    allowed = b.may_reread(done, elapsed)
    assert allowed == (done + 1 <= attempts - 1 and elapsed + b.per_attempt_seconds <= seconds)
    if allowed:  # the re-read, a single try, ends within the budget
        assert elapsed + one.connect_timeout + one.read_timeout <= seconds * (1 + 1e-9)


@given(envs, protocols)
def test_only_s3_cut_bodies_are_reread_by_us(env: dict[str, str], protocol: str) -> None:
    cfg = sc.StorageConfig.from_env(env)
    impl = sc.implementation_for(protocol)
    assert cfg.rereads_cut_bodies(impl) == (impl is not None and impl.family == sc.S3)
    if impl is not None:
        assert cfg.client_retry_policy(impl) == (
            cfg.budget.azure_retry_policy() if impl.family == sc.AZURE else {}
        )
    assert cfg.single_try().budget == cfg.budget.single_try()
    assert cfg.single_try().s3 == cfg.s3


@given(envs, protocols)
def test_anonymous_carries_no_secret(env: dict[str, str], protocol: str) -> None:
    cfg = sc.StorageConfig.from_env(env)
    impl = sc.implementation_for(protocol)
    if impl is None:
        assert protocol.lower() not in sc.CLOUD_IMPLEMENTATIONS
        return
    kwargs = cfg.filesystem_kwargs(impl, anonymous=True)
    if impl.family == sc.S3:
        assert kwargs["anon"] is True and "key" not in kwargs and "secret" not in kwargs
    elif impl.family == sc.GCS:
        assert kwargs == {"token": "anon", "requests_timeout": cfg.budget.gcsfs_timeouts()}
    else:
        assert kwargs["anon"] is True


@given(envs, protocols, content, content)
def test_metadata_goes_where_it_is_kept(
    env: dict[str, str], protocol: str, ctype: str | None, encoding: str | None
) -> None:
    cfg = sc.StorageConfig.from_env(env)
    kwargs = cfg.upload_kwargs(protocol, ctype, encoding)
    impl = sc.implementation_for(protocol)
    attached = cfg.execution_metadata is not None
    if impl is None:
        assert kwargs == {}
    elif impl.family == sc.S3:
        assert ("Metadata" in kwargs) == attached
        assert kwargs["chunksize"] == cfg.write_chunk_size
        assert kwargs.get("ContentEncoding") == (encoding or None)
    elif impl.family == sc.GCS:
        assert ("metadata" in kwargs) == attached
        assert kwargs["chunksize"] == cfg.write_chunk_size
    else:
        assert "Metadata" not in kwargs and "metadata" not in kwargs
    if attached and impl is not None and impl.family != sc.AZURE:
        meta = kwargs["Metadata" if impl.family == sc.S3 else "metadata"]
        assert set(meta) == {
            "flyte-execution-project",
            "flyte-execution-domain",
            "flyte-execution-launchplan",
            "flyte-execution-workflow",
            "flyte-execution-name",
        }


@given(envs, protocols)
def test_only_s3fs_has_its_own_loop_switched_off(env: dict[str, str], protocol: str) -> None:
    cfg = sc.StorageConfig.from_env(env)
    impl = sc.implementation_for(protocol)
    if impl is not None:
        assert cfg.filesystem_attributes(impl) == ({"retries": 1} if impl.family == sc.S3 else {})
        with_budget = cfg.filesystem_kwargs(impl, anonymous=False)
        if impl.family == sc.S3:
            assert with_budget["config_kwargs"]["retries"]["total_max_attempts"] == cfg.budget.attempts


@given(st.text(max_size=12), st.one_of(st.none(), st.text(max_size=6)))
@example("a.csv.gz", None)
@example("a.csv.gz", "")
def test_content_encoding_of_a_file_upload(name: str, requested: str | None) -> None:
    got = sc.content_encoding_for(name, requested)
    if requested is None:
        assert got == ("gzip" if name.endswith(".gz") else None)
    else:
        assert got == (requested or None)
