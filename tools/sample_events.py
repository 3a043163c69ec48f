"""Synthetic CloudTrail ``PutImage`` events, as Splunk shows them after JSON extraction.

One week of ECR image pushes (Sunday 2026-11-15 to Saturday 2026-11-21 UTC) by a team spread
over Berlin, New York, Los Angeles, Tokyo and Sydney, plus a CI role. Most humans push during
their own working day, which is often outside 08:00-20:00 UTC; the CI role pushes at night.

:func:`putimage_events` returns the events: flattened, dotted field names as Splunk extracts them
(``userIdentity.arn``, ``requestParameters.imageTag``...), every value a string, ``_time`` the
epoch seconds of ``eventTime``, ``_raw`` the CloudTrail record, and ``team_tz``: the zone of the
team that owns the principal, for ``ecrofhours tzfield=team_tz``. Assumed roles have no
``userIdentity.userName``; a push by digest has no ``requestParameters.imageTag``.

Deterministic: no clock, no randomness, no zone database (each push states its local UTC offset,
which the tests check against the IANA data). Made-up account ids, documentation IP ranges.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timezone

ACCOUNT_ID = "111122223333"
TEAM_TZ_FIELD = "team_tz"
SOURCETYPE = "aws:cloudtrail"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
_IDS = uuid.UUID("5f0c2d6e-8a7b-4c1e-9d3f-2b6a1e0c7d45")  # namespace of the synthetic event ids

DOCKER = (
    "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-48-generic os/linux arch/amd64 "
    "UpstreamClient(Docker-Client/27.3.1 \\(linux\\))"
)
DOCKER_MAC = (
    "docker/27.2.0 go/go1.21.13 git-commit/3ab5c7d kernel/6.10.4-linuxkit os/linux arch/arm64 "
    "UpstreamClient(Docker-Client/27.2.0 \\(darwin\\))"
)
BUILDKIT = "buildkit/v0.17.2 containerd/v1.7.23"


@dataclass(frozen=True)
class Push:
    """One image push: who, when on the team's wall clock, and what."""

    principal: str
    """IAM user name, or ``<role>/<session>`` for an assumed role."""
    local_time: str
    """Wall-clock time in the team's zone, with the UTC offset in force then."""
    team_tz: str
    region: str
    repository: str
    tag: str | None
    """None: a push by digest."""
    ip: str
    user_agent: str

    @property
    def assumed_role(self) -> bool:
        return "/" in self.principal


PUSHES = (
    # Sydney, Monday 09:10 local: still Sunday in UTC.
    Push("olivia.nguyen", "2026-11-16T09:10:00+11:00", "Australia/Sydney", "ap-southeast-2",
         "mobile/backend", "2.14.0", "203.0.113.58", DOCKER_MAC),
    # Berlin, Monday 08:30 local: before 08:00 UTC.
    Push("anna.schmidt", "2026-11-16T08:30:00+01:00", "Europe/Berlin", "eu-central-1",
         "payments/api", "1.42.0", "192.0.2.14", DOCKER),
    # New York, Monday afternoon: after 20:00 UTC.
    Push("michael.chen", "2026-11-16T16:30:00-05:00", "America/New_York", "us-east-1",
         "web/storefront", "2026.11.16-1", "198.51.100.23", DOCKER_MAC),
    # Tokyo, Tuesday 10:30 local: 01:30 UTC.
    Push("kenji.tanaka", "2026-11-17T10:30:00+09:00", "Asia/Tokyo", "ap-northeast-1",
         "ml/inference", "0.9.3", "203.0.113.201", DOCKER),
    # Berlin, Tuesday 09:00:00 local: exactly 08:00:00 UTC, the start of upstream's hours.
    Push("jonas.weber", "2026-11-17T09:00:00+01:00", "Europe/Berlin", "eu-central-1",
         "payments/worker", "1.7.1", "192.0.2.37", DOCKER),
    # Berlin, Tuesday evening: inside 08:00-20:00 UTC, after the team's 18:00.
    Push("anna.schmidt", "2026-11-17T18:40:00+01:00", "Europe/Berlin", "eu-central-1",
         "payments/api", "1.42.1", "192.0.2.14", DOCKER),
    # CI, Wednesday night: the nightly base image, pushed by digest (no tag).
    Push("github-actions-ecr-push/gha-11826403377", "2026-11-18T03:10:00+01:00", "Europe/Berlin",
         "eu-central-1", "platform/base-images", None, "198.51.100.200", BUILDKIT),
    # Los Angeles, Wednesday afternoon: 22:20 UTC.
    Push("sofia.ramirez", "2026-11-18T14:20:00-08:00", "America/Los_Angeles", "us-east-1",
         "web/checkout", "3.8.0", "198.51.100.77", DOCKER_MAC),
    # Tokyo, Thursday evening: after the team's 18:00, 10:30 UTC.
    Push("kenji.tanaka", "2026-11-19T19:30:00+09:00", "Asia/Tokyo", "ap-northeast-1",
         "ml/inference", "0.9.4", "203.0.113.201", DOCKER),
    # CI, Thursday afternoon: a tagged release build.
    Push("github-actions-ecr-push/gha-11849527714", "2026-11-19T14:05:00+01:00", "Europe/Berlin",
         "eu-central-1", "payments/api", "1.43.0", "198.51.100.200", BUILDKIT),
    # New York, Thursday 15:00:00 local: exactly 20:00:00 UTC, the end of upstream's hours.
    Push("michael.chen", "2026-11-19T15:00:00-05:00", "America/New_York", "us-east-1",
         "web/storefront", "2026.11.19-2", "198.51.100.23", DOCKER_MAC),
    # Los Angeles, Friday 17:05 local: Saturday 01:05 UTC.
    Push("sofia.ramirez", "2026-11-20T17:05:00-08:00", "America/Los_Angeles", "us-east-1",
         "web/checkout", "3.8.1", "198.51.100.77", DOCKER_MAC),
    # Berlin, Saturday late morning: a weekend push everywhere.
    Push("jonas.weber", "2026-11-21T11:30:00+01:00", "Europe/Berlin", "eu-central-1",
         "payments/worker", "1.7.2-hotfix", "192.0.2.37", DOCKER),
)


def putimage_events(pushes: tuple[Push, ...] = PUSHES) -> list[dict[str, str]]:
    """The pushes as Splunk events (flattened fields plus ``_time``, ``_raw``), oldest first."""
    events = [splunk_event(cloudtrail_record(push, n), push.team_tz) for n, push in enumerate(pushes)]
    return sorted(events, key=lambda event: int(event["_time"]))


def cloudtrail_record(push: Push, number: int = 0) -> dict:
    """The CloudTrail record of one push, nested as CloudTrail writes it."""
    event_time = datetime.fromisoformat(push.local_time).astimezone(timezone.utc)
    stamp = event_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    login = datetime.fromtimestamp(event_time.timestamp() - 1800, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = _manifest(push)
    digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    request = {"registryId": ACCOUNT_ID, "repositoryName": push.repository, "imageManifest": manifest,
               "imageManifestMediaType": MANIFEST_TYPE}
    image_id = {"imageDigest": digest}
    if push.tag is None:
        request["imageDigest"] = digest
    else:
        request["imageTag"] = image_id["imageTag"] = push.tag
    return {
        "eventVersion": "1.10",
        "userIdentity": _identity(push, login),
        "eventTime": stamp,
        "eventSource": "ecr.amazonaws.com",
        "eventName": "PutImage",
        "awsRegion": push.region,
        "sourceIPAddress": push.ip,
        "userAgent": push.user_agent,
        "requestParameters": request,
        "responseElements": {"image": {"registryId": ACCOUNT_ID, "repositoryName": push.repository,
                                       "imageId": image_id, "imageManifest": manifest,
                                       "imageManifestMediaType": MANIFEST_TYPE}},
        "requestID": str(uuid.uuid5(_IDS, f"request-{number}")),
        "eventID": str(uuid.uuid5(_IDS, f"event-{number}")),
        "readOnly": False,
        "resources": [{"accountId": ACCOUNT_ID,
                       "ARN": f"arn:aws:ecr:{push.region}:{ACCOUNT_ID}:repository/{push.repository}"}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT_ID,
        "eventCategory": "Management",
    }


def splunk_event(record: dict, team_tz: str) -> dict[str, str]:
    """A CloudTrail record as a Splunk event: ``_time``, ``_raw``, sourcetype, extracted fields."""
    when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    event = {"_time": str(int(when.timestamp())), "_raw": json.dumps(record, separators=(",", ":")),
             "sourcetype": SOURCETYPE}
    event.update(flatten(record))
    event[TEAM_TZ_FIELD] = team_tz
    return event


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Splunk's JSON field extraction: dotted paths, ``{}`` for arrays, JSON literals as text."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}.").items()}
    name = prefix[:-1]
    if isinstance(value, list):
        fields: dict[str, str] = {}
        for item in value:  # several items would make multivalue fields; these records have one
            fields.update(flatten(item, name + "{}."))
        return fields
    if isinstance(value, bool):
        return {name: "true" if value else "false"}
    return {name: str(value)}


def _identity(push: Push, login: str) -> dict:
    if not push.assumed_role:
        return {
            "type": "IAMUser",
            "principalId": _aws_id("AIDA", push.principal),
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{push.principal}",
            "accountId": ACCOUNT_ID,
            "accessKeyId": _aws_id("AKIA", push.principal),
            "userName": push.principal,
            "sessionContext": {"attributes": {"creationDate": login, "mfaAuthenticated": "true"}},
        }
    role, session = push.principal.split("/")
    role_id = _aws_id("AROA", role)
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT_ID,
        "accessKeyId": _aws_id("ASIA", session),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id,
                              "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}",
                              "accountId": ACCOUNT_ID, "userName": role},
            "webIdFederationData": {"federatedProvider": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/"
                                                         "token.actions.githubusercontent.com"},
            "attributes": {"creationDate": login, "mfaAuthenticated": "false"},
        },
    }


def _aws_id(prefix: str, seed: str) -> str:
    """A made-up AWS-style identifier (``AIDA...``, ``AKIA...``), the same for the same seed."""
    return prefix + b32encode(hashlib.sha256(seed.encode()).digest()).decode()[:16]


def _manifest(push: Push) -> str:
    """A small Docker image manifest, unique per push."""
    seed = f"{push.repository}:{push.tag or ''}@{push.local_time}"
    layer = hashlib.sha256(seed.encode()).hexdigest()
    config = hashlib.sha256(layer.encode()).hexdigest()
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": f"sha256:{config}"},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 29126484,
                    "digest": f"sha256:{layer}"}],
    }, indent=3)
