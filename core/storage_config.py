"""Storage configuration as values: what the environment says about the durable store, and what that means
for the storage library (which fsspec implementation, its constructor and upload keyword arguments, the one
retry budget). Nothing here touches a store, the environment or fsspec: an env mapping in, frozen records
and plain dicts out; ``shell.storage`` and ``shell.fsspec_backend`` carry them out.

Why pure: these are the rules where flytekit compatibility lives (``FLYTE_AWS_*`` / ``FLYTE_GCP_*`` /
``FLYTE_AZURE_*`` / ``FLYTE_PERSISTENCE_*`` spellings, flytekit's "empty means unset" and bool rules, the
``flyte-execution-*`` metadata) and where the retry budget is computed; as values they are tested with no
store at all (``property_tests/test_storage_config_laws.py``).

Which backend a location needs: a plain path or ``file://`` URI is local (:func:`core.paths.is_local`, the
one rule, also used by the type engine); any other scheme goes to fsspec, through the implementation of
:data:`CLOUD_IMPLEMENTATIONS` for ``s3``/``s3a``/``gs``/``gcs``/``abfs``/``abfss``/``az`` (configured from
the settings below) and through whatever fsspec knows for the rest (``memory``, ``http``...), unconfigured.

Laws (checked by hypothesis):

* **total**: :meth:`StorageConfig.from_env` accepts any mapping of strings; the budget has at least one
  attempt and a positive, finite number of seconds; the write chunk size is positive;
* **only its own names count**: variables other than those read here do not change the configuration;
* **empty means unset** (flytekit's ``set_if_exists``, and Q17: an empty long name does not shadow its
  short alias): an empty value gives the same configuration as no value, for every variable except
  ``FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA`` (flytekit's bool rule: present and empty is false);
* **the budget holds**: when ``seconds`` leaves at least half a second per try after the back-offs,
  ``attempts * (connect + read) + max_backoff <= seconds``; the connect timeout is at most 5 s; the same
  for each library's own schedule (botocore's; gcsfs's fixed six tries; azure-storage's policy as set here);
* **a cut body is re-read within the budget**: only S3 downloads are re-requested by us (botocore retries
  requests, not bodies; gcsfs and azure-storage re-read bodies themselves), at most ``attempts - 1``
  times, each a single try, and only while a whole try still fits in ``seconds``;
* **anonymous carries no secret**: anonymous S3 and GCS keyword arguments hold no key, secret or token
  other than ``"anon"``;
* **metadata goes where it is kept**: upload keyword arguments carry the execution metadata for S3
  (``Metadata``) and GCS (``metadata``) exactly when attaching is on, never for Azure (adlfs sets its own)
  and nothing at all for schemes without a configured implementation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "CLOUD_IMPLEMENTATIONS",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_TIMEOUT_SECONDS",
    "DEFAULT_WRITE_CHUNK_SIZE",
    "ENV_MAX_ATTEMPTS",
    "ENV_TIMEOUT_SECONDS",
    "GCSFS_MAX_BACKOFF_SECONDS",
    "GCSFS_TRIES",
    "AzureSettings",
    "GcsSettings",
    "Implementation",
    "RetryBudget",
    "S3Settings",
    "SocketTimeouts",
    "StorageConfig",
    "content_encoding_for",
    "execution_metadata_from_env",
    "implementation_for",
]

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_TIMEOUT_SECONDS = 60.0
ENV_MAX_ATTEMPTS = "FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS"
ENV_TIMEOUT_SECONDS = "FLYTE_ENTRYPOINT_STORAGE_TIMEOUT_SECONDS"
DEFAULT_WRITE_CHUNK_SIZE = 25 * 2**20  # flytekit's _F_P_WRITE_CHUNK_SIZE default
ENV_ATTACH_METADATA = "FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA"

GCSFS_TRIES = 6
"""gcsfs's ``retry_request(retries=6)``: bound when gcsfs defines ``GCSFileSystem``, not configurable."""
GCSFS_MAX_BACKOFF_SECONDS = 36.0
"""gcsfs sleeps ``min(random() + 2**(n-1), 32)`` before retry ``n`` (1..5): at most 2 + 3 + 5 + 9 + 17 s."""

_AZURE_INITIAL_BACKOFF = 1.0
_AZURE_JITTER = 0.5

S3 = "s3"
GCS = "gcs"
AZURE = "azure"


@dataclass(frozen=True)
class Implementation:
    """The fsspec implementation a cloud scheme needs: ``family`` (:data:`S3`, :data:`GCS` or :data:`AZURE`)
    selects the settings and keyword conventions; ``extra`` is this project's pip extra that installs it."""

    family: str
    module: str
    class_name: str
    extra: str


_S3FS = Implementation(S3, "s3fs", "S3FileSystem", "s3")
_GCSFS = Implementation(GCS, "gcsfs", "GCSFileSystem", "gcs")
_ADLFS = Implementation(AZURE, "adlfs", "AzureBlobFileSystem", "abfs")

CLOUD_IMPLEMENTATIONS: Mapping[str, Implementation] = {
    "s3": _S3FS,
    "s3a": _S3FS,
    "gs": _GCSFS,
    "gcs": _GCSFS,
    "abfs": _ADLFS,
    "abfss": _ADLFS,
    "az": _ADLFS,
}


def implementation_for(protocol: str) -> Implementation | None:
    """The configured implementation of ``protocol`` (any case), or None: fsspec's own choice, unconfigured."""
    return CLOUD_IMPLEMENTATIONS.get(protocol.lower())


# ---------------------------------------------------------------------------------------------------------
# Reading values (flytekit's rules)
# ---------------------------------------------------------------------------------------------------------


def _env_str(env: Mapping[str, str], name: str) -> str | None:
    """flytekit's ``set_if_exists``: an empty value counts as unset."""
    value = env.get(name)
    return value if value else None


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """flytekit's bool transformer: present and not empty/false/0/off/no (an empty value is false)."""
    if name not in env:
        return default
    value = env[name]
    return bool(value) and value.lower() not in ("false", "0", "off", "no")


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    """The integer set in ``name``, or None when it is unset, empty or not an integer (callers pick the default)."""
    value = _env_str(env, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _first_of(env: Mapping[str, str], *names: str) -> str:
    """The first non-empty value among ``names`` (an empty long name does not shadow its alias, see Q17)."""
    for name in names:
        value = env.get(name)
        if value:
            return value
    return ""


# ---------------------------------------------------------------------------------------------------------
# The retry budget
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryBudget:
    """One budget for every storage request: at most ``attempts`` tries within about ``seconds``.

    botocore's standard mode sleeps at most ``min(2**(n-1), 20)`` s before try ``n+1``; what is left of
    ``seconds`` is split evenly across the tries as the per-try connect (a third, at most 5 s) and read
    timeouts, so a request that hangs or trickles gives up within the budget too.
    """

    attempts: int = DEFAULT_MAX_ATTEMPTS
    seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetryBudget:
        """From ``FLYTE_ENTRYPOINT_STORAGE_MAX_ATTEMPTS`` / ``..._TIMEOUT_SECONDS``; a value that is not a
        positive number (or not finite) gives the default."""
        attempts = _env_int(env, ENV_MAX_ATTEMPTS) or DEFAULT_MAX_ATTEMPTS
        try:
            seconds = float(env.get(ENV_TIMEOUT_SECONDS) or DEFAULT_TIMEOUT_SECONDS)
        except ValueError:
            seconds = DEFAULT_TIMEOUT_SECONDS
        if not math.isfinite(seconds) or seconds <= 0:
            seconds = DEFAULT_TIMEOUT_SECONDS
        return cls(max(1, attempts), seconds)

    @property
    def max_backoff_seconds(self) -> float:
        """botocore's longest sleeps before tries 2..attempts: ``min(2**n, 20)`` for retry ``n`` (closed
        form: an absurd number of attempts costs no time here)."""
        retries = self.attempts - 1
        doubling = min(retries, 5)  # 1 + 2 + 4 + 8 + 16, then 20 a retry
        return float(2**doubling - 1 + 20 * (retries - doubling))

    @property
    def per_attempt_seconds(self) -> float:
        return _per_try(self.seconds, self.max_backoff_seconds, self.attempts)

    @property
    def connect_timeout(self) -> float:
        return _split(self.per_attempt_seconds).connect

    @property
    def read_timeout(self) -> float:
        return _split(self.per_attempt_seconds).read

    def botocore_config(self) -> dict[str, Any]:
        """``botocore.config.Config`` kwargs (through s3fs's ``config_kwargs``)."""
        return {
            "retries": {"mode": "standard", "total_max_attempts": self.attempts},
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
        }

    # ---- a cut response body (S3: botocore retries a request, never the body read after it) ---------------

    def single_try(self) -> RetryBudget:
        """The budget of one re-request of a cut body: one try, with the per-try timeouts of this budget."""
        return RetryBudget(1, self.per_attempt_seconds)

    def may_reread(self, rereads_done: int, elapsed_seconds: float) -> bool:
        """Whether a download whose body was cut is requested again: fewer than ``attempts - 1`` re-reads
        so far, and a whole try (``per_attempt_seconds``) still fits in ``seconds`` since it started."""
        return rereads_done < self.attempts - 1 and elapsed_seconds + self.per_attempt_seconds <= self.seconds

    # ---- gcsfs: six tries, fixed when gcsfs defines its class; only the per-try timeouts are ours ---------

    def gcsfs_timeouts(self) -> SocketTimeouts:
        """Per-try timeouts for gcsfs's fixed schedule (:data:`GCSFS_TRIES` tries, at most
        :data:`GCSFS_MAX_BACKOFF_SECONDS` of back-off), so that tries that all time out end within
        ``seconds`` when it leaves at least half a second a try."""
        return _split(_per_try(self.seconds, GCSFS_MAX_BACKOFF_SECONDS, GCSFS_TRIES))

    # ---- azure-storage's ExponentialRetry, set to this budget ---------------------------------------------

    @property
    def azure_increment_base(self) -> float:
        """The ``increment_base`` of azure-storage's back-off ``initial + (0 if n == 0 else base**n) +
        jitter`` before retry ``n``: 2 (exponential) while its back-offs take at most half of ``seconds``,
        else 1 (azure-storage has no cap on the back-off, unlike botocore's 20 s)."""
        retries = self.attempts - 1
        if retries > 30:
            return 1.0
        return 2.0 if _azure_backoff(retries, 2.0) <= self.seconds / 2 else 1.0

    @property
    def azure_max_backoff_seconds(self) -> float:
        """azure-storage's longest sleeps before tries 2..attempts with :meth:`azure_retry_policy`."""
        retries = self.attempts - 1
        return _azure_backoff(retries, self.azure_increment_base) if retries else 0.0

    def azure_timeouts(self) -> SocketTimeouts:
        """Per-try connect and idle-read timeouts for adlfs (its ``connection_timeout``/``read_timeout``)."""
        return _split(_per_try(self.seconds, self.azure_max_backoff_seconds, self.attempts))

    def azure_retry_policy(self) -> dict[str, Any]:
        """Attributes of azure-storage's ``ExponentialRetry`` (the policy adlfs's client is built with; adlfs
        does not forward retry settings): ``attempts - 1`` retries of any kind, short back-offs."""
        retries = self.attempts - 1
        return {
            "total_retries": retries,
            "connect_retries": retries,
            "read_retries": retries,
            "status_retries": retries,
            "initial_backoff": _AZURE_INITIAL_BACKOFF,
            "increment_base": self.azure_increment_base,
            "random_jitter_range": _AZURE_JITTER,
        }


def _per_try(seconds: float, backoff: float, tries: int) -> float:
    """What is left of ``seconds`` after the longest back-off, split evenly over the tries (at least 0.5 s)."""
    return max(0.5, (seconds - backoff) / tries)


def _split(per_try: float) -> SocketTimeouts:
    """A try's seconds as timeouts: a third (at most 5 s) to connect, the rest to read."""
    connect = min(5.0, per_try / 3)
    return SocketTimeouts(connect, per_try - connect)


def _azure_backoff(retries: int, base: float) -> float:
    """azure-storage's longest sleeps over ``retries`` retries: ``initial + jitter`` before retry 0, ``initial +
    base**n + jitter`` before retry n = 1..retries-1 (the geometric sum in closed form; ``base`` is 1 or 2)."""
    grown = (base**retries - base) / (base - 1) if base != 1.0 else float(retries - 1)
    return retries * (_AZURE_INITIAL_BACKOFF + _AZURE_JITTER) + grown


@dataclass(frozen=True)
class SocketTimeouts:
    """Per-try connect and idle-read timeouts in seconds (no total: a long transfer that keeps moving is not
    cut short). The shell turns them into the HTTP client's own object (aiohttp's ``ClientTimeout`` for
    gcsfs's ``requests_timeout``)."""

    connect: float
    read: float


# ---------------------------------------------------------------------------------------------------------
# Per-store settings
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Settings:
    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    addressing_style: str | None = None
    # Read for completeness; like flytekit, they are not passed on to s3fs (the budget replaces them).
    retries: int | None = None
    backoff_seconds: int | None = None
    enable_debug: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> S3Settings:
        return cls(
            endpoint=_env_str(env, "FLYTE_AWS_ENDPOINT"),
            access_key_id=_env_str(env, "FLYTE_AWS_ACCESS_KEY_ID"),
            secret_access_key=_env_str(env, "FLYTE_AWS_SECRET_ACCESS_KEY"),
            addressing_style=_env_str(env, "FLYTE_AWS_ADDRESSING_STYLE"),
            retries=_env_int(env, "FLYTE_AWS_RETRIES"),
            backoff_seconds=_env_int(env, "FLYTE_AWS_BACKOFF_SECONDS"),
            enable_debug=_env_bool(env, "FLYTE_AWS_ENABLE_DEBUG", False),
        )

    def filesystem_kwargs(self, anonymous: bool, budget: RetryBudget | None = None) -> dict[str, Any]:
        """s3fs constructor kwargs, as flytekit's ``s3_setup_args``, plus the retry budget (botocore's)."""
        kwargs: dict[str, Any] = {"cache_regions": True}
        if anonymous:
            kwargs["anon"] = True
        else:
            if self.access_key_id:
                kwargs["key"] = self.access_key_id
            if self.secret_access_key:
                kwargs["secret"] = self.secret_access_key
        if self.endpoint:
            kwargs["client_kwargs"] = {"endpoint_url": self.endpoint}
        if self.addressing_style:
            # flytekit sends "virtual" for any value; we honour botocore's three values and keep flytekit's
            # "virtual" for anything else.
            style = self.addressing_style.lower()
            if style not in ("virtual", "path", "auto"):
                style = "virtual"
            kwargs["config_kwargs"] = {"s3": {"addressing_style": style}}
        if budget is not None:
            kwargs["config_kwargs"] = {**kwargs.get("config_kwargs", {}), **budget.botocore_config()}
        return kwargs


@dataclass(frozen=True)
class GcsSettings:
    # Read for completeness (``FLYTE_GCP_GSUTIL_PARALLELISM``); like flytekit, gcsfs is not told about it.
    gsutil_parallelism: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GcsSettings:
        return cls(gsutil_parallelism=_env_bool(env, "FLYTE_GCP_GSUTIL_PARALLELISM", False))

    def filesystem_kwargs(self, anonymous: bool, budget: RetryBudget | None = None) -> dict[str, Any]:
        """gcsfs constructor kwargs, as flytekit's: credentials are gcsfs's own discovery; anonymous is
        ``token="anon"``. With a budget, ``requests_timeout``: the per-try timeouts of gcsfs's schedule
        (without one, gcsfs waits on a silent connection for ever)."""
        kwargs: dict[str, Any] = {"token": "anon"} if anonymous else {}
        if budget is not None:
            kwargs["requests_timeout"] = budget.gcsfs_timeouts()
        return kwargs


@dataclass(frozen=True)
class AzureSettings:
    account_name: str | None = None
    account_key: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AzureSettings:
        return cls(
            account_name=_env_str(env, "FLYTE_AZURE_STORAGE_ACCOUNT_NAME"),
            account_key=_env_str(env, "FLYTE_AZURE_STORAGE_ACCOUNT_KEY"),
            tenant_id=_env_str(env, "FLYTE_AZURE_TENANT_ID"),
            client_id=_env_str(env, "FLYTE_AZURE_CLIENT_ID"),
            client_secret=_env_str(env, "FLYTE_AZURE_CLIENT_SECRET"),
        )

    def filesystem_kwargs(self, anonymous: bool, budget: RetryBudget | None = None) -> dict[str, Any]:
        """adlfs constructor kwargs, as flytekit's ``azure_setup_args``; with a budget, adlfs's per-try
        ``connection_timeout`` and ``read_timeout`` (it applies them to blob uploads and downloads)."""
        kwargs: dict[str, Any] = {}
        for name, value in (
            ("account_name", self.account_name),
            ("account_key", self.account_key),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
            ("tenant_id", self.tenant_id),
        ):
            if value:
                kwargs[name] = value
        kwargs["anon"] = anonymous
        if budget is not None:
            timeouts = budget.azure_timeouts()
            kwargs["connection_timeout"] = timeouts.connect
            kwargs["read_timeout"] = timeouts.read
        return kwargs


def execution_metadata_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The object metadata flytekit's entrypoint attaches to uploads (values may be empty strings)."""
    return {
        "flyte-execution-project": _first_of(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        "flyte-execution-domain": _first_of(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        "flyte-execution-launchplan": _first_of(env, "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN", "_F_LP"),
        "flyte-execution-workflow": _first_of(env, "FLYTE_INTERNAL_EXECUTION_WORKFLOW", "_F_WF"),
        "flyte-execution-name": _first_of(env, "FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    }


def content_encoding_for(source_path: str, requested: str | None) -> str | None:
    """The ``Content-Encoding`` of a file upload: ``requested`` when given (``""`` means none), otherwise
    ``gzip`` for a source whose name ends in ``.gz`` (as flytekit's FlyteFile upload)."""
    if requested is None:
        return "gzip" if source_path.endswith(".gz") else None
    return requested or None


# ---------------------------------------------------------------------------------------------------------
# The whole configuration
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageConfig:
    s3: S3Settings = field(default_factory=S3Settings)
    azure: AzureSettings = field(default_factory=AzureSettings)
    # None: attach nothing. Otherwise attached to every remote upload (S3 user metadata, GCS metadata).
    execution_metadata: Mapping[str, str] | None = None
    write_chunk_size: int = DEFAULT_WRITE_CHUNK_SIZE
    budget: RetryBudget = field(default_factory=RetryBudget)
    gcs: GcsSettings = field(default_factory=GcsSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StorageConfig:
        attach = _env_bool(env, ENV_ATTACH_METADATA, True)
        chunk = _env_int(env, "_F_P_WRITE_CHUNK_SIZE")
        return cls(
            s3=S3Settings.from_env(env),
            azure=AzureSettings.from_env(env),
            execution_metadata=execution_metadata_from_env(env) if attach else None,
            write_chunk_size=chunk if chunk and chunk > 0 else DEFAULT_WRITE_CHUNK_SIZE,
            budget=RetryBudget.from_env(env),
            gcs=GcsSettings.from_env(env),
        )

    def filesystem_kwargs(
        self, impl: Implementation, anonymous: bool, with_budget: bool = True
    ) -> dict[str, Any]:
        """Constructor kwargs of ``impl``'s filesystem. ``with_budget``: include the retry budget where the
        library takes it through its constructor (botocore's retries and timeouts for S3; the per-try
        timeouts for gcsfs and adlfs)."""
        budget = self.budget if with_budget else None
        if impl.family == S3:
            return self.s3.filesystem_kwargs(anonymous, budget)
        if impl.family == GCS:
            return self.gcs.filesystem_kwargs(anonymous, budget)
        return self.azure.filesystem_kwargs(anonymous, budget)

    def filesystem_attributes(self, impl: Implementation) -> dict[str, Any]:
        """Attributes to set on a new filesystem of ``impl``: s3fs's own retry loop off (``retries = 1``),
        since botocore's budget is the one; the other libraries keep their defaults."""
        return {"retries": 1} if impl.family == S3 else {}

    def client_retry_policy(self, impl: Implementation) -> dict[str, Any]:
        """Attributes to set on the retry policy of a new filesystem's storage client: azure-storage's
        ``ExponentialRetry`` for adlfs (:meth:`RetryBudget.azure_retry_policy`); nothing for the others
        (botocore takes the budget through its config, gcsfs's count is fixed)."""
        return self.budget.azure_retry_policy() if impl.family == AZURE else {}

    def rereads_cut_bodies(self, impl: Implementation | None) -> bool:
        """Whether the shell re-requests a download whose response body was cut (within
        :meth:`RetryBudget.may_reread`): for S3 only, since botocore retries a request but not the body
        read after it and s3fs's own loop is off; gcsfs and azure-storage re-read bodies themselves."""
        return impl is not None and impl.family == S3

    def single_try(self) -> StorageConfig:
        """This configuration with a one-try budget of the same per-try timeouts (a cut body's re-read)."""
        return replace(self, budget=self.budget.single_try())

    def upload_kwargs(
        self, protocol: str, content_type: str | None, content_encoding: str | None
    ) -> dict[str, Any]:
        """Keyword arguments of an upload (``pipe_file``, ``put_file``, ``put``) to ``protocol``: execution
        metadata, content type and encoding, and the write chunk size, in each library's spelling."""
        impl = implementation_for(protocol)
        if impl is None:
            return {}
        meta = dict(self.execution_metadata) if self.execution_metadata else None
        kwargs: dict[str, Any] = {}
        if impl.family == S3:
            if meta:
                kwargs["Metadata"] = meta
            if content_type:
                kwargs["ContentType"] = content_type
            if content_encoding:
                kwargs["ContentEncoding"] = content_encoding
            kwargs["chunksize"] = self.write_chunk_size
        elif impl.family == GCS:
            if meta:
                kwargs["metadata"] = meta
            if content_type:
                kwargs["content_type"] = content_type
            if content_encoding:
                kwargs["fixed_key_metadata"] = {"content_encoding": content_encoding}
            kwargs["chunksize"] = self.write_chunk_size
        else:
            # adlfs sets its own blob metadata on every upload and cannot take ours; content settings only.
            settings = {
                k: v for k, v in (("content_type", content_type), ("content_encoding", content_encoding)) if v
            }
            if settings:
                kwargs["content_settings"] = settings
        return kwargs
