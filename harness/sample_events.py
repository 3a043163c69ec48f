"""A synthetic week of ECR image pushes, as CloudTrail and as Amazon Security Lake (OCSF 1.1.0) events.

One week, Sunday 2026-05-24 to Saturday 2026-05-30 UTC, of a team spread over Berlin, New York,
Los Angeles, Tokyo and Sydney, and two CI roles. Monday 2026-05-25 is a public holiday in
Germany (Whit Monday) and in the United States (Memorial Day); people push during their own
working day, which is often outside 08:00-20:00 UTC, and the CI roles push at night too. Two
pushes sit exactly on the edges of upstream's hours (08:00:00 and 20:00:00 UTC), one is by
digest (no tag), the CI roles are assumed roles (no ``userName``), and one push comes through an
AWS service (source ``AWS Internal``, not an IP address).

Each :class:`Push` becomes a CloudTrail record (:func:`cloudtrail_record`) and, from that, the
OCSF API Activity record Security Lake makes of it (:func:`ocsf_record`). The events are what
Splunk shows after search-time JSON extraction: flattened, dotted field names, text values
(a list for a multivalue), ``_time``, ``_raw`` and ``sourcetype``; CloudTrail events also carry
Splunk's ``date_*`` fields, which Splunk takes from the timestamp as written in the raw event
(``eventTime``, UTC). Nothing a detection computes is in them.

Deterministic: no clock, no randomness, no zone database (each push states its local UTC offset,
which the tests check against the IANA data). Made-up account ids, documentation IP ranges.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timezone

ACCOUNT_ID = "111122223333"
AWS_INTERNAL = "AWS Internal"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
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
    source: str
    """The caller's IP address, or ``AWS Internal`` for a call relayed by an AWS service."""
    user_agent: str
    federation: str | None = OIDC_PROVIDER
    """The web identity (OIDC) provider an assumed role was federated from; None: not federated.
    Ignored for IAM users and for calls relayed by an AWS service."""

    @property
    def assumed_role(self) -> bool:
        return "/" in self.principal

    @property
    def role(self) -> str | None:
        """The role of an assumed-role session, else None."""
        return self.principal.split("/")[0] if self.assumed_role else None


PUSHES = (
    # Sydney, Monday 09:10 local: Sunday night in UTC.
    Push("olivia.nguyen", "2026-05-25T09:10:00+10:00", "Australia/Sydney", "ap-southeast-2",
         "mobile/backend", "2.14.0", "203.0.113.58", DOCKER_MAC),
    # Berlin, Whit Monday (a German public holiday) 10:30 local, 08:30 UTC.
    Push("anna.schmidt", "2026-05-25T10:30:00+02:00", "Europe/Berlin", "eu-central-1",
         "payments/api", "1.42.0", "192.0.2.14", DOCKER),
    # New York, Memorial Day (a US public holiday) 11:00 local, 15:00 UTC.
    Push("michael.chen", "2026-05-25T11:00:00-04:00", "America/New_York", "us-east-1",
         "web/storefront", "2026.05.25-1", "198.51.100.23", DOCKER_MAC),
    # Tokyo, Tuesday 10:30 local: 01:30 UTC.
    Push("kenji.tanaka", "2026-05-26T10:30:00+09:00", "Asia/Tokyo", "ap-northeast-1",
         "ml/inference", "0.9.3", "203.0.113.201", DOCKER),
    # Berlin, Tuesday 10:00:00 local: exactly 08:00:00 UTC, the start of upstream's hours.
    Push("jonas.weber", "2026-05-26T10:00:00+02:00", "Europe/Berlin", "eu-central-1",
         "payments/worker", "1.7.1", "192.0.2.37", DOCKER),
    # New York, Tuesday afternoon: 20:30 UTC.
    Push("michael.chen", "2026-05-26T16:30:00-04:00", "America/New_York", "us-east-1",
         "web/storefront", "2026.05.26-1", "198.51.100.23", DOCKER_MAC),
    # Berlin, Tuesday evening: inside 08:00-20:00 UTC, after the team's 18:00.
    Push("anna.schmidt", "2026-05-26T19:40:00+02:00", "Europe/Berlin", "eu-central-1",
         "payments/api", "1.42.1", "192.0.2.14", DOCKER),
    # CI in AWS CodeBuild, Wednesday night: the nightly base image, pushed by digest (no tag).
    Push("codebuild-base-images/AWSCodeBuild-8d1f0b52-3c7e-4a9b-b6f2-0e5d4c3a2b19",
         "2026-05-27T03:10:00+02:00", "Europe/Berlin", "eu-central-1", "platform/base-images", None,
         AWS_INTERNAL, AWS_INTERNAL),
    # Los Angeles, Wednesday afternoon: 21:20 UTC.
    Push("sofia.ramirez", "2026-05-27T14:20:00-07:00", "America/Los_Angeles", "us-west-2",
         "web/checkout", "3.8.0", "198.51.100.77", DOCKER_MAC),
    # Tokyo, Thursday evening: after the team's 18:00, 10:30 UTC.
    Push("kenji.tanaka", "2026-05-28T19:30:00+09:00", "Asia/Tokyo", "ap-northeast-1",
         "ml/inference", "0.9.4", "203.0.113.201", DOCKER),
    # CI on GitHub Actions, Thursday afternoon: a tagged release build.
    Push("github-actions-ecr-push/gha-15283746201", "2026-05-28T14:05:00+02:00", "Europe/Berlin",
         "eu-central-1", "payments/api", "1.43.0", "198.51.100.200", BUILDKIT),
    # New York, Thursday 16:00:00 local: exactly 20:00:00 UTC, the end of upstream's hours.
    Push("michael.chen", "2026-05-28T16:00:00-04:00", "America/New_York", "us-east-1",
         "web/storefront", "2026.05.28-2", "198.51.100.23", DOCKER_MAC),
    # CI on GitHub Actions, Friday night: the nightly runner image.
    Push("github-actions-ecr-push/gha-15291130457", "2026-05-29T02:15:00+02:00", "Europe/Berlin",
         "eu-central-1", "platform/runner-image", "nightly-2026-05-29", "198.51.100.200", BUILDKIT),
    # Los Angeles, Friday 17:05 local: Saturday 00:05 UTC.
    Push("sofia.ramirez", "2026-05-29T17:05:00-07:00", "America/Los_Angeles", "us-west-2",
         "web/checkout", "3.8.1", "198.51.100.77", DOCKER_MAC),
    # Berlin, Saturday late morning: a weekend push everywhere.
    Push("jonas.weber", "2026-05-30T11:30:00+02:00", "Europe/Berlin", "eu-central-1",
         "payments/worker", "1.7.2-hotfix", "192.0.2.37", DOCKER),
)


def cloudtrail_events(pushes: tuple[Push, ...] = PUSHES) -> list[dict]:
    """The pushes as Splunk shows CloudTrail events (``sourcetype=aws:cloudtrail``), oldest first."""
    events = [cloudtrail_event(cloudtrail_record(push, n)) for n, push in enumerate(pushes)]
    return sorted(events, key=lambda event: int(event["_time"]))


def security_lake_events(pushes: tuple[Push, ...] = PUSHES) -> list[dict]:
    """The pushes as Splunk shows Security Lake events (``sourcetype=aws:asl``), oldest first."""
    events = [security_lake_event(ocsf_record(cloudtrail_record(push, n))) for n, push in enumerate(pushes)]
    return sorted(events, key=lambda event: int(event["_time"]))


def cloudtrail_record(push: Push, number: int = 0) -> dict:
    """The CloudTrail record of one push, nested as CloudTrail writes it."""
    event_time = datetime.fromisoformat(push.local_time).astimezone(timezone.utc)
    login = datetime.fromtimestamp(event_time.timestamp() - 1800, timezone.utc)
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
        "userIdentity": _identity(push, _stamp(login)),
        "eventTime": _stamp(event_time),
        "eventSource": "ecr.amazonaws.com",
        "eventName": "PutImage",
        "awsRegion": push.region,
        "sourceIPAddress": push.source,
        "userAgent": push.user_agent,
        "requestParameters": request,
        "responseElements": {"image": {"registryId": ACCOUNT_ID, "repositoryName": push.repository,
                                       "imageId": image_id, "imageManifest": manifest,
                                       "imageManifestMediaType": MANIFEST_TYPE}},
        "requestID": str(uuid.uuid5(_IDS, f"request-{number}")),
        "eventID": event_id(number),
        "readOnly": False,
        "resources": [{"accountId": ACCOUNT_ID,
                       "ARN": f"arn:aws:ecr:{push.region}:{ACCOUNT_ID}:repository/{push.repository}"}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT_ID,
        "eventCategory": "Management",
    }


def event_id(number: int) -> str:
    """The CloudTrail ``eventID`` (OCSF ``metadata.uid``) of the push ``PUSHES[number]``."""
    return str(uuid.uuid5(_IDS, f"event-{number}"))


def ocsf_record(record: dict) -> dict:
    """The OCSF 1.1.0 API Activity record Security Lake makes of a CloudTrail record."""
    identity = record["userIdentity"]
    attributes = identity["sessionContext"]["attributes"]
    user = {"type": identity["type"], "uid": identity["arn"], "uid_alt": identity["principalId"],
            "account": {"uid": identity["accountId"]}, "credential_uid": identity["accessKeyId"]}
    session = {"created_time": _millis(attributes["creationDate"]),
               "mfa": attributes["mfaAuthenticated"] == "true"}
    observables = []
    if "userName" in identity:
        user["name"] = identity["userName"]
        observables.append({"name": "actor.user.name", "type": "User Name", "type_id": 4,
                            "value": identity["userName"]})
    issuer = identity["sessionContext"].get("sessionIssuer")
    if issuer:
        session["issuer"] = issuer["arn"]
    actor = {"user": user, "session": session}
    if "invokedBy" in identity:
        actor["invoked_by"] = identity["invokedBy"]
    federation = identity["sessionContext"].get("webIdFederationData", {}).get("federatedProvider")
    if federation:  # assumed: the OIDC provider as actor.idp (OCSF 1.1.0 Identity Provider object)
        actor["idp"] = {"uid": federation, "name": federation.rsplit("/", 1)[-1]}
    source = record["sourceIPAddress"]
    if _is_ip(source):
        src_endpoint = {"ip": source}
        observables.append({"name": "src_endpoint.ip", "type": "IP Address", "type_id": 2, "value": source})
    else:
        src_endpoint = {"domain": source}
    millis = _millis(record["eventTime"])
    return {
        "activity_id": 1,
        "activity_name": "Create",
        "actor": actor,
        "api": {"operation": record["eventName"],
                "request": {"uid": record["requestID"], "data": json.dumps(record["requestParameters"])},
                "response": {"data": json.dumps(record["responseElements"])},
                "service": {"name": record["eventSource"]}},
        "category_name": "Application Activity",
        "category_uid": 6,
        "class_name": "API Activity",
        "class_uid": 6003,
        "cloud": {"provider": "AWS", "region": record["awsRegion"]},
        "http_request": {"user_agent": record["userAgent"]},
        "metadata": {"event_code": record["eventType"],
                     "product": {"feature": {"name": record["eventCategory"]}, "name": "CloudTrail",
                                 "vendor_name": "AWS", "version": record["eventVersion"]},
                     "profiles": ["cloud", "datetime"], "uid": record["eventID"], "version": "1.1.0"},
        "observables": observables,
        "resources": [{"uid": item["ARN"], "owner": {"account": {"uid": item["accountId"]}},
                       "type": "AWS::ECR::Repository"} for item in record["resources"]],
        "severity": "Informational",
        "severity_id": 1,
        "src_endpoint": src_endpoint,
        "status": "Success",
        "status_id": 1,
        "time": millis,
        "time_dt": record["eventTime"].replace("Z", ".000Z"),
        "type_name": "API Activity: Create",
        "type_uid": 600301,
        "unmapped": {"recipientAccountId": record["recipientAccountId"]},
    }


def ocsf_rc2_record(record: dict) -> dict:
    """The OCSF 1.0.0-rc.2 record Security Lake's first version made of a CloudTrail record, laid
    out as ``ocsf_1.0.0-rc.2_api_activity_example.json`` (shared reference): ``actor.user.uid`` is
    the principal ID, ``uuid`` the ARN, ``account_uid`` the account; no session issuer."""
    identity = record["userIdentity"]
    user = {"type": identity["type"], "uid": identity["principalId"], "uuid": identity["arn"],
            "account_uid": identity["accountId"], "credential_uid": identity["accessKeyId"]}
    if "userName" in identity:
        user["name"] = identity["userName"]
    source = record["sourceIPAddress"]
    return {
        "activity_id": 1,
        "activity_name": "Create",
        "actor": {"idp": {}, "session": {}, "user": user},
        "api": {"operation": record["eventName"],
                "request": {"uid": record["requestID"], "data": json.dumps(record["requestParameters"])},
                "response": {"data": json.dumps(record["responseElements"])},
                "service": {"name": record["eventSource"]}},
        "category_name": "Audit Activity",
        "category_uid": 3,
        "class_name": "API Activity",
        "class_uid": 3005,
        "cloud": {"provider": "AWS", "region": record["awsRegion"]},
        "http_request": {"user_agent": record["userAgent"]},
        "metadata": {"product": {"feature": {"name": "Management, Data, and Insights"}, "name": "CloudTrail",
                                 "vendor_name": "AWS", "version": record["eventVersion"]},
                     "profiles": ["cloud"], "uid": record["eventID"], "version": "1.0.0-rc.2"},
        "severity": "Informational",
        "severity_id": 1,
        "src_endpoint": {"ip": source} if _is_ip(source) else {"domain": source},
        "status": "Success",
        "status_id": 1,
        "time": _millis(record["eventTime"]),
        "type_name": "API Activity: Create",
        "type_uid": 300501,
        "unmapped": {"eventType": record["eventType"], "recipientAccountId": record["recipientAccountId"]},
    }


def cloudtrail_event(record: dict) -> dict:
    """A CloudTrail record as a Splunk event: ``_time``, ``_raw``, sourcetype, ``date_*``, fields."""
    when = _parse_stamp(record["eventTime"])
    event = {"_time": str(int(when.timestamp())), "_raw": json.dumps(record, separators=(",", ":")),
             "sourcetype": "aws:cloudtrail"}
    event.update(date_fields(when))
    event.update(flatten(record))
    return event


def security_lake_event(record: dict) -> dict:
    """An OCSF record as a Splunk event of ``sourcetype=aws:asl``: ``_time`` from ``time`` (ms)."""
    event = {"_time": str(record["time"] // 1000), "_raw": json.dumps(record, separators=(",", ":")),
             "sourcetype": "aws:asl"}
    event.update(flatten(record))
    return event


def date_fields(when: datetime) -> dict[str, str]:
    """Splunk's ``date_*`` fields: the timestamp's clock as written in the raw event (here UTC)."""
    return {"date_hour": str(when.hour), "date_mday": str(when.day), "date_minute": str(when.minute),
            "date_month": when.strftime("%B").lower(), "date_second": str(when.second),
            "date_wday": when.strftime("%A").lower(), "date_year": str(when.year), "date_zone": "0"}


def flatten(value, prefix: str = "") -> dict:
    """Splunk's JSON field extraction: dotted paths, ``{}`` for arrays (several items give a
    multivalue field: a list), JSON literals as text, no field for an empty object or a null."""
    fields: dict[str, list[str]] = {}
    _collect(value, prefix, fields)
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}


def _collect(value, prefix: str, fields: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{prefix}{key}.", fields)
    elif isinstance(value, list):
        for item in value:
            _collect(item, prefix[:-1] + "{}.", fields)
    elif value is not None:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        fields.setdefault(prefix[:-1], []).append(text)


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
    context = {
        "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}",
                          "accountId": ACCOUNT_ID, "userName": role},
        "webIdFederationData": ({} if push.source == AWS_INTERNAL or not push.federation
                                else {"federatedProvider": push.federation}),
        "attributes": {"creationDate": login, "mfaAuthenticated": "false"},
    }
    identity = {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT_ID,
        "accessKeyId": _aws_id("ASIA", session),
        "sessionContext": context,
    }
    if push.source == AWS_INTERNAL:
        identity["invokedBy"] = AWS_INTERNAL
    return identity


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _millis(stamp: str) -> int:
    return int(_parse_stamp(stamp).timestamp()) * 1000


def _is_ip(text: str) -> bool:
    return re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*", text) is not None


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
