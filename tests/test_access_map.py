"""Walks every URL rule of the app as every kind of person.

Each view declares its rule with a decorator from ``lms.core.permissions``
(``public``, ``authenticated``, ``coordinator_required``); record-level rules
are listed in RECORD_RULES below. A new page that forgets its check, or a
record rule that lets the wrong person in, fails here.
"""

from __future__ import annotations

import pytest

from tests.helpers import post_form

ROLES = ["anonymous", "participant", "trainer", "other_trainer", "coordinator"]

# Endpoints whose outcome depends on the record, for the records of the
# `world` fixture: the URL always points at the participant's own records and
# at the module that `trainer` (not `other_trainer`) teaches. Roles not listed
# follow the endpoint's declared rule.
RECORD_RULES: dict[str, dict[str, int]] = {
    "programs.module_detail": {"participant": 403, "other_trainer": 403},
}

# Endpoints that are not pages of their own (static files).
SKIP = {"static"}


def _url_values(world) -> dict[str, object]:
    return {
        "program_id": world.program.id,
        "track_id": world.track.id,
        "module_id": world.module.id,
        "group_id": world.group.id,
        "enrolment_id": world.enrolment.id,
        "user_id": world.participant.id,
        "person_id": world.participant.id,
        "organisation_id": world.organisation.id,
        "field_id": world.field.id,
        "token": "not-a-real-token",
    }


def _all_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIP),
        key=lambda rule: (rule.endpoint, rule.rule),
    )


def _cases(app):
    cases = []
    for rule in _all_rules(app):
        for method in ("GET", "POST"):
            if method in rule.methods:
                for role in ROLES:
                    cases.append(pytest.param((rule.endpoint, rule.rule, method, role),
                                              id=f"{rule.endpoint}-{method}-{role}"))
    return cases


def pytest_generate_tests(metafunc):
    if "access_case" in metafunc.fixturenames:
        from lms import create_app

        app = create_app("testing")
        metafunc.parametrize("access_case", _cases(app))
        from lms import init_socketio

        init_socketio(app)  # re-bound to the session app by its fixture on first use


@pytest.fixture(scope="module", autouse=True)
def _rebind_socketio(app):
    from lms import init_socketio

    init_socketio(app)


def test_every_view_declares_its_access_rule(app):
    missing = [
        rule.endpoint
        for rule in _all_rules(app)
        if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
    ]
    assert missing == [], "views without @public/@authenticated/@coordinator_required: " + ", ".join(missing)


def test_record_rules_name_real_endpoints(app):
    assert set(RECORD_RULES) <= set(app.view_functions)


def _expected(app, endpoint: str, role: str) -> str:
    """'login' (sent to the login page), 'forbidden', or 'allowed'."""
    rule = getattr(app.view_functions[endpoint], "access_rule", None)
    if rule == "public":
        return "allowed"
    if role == "anonymous":
        return "login"
    if role in RECORD_RULES.get(endpoint, {}):
        return "forbidden"
    if rule == "coordinator" and role != "coordinator":
        return "forbidden"
    return "allowed"


def test_access(app, client, world, login, access_case):
    endpoint, rule_path, method, role = access_case
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_path)
    values = _url_values(world)
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"add a value for {missing} to _url_values"
    with app.test_request_context():
        url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]

    if role != "anonymous":
        login(client, getattr(world, role))

    response = client.get(url) if method == "GET" else post_form(client, url, {})
    expected = _expected(app, endpoint, role)

    assert response.status_code < 500, f"{method} {url} as {role}: server error"
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"], (
            f"{method} {url} as anonymous should redirect to login, got {response.status_code}"
        )
    elif expected == "forbidden":
        assert response.status_code == 403, f"{method} {url} as {role} should be 403, got {response.status_code}"
    else:
        assert response.status_code != 403, f"{method} {url} as {role} should be allowed"
        if role != "anonymous":
            location = response.headers.get("Location", "")
            assert "/login" not in location or endpoint.startswith("accounts."), (
                f"{method} {url} as {role} was sent to the login page"
            )
