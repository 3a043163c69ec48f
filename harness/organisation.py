"""A simulated organisation's ECR uploads over two months, and the rules measured on it in time order.

The parameters below were written down before the rules' weights were tuned and are not changed
to make a result pass (docs/DETECTIONS.md, "Measured on months nobody tuned for"). Organisation A
(Berlin, New York, Tokyo; Saturday-Sunday weekend) is the one the weights were first tuned on.
Organisation B (Tel Aviv, Riyadh, Cairo; Friday-Saturday weekend) was the untuned holdout until it
failed; the scoring was then changed looking at A and B both, so B counts as used for tuning.
Organisation C (Amman, Dhaka, London; Friday-Saturday weekend at the head office and in Dhaka,
Saturday-Sunday in London) is the holdout that replaced it: its parameters were committed before
any rule ran on it.

What each organisation has, per seed (the seed only moves times, counts and addresses):

- developers in three zones, each in a team profile (a lookup maps them, as an admin would),
  pushing on their own working days (their locale's weekend, their country's public holidays
  off), mostly inside their hours, some of them habitually into the evening;
- three CI principals: an OIDC-federated CI role (GitHub Actions or GitLab) pushing every night
  on a UTC schedule from rotating addresses in four large cloud ranges, plus merge builds by
  day; a CodeBuild role relayed by AWS (invokedBy) pushing nightly by digest; a build server's
  IAM user (long-term keys, docker user agent) pushing every night on local time, which only the
  admin's service-principal lookup marks as a service; SDK and Docker user agents change version
  in the middle of the evaluation month;
- on-call pushes at night, a release weekend, a daylight-saving change in the evaluation month,
  a legitimate new repository, a developer travelling for a week;
- three injected attacks in the evaluation month: the CI role's credentials used from a new
  network at an unusual hour with another client; a developer's account pushing at 03:00 local on
  a public holiday from a new network; a principal never seen before.

:func:`simulate` runs, for each rule set, what Splunk would run: upstream's CloudTrail rule every
hour over its window (with the AWS add-on's CIM fields, so that it reports); today's rules and the
new rules over each day's hourly windows, the new rules with the baseline saved search run every
day at 01:20 from the seventh day on (the first week has no baseline lookup). The new and today's
rules group by image tag, and every upload has its own tag or digest, so one search over the
windows of the hourly runs that use the same baseline (00:50 to 00:50) gives exactly the results
of those runs: tests/test_organisation.py checks this on a day, run hour by hour. The new rules
also search the 24 hours before the hour they report (a new fact is scored once in 24 hours, with
streamstats time_window=24h); the day's search then covers the 24 hours before the day as well
and reports the whole day (:func:`one_search_a_day`), which is what the hourly runs report. Each result
becomes risk events through one model of ES's Risk Analysis action (:func:`risk_events`) and
risk notables through one model of ES's default risk incident rule (:func:`risk_notables`).
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import holidays as holiday_calendars

from harness.sample_events import (AWS_INTERNAL, Push, cloudtrail_event, cloudtrail_record, ocsf_record,
                                 security_lake_event)
from harness.spl import App
from harness.spl.commands import Stats
from harness.spl.escu import escu_evaluator, upstream_detections
from harness.spl.values import zone

REPO = Path(__file__).resolve().parents[1]
APP = REPO
"""The installed app the simulation copies (the repository)."""
PREVIOUS = REPO / "harness" / "previous_detections"
RULES = {
    "CloudTrail": "ecrofhours - AWS ECR Container Upload Outside Business Hours - Rule",
    "Security Lake": "ecrofhours - ASL AWS ECR Container Upload Outside Business Hours - Rule",
}
BASELINES = {
    "CloudTrail": "ecrofhours - AWS ECR Container Upload Baseline",
    "Security Lake": "ecrofhours - ASL AWS ECR Container Upload Baseline",
}
UPSTREAM_RULE = "AWS ECR Container Upload Outside Business Hours"
RISK_THRESHOLD = 100
"""ES's default risk incident rule, "Risk Threshold Exceeded For Object Over 24 Hour Period",
creates a risk notable when an object's risk over 24 hours exceeds 100 (docs/DETECTIONS.md)."""
CATEGORIES = ("CI", "on-call", "release", "other people")
INCIDENT_MINUTE = 7 * 60
HOUR = 3600
DAY = 86400
ATTACK = "attack"

DOCKER = ("docker/{version} go/go1.22.7 git-commit/41ca978 kernel/6.8.0-48-generic os/linux arch/amd64 "
          "UpstreamClient(Docker-Client/{version} \\(linux\\))")
BUILDKIT = "buildkit/{version} containerd/v1.7.23"
KANIKO = "kaniko/{version} go-containerregistry"
CLI = "aws-cli/2.17.5 Python/3.11.9 Linux/6.5.0-1022-aws exe/x86_64.ubuntu.22 prompt/off command/ecr.put-image"
SDK = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ecr#1.32.0"
JIB = "jib {version} jib-maven-plugin Google-HTTP-Java-Client/1.44.2 (gzip)"
BOTO3 = ("Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#6.8.0-1009-aws md/arch#x86_64 lang/python#3.12.3 "
         "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.131")
SKOPEO = "skopeo/1.15.1"
CLOUD_RANGES = ("20.42", "20.81", "40.84", "52.225")
"""/16s of a large cloud provider's runner ranges the CI role's addresses rotate in."""


# --- parameters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    profile: str
    tz: str
    country: str
    subdivision: str | None
    region: str
    hours: tuple[float, float]
    """When its developers usually push, local decimal hours (inside their profile's hours)."""
    weekend: tuple[int, ...]
    """Weekday numbers (Monday 0) of the team's weekend."""
    developers: tuple[str, ...]
    repositories: tuple[str, ...]


@dataclass(frozen=True)
class Attack:
    name: str
    principal: str
    """IAM user name, or ``<role>/<session>``."""
    local_times: tuple[str, ...]
    """One upload at each of these wall-clock times (``YYYY-MM-DDTHH:MM``) in ``tz``."""
    tz: str
    source_network: str
    user_agent: str
    repository: str
    federation: str | None = None


@dataclass(frozen=True)
class Organisation:
    name: str
    start: date
    """First day of the warm-up month (28 days), then 28 days of evaluation."""
    default_profile: str
    local_profiles: str
    """What the admin adds to local/ecrofhours.conf."""
    teams: tuple[Team, ...]
    ci_role: str
    ci_provider: str
    ci_agent: str
    ci_nightly_utc: float
    build_server: str
    build_server_tz: str
    build_server_hour: float
    dst_change: date
    agent_upgrade: date
    on_call: tuple[tuple[str, str], ...]
    """(developer, local time) of each night or weekend push of the person on call."""
    release_day: date
    release_team: int
    traveller: tuple[str, str, str, date]
    """(developer, zone they are in, source network there, first day), five working days."""
    new_repository: tuple[str, str, date]
    """(developer, repository, first day)."""
    attacks: tuple[Attack, ...]
    account: str = "111122223333"
    ci_agent_versions: tuple[str, str] = ("v0.17.2", "v0.18.1")
    """The CI agent's version before and from ``agent_upgrade``."""

    @property
    def evaluation_start(self) -> date:
        return self.start + timedelta(days=28)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=56)


ORGANISATION_A = Organisation(
    name="A: Berlin, New York, Tokyo (Saturday-Sunday weekend; used for tuning)",
    start=date(2026, 2, 23),
    default_profile="berlin",
    local_profiles=("[profile:tokyo]\nholidays = JP\nhours = workdays 09:00-18:00\nlocale = ja_JP\n"
                    "timezone = Asia/Tokyo\n"),
    teams=(
        Team("berlin", "Europe/Berlin", "DE", "BE", "eu-central-1", (8.5, 17.8), (5, 6),
             ("jonas.weber", "lena.fischer", "anna.schmidt", "paul.wagner", "mia.becker", "felix.hoffmann"),
             ("payments/api", "payments/worker", "platform/gateway", "web/checkout")),
        Team("us_eastern", "America/New_York", "US", None, "us-east-1", (8.0, 18.5), (5, 6),
             ("michael.chen", "sarah.miller", "david.jones", "emily.davis"),
             ("web/storefront", "web/search", "mobile/backend")),
        Team("tokyo", "Asia/Tokyo", "JP", None, "ap-northeast-1", (9.3, 17.8), (5, 6),
             ("kenji.tanaka", "yui.sato", "haruto.suzuki"),
             ("ml/inference", "ml/training")),
    ),
    ci_role="github-actions-ecr-push",
    ci_provider="token.actions.githubusercontent.com",
    ci_agent=BUILDKIT,
    ci_nightly_utc=2.0,
    build_server="jenkins-ecr",
    build_server_tz="Europe/Berlin",
    build_server_hour=22.5,
    dst_change=date(2026, 3, 29),
    agent_upgrade=date(2026, 4, 7),
    on_call=(("felix.hoffmann", "2026-03-27T02:10"), ("sarah.miller", "2026-03-31T01:40"),
             ("paul.wagner", "2026-04-04T11:20"), ("david.jones", "2026-04-09T03:15"),
             ("mia.becker", "2026-04-16T23:30"), ("michael.chen", "2026-04-18T09:45")),
    release_day=date(2026, 4, 11),
    release_team=0,
    traveller=("lena.fischer", "America/New_York", "198.51", date(2026, 4, 13)),
    new_repository=("kenji.tanaka", "ml/feature-store", date(2026, 4, 8)),
    attacks=(
        Attack("CI role's credentials from a new network at an unusual hour", "github-actions-ecr-push/gha-stolen",
               ("2026-04-15T23:40", "2026-04-15T23:52", "2026-04-16T00:05"), "Europe/Berlin", "185.220",
               CLI, "payments/api", "token.actions.githubusercontent.com"),
        Attack("developer account at 03:00 local on a public holiday", "jonas.weber",
               ("2026-04-06T03:05", "2026-04-06T03:20"), "Europe/Berlin", "45.155", DOCKER.format(version="27.3.1"),
               "payments/worker"),
        Attack("principal never seen before", "ecr-sync-svc", ("2026-04-18T23:10", "2026-04-18T23:25"),
               "Europe/Berlin", "91.219", SDK, "platform/gateway"),
    ),
)

ORGANISATION_B = Organisation(
    name="B: Tel Aviv, Riyadh, Cairo (Friday-Saturday weekend; used for tuning after it failed)",
    start=date(2026, 9, 6),
    default_profile="tel_aviv",
    local_profiles=(
        "[profile:cairo]\nholidays = EG\nhours = workdays 09:00-17:00\nlocale = ar_EG\ntimezone = Africa/Cairo\n\n"
        "[profile:riyadh]\nholidays = SA\nhours = workdays 08:00-17:00\nlocale = ar_SA\ntimezone = Asia/Riyadh\n\n"
        "[profile:tel_aviv]\nholidays = IL\nhours = workdays 09:00-18:00\nlocale = he_IL\n"
        "timezone = Asia/Jerusalem\n"),
    teams=(
        Team("tel_aviv", "Asia/Jerusalem", "IL", None, "il-central-1", (9.3, 17.8), (4, 5),
             ("noa.levi", "itai.cohen", "maya.peretz", "omer.katz", "tamar.friedman"),
             ("core/api", "core/ledger", "infra/proxy")),
        Team("riyadh", "Asia/Riyadh", "SA", None, "me-south-1", (8.3, 16.8), (4, 5),
             ("faisal.alqahtani", "noura.alharbi", "khalid.alotaibi", "sara.alzahrani"),
             ("pay/gateway", "pay/wallet")),
        Team("cairo", "Africa/Cairo", "EG", None, "eu-south-1", (9.3, 16.8), (4, 5),
             ("ahmed.hassan", "mona.ibrahim", "youssef.mahmoud"),
             ("data/etl", "data/reports")),
    ),
    ci_role="gitlab-ci-ecr-push",
    ci_provider="gitlab.com",
    ci_agent=KANIKO,
    ci_nightly_utc=23.0,
    build_server="buildbot-ecr",
    build_server_tz="Asia/Jerusalem",
    build_server_hour=21.5,
    dst_change=date(2026, 10, 25),
    agent_upgrade=date(2026, 10, 13),
    on_call=(("itai.cohen", "2026-10-06T02:30"), ("khalid.alotaibi", "2026-10-10T10:15"),
             ("omer.katz", "2026-10-16T01:50"), ("mona.ibrahim", "2026-10-22T23:40"),
             ("noa.levi", "2026-10-27T03:05")),
    release_day=date(2026, 10, 16),
    release_team=0,
    traveller=("maya.peretz", "Europe/Berlin", "192.0", date(2026, 10, 18)),
    new_repository=("noura.alharbi", "pay/risk-engine", date(2026, 10, 14)),
    attacks=(
        Attack("CI role's credentials from a new network at an unusual hour", "gitlab-ci-ecr-push/gl-stolen",
               ("2026-10-24T13:10", "2026-10-24T13:30", "2026-10-24T13:45"), "Asia/Jerusalem", "185.220",
               CLI, "core/ledger", "gitlab.com"),
        Attack("developer account at 03:00 local on a public holiday", "ahmed.hassan",
               ("2026-10-08T03:00", "2026-10-08T03:25"), "Africa/Cairo", "45.155", DOCKER.format(version="27.3.1"),
               "data/etl"),
        Attack("principal never seen before", "ecr-sync-svc", ("2026-10-30T22:10", "2026-10-30T22:40"),
               "Asia/Jerusalem", "91.219", SDK, "core/api"),
    ),
)

ORGANISATION_C = Organisation(
    name="C: Amman, Dhaka, London (Friday-Saturday weekend, London Saturday-Sunday; the holdout)",
    start=date(2027, 2, 27),
    default_profile="amman",
    local_profiles=(
        "[profile:amman]\nholidays = JO\nhours = workdays 09:00-17:00\nlocale = ar_JO\ntimezone = Asia/Amman\n\n"
        "[profile:dhaka]\nholidays = BD\nhours = workdays 09:00-18:00\nlocale = bn_BD\ntimezone = Asia/Dhaka\n\n"
        "[profile:london]\nholidays = GB-ENG\nhours = workdays 09:00-17:30\nlocale = en_GB\n"
        "timezone = Europe/London\n"),
    teams=(
        Team("amman", "Asia/Amman", "JO", None, "me-central-1", (9.2, 16.6), (4, 5),
             ("rami.haddad", "dina.khoury", "zaid.nasser", "lina.saleh", "omar.abbadi", "hala.masri",
              "yousef.tamimi"),
             ("shop/orders", "shop/catalog", "shop/payments-edge")),
        Team("dhaka", "Asia/Dhaka", "BD", None, "ap-south-1", (9.5, 17.5), (4, 5),
             ("tanvir.rahman", "nusrat.jahan", "farhan.ahmed", "sadia.islam", "arif.hossain"),
             ("data/pipeline", "data/warehouse-sync", "mobile/bff")),
        Team("london", "Europe/London", "GB", "ENG", "eu-west-2", (9.3, 17.2), (5, 6),
             ("oliver.brown", "chloe.evans"),
             ("partners/api", "partners/portal")),
    ),
    ci_role="bitbucket-ecr-push",
    ci_provider="api.bitbucket.org/2.0/workspaces/souqtech/pipelines-config/identity/oidc",
    ci_agent=JIB,
    ci_agent_versions=("3.4.3", "3.4.4"),
    ci_nightly_utc=20.5,
    build_server="teamcity-ecr",
    build_server_tz="Asia/Dhaka",
    build_server_hour=23.0,
    dst_change=date(2027, 3, 28),
    agent_upgrade=date(2027, 4, 12),
    on_call=(("zaid.nasser", "2027-03-12T03:30"), ("rami.haddad", "2027-03-30T02:40"),
             ("tanvir.rahman", "2027-04-02T12:30"), ("chloe.evans", "2027-04-07T23:50"),
             ("dina.khoury", "2027-04-13T04:10"), ("nusrat.jahan", "2027-04-20T01:15")),
    release_day=date(2027, 4, 17),
    release_team=1,
    traveller=("sadia.islam", "Asia/Singapore", "103.6", date(2027, 4, 4)),
    new_repository=("lina.saleh", "shop/recommendations", date(2027, 4, 6)),
    attacks=(
        Attack("CI role's credentials from a new network at an unusual hour", "bitbucket-ecr-push/bb-stolen",
               ("2027-04-20T04:15", "2027-04-20T04:35"), "Asia/Amman", "5.188", BOTO3, "shop/orders",
               "api.bitbucket.org/2.0/workspaces/souqtech/pipelines-config/identity/oidc"),
        Attack("developer account at 03:00 local on a public holiday", "farhan.ahmed",
               ("2027-04-14T03:00", "2027-04-14T03:40"), "Asia/Dhaka", "27.147", DOCKER.format(version="27.5.1"),
               "data/pipeline"),
        Attack("principal never seen before", "ecr-replicator",
               ("2027-04-23T16:20", "2027-04-23T16:45", "2027-04-23T17:10"), "Asia/Amman", "146.70", SKOPEO,
               "partners/api"),
    ),
)
ORGANISATIONS = {"A": ORGANISATION_A, "B": ORGANISATION_B, "C": ORGANISATION_C}
SEEDS = (1, 2, 3, 4, 5)


# --- the uploads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    push: Push
    category: str
    """``CI``, ``on-call``, ``release``, ``other people`` or ``attack``."""
    attack: str | None = None
    """The attack's name for an injected upload."""

    @property
    def user(self) -> str:
        return self.push.principal.split("/")[0]

    @property
    def instant(self) -> float:
        return datetime.fromisoformat(self.push.local_time).timestamp()


class _Builder:
    """Makes the uploads of one organisation and seed, each with a unique tag or digest."""

    def __init__(self, organisation: Organisation, seed: int):
        self.org = organisation
        self.random = random.Random(f"{organisation.name}/{seed}")
        self.uploads: list[Upload] = []
        self.counter = 0

    def add(self, principal: str, when: datetime, tz: str, region: str, repository: str, source: str,
            agent: str, category: str, *, federation: str | None = None, by_digest: bool = False,
            attack: str | None = None) -> None:
        self.counter += 1
        local = when.replace(tzinfo=zone(tz)) if when.tzinfo is None else when.astimezone(zone(tz))
        tag = None if by_digest else f"{local:%Y%m%d}.{self.counter}"
        push = Push(principal, local.isoformat(timespec="seconds"), tz, region, repository, tag, source, agent,
                    federation)
        self.uploads.append(Upload(push, category, attack))

    def agent(self, template: str, day: date, old: str, new: str) -> str:
        return template.format(version=new if day >= self.org.agent_upgrade else old)

    def address(self, network: str) -> str:
        return f"{network}.{self.random.randint(0, 255)}.{self.random.randint(1, 254)}"

    def days(self) -> Iterable[date]:
        day = self.org.start
        while day < self.org.end:
            yield day
            day += timedelta(days=1)


def uploads_of(organisation: Organisation, seed: int) -> list[Upload]:
    """Every upload of the organisation over the two months, oldest first."""
    build = _Builder(organisation, seed)
    org = organisation
    homes = {}
    for number, team in enumerate(org.teams):
        calendar = holiday_calendars.country_holidays(team.country, subdiv=team.subdivision,
                                                      years=range(org.start.year, org.end.year + 1))
        for index, developer in enumerate(team.developers):
            homes[developer] = (team, f"{10 + number}.{20 + index}")
            _developer(build, team, developer, homes[developer][1], calendar, index % 3 == 0)
    _ci(build)
    _on_call(build, homes)
    _release(build, org.teams[org.release_team])
    _attacks(build)
    return sorted(build.uploads, key=lambda upload: upload.instant)


def _developer(build: _Builder, team: Team, developer: str, home: str, calendar, late_worker: bool) -> None:
    org, rand = build.org, build.random
    traveller, travel_zone, travel_network, travel_start = org.traveller
    person, repository_from = org.new_repository[0], org.new_repository[2]
    for day in build.days():
        if day.weekday() in team.weekend or day in calendar:
            continue
        count = rand.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]
        travelling = developer == traveller and travel_start <= day < travel_start + timedelta(days=7)
        for _ in range(count):
            start, end = team.hours
            hour = rand.uniform(start, end)
            if late_worker and rand.random() < 0.25:
                hour = rand.uniform(18.5, 21.0)
            tz, network = team.tz, home if rand.random() < 0.85 else "172.31"
            if travelling:
                tz, network, hour = travel_zone, travel_network, rand.uniform(9.5, 17.0)
            repository = rand.choice(team.repositories[:2] if team.developers.index(developer) % 2 == 0
                                     else team.repositories[1:])
            if developer == person and day >= repository_from and rand.random() < 0.6:
                repository = org.new_repository[1]
            when = datetime.combine(day, time()) + timedelta(hours=hour)
            build.add(developer, when, tz, team.region, repository, build.address(network),
                      build.agent(DOCKER, day, "27.3.1", "27.5.1"), "other people")


def _ci(build: _Builder) -> None:
    org, rand = build.org, build.random
    first = org.teams[0]
    ci_repositories = tuple(repository for team in org.teams for repository in team.repositories)
    for day in build.days():
        nightly = datetime.combine(day, time(), timezone.utc) + timedelta(hours=org.ci_nightly_utc)
        session = f"{org.ci_role}/run-{day:%Y%m%d}"
        for number, repository in enumerate(ci_repositories[:5]):
            when = nightly + timedelta(minutes=4 * number + rand.randint(0, 3))
            build.add(session, when, first.tz, first.region, repository,
                      build.address(rand.choice(CLOUD_RANGES)), build.agent(org.ci_agent, day, *org.ci_agent_versions),
                      "CI", federation=f"arn:aws:iam::{org.account}:oidc-provider/{org.ci_provider}")
        if day.weekday() not in first.weekend:
            for _ in range(rand.randint(1, 4)):  # merge builds during the working day
                when = datetime.combine(day, time()) + timedelta(hours=rand.uniform(10, 17))
                build.add(session, when.replace(tzinfo=zone(first.tz)), first.tz, first.region,
                          rand.choice(ci_repositories), build.address(rand.choice(CLOUD_RANGES)),
                          build.agent(org.ci_agent, day, *org.ci_agent_versions), "CI",
                          federation=f"arn:aws:iam::{org.account}:oidc-provider/{org.ci_provider}")
            when = datetime.combine(day, time(), timezone.utc) + timedelta(minutes=30 + rand.randint(0, 9))
            for number in range(2):  # CodeBuild base images, by digest, relayed by AWS
                build.add(f"codebuild-base-images/AWSCodeBuild-{day:%m%d}", when + timedelta(minutes=3 * number),
                          first.tz, first.region, "platform/base-images", AWS_INTERNAL, AWS_INTERNAL, "CI",
                          by_digest=True)
            server_time = datetime.combine(day, time()) + timedelta(hours=org.build_server_hour)
            for number in range(3):  # the build server's nightly, on its own clock
                build.add(org.build_server, (server_time + timedelta(minutes=5 * number)).replace(
                    tzinfo=zone(org.build_server_tz)), org.build_server_tz, first.region, ci_repositories[number],
                    "203.0.113.10", build.agent(DOCKER, day, "27.3.1", "27.5.1"), "CI")


def _on_call(build: _Builder, homes: Mapping[str, tuple[Team, str]]) -> None:
    for developer, local in build.org.on_call:
        team, home = homes[developer]
        when = datetime.fromisoformat(local)
        build.add(developer, when, team.tz, team.region, team.repositories[0], build.address(home),
                  build.agent(DOCKER, when.date(), "27.3.1", "27.5.1"), "on-call")


def _release(build: _Builder, team: Team) -> None:
    day = build.org.release_day
    for developer in team.developers[:4]:
        for _ in range(2):
            when = datetime.combine(day, time()) + timedelta(hours=build.random.uniform(10, 15))
            build.add(developer, when, team.tz, team.region, team.repositories[0],
                      build.address(f"{10 + build.org.teams.index(team)}.{20 + team.developers.index(developer)}"),
                      build.agent(DOCKER, day, "27.3.1", "27.5.1"), "release")


def _attacks(build: _Builder) -> None:
    region = build.org.teams[0].region
    for attack in build.org.attacks:
        for local in attack.local_times:
            federation = (f"arn:aws:iam::{build.org.account}:oidc-provider/{attack.federation}"
                          if attack.federation else None)
            build.add(attack.principal, datetime.fromisoformat(local), attack.tz, region, attack.repository,
                      build.address(attack.source_network), attack.user_agent, ATTACK, federation=federation,
                      attack=attack.name)


# --- events ----------------------------------------------------------------------------------


def with_aws_add_on_fields(event: dict) -> dict:
    """A CloudTrail event with the CIM fields the Splunk Add-on for AWS computes at search time,
    as far as upstream's rule needs them (signature, user_name, user_agent, src, vendor_*). The
    add-on's user_name for an assumed role is taken to be the session issuer's name (assumed)."""
    return dict(event, signature=event["eventName"], user_agent=event["userAgent"], src=event["sourceIPAddress"],
                user_name=event.get("userIdentity.userName") or event.get(
                    "userIdentity.sessionContext.sessionIssuer.userName") or event["userIdentity.arn"],
                vendor_account=event["recipientAccountId"], vendor_region=event["awsRegion"],
                vendor_product="AWS CloudTrail")


@dataclass
class Variants:
    """The same uploads as CloudTrail events (with the add-on's fields) and as OCSF 1.1.0 events."""

    uploads: list[Upload]
    events: dict[str, list[dict]] = field(default_factory=dict)
    by_tag: dict[str, Upload] = field(default_factory=dict)

    @classmethod
    def of(cls, uploads: list[Upload]) -> Variants:
        made = cls(uploads)
        made.events = {"CloudTrail": [], "Security Lake": []}
        for number, upload in enumerate(uploads):
            record = cloudtrail_record(upload.push, number)
            made.events["CloudTrail"].append(with_aws_add_on_fields(cloudtrail_event(record)))
            made.events["Security Lake"].append(security_lake_event(ocsf_record(record)))
            request = record["requestParameters"]
            made.by_tag[request.get("imageTag") or request["imageDigest"]] = upload
        return made


def between(events: Sequence[dict], low: float, high: float) -> list[dict]:
    """The events with low <= _time < high (a scheduled search's dispatch window)."""
    return [event for event in events if low <= int(event["_time"]) < high]


# --- ES's risk-based alerting, modelled once --------------------------------------------------


@dataclass(frozen=True)
class RiskEvent:
    time: float
    """When the rule ran (the risk event's _time)."""
    risk_object: str
    score: float
    message: str
    uploads: tuple[Upload, ...]


def risk_events(rule: Mapping[str, str], results: Iterable[Mapping], run_time: float,
                uploads_of_result) -> list[RiskEvent]:
    """What ES's Risk Analysis action writes to the risk index for a rule's results: one risk
    event per result and risk object of ``action.risk.param._risk``, scored by the result's own
    ``risk_score`` field when it has one, else by the entry's static ``risk_score``; the message
    is ``action.risk.param._risk_message`` with ``$field$`` replaced by the result's values.
    docs/DETECTIONS.md cites what ES documents of this and says what is not verified offline."""
    entries = [entry for entry in json.loads(rule["action.risk.param._risk"]) if "risk_object_field" in entry]
    template = rule["action.risk.param._risk_message"]
    made = []
    for result in results:
        for entry in entries:
            risk_object = result.get(entry["risk_object_field"])
            if risk_object is None:
                continue
            score = float(result["risk_score"]) if "risk_score" in result else float(entry["risk_score"])
            message = template
            for name in set(part.strip("$") for part in _fields_in(template)):
                value = result.get(name, "")
                message = message.replace(f"${name}$", ", ".join(value) if isinstance(value, list) else value)
            made.append(RiskEvent(run_time, risk_object, score, message, tuple(uploads_of_result(result))))
    return made


def _fields_in(template: str) -> list[str]:
    return re.findall(r"\$\w+\$", template)


@dataclass(frozen=True)
class Notable:
    time: float
    risk_object: str
    score: float
    attack: bool
    """Whether an injected attack's risk is among the 24 hours it sums."""


def risk_notables(events: Sequence[RiskEvent], start: float, end: float) -> list[Notable]:
    """ES's default risk incident rule, run at 7 minutes past every hour (the schedule ES's
    documentation suggests for risk incident rules): a risk notable for an object whose risk events
    of the last 24 hours sum to more than 100; one per object while it stays above (the rule's
    throttling by risk object, modelled as: none again within 24 hours of the last)."""
    by_object = defaultdict(list)
    for event in events:
        by_object[event.risk_object].append(event)
    notables = []
    for risk_object, own in by_object.items():
        own.sort(key=lambda event: event.time)
        last = None
        for run in sorted({_next_hour(event.time) for event in own}):
            if not start <= run < end:
                continue
            window = [event for event in own if run - DAY < event.time <= run]
            total = sum(event.score for event in window)
            if total > RISK_THRESHOLD and (last is None or run - last >= DAY):
                last = run
                notables.append(Notable(run, risk_object, total,
                                        any(upload.attack for event in window for upload in event.uploads)))
    return sorted(notables, key=lambda notable: notable.time)


def _next_hour(instant: float) -> float:
    """The first run of the risk incident rule (cron 7 * * * *) after a risk event."""
    return (instant - INCIDENT_MINUTE) // HOUR * HOUR + HOUR + INCIDENT_MINUTE


def run_time_of(instant: float) -> float:
    """The hourly run (cron 0 * * * *, window -70m@m to -10m@m) that sees an event at ``instant``."""
    return ((instant + 600) // HOUR + 1) * HOUR


# --- the simulation ------------------------------------------------------------------------------


@dataclass
class RuleSetOutcome:
    """What one rule set's rule for one variant (an organisation enables one per data source) gave."""

    name: str
    variant: str
    risk: list[RiskEvent] = field(default_factory=list)
    notables: list[Notable] = field(default_factory=list)


@dataclass
class Outcome:
    organisation: Organisation
    seed: int
    uploads: list[Upload]
    rule_sets: dict[tuple[str, str], RuleSetOutcome]
    """(rule set, variant) -> outcome; rule sets ``upstream`` (CloudTrail only), ``today``, ``new``."""
    first_week_equal: bool
    """Whether, before any baseline exists, the new rules report exactly today's uploads, at 20."""
    messages: list[str]


def admin_files(organisation: Organisation) -> dict[str, str]:
    """What the admin adds to the app: the policy with team profiles, and (new rules) the
    service-principal lookup naming the build server's IAM user."""
    team_rows = "".join(f"{developer},{team.profile}\n" for team in organisation.teams
                        for developer in team.developers if team.profile != organisation.default_profile)
    policy = ("lookup team_profiles.csv user OUTPUT profile AS team_profile"
              f" | ecrofhours profile={organisation.default_profile} profilefield=team_profile timefield=$timefield$")
    return {
        "local/macros.conf": f"[ecrofhours_business_hours(1)]\ndefinition = {policy}\n",
        "local/ecrofhours.conf": organisation.local_profiles,
        "lookups/team_profiles.csv": "user,profile\n" + team_rows,
        "lookups/ecrofhours_service_principals.csv": (
            f"user,principal_type,note\n{organisation.build_server},service,build server (long-term keys)\n"),
    }


def reported_uploads_macro(last: float | None) -> str:
    """A ``local/macros.conf`` stanza of ecrofhours_reported_uploads that reports the results whose
    first upload is in the last ``last`` seconds of the search's time range (None: anywhere in it),
    in place of the shipped rule (after the range's first 24 hours, at most its last 60 minutes);
    made from the shipped definition, ``addinfo`` kept."""
    shipped = App(APP).macros["ecrofhours_reported_uploads"].definition
    bound = "min(info_min_time + 86400, info_max_time - 3600)"
    if shipped.count(bound) != 1:
        raise ValueError(f"ecrofhours_reported_uploads no longer reports from {bound}: {shipped}")
    definition = shipped.replace(bound, "info_min_time" if last is None else f"info_max_time - {last:g}")
    definition = definition.replace("\n", " \\\n")  # continued lines, as in a .conf file
    return f"\n[ecrofhours_reported_uploads]\ndefinition = {definition}\n"


def reporting(files: Mapping[str, str], last: float | None) -> dict[str, str]:
    """The admin's files with :func:`reported_uploads_macro` added to ``local/macros.conf``: for a
    search whose point is not the hour a rule reports (one search over sample events, or over
    a day of hourly runs)."""
    added = dict(files)
    added["local/macros.conf"] = files.get("local/macros.conf", "") + reported_uploads_macro(last)
    return added


def one_search_a_day(files: Mapping[str, str]) -> dict[str, str]:
    """The admin's files plus what lets one search stand for a day of hourly rule runs: the rules
    report the last 60 minutes of their time range (ecrofhours_reported_uploads); the day's search
    reports its last 24 hours. tests/test_organisation.py checks that it gives what the 24 hourly
    runs give."""
    return reporting(files, DAY)


def previous_app(tuned_files: Mapping[str, str], folder: Path) -> App:
    """Today's rules (harness/previous_detections) with the same local/ files, no filter exclusions."""
    files = dict(tuned_files)
    files.pop("lookups/ecrofhours_service_principals.csv")
    files["default/macros.conf"] = (PREVIOUS / "macros.conf").read_text(encoding="utf-8")
    files["default/savedsearches.conf"] = (PREVIOUS / "savedsearches.conf").read_text(encoding="utf-8")
    return App(APP).with_local(folder, files)


def upstream_rule(reference: Path) -> tuple[str, dict[str, str]]:
    """Upstream's CloudTrail rule (the newest YAML) and its risk action as ES renders it from the
    YAML: the principal with the YAML's static score, the source as threat object."""
    import yaml

    detection = upstream_detections(reference)[UPSTREAM_RULE]
    folder = reference / "upstream-detections"
    document = next(yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("aws_ecr_*.yml"))
                    if yaml.safe_load(path.read_text(encoding="utf-8"))["version"] == detection.version)
    entity = document["intermediate_findings"]["entities"][0]
    risk = [{"risk_object_field": entity["field"], "risk_object_type": entity["type"], "risk_score": entity["score"]}]
    return detection.search, {"action.risk.param._risk": json.dumps(risk),
                              "action.risk.param._risk_message": entity["message"]}


def simulate(organisation: Organisation, seed: int, reference: Path | None) -> Outcome:
    """Runs the organisation's two months through the three rule sets, in time order."""
    uploads = uploads_of(organisation, seed)
    data = Variants.of(uploads)
    start = datetime.combine(organisation.start, time(), timezone.utc).timestamp()
    evaluation = datetime.combine(organisation.evaluation_start, time(), timezone.utc).timestamp()
    end = datetime.combine(organisation.end, time(), timezone.utc).timestamp()
    messages: list[str] = []
    files = admin_files(organisation)
    outcomes = {(name, variant): RuleSetOutcome(name, variant) for name in ("today", "new") for variant in RULES}
    outcomes["upstream", "CloudTrail"] = RuleSetOutcome("upstream", "CloudTrail")
    with tempfile.TemporaryDirectory(prefix="ecrofhours-organisation-") as folder:
        new = App(APP).with_local(Path(folder) / "new", one_search_a_day(files))
        today = previous_app(files, Path(folder) / "today")
        first_week_equal = True
        for day_start in range(int(start), int(end), DAY):
            window = (day_start + 50 * 60, day_start + DAY + 50 * 60)  # runs 02:00 to 01:00 the next day
            if day_start >= start + 7 * DAY:
                for variant, name in BASELINES.items():  # 01:20: -31d@d to -1d@d
                    learnt = between(data.events[variant], day_start - 31 * DAY, day_start - DAY)
                    new.run_saved_search(name, learnt, now=day_start + 80 * 60)
            measured = window[0] >= evaluation
            if not measured and day_start >= start + 7 * DAY:
                continue  # the rest of the warm-up month only feeds the baseline
            for variant, rule_name in RULES.items():
                events = between(data.events[variant], *window)
                if not events:
                    continue
                runs = {"new": new, "today": today}
                # today's rules search their hour; the new ones the 24 hours before it as well
                searched = {"new": (window[0] - DAY, window[1]), "today": window}
                results = {}
                for set_name, app in runs.items():
                    evaluator = app.evaluator(now=window[1], window=searched[set_name])
                    results[set_name] = evaluator.run(app.saved_search(rule_name),
                                                      between(data.events[variant], *searched[set_name]))
                    messages += [f"{set_name} {variant}: {text}" for level, text in evaluator.context.messages
                                 if level not in ("WARN",) or "does not exist" not in text]
                if not measured:
                    first_week_equal &= _same_uploads(results["new"], results["today"]) and all(
                        row["risk_score"] == "20" for row in results["new"])
                    continue
                for set_name, app in runs.items():
                    rule = app.saved_searches[rule_name]
                    for result in results[set_name]:
                        upload = data.by_tag[result["image_tag"]]
                        outcomes[set_name, variant].risk += risk_events(rule, [result], run_time_of(upload.instant),
                                                                        lambda _r, u=upload: [u])
        if reference is not None:
            _run_upstream(outcomes["upstream", "CloudTrail"], data, reference, evaluation, end)
    for outcome in outcomes.values():
        outcome.notables = risk_notables(outcome.risk, evaluation, end)
    return Outcome(organisation, seed, uploads, outcomes, first_week_equal, messages)


def _same_uploads(new: list[dict], today: list[dict]) -> bool:
    return sorted(row["image_tag"] for row in new) == sorted(row["image_tag"] for row in today)


def _run_upstream(outcome: RuleSetOutcome, data: Variants, reference: Path, start: float, end: float) -> None:
    """Upstream's CloudTrail rule every hour (window -70m@m to -10m@m), run as a user in UTC; each
    result's uploads are the events its time test selected with the result's by-field values."""
    search, rule = upstream_rule(reference)
    evaluator = escu_evaluator(reference, "UTC")
    commands = evaluator.parse(search)
    at = next(index for index, command in enumerate(commands) if isinstance(command, Stats))
    events = data.events["CloudTrail"]
    by_id = {event["eventID"]: upload for event, upload in zip(events, data.uploads)}
    for run in range(int(start), int(end), HOUR):
        window = between(events, run - 70 * 60, run - 10 * 60)
        if not window:
            continue
        chosen = evaluator.execute(commands[:at], window)
        for result in evaluator.execute(commands[at:], chosen):
            members = [by_id[event["eventID"]] for event in chosen
                       if all(event.get(name) == result.get(name) for name in commands[at].by)]
            outcome.risk += risk_events(rule, [result], run, lambda _r, m=members: m)


# --- the report ------------------------------------------------------------------------------


def category_of(event: RiskEvent) -> str:
    categories = {upload.category for upload in event.uploads}
    return ATTACK if ATTACK in categories else sorted(categories)[0]


@dataclass(frozen=True)
class Measures:
    notables: int
    false_notables: int
    risk_events: int
    false_risk_events: int
    false_risk: float
    false_risk_by: dict[str, float]
    """category -> risk on uploads that are not attacks."""
    risk_per_principal: dict[str, float]


def measures(outcome: RuleSetOutcome) -> Measures:
    false = [event for event in outcome.risk if category_of(event) != ATTACK]
    by = Counter()
    for event in false:
        by[category_of(event)] += event.score
    per_principal = Counter()
    for event in outcome.risk:
        per_principal[event.risk_object] += event.score
    return Measures(len(outcome.notables), sum(not notable.attack for notable in outcome.notables),
                    len(outcome.risk), len(false), sum(event.score for event in false), dict(by),
                    dict(per_principal))


def acceptance(outcome: Outcome) -> list[str]:
    """The issue's criteria on one run, for each variant of the new rules; empty when all hold."""
    problems = []
    attacks = {upload.attack: upload.user for upload in outcome.uploads if upload.attack}
    upstream = outcome.rule_sets.get(("upstream", "CloudTrail"))
    for variant in RULES:
        new, today = outcome.rule_sets["new", variant], outcome.rule_sets["today", variant]
        attack_events = [event for event in new.risk if category_of(event) == ATTACK]
        habitual = [event for event in new.risk
                    if category_of(event) != ATTACK and "matches the habit" in event.message]
        if {upload.attack for event in attack_events for upload in event.uploads} != set(attacks):
            problems.append(f"{variant}: an attack made no risk event")
        if habitual and attack_events and min(e.score for e in attack_events) <= max(e.score for e in habitual):
            problems.append(f"{variant}: an attack scores no higher than a habitual upload")
        for name, principal in attacks.items():
            first = min(upload.instant for upload in outcome.uploads if upload.attack == name)
            if not any(n.risk_object == principal and first <= n.time <= first + DAY for n in new.notables):
                problems.append(f"{variant}: {name}: {principal} does not cross {RISK_THRESHOLD} within 24 hours")
        crossing = sorted({notable.risk_object for notable in new.notables if not notable.attack})
        if crossing:
            problems.append(f"{variant}: principals without an attack cross the threshold: {crossing}")
        false = measures(new).false_risk
        if upstream is not None and upstream.risk and false > 0.2 * measures(upstream).false_risk:
            problems.append(f"{variant}: false-positive risk drops by less than 80% against upstream's CloudTrail rule")
        if false > 0.5 * measures(today).false_risk:
            problems.append(f"{variant}: false-positive risk drops by less than 50% against today's rules")
    if not outcome.first_week_equal:
        problems.append("without a baseline the new rules do not behave as today's")
    return problems


def counts(uploads: Sequence[Upload], organisation: Organisation) -> dict[str, int]:
    """How many uploads of each kind the organisation made in the evaluation month."""
    evaluation = datetime.combine(organisation.evaluation_start, time(), timezone.utc).timestamp()
    found = Counter(upload.category for upload in uploads if upload.instant >= evaluation)
    return dict(found)


def report(outcomes: Sequence[Outcome]) -> list[str]:
    """The comparison table and the acceptance verdicts, as lines of text."""
    lines = []
    for outcome in outcomes:
        org = outcome.organisation
        lines.append(f"Organisation {org.name}, seed {outcome.seed}; uploads in the evaluation month: "
                     + ", ".join(f"{name} {count}" for name, count in sorted(counts(outcome.uploads, org).items())))
        lines.append(f"  {'rules':23} {'notables':>8} {'false':>5} {'risk events':>11} {'false':>5} "
                     f"{'false risk':>10} " + " ".join(f"{category:>12}" for category in CATEGORIES))
        for (name, variant), rule_set in outcome.rule_sets.items():
            if name == "upstream" and not rule_set.risk:
                continue
            m = measures(rule_set)
            lines.append(f"  {name + ' ' + variant:23} {m.notables:>8} {m.false_notables:>5} {m.risk_events:>11} "
                         f"{m.false_risk_events:>5} {m.false_risk:>10.0f} "
                         + " ".join(f"{m.false_risk_by.get(category, 0):>12.0f}" for category in CATEGORIES))
        for variant in RULES:
            top = sorted(measures(outcome.rule_sets["new", variant]).risk_per_principal.items(),
                         key=lambda item: -item[1])[:5]
            lines.append(f"  new {variant}, total risk per principal (top 5): "
                         + ", ".join(f"{principal} {score:.0f}" for principal, score in top))
        problems = acceptance(outcome)
        lines.append("  criteria: " + ("all hold" if not problems else "FAIL: " + "; ".join(problems)))
    return lines


def runs_of(seeds: Sequence[int] = SEEDS) -> list[tuple[Organisation, int]]:
    """What the demo and the slow test run: organisation A on every seed, B and C on the first."""
    return [(ORGANISATION_A, seed) for seed in seeds] + [(ORGANISATION_B, seeds[0]), (ORGANISATION_C, seeds[0])]


def run_all(reference: Path | None, seeds: Sequence[int] = SEEDS) -> list[Outcome]:
    """Organisation A on every seed, organisations B and C on the first (:func:`runs_of`)."""
    runs = runs_of(seeds)
    return [simulate(organisation, seed, reference) for organisation, seed in runs]


__all__ = ["ORGANISATIONS", "Organisation", "Outcome", "acceptance", "report", "risk_events", "risk_notables",
           "run_all", "runs_of", "simulate", "uploads_of"]
