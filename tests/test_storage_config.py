"""The storage configuration as values (``core.storage_config``): flytekit's environment spellings and rules, the
keyword arguments each fsspec library gets, and the one retry budget.

Expected values: flytekit 1.16's ``data_persistence.s3_setup_args`` / ``azure_setup_args`` /
``get_fsspec_storage_options`` (oracle venv), its config entries (``FLYTE_AWS_*``, ``FLYTE_GCP_*``,
``FLYTE_AZURE_*``, ``_F_P_WRITE_CHUNK_SIZE`` default 25 MiB, ``FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA``), the
execution metadata keys its entrypoint attaches, botocore's standard retry mode (back-off ``min(2**(n-1), 20)``
seconds) and the module's docstring (the budget's split: a third for connecting, at most 5 s).
"""

from __future__ import annotations

import pytest

from flyte_entrypoint.core import storage_config as sc

S3 = sc.implementation_for("s3")
GCS = sc.implementation_for("gs")
AZURE = sc.implementation_for("abfs")


# ------------------------------------------------------------------------------------------ implementations
@pytest.mark.parametrize(
    ("protocol", "module", "class_name", "extra"),
    [
        ("s3", "s3fs", "S3FileSystem", "s3"),
        ("S3A", "s3fs", "S3FileSystem", "s3"),
        ("gs", "gcsfs", "GCSFileSystem", "gcs"),
        ("gcs", "gcsfs", "GCSFileSystem", "gcs"),
        ("abfs", "adlfs", "AzureBlobFileSystem", "abfs"),
        ("abfss", "adlfs", "AzureBlobFileSystem", "abfs"),
        ("Az", "adlfs", "AzureBlobFileSystem", "abfs"),
    ],
)
def test_cloud_schemes_and_their_libraries(protocol: str, module: str, class_name: str, extra: str) -> None:
    impl = sc.implementation_for(protocol)
    assert impl is not None and (impl.module, impl.class_name, impl.extra) == (module, class_name, extra)


@pytest.mark.parametrize("protocol", ["memory", "http", "file", "hdfs"])
def test_other_schemes_are_fsspecs_own_choice(protocol: str) -> None:
    assert sc.implementation_for(protocol) is None


# ------------------------------------------------------------------------------------------ S3
def test_s3_settings_from_flytekits_variables() -> None:
    env = {
        "FLYTE_AWS_ENDPOINT": "http://minio:9000",
        "FLYTE_AWS_ACCESS_KEY_ID": "AK",
        "FLYTE_AWS_SECRET_ACCESS_KEY": "SK",
        "FLYTE_AWS_ADDRESSING_STYLE": "path",
        "FLYTE_AWS_RETRIES": "7",
        "FLYTE_AWS_BACKOFF_SECONDS": "3",
        "FLYTE_AWS_ENABLE_DEBUG": "true",
    }
    assert sc.S3Settings.from_env(env) == sc.S3Settings("http://minio:9000", "AK", "SK", "path", 7, 3, True)
    assert sc.S3Settings.from_env({"FLYTE_AWS_BACKOFF_SECONDS": "x"}).backoff_seconds is None
    assert sc.S3Settings.from_env({}) == sc.S3Settings()
    assert sc.S3Settings.from_env({"FLYTE_AWS_ENABLE_DEBUG": ""}).enable_debug is False


def test_s3_kwargs_as_flytekits_s3_setup_args() -> None:
    settings = sc.S3Settings("http://minio:9000", "AK", "SK")
    assert settings.filesystem_kwargs(False) == {
        "cache_regions": True,
        "key": "AK",
        "secret": "SK",
        "client_kwargs": {"endpoint_url": "http://minio:9000"},
    }
    assert sc.S3Settings().filesystem_kwargs(False) == {"cache_regions": True}
    assert sc.S3Settings(secret_access_key="SK").filesystem_kwargs(False) == {"cache_regions": True, "secret": "SK"}
    # anonymous: flytekit's "anon", and (unlike flytekit) no key or secret next to it
    assert settings.filesystem_kwargs(True) == {
        "cache_regions": True,
        "anon": True,
        "client_kwargs": {"endpoint_url": "http://minio:9000"},
    }


@pytest.mark.parametrize(("style", "sent"), [("path", "path"), ("AUTO", "auto"), ("virtual", "virtual"), ("odd", "virtual")])
def test_s3_addressing_style(style: str, sent: str) -> None:
    kwargs = sc.S3Settings(addressing_style=style).filesystem_kwargs(False)
    assert kwargs["config_kwargs"] == {"s3": {"addressing_style": sent}}
    budget = sc.RetryBudget(2, 30.0)
    kwargs = sc.S3Settings(addressing_style=style).filesystem_kwargs(False, budget)
    assert kwargs["config_kwargs"] == {"s3": {"addressing_style": sent}, **budget.botocore_config()}


# ------------------------------------------------------------------------------------------ the budget
def test_the_default_budget() -> None:
    budget = sc.RetryBudget.from_env({})
    assert (budget.attempts, budget.seconds) == (4, 60.0)
    assert budget.max_backoff_seconds == 1 + 2 + 4  # botocore sleeps before tries 2, 3 and 4
    assert budget.per_attempt_seconds == (60 - 7) / 4
    assert budget.connect_timeout == 13.25 / 3  # a third of each try
    assert budget.read_timeout == 13.25 - 13.25 / 3
    assert budget.botocore_config() == {
        "retries": {"mode": "standard", "total_max_attempts": 4},
        "connect_timeout": 13.25 / 3,
        "read_timeout": 13.25 - 13.25 / 3,
    }
    capped = sc.RetryBudget(1, 30.0)
    assert (capped.connect_timeout, capped.read_timeout) == (5.0, 25.0)  # connecting: at most 5 s


def test_backoff_is_capped_at_20_seconds_per_sleep_and_tries_keep_half_a_second() -> None:
    assert sc.RetryBudget(7, 600.0).max_backoff_seconds == 1 + 2 + 4 + 8 + 16 + 20
    assert sc.RetryBudget(1, 10.0).max_backoff_seconds == 0.0
    tight = sc.RetryBudget(3, 2.0)  # 3 s of back-off leave nothing: each try still gets 0.5 s
    assert tight.per_attempt_seconds == 0.5
    assert tight.connect_timeout == 0.5 / 3 and tight.read_timeout == 0.5 - 0.5 / 3
    assert sc.RetryBudget(1, 9.0).connect_timeout == 3.0


def test_gcsfs_gets_the_rest_of_the_budget_after_its_fixed_schedule() -> None:
    """gcsfs's ``retry_request(retries=6)`` makes 6 tries and sleeps ``min(random() + 2**(n-1), 32)`` before
    retry n = 1..5: at most 2 + 3 + 5 + 9 + 17 = 36 s. The rest of 60 s split over 6 tries is 4 s a try (a
    third of it, at most 5 s, for connecting); a budget smaller than the schedule still gives each try 0.5 s."""
    assert sc.RetryBudget(4, 60.0).gcsfs_timeouts() == sc.SocketTimeouts(4.0 / 3, 4.0 - 4.0 / 3)
    assert sc.RetryBudget(4, 10.0).gcsfs_timeouts() == sc.SocketTimeouts(0.5 / 3, 0.5 - 0.5 / 3)
    assert sc.RetryBudget(4, 156.0).gcsfs_timeouts() == sc.SocketTimeouts(5.0, 15.0)  # 20 s a try


def test_a_cut_body_is_reread_only_while_a_whole_try_fits() -> None:
    """2 tries in 6 s: 1 s of back-off, 2.5 s a try. A re-read that would end exactly at 6 s is still made."""
    budget = sc.RetryBudget(2, 6.0)
    assert budget.per_attempt_seconds == 2.5
    assert budget.may_reread(0, 3.5)
    assert not budget.may_reread(0, 3.75)
    assert not budget.may_reread(1, 0.0)  # attempts - 1 re-reads at most


def _azure_schedule(retries: int, base: float) -> float:
    """azure-storage's ``ExponentialRetry``: before retry n (0, 1, ...) it sleeps ``initial_backoff + (0 if n == 0
    else increment_base**n)`` plus up to ``random_jitter_range`` (1 s and 0.5 s here): the longest sum."""
    return sum(1.0 + (0 if n == 0 else base**n) + 0.5 for n in range(retries))


@pytest.mark.parametrize(
    ("attempts", "seconds", "base"),
    [
        (4, 60.0, 2.0),  # 1.5 + 3.5 + 5.5 = 10.5 s, within half of 60 s
        (4, 21.0, 2.0),  # 10.5 s is exactly half: still exponential
        (4, 20.0, 1.0),  # more than half: flat 1 s steps (azure-storage has no cap)
        (1, 0.5, 2.0),  # no retries, nothing to sleep
        (31, 1e12, 2.0),  # 30 retries whose ~2**30 s fit in the (absurd) budget
        (32, 1e12, 1.0),  # beyond 30 retries: flat steps, whatever the budget
    ],
)
def test_azure_back_off_is_exponential_only_while_it_takes_half_the_budget(
    attempts: int, seconds: float, base: float
) -> None:
    budget = sc.RetryBudget(attempts, seconds)
    assert budget.azure_increment_base == base
    assert budget.azure_max_backoff_seconds == _azure_schedule(attempts - 1, base)
    assert budget.azure_retry_policy() == {
        "total_retries": attempts - 1,
        "connect_retries": attempts - 1,
        "read_retries": attempts - 1,
        "status_retries": attempts - 1,
        "initial_backoff": 1.0,
        "increment_base": base,
        "random_jitter_range": 0.5,
    }


def test_adlfs_gets_the_rest_of_the_budget_after_azures_back_off() -> None:
    """4 tries in 60 s: 10.5 s of back-off (above), (60 - 10.5) / 4 = 12.375 s a try, 4.125 s of it to connect;
    a budget below the back-off still gives each try 0.5 s."""
    assert sc.RetryBudget(4, 60.0).azure_timeouts() == sc.SocketTimeouts(4.125, 8.25)
    assert sc.RetryBudget(4, 5.0).azure_timeouts() == sc.SocketTimeouts(0.5 / 3, 0.5 - 0.5 / 3)
    assert sc.RetryBudget(1, 60.0).azure_timeouts() == sc.SocketTimeouts(5.0, 55.0)


@pytest.mark.parametrize(
    ("env", "attempts", "seconds"),
    [
        ({"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "2", "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "12.5"}, 2, 12.5),
        ({"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "0"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "-3"}, 1, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS": "x"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "nan"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "inf"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "0"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "-1"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "soon"}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": ""}, 4, 60.0),
        ({"FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS": "0.25"}, 4, 0.25),
    ],
)
def test_the_budget_from_the_environment(env: dict[str, str], attempts: int, seconds: float) -> None:
    budget = sc.RetryBudget.from_env(env)
    assert (budget.attempts, budget.seconds) == (attempts, seconds)


# ------------------------------------------------------------------------------------------ GCS and Azure
def test_gcs_kwargs_and_settings() -> None:
    """flytekit: gcsfs discovers credentials itself; anonymous is ``token="anon"``."""
    assert sc.GcsSettings().filesystem_kwargs(True) == {"token": "anon"}
    assert sc.GcsSettings().filesystem_kwargs(False) == {}
    assert sc.GcsSettings.from_env({"FLYTE_GCP_GSUTIL_PARALLELISM": "1"}).gsutil_parallelism is True
    assert sc.GcsSettings.from_env({}) == sc.GcsSettings() == sc.GcsSettings(gsutil_parallelism=False)
    assert sc.AzureSettings.from_env({}) == sc.AzureSettings() == sc.AzureSettings(None, None, None, None, None)


def test_azure_kwargs_as_flytekits_azure_setup_args() -> None:
    env = {
        "FLYTE_AZURE_STORAGE_ACCOUNT_NAME": "acct",
        "FLYTE_AZURE_STORAGE_ACCOUNT_KEY": "key",
        "FLYTE_AZURE_TENANT_ID": "tenant",
        "FLYTE_AZURE_CLIENT_ID": "client",
        "FLYTE_AZURE_CLIENT_SECRET": "secret",
    }
    settings = sc.AzureSettings.from_env(env)
    assert settings == sc.AzureSettings("acct", "key", "tenant", "client", "secret")
    assert settings.filesystem_kwargs(False) == {
        "account_name": "acct",
        "account_key": "key",
        "client_id": "client",
        "client_secret": "secret",
        "tenant_id": "tenant",
        "anon": False,
    }
    assert sc.AzureSettings(account_name="acct").filesystem_kwargs(True) == {"account_name": "acct", "anon": True}


def test_the_configuration_dispatches_kwargs_and_attributes_by_family() -> None:
    config = sc.StorageConfig.from_env({"FLYTE_AWS_ACCESS_KEY_ID": "AK", "FLYTE_AZURE_STORAGE_ACCOUNT_NAME": "acct"})
    assert S3 is not None and GCS is not None and AZURE is not None
    s3 = config.filesystem_kwargs(S3, False)
    assert s3["key"] == "AK" and s3["config_kwargs"] == config.budget.botocore_config()
    assert "config_kwargs" not in config.filesystem_kwargs(S3, False, with_budget=False)
    gcs = config.filesystem_kwargs(GCS, True)  # anonymous, plus the budget's per-try timeouts (gcsfs's own retries)
    assert gcs["token"] == "anon" and set(gcs) == {"token", "requests_timeout"}
    assert config.filesystem_kwargs(GCS, True, with_budget=False) == {"token": "anon"}
    azure = config.filesystem_kwargs(AZURE, False)  # plus adlfs's per-try socket timeouts from the budget
    assert set(azure) == {"account_name", "anon", "connection_timeout", "read_timeout"}
    assert config.filesystem_kwargs(AZURE, False, with_budget=False) == {"account_name": "acct", "anon": False}
    assert config.filesystem_attributes(S3) == {"retries": 1}
    assert config.filesystem_attributes(GCS) == {} and config.filesystem_attributes(AZURE) == {}


# ------------------------------------------------------------------------------------------ uploads
def test_execution_metadata_keys_and_aliases() -> None:
    env = {
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "p",
        "_F_DM": "d",
        "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN": "lp",
        "_F_WF": "wf",
        "FLYTE_INTERNAL_EXECUTION_ID": "",
        "_F_NM": "n",
    }
    assert sc.execution_metadata_from_env(env) == {
        "flyte-execution-project": "p",
        "flyte-execution-domain": "d",
        "flyte-execution-launchplan": "lp",
        "flyte-execution-workflow": "wf",
        "flyte-execution-name": "n",
    }
    assert set(sc.execution_metadata_from_env({}).values()) == {""}
    long = {f"FLYTE_INTERNAL_EXECUTION_{k}": k.lower() for k in ("PROJECT", "DOMAIN", "LAUNCHPLAN", "WORKFLOW", "ID")}
    short = {"_F_PRJ": "project", "_F_DM": "domain", "_F_LP": "launchplan", "_F_WF": "workflow", "_F_NM": "id"}
    expected = {
        "flyte-execution-project": "project",
        "flyte-execution-domain": "domain",
        "flyte-execution-launchplan": "launchplan",
        "flyte-execution-workflow": "workflow",
        "flyte-execution-name": "id",
    }
    assert sc.execution_metadata_from_env(long) == sc.execution_metadata_from_env(short) == expected


@pytest.mark.parametrize(
    ("value", "attached"),
    [(None, True), ("true", True), ("yes", True), ("", False), ("false", False), ("0", False), ("OFF", False), ("No", False)],
)
def test_attaching_metadata_follows_flytekits_bool_rule(value: str | None, attached: bool) -> None:
    env = {} if value is None else {"FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA": value}
    assert (sc.StorageConfig.from_env(env).execution_metadata is not None) is attached


@pytest.mark.parametrize(("value", "chunk"), [(None, 25 * 2**20), ("1024", 1024), ("1", 1), ("0", 25 * 2**20), ("-5", 25 * 2**20), ("x", 25 * 2**20)])
def test_write_chunk_size(value: str | None, chunk: int) -> None:
    env = {} if value is None else {"_F_P_WRITE_CHUNK_SIZE": value}
    assert sc.StorageConfig.from_env(env).write_chunk_size == chunk


def test_upload_kwargs_in_each_librarys_spelling() -> None:
    config = sc.StorageConfig.from_env({"_F_PRJ": "p", "_F_P_WRITE_CHUNK_SIZE": "1024"})
    meta = sc.execution_metadata_from_env({"_F_PRJ": "p"})
    assert config.upload_kwargs("s3", "text/plain", "gzip") == {
        "Metadata": meta,
        "ContentType": "text/plain",
        "ContentEncoding": "gzip",
        "chunksize": 1024,
    }
    assert config.upload_kwargs("gs", "text/plain", "gzip") == {
        "metadata": meta,
        "content_type": "text/plain",
        "fixed_key_metadata": {"content_encoding": "gzip"},
        "chunksize": 1024,
    }
    assert config.upload_kwargs("abfs", "text/plain", "gzip") == {
        "content_settings": {"content_type": "text/plain", "content_encoding": "gzip"}
    }
    assert config.upload_kwargs("abfs", None, "gzip") == {"content_settings": {"content_encoding": "gzip"}}
    assert config.upload_kwargs("abfs", None, None) == {}
    assert config.upload_kwargs("memory", "text/plain", "gzip") == {}
    off = sc.StorageConfig.from_env({"FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA": "false"})
    assert off.upload_kwargs("s3", None, None) == {"chunksize": 25 * 2**20}
    assert off.upload_kwargs("gcs", None, None) == {"chunksize": 25 * 2**20}


@pytest.mark.parametrize(
    ("source", "requested", "encoding"),
    [("a.csv.gz", None, "gzip"), ("a.csv", None, None), ("a.gz", "", None), ("a.csv", "br", "br"), ("a.gz", "br", "br")],
)
def test_content_encoding_of_a_file_upload(source: str, requested: str | None, encoding: str | None) -> None:
    assert sc.content_encoding_for(source, requested) == encoding
