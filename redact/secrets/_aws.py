"""AWS Secrets Manager through boto3: staging labels and library-driven rotation.

Stages map to AWS staging labels (``current`` → ``AWSCURRENT``, ``previous`` →
``AWSPREVIOUS``, ``pending`` → ``AWSPENDING``). A name may select one key of
a JSON secret: ``"prod/db#password"``. :meth:`AwsSecretsManagerProvider.rotate`
runs the same four steps as a rotation Lambda (put pending, test, move
current, drop pending) using only documented API calls, so it works against
real AWS as well as moto.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any, Unpack

from redact._optional import extra
from redact.exceptions import ConfigError, SecretNotFoundError, SecretsError
from redact.secrets._base import BaseProvider, ErrorKind, Fetched, ProviderOptions
from redact.secrets._scope import check_name
from redact.secrets.model import Secret, SecretVersion, Stage

__all__ = ["AwsSecretsManagerProvider", "RotationError"]

_log = logging.getLogger("redact.secrets")

LABELS: dict[str, str] = {
    "current": "AWSCURRENT",
    "previous": "AWSPREVIOUS",
    "pending": "AWSPENDING",
}
_STAGES = {label: stage for stage, label in LABELS.items()}
_AUTH_CODES = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidSignatureException",
        "InvalidClientTokenId",
        "IncompleteSignature",
    }
)
_UNAVAILABLE_CODES = frozenset(
    {
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
        "ThrottlingException",
        "Throttling",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class RotationError(SecretsError):
    """A rotation was abandoned (its test failed); the current version is unchanged."""


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _default_client(
    *,
    region_name: str | None,
    endpoint_url: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
) -> Any:
    """A secretsmanager client from the default credential chain, with short timeouts."""
    with extra("aws", feature="AwsSecretsManagerProvider"):
        import boto3
        from botocore.config import Config
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )
    return boto3.session.Session().client(
        "secretsmanager", region_name=region_name, endpoint_url=endpoint_url, config=config
    )


class AwsSecretsManagerProvider(BaseProvider):
    """Secrets in AWS Secrets Manager, read by staging label or version id."""

    kind = "aws"

    def __init__(
        self,
        *,
        client: Any = None,
        client_factory: Callable[[], Any] | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        max_attempts: int = 2,
        **options: Unpack[ProviderOptions],
    ) -> None:
        super().__init__(**options)
        if client_factory is None and client is None:
            client_factory = functools.partial(
                _default_client,
                region_name=region_name,
                endpoint_url=endpoint_url,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_attempts=max_attempts,
            )
        self._factory = client_factory
        self.client: Any = client
        if client is None and client_factory is not None:
            self.client = client_factory()

    def __repr__(self) -> str:
        return f"<AwsSecretsManagerProvider name={self.name!r}>"

    def _reauthenticate(self) -> None:
        """Build a fresh client so refreshed credentials (role, SSO, env) are picked up."""
        if self._factory is not None:
            self.client = self._factory()

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _split(name: str) -> tuple[str, str | None]:
        secret_id, _, key = name.partition("#")
        if not secret_id:
            msg = f"secret name {name!r} has no secret id"
            raise ConfigError(msg)
        return secret_id, key or None

    def _not_found(self, name: str, exc: BaseException, what: str) -> SecretNotFoundError:
        return SecretNotFoundError(f"{what} of secret {name!r} not found ({_code(exc)})")

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        secret_id, key = self._split(name)
        args: dict[str, str] = {"SecretId": secret_id}
        if version is not None:
            args["VersionId"] = version
        else:
            args["VersionStage"] = LABELS[stage]
        try:
            resp = self.client.get_secret_value(**args)
        except Exception as exc:
            if _code(exc) == "ResourceNotFoundException":
                what = f"version {version}" if version else f"stage {LABELS[stage]}"
                raise self._not_found(name, exc, what) from None
            raise
        value = self._extract(name, resp, key)
        stages = tuple(_STAGES.get(s, s) for s in resp.get("VersionStages") or ())
        return Fetched(value, str(resp["VersionId"]), resp.get("CreatedDate"), stages)

    @staticmethod
    def _extract(name: str, resp: dict[str, Any], key: str | None) -> str:
        if "SecretString" in resp:
            text = str(resp["SecretString"])
        else:
            try:
                text = bytes(resp["SecretBinary"]).decode("utf-8")
            except (KeyError, UnicodeDecodeError):
                msg = f"secret {name!r} is binary and not UTF-8 text"
                raise ConfigError(msg) from None
        if key is None:
            return text
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            msg = f"secret {name!r}: the stored value is not a JSON object, cannot select {key!r}"
            raise ConfigError(msg)
        if key not in doc:
            msg = f"secret {name!r} has no key {key!r}"
            raise SecretNotFoundError(msg)
        part = doc[key]
        return part if isinstance(part, str) else json.dumps(part, separators=(",", ":"))

    def _list_versions(self, name: str) -> list[SecretVersion]:
        secret_id, _key = self._split(name)
        found: list[dict[str, Any]] = []
        args: dict[str, Any] = {"SecretId": secret_id, "IncludeDeprecated": False}
        while True:
            try:
                page = self.client.list_secret_version_ids(**args)
            except Exception as exc:
                if _code(exc) == "ResourceNotFoundException":
                    raise self._not_found(name, exc, "versions") from None
                raise
            found += page.get("Versions") or []
            if not page.get("NextToken"):
                break
            args["NextToken"] = page["NextToken"]
        out = [
            SecretVersion(
                str(v["VersionId"]),
                v.get("CreatedDate"),
                tuple(_STAGES.get(s, s) for s in v.get("VersionStages") or ()),
            )
            for v in found
        ]
        order = {"current": 0, "pending": 1, "previous": 2}
        return sorted(out, key=lambda v: (order.get(v.stage or "", 3), v.version_id))

    def _classify(self, exc: Exception) -> ErrorKind | None:
        from botocore.exceptions import (
            BotoCoreError,
            ConnectionError,
            HTTPClientError,
            NoCredentialsError,
        )

        code = _code(exc)
        if code in _AUTH_CODES or isinstance(exc, NoCredentialsError):
            return "auth"
        if code in _UNAVAILABLE_CODES or isinstance(exc, ConnectionError | HTTPClientError):
            return "unavailable"
        if isinstance(exc, BotoCoreError) and "timeout" in type(exc).__name__.lower():
            return "unavailable"
        return None

    # -- rotation --------------------------------------------------------------------------

    def _stages_by_version(self, name: str, secret_id: str) -> dict[str, list[str]]:
        desc = self._run(name, lambda: self.client.describe_secret(SecretId=secret_id))
        stages: dict[str, list[str]] = desc.get("VersionIdsToStages") or {}
        return stages

    def rotate(
        self,
        name: str,
        new_value: str,
        *,
        test: Callable[[Secret], object] | None = None,
    ) -> SecretVersion:
        """Rotate ``name`` to ``new_value``: put pending → test → move current → drop pending.

        The new value is registered before it is written. ``test`` receives the
        pending :class:`Secret` (e.g. to log in with it); if it raises or returns
        ``False`` the pending label is removed, the current version stays, and
        :class:`RotationError` is raised. The old value becomes ``previous`` and
        stays registered.
        """
        check_name(name)
        secret_id, key = self._split(name)
        token = str(uuid.uuid4())
        pending = Secret(
            name, new_value, version=token, category=self.category_of(name), provider=self.name
        )
        self.register(pending)
        document = new_value
        if key is not None:
            current_text = self._run(
                name,
                lambda: self.client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT"),
            )
            try:
                doc = json.loads(self._extract(name, current_text, None))
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                msg = f"secret {name!r}: the stored value is not a JSON object, cannot set {key!r}"
                raise ConfigError(msg)
            doc[key] = new_value
            document = json.dumps(doc)
        before = next(
            (v for v, s in self._stages_by_version(name, secret_id).items() if "AWSCURRENT" in s),
            None,
        )
        self._run(
            name,
            lambda: self.client.put_secret_value(
                SecretId=secret_id,
                ClientRequestToken=token,
                SecretString=document,
                VersionStages=["AWSPENDING"],
            ),
        )
        self.refresh(name)
        if test is not None:
            try:
                verdict = test(self.get(name, stage="pending"))
            except Exception as exc:
                self._abandon(name, secret_id, token, type(exc).__name__)
                msg = f"rotation of {name!r} abandoned: the test raised {type(exc).__name__}"
                # The test logs in with the new value; its error may quote it: do not chain.
                raise RotationError(msg) from None
            if verdict is False:
                self._abandon(name, secret_id, token, "test returned False")
                msg = f"rotation of {name!r} abandoned: the test returned False"
                raise RotationError(msg)
        self._run(
            name,
            lambda: self.client.update_secret_version_stage(
                SecretId=secret_id,
                VersionStage="AWSCURRENT",
                MoveToVersionId=token,
                **({"RemoveFromVersionId": before} if before and before != token else {}),
            ),
        )
        self._run(
            name,
            lambda: self.client.update_secret_version_stage(
                SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=token
            ),
        )
        self.refresh(name)
        _log.info("%s: rotated %r from %s to %s", self, name, before, token)
        self._audit(
            "secret.rotated", name=name, version=token, previous_version=before, outcome="success"
        )
        return SecretVersion(token, None, ("current",))

    def _abandon(self, name: str, secret_id: str, token: str, why: str) -> None:
        self._run(
            name,
            lambda: self.client.update_secret_version_stage(
                SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=token
            ),
        )
        self.refresh(name)
        _log.warning("%s: rotation of %r abandoned (%s)", self, name, why)
        self._audit("secret.rotated", name=name, version=token, outcome="failure", reason=why)
