"""Who pushed: principal_type (human, service, unknown) with its evidence, the same in both variants,
overridden by the admin's service-principal lookup; and the OCSF 1.0.0-rc.2 mapping."""

from __future__ import annotations

import json

import pytest

from conftest import REPO
from harness.organisation import DOCKER, SDK, run_time_of
from harness.sample_events import (AWS_INTERNAL, BUILDKIT, Push, cloudtrail_event, cloudtrail_record, flatten,
                                 ocsf_rc2_record, ocsf_record, security_lake_event)
from harness.spl import App
from harness.spl.app import in_range

GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
DOCKER_UA = DOCKER.format(version="27.3.1")
# (push, expected type, expected evidence): what each kind of principal looks like in CloudTrail.
CASES = [
    (Push("anna.schmidt", "2026-05-24T03:00:00+02:00", "Europe/Berlin", "eu-central-1", "payments/api", "1.0",
          "192.0.2.14", DOCKER_UA), "human", "IAM user with interactive client docker"),
    (Push("github-actions-ecr-push/gha-1", "2026-05-24T03:05:00+02:00", "Europe/Berlin", "eu-central-1",
          "payments/api", "1.1", "20.42.1.2", DOCKER_UA, GITHUB),
     "service", "web identity federation token.actions.githubusercontent.com"),
    (Push("codebuild-base-images/AWSCodeBuild-1", "2026-05-24T03:10:00+02:00", "Europe/Berlin", "eu-central-1",
          "platform/base-images", None, AWS_INTERNAL, AWS_INTERNAL), "service", "invoked by AWS Internal"),
    (Push("release-builder/build-7", "2026-05-24T03:15:00+02:00", "Europe/Berlin", "eu-central-1", "web/checkout",
          "2.0", "198.51.100.7", BUILDKIT, None), "service", "build tool or SDK user agent buildkit"),
    (Push("ecr-sync", "2026-05-24T03:20:00+02:00", "Europe/Berlin", "eu-central-1", "web/checkout", "2.1",
          "198.51.100.8", SDK), "service", "build tool or SDK user agent aws-sdk-go-v2"),
    (Push("AWSReservedSSO_Developers_0123456789abcdef/jane.doe", "2026-05-24T03:25:00+02:00", "Europe/Berlin",
          "eu-central-1", "web/checkout", "2.2", "198.51.100.9", DOCKER_UA, None), "human",
     "single sign-on session"),
    (Push("deploy-role/session-9", "2026-05-24T03:30:00+02:00", "Europe/Berlin", "eu-central-1", "web/checkout",
          "2.3", "198.51.100.10", DOCKER_UA, None), "unknown",
     "no evidence of automation or of a person (AssumedRole, docker)"),
]


@pytest.fixture(scope="module")
def app():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return App(REPO)


def records():
    return [cloudtrail_record(push, number) for number, (push, _, _) in enumerate(CASES)]


def typed(rows: list[dict], key: str) -> dict[str, tuple]:
    return {row[key]: (row["user"], row["principal_type"], row["principal_evidence"], row["user_agent_family"])
            for row in rows}


def test_each_kind_of_principal_is_typed_with_its_evidence(app):
    rows = app.evaluator().run("`ecrofhours_aws_ecr_container_uploads`",
                               [cloudtrail_event(record) for record in records()])
    found = typed(rows, "eventID")
    for record, (push, kind, evidence) in zip(records(), CASES):
        assert found[record["eventID"]][:3] == (push.role or push.principal, kind, evidence)


def test_both_variants_give_the_same_principal_and_type_for_the_same_upload(app):
    cloudtrail = app.evaluator().run("`ecrofhours_aws_ecr_container_uploads`",
                                     [cloudtrail_event(record) for record in records()])
    security_lake = app.evaluator().run("`ecrofhours_asl_aws_ecr_container_uploads`",
                                        [security_lake_event(ocsf_record(record)) for record in records()])
    assert len(cloudtrail) == len(CASES)
    assert typed(cloudtrail, "eventID") == typed(security_lake, "metadata.uid")


RULE = "ecrofhours - AWS ECR Container Upload Outside Business Hours - Rule"


def scheduled_run() -> float:
    """The one hourly run that reports every case (all pushed 01:00-01:30 UTC): at 02:00, as shipped."""
    runs = {run_time_of(int(cloudtrail_event(record)["_time"])) for record in records()}
    assert len(runs) == 1, runs
    return runs.pop()


def service_principals(text: str) -> dict[str, str]:
    return {"lookups/ecrofhours_service_principals.csv": text}


def test_the_admins_lookup_overrides_the_guess_and_an_unknown_type_is_ignored_visibly(app, tmp_path):
    listed = app.with_local(tmp_path / "listed", service_principals(
        "user,principal_type,note\nanna.schmidt,service,shared build account\ndeploy-role,robot,typo\n"))
    rows = listed.run_saved_search(RULE, [cloudtrail_event(record) for record in records()], now=scheduled_run())
    by_user = {row["user"]: row for row in rows}
    assert (by_user["anna.schmidt"]["principal_type"], by_user["anna.schmidt"]["principal_evidence"]) == (
        "service", "listed in ecrofhours_service_principals: shared build account")
    assert by_user["deploy-role"]["principal_type"] == "unknown"
    assert by_user["deploy-role"]["principal_evidence"].endswith(
        "; ecrofhours_service_principals gives principal_type=robot (not human or service): ignored")
    assert by_user["release-builder"]["principal_type"] == "service"  # not listed: the guess stays


def test_without_the_admins_lookup_the_rule_runs_and_says_so(app):
    run = scheduled_run()
    window = app.time_range(RULE, run)
    evaluator = app.evaluator(now=run, window=window)
    rows = evaluator.run(app.saved_search(RULE), in_range([cloudtrail_event(record) for record in records()], window))
    assert len(rows) == len(CASES)
    assert ("WARN", "[local] The lookup table 'ecrofhours_service_principals.csv' does not exist or is not "
            "available.") in evaluator.context.messages


def rc2_event(record: dict) -> dict:
    return security_lake_event(ocsf_rc2_record(record))


def test_ocsf_1_0_0_rc_2_is_mapped_completely(app):
    """Security Lake's first OCSF version: uid is the principal ID, uuid the ARN, account_uid the account."""
    rows = app.evaluator().run("`ecrofhours_asl_aws_ecr_container_uploads`", [rc2_event(r) for r in records()])
    cloudtrail = app.evaluator().run("`ecrofhours_aws_ecr_container_uploads`",
                                     [cloudtrail_event(record) for record in records()])
    fields = ("user", "user_arn", "vendor_account", "vendor_region", "repository", "image_tag", "src", "user_agent")
    assert {row["metadata.uid"]: tuple(row[name] for name in fields) for row in rows} == {
        row["eventID"]: tuple(row[name] for name in fields) for row in cloudtrail}


def test_the_real_ocsf_1_0_0_rc_2_sample_gives_the_arn_and_the_account(app, shared_reference):
    """The shared sample is a DescribeDirectConnectGateways call: made a PutImage, all else as recorded."""
    record = json.loads((shared_reference / "samples" / "ocsf_1.0.0-rc.2_api_activity_example.json").read_text(
        encoding="utf-8"))
    record["api"]["operation"] = "PutImage"
    record["api"]["request"]["data"] = json.dumps({"repositoryName": "team/app", "imageTag": "1.0"})
    event = {"_time": str(record["time"] // 1000), "sourcetype": "aws:asl", **flatten(record)}
    row, = app.evaluator().run("`ecrofhours_asl_aws_ecr_container_uploads`", [event])
    assert (row["user"], row["user_arn"], row["vendor_account"], row["principal_type"]) == (
        "Level6", "arn:aws:iam::811596193553:user/Level6", "811596193553", "service")
    assert row["principal_evidence"] == "build tool or SDK user agent boto3"
