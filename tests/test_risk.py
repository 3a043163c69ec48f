"""Graded risk: the model of ES's Risk Analysis action and of its default risk incident rule
(harness/organisation.py), used for every rule set the demo compares."""

from __future__ import annotations

import json

from harness.organisation import RISK_THRESHOLD, RiskEvent, Upload, risk_events, risk_notables
from harness.sample_events import PUSHES

RULE = {
    "action.risk.param._risk": json.dumps([
        {"risk_object_field": "user", "risk_object_type": "user", "risk_score": 20},
        {"threat_object_field": "src_ip", "threat_object_type": "ip_address"}]),
    "action.risk.param._risk_message": "Image $repository$ by $user$; risk $risk_score$: $risk_summary$",
}
UPLOAD = Upload(PUSHES[0], "other people")


def test_a_results_own_risk_score_replaces_the_static_score_and_fills_the_message():
    graded, static = risk_events(RULE, [
        {"user": "anna", "repository": "web/app", "risk_score": "75", "risk_summary": "a +60, b +15"},
        {"user": "ben", "repository": "web/app"}], 3600, lambda result: [UPLOAD])
    assert (graded.risk_object, graded.score, graded.message, graded.time) == (
        "anna", 75, "Image web/app by anna; risk 75: a +60, b +15", 3600)
    assert (static.risk_object, static.score, static.message) == ("ben", 20, "Image web/app by ben; risk : ")


def test_a_result_without_the_risk_object_field_makes_no_risk_event():
    assert risk_events(RULE, [{"repository": "web/app"}], 0, lambda result: []) == []


def events(*scores_at: tuple[float, float], risk_object: str = "anna") -> list[RiskEvent]:
    return [RiskEvent(time, risk_object, score, "", (UPLOAD,)) for time, score in scores_at]


def test_a_notable_needs_more_than_the_threshold_within_24_hours():
    assert RISK_THRESHOLD == 100
    assert risk_notables(events((3600, 60), (7200, 40)), 0, 10 * 86400) == []  # exactly 100: not more
    notables = risk_notables(events((3600, 60), (7200, 41)), 0, 10 * 86400)
    assert [(notable.time, notable.score) for notable in notables] == [(7620, 101)]  # the rule's run at 02:07
    spread = events((3600, 60), (3600 + 86400, 60))  # more than a day apart
    assert risk_notables(spread, 0, 10 * 86400) == []


def test_an_object_above_the_threshold_gets_one_notable_a_day():
    many = events(*((3600 * hour, 60) for hour in range(1, 30)))
    notables = risk_notables(many, 0, 10 * 86400)
    assert [notable.time for notable in notables] == [7620, 7620 + 86400]


def test_notables_outside_the_measured_period_are_not_counted():
    assert risk_notables(events((3600, 200)), 86400, 10 * 86400) == []
