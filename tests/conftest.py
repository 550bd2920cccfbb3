"""Shared pytest fixtures.

Structure: one section per service, each with its own helpers (shared imports at the top). Add new fixtures by
appending a new section at the end; do not reorder existing ones.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# ======================================================================================================
# Section: S3 (a real moto_server on 127.0.0.1)
# ======================================================================================================

_LOCALHOST = "127.0.0.1"
_MOTO_ACCESS_KEY = "testing"
_MOTO_SECRET_KEY = "testing"
_MOTO_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((_LOCALHOST, 0))
        return int(s.getsockname()[1])


def _moto_server_executable() -> str:
    candidate = Path(sys.executable).parent / "moto_server"
    if not candidate.exists():
        pytest.fail(
            f"moto_server not found next to {sys.executable}; install the test extra: pip install -e '.[test]'"
        )
    return str(candidate)


def _answers(endpoint: str) -> bool:
    # No proxies: the request must go straight to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(endpoint + "/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if not with 200
    except OSError:
        return False


@dataclass(frozen=True)
class MotoServer:
    endpoint: str  # http://127.0.0.1:<port>
    port: int


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A real ``moto_server`` subprocess listening on 127.0.0.1 for the whole session."""
    port = _free_port()
    endpoint = f"http://{_LOCALHOST}:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(
            [_moto_server_executable(), "-H", _LOCALHOST, "-p", str(port)],
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers(endpoint):
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited with {proc.returncode}: {log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"moto_server did not answer on {endpoint} within 30 s")
            time.sleep(0.05)
        yield MotoServer(endpoint=endpoint, port=port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class S3Service:
    endpoint: str
    bucket: str
    env: dict[str, str] = field(default_factory=dict)  # FLYTE_AWS_* and AWS_* to reach the server

    def uri(self, *keys: str) -> str:
        """``s3://<bucket>/<keys joined by />``."""
        return "/".join([f"s3://{self.bucket}", *[k.strip("/") for k in keys if k.strip("/")]])

    def client(self):  # type: ignore[no-untyped-def]  # boto3 client, imported lazily
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=_MOTO_ACCESS_KEY,
            aws_secret_access_key=_MOTO_SECRET_KEY,
            region_name=_MOTO_REGION,
        )


def s3_env(endpoint: str) -> dict[str, str]:
    """Environment that points flytekit-style config and the AWS SDKs at ``endpoint``."""
    return {
        "FLYTE_AWS_ENDPOINT": endpoint,
        "FLYTE_AWS_ACCESS_KEY_ID": _MOTO_ACCESS_KEY,
        "FLYTE_AWS_SECRET_ACCESS_KEY": _MOTO_SECRET_KEY,
        "AWS_ACCESS_KEY_ID": _MOTO_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": _MOTO_SECRET_KEY,
        "AWS_DEFAULT_REGION": _MOTO_REGION,
        "AWS_REGION": _MOTO_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": _LOCALHOST,
        "no_proxy": _LOCALHOST,
    }


@pytest.fixture
def s3(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> S3Service:
    """A fresh bucket on the session's moto server.

    ``s3.env`` holds the variables a subprocess (or ``Storage.from_env``) needs. They are also applied to
    ``os.environ`` for the test's duration, so the AWS SDKs in this process find the region and credentials
    and never fall back to a real account.
    """
    env = s3_env(moto_server.endpoint)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    service = S3Service(endpoint=moto_server.endpoint, bucket=f"test-{uuid.uuid4().hex[:16]}", env=env)
    service.client().create_bucket(Bucket=service.bucket)
    return service


# ======================================================================================================
# (append new sections below)
# ======================================================================================================
