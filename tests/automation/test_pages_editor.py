"""The funnel editor: the diagram, each edit with and without htmx, refused edits
changing nothing, the draft services keeping the links consistent (both
databases)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from automation.definition import definition_check, too_late_after
from automation.models import Funnel
from automation.services import (
    draft_discard,
    draft_step_add,
    draft_step_delete,
    draft_step_move,
    draft_step_update,
    funnel_import,
)
from automation.services.drafts import FIRST
from tests.automation.conftest import credit, document
from tests.core.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager_client(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    return client


def linear_funnel() -> Funnel:
    return Funnel.objects.create(
        name="F",
        draft=document(
            [
                credit("a", next="w"),
                {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "b"},
                credit("b", next="end"),
                {"key": "end", "kind": "exit"},
            ]
        ),
    )


def branching_funnel() -> Funnel:
    return Funnel.objects.create(
        name="B",
        draft=document(
            [
                credit("a", next="if"),
                {
                    "key": "if",
                    "kind": "condition",
                    "condition": "test.city",
                    "params": {"city": "Rome"},
                    "yes": "y",
                    "no": "end",
                },
                credit("y", next="end"),
                {"key": "goal", "kind": "goal", "trigger": "test.goal", "next": "end"},
                {"key": "end", "kind": "exit"},
            ]
        ),
    )


def keys(funnel: Funnel) -> list[str]:
    funnel.refresh_from_db()
    return [step["key"] for step in funnel.draft["steps"]]


def step(funnel: Funnel, key: str) -> dict:
    funnel.refresh_from_db()
    return next(s for s in funnel.draft["steps"] if s["key"] == key)


def editor(funnel: Funnel, name: str = "funnel_editor") -> str:
    return reverse(f"automation:{name}", args=[funnel.pk])


# --- The services ---


def test_draft_step_add_after_a_step_takes_over_its_link():
    funnel = linear_funnel()
    key = draft_step_add(
        funnel=funnel,
        step={"kind": "action", "action": "test.credit", "params": {"amount": 2}},
        after="a",
    )
    assert keys(funnel) == ["a", key, "w", "b", "end"]
    assert step(funnel, "a")["next"] == key
    assert step(funnel, key)["next"] == "w"


def test_draft_step_add_at_the_start_becomes_the_first_step():
    funnel = linear_funnel()
    key = draft_step_add(
        funnel=funnel,
        step={"kind": "wait", "duration": {"hours": 2}},
        after=FIRST,
    )
    assert keys(funnel)[0] == key
    assert step(funnel, key)["next"] == "a"


def test_draft_step_add_in_a_branch_and_a_condition_leads_both_ways():
    funnel = branching_funnel()
    key = draft_step_add(
        funnel=funnel,
        step={"kind": "condition", "condition": "test.city", "params": {"city": "X"}},
        after="if",
        branch="no",
    )
    assert step(funnel, "if")["no"] == key
    assert step(funnel, key)["yes"] == step(funnel, key)["no"] == "end"


def test_draft_step_add_a_goal_is_apart_from_the_flow():
    funnel = linear_funnel()
    key = draft_step_add(
        funnel=funnel,
        step={"kind": "goal", "trigger": "test.goal", "params": {}, "next": "end"},
    )
    assert keys(funnel)[-1] == key
    assert step(funnel, "a")["next"] == "w"


def test_draft_step_move_swaps_with_the_step_before_and_after():
    funnel = linear_funnel()
    draft_step_move(funnel=funnel, key="w", direction="up")
    assert keys(funnel) == ["w", "a", "b", "end"]
    assert step(funnel, "w")["next"] == "a"
    assert step(funnel, "a")["next"] == "b"
    draft_step_move(funnel=funnel, key="w", direction="down")
    assert keys(funnel) == ["a", "w", "b", "end"]
    assert step(funnel, "a")["next"] == "w"
    assert step(funnel, "w")["next"] == "b"


def test_draft_step_move_refused_at_the_top_says_where_and_changes_nothing():
    funnel = linear_funnel()
    before = copy.deepcopy(funnel.draft)
    with pytest.raises(ValidationError, match="“a”"):
        draft_step_move(funnel=funnel, key="a", direction="up")
    funnel.refresh_from_db()
    assert funnel.draft == before


def test_draft_step_delete_relinks_what_led_to_it():
    funnel = linear_funnel()
    draft_step_delete(funnel=funnel, key="w")
    assert step(funnel, "a")["next"] == "b"
    draft_step_delete(funnel=funnel, key="a")  # the first step: "b" starts now
    assert keys(funnel) == ["b", "end"]


def test_draft_step_delete_a_condition_keeps_the_chosen_branch():
    funnel = branching_funnel()
    draft_step_delete(funnel=funnel, key="if", keep="no")
    assert step(funnel, "a")["next"] == "end"
    assert "y" in keys(funnel)  # left, unconnected


def test_draft_step_delete_the_last_step_is_refused():
    funnel = Funnel.objects.create(
        name="One", draft=document([{"key": "end", "kind": "exit"}])
    )
    with pytest.raises(ValidationError, match="at least one step"):
        draft_step_delete(funnel=funnel, key="end")


def test_draft_step_update_keeps_the_links_and_refuses_bad_params():
    funnel = linear_funnel()
    draft_step_update(
        funnel=funnel,
        key="a",
        values={"action": "test.credit", "params": {"amount": 9}},
    )
    assert step(funnel, "a") == {
        "key": "a",
        "kind": "action",
        "action": "test.credit",
        "params": {"amount": 9},
        "next": "w",
    }
    with pytest.raises(ValidationError, match="'w'"):
        draft_step_update(funnel=funnel, key="w", values={"duration": {"days": -1}})
    assert step(funnel, "w")["duration"] == {"days": 1}


def test_draft_discard_goes_back_to_the_published_version():
    funnel = funnel_import(document=document([credit(next=None)]))
    draft_step_add(funnel=funnel, step={"kind": "exit"}, after="credit")
    funnel.refresh_from_db()
    assert funnel.draft != funnel.published_version.definition
    draft_discard(funnel=funnel)
    funnel.refresh_from_db()
    assert funnel.draft == funnel.published_version.definition


# --- The pages ---


def test_editor_draws_the_flow_with_branches_goals_and_statistics(
    manager_client, django_assert_max_num_queries
):
    funnel = funnel_import(document=branching_funnel().draft)
    with django_assert_max_num_queries(15):
        response = manager_client.get(editor(funnel))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("a", "if", "y", "goal", "end"):
        assert f'data-testid="step-{key}"' in html
    assert 'data-testid="branch-if-yes"' in html
    assert 'data-testid="branch-if-no"' in html
    assert "Would credit 5 to the customer" in html  # the action's describe()
    assert "City is" in html
    assert "entered" in html  # the published version's counters


def test_editor_without_automation_permissions_is_403(client):
    funnel = linear_funnel()
    client.force_login(StaffFactory(groups=["Staff"]))
    assert client.get(editor(funnel)).status_code == 403
    response = client.post(
        reverse("automation:step_delete", args=[funnel.pk]), {"step": "w"}
    )
    assert response.status_code == 403
    assert "w" in keys(funnel)


@pytest.mark.parametrize("htmx", [False, True])
def test_step_add_page_then_post_adds_the_step(manager_client, htmx):
    funnel = linear_funnel()
    headers = HTMX if htmx else {}
    url = reverse("automation:step_add", args=[funnel.pk])
    choice = manager_client.get(url, {"after": "a"}, headers=headers)
    assert choice.status_code == 200
    assert "action:test.credit" in choice.content.decode()
    form = manager_client.get(
        url, {"after": "a", "what": "action:test.credit"}, headers=headers
    )
    assert 'name="p-amount"' in form.content.decode()
    response = manager_client.post(
        url,
        {"what": "action:test.credit", "after": "a", "branch": "", "p-amount": "7"},
        headers=headers,
    )
    if htmx:
        assert response.status_code == 200
        assert 'id="funnel-flow"' in response.content.decode()
        assert 'hx-swap-oob="true"' in response.content.decode()
        assert 'data-testid="step-credit"' in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == editor(funnel)
    assert keys(funnel) == ["a", "credit", "w", "b", "end"]
    assert step(funnel, "credit")["params"] == {"amount": 7}


@pytest.mark.parametrize("htmx", [False, True])
def test_step_add_refused_by_the_action_form_shows_the_message(manager_client, htmx):
    funnel = linear_funnel()
    before = copy.deepcopy(funnel.draft)
    response = manager_client.post(
        reverse("automation:step_add", args=[funnel.pk]),
        {"what": "action:test.credit", "after": "a", "p-amount": "0"},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == (200 if htmx else 400)
    assert "greater than or equal to 1" in response.content.decode()
    if htmx:
        assert response["HX-Retarget"] == "#step-panel"
    funnel.refresh_from_db()
    assert funnel.draft == before


@pytest.mark.parametrize("htmx", [False, True])
def test_step_edit_wait(manager_client, htmx):
    funnel = linear_funnel()
    url = reverse("automation:step_edit", args=[funnel.pk])
    page = manager_client.get(url, {"step": "w"}, headers=HTMX if htmx else {})
    assert page.status_code == 200
    assert 'value="1"' in page.content.decode()
    response = manager_client.post(
        url,
        {"step": "w", "mode": "until", "weekday": "monday", "time": "09:30"},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == (200 if htmx else 302)
    assert step(funnel, "w") == {
        "key": "w",
        "kind": "wait",
        "until": {"weekday": "monday", "time": "09:30"},
        "next": "b",
    }


def test_step_edit_refused_wait_changes_nothing_and_says_why(manager_client):
    funnel = linear_funnel()
    before = copy.deepcopy(funnel.draft)
    response = manager_client.post(
        reverse("automation:step_edit", args=[funnel.pk]),
        {"step": "w", "mode": "duration", "days": "0"},
    )
    assert response.status_code == 400
    assert "A wait needs a positive duration." in response.content.decode()
    response = manager_client.post(
        reverse("automation:step_edit", args=[funnel.pk]),
        {"step": "w", "mode": "duration", "days": "-1"},
    )
    assert response.status_code == 400
    funnel.refresh_from_db()
    assert funnel.draft == before


def test_step_edit_send_email_texts_per_language(manager_client):
    funnel = Funnel.objects.create(
        name="Mail",
        draft=document(
            [
                {
                    "key": "mail",
                    "kind": "action",
                    "action": "automation.send_email",
                    "params": {
                        "subject": {"en": "Hi", "it": "Ciao"},
                        "body": "<p>x</p>",
                    },
                    "next": None,
                }
            ]
        ),
    )
    url = reverse("automation:step_edit", args=[funnel.pk])
    page = manager_client.get(url, {"step": "mail"}).content.decode()
    assert 'name="p-subject__it"' in page
    assert "Ciao" in page
    response = manager_client.post(
        url,
        {
            "step": "mail",
            "p-subject__en": "Hello {first_name}",
            "p-subject__it": "Ciao",
            "p-body__en": "<p>Body</p>",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert step(funnel, "mail")["params"] == {
        "subject": {"en": "Hello {first_name}", "it": "Ciao"},
        "body": {"en": "<p>Body</p>"},
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_step_move_and_delete(manager_client, htmx):
    funnel = linear_funnel()
    headers = HTMX if htmx else {}
    response = manager_client.post(
        reverse("automation:step_move", args=[funnel.pk]),
        {"step": "b", "direction": "up"},
        headers=headers,
    )
    assert response.status_code == (200 if htmx else 302)
    assert keys(funnel) == ["a", "b", "w", "end"]
    response = manager_client.post(
        reverse("automation:step_delete", args=[funnel.pk]),
        {"step": "w"},
        headers=headers,
    )
    assert response.status_code == (200 if htmx else 302)
    assert keys(funnel) == ["a", "b", "end"]
    if htmx:
        assert 'data-testid="step-w"' not in response.content.decode()
    assert step(funnel, "b")["next"] == "end"


@pytest.mark.parametrize("htmx", [False, True])
def test_refused_move_shows_the_message_and_changes_nothing(manager_client, htmx):
    funnel = linear_funnel()
    before = copy.deepcopy(funnel.draft)
    response = manager_client.post(
        reverse("automation:step_move", args=[funnel.pk]),
        {"step": "a", "direction": "up"},
        headers=HTMX if htmx else {},
        follow=not htmx,
    )
    assert "Step “a”: there is no action or wait before it" in (
        response.content.decode()
    )
    funnel.refresh_from_db()
    assert funnel.draft == before


def test_split_add_and_edit_keeps_its_arms_links(manager_client):
    funnel = linear_funnel()
    url = reverse("automation:step_add", args=[funnel.pk])
    manager_client.post(
        url, {"what": "split", "after": "b", "percents": "30, 70"}, follow=True
    )
    split = step(funnel, "split")
    assert split["branches"] == [
        {"percent": 30, "next": "end"},
        {"percent": 70, "next": "end"},
    ]
    manager_client.post(
        url,
        {
            "what": "action:test.credit",
            "after": "split",
            "branch": "1",
            "p-amount": "3",
        },
    )
    assert step(funnel, "split")["branches"][1]["next"] == "credit"
    response = manager_client.post(
        reverse("automation:step_edit", args=[funnel.pk]),
        {"step": "split", "percents": "20, 30, 50"},
    )
    assert response.status_code == 302
    assert step(funnel, "split")["branches"] == [
        {"percent": 20, "next": "end"},
        {"percent": 30, "next": "credit"},
        {"percent": 50, "next": "credit"},
    ]


def test_settings_trigger_parameters_and_reentry(manager_client):
    funnel = linear_funnel()
    url = reverse("automation:editor_settings", args=[funnel.pk])
    response = manager_client.post(
        url,
        {
            "name": "Renamed",
            "trigger": "test.event",
            "reentry": "again_after",
            "reentry_days": "30",
            "p-product": "4",
        },
    )
    assert response.status_code == 302, response.content.decode()
    funnel.refresh_from_db()
    assert funnel.name == "Renamed"
    assert funnel.draft["trigger"] == {"key": "test.event", "params": {"product": 4}}
    assert funnel.draft["reentry"] == {"policy": "again_after", "days": 30}
    before = copy.deepcopy(funnel.draft)
    response = manager_client.post(
        url, {"name": "X", "trigger": "test.event", "reentry": "again_after"}
    )
    assert response.status_code == 400
    assert "Again after how many days?" in response.content.decode()
    funnel.refresh_from_db()
    assert funnel.draft == before


# --- The diagram ---


def flat(nodes) -> list[str]:
    """The drawn nodes depth first: keys, "goto:key", "end", "[label" per branch."""
    out = []
    for node in nodes:
        if node.kind == "step":
            out.append(node.key)
            for branch in node.branches:
                out.append(f"[{branch.value}")
                out += flat(branch.nodes)
        elif node.kind == "goto":
            out.append(f"goto:{node.key}")
        else:
            out.append("end")
    return out


def test_diagram_branches_join_where_they_meet_and_goals_are_apart():
    from automation.diagram import diagram_build

    diagram = diagram_build(branching_funnel().draft, {})
    # "if": yes → y → end, no → end: both meet at "end", drawn once after them.
    assert flat(diagram.flow) == ["a", "if", "[yes", "y", "[no", "end"]
    assert [flat(chain) for chain in diagram.goals] == [["goal", "goto:end"]]
    assert diagram.unconnected == []


def test_diagram_a_loop_through_a_wait_links_back():
    from automation.diagram import diagram_build

    draft = document(
        [
            credit("a", next="w"),
            {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "a"},
            credit("lost", next=None),
        ]
    )
    diagram = diagram_build(draft, {})
    assert flat(diagram.flow) == ["a", "w", "goto:a"]
    assert [flat(chain) for chain in diagram.unconnected] == [["lost", "end"]]


@pytest.mark.parametrize("name", ["win-back.json", "welcome.json"])
def test_editor_draws_the_documented_examples(manager_client, name):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / "funnels" / name
    example = json.loads(path.read_text())
    funnel = funnel_import(document=example)
    html = manager_client.get(editor(funnel)).content.decode()
    for step_ in example["steps"]:
        assert f'data-testid="step-{step_["key"]}"' in html
    url = reverse("automation:step_edit", args=[funnel.pk])
    for step_ in example["steps"]:
        if step_["kind"] == "exit":
            continue
        # Every step's form opens, and saved as it is shown changes nothing.
        response = manager_client.get(url, {"step": step_["key"]})
        assert response.status_code == 200, step_["key"]
        data = {"step": step_["key"]}
        for form in response.context["forms"].values():
            for field in form:
                value = field.value()
                if value not in (None, ""):
                    data[field.html_name] = value
        saved = manager_client.post(url, data)
        assert saved.status_code == 302, (step_["key"], saved.content.decode())
    funnel.refresh_from_db()
    assert funnel.draft == funnel.published_version.definition


def test_goal_edit_changes_where_it_leads(manager_client):
    funnel = branching_funnel()
    url = reverse("automation:step_edit", args=[funnel.pk])
    assert manager_client.post(url, {"step": "goal", "next": "y"}).status_code == 302
    assert step(funnel, "goal")["next"] == "y"
    assert manager_client.post(url, {"step": "goal", "next": ""}).status_code == 302
    assert "next" not in step(funnel, "goal")


def test_viewer_sees_the_flow_without_edit_controls_and_cannot_edit(client):
    from django.contrib.auth.models import Permission

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_funnel"))
    client.force_login(viewer)
    funnel = linear_funnel()
    html = client.get(editor(funnel)).content.decode()
    assert 'data-testid="step-a"' in html
    assert "+ Add a step" not in html
    assert "Save the settings" not in html
    url = reverse("automation:step_move", args=[funnel.pk])
    assert client.post(url, {"step": "b", "direction": "up"}).status_code == 403
    assert keys(funnel) == ["a", "w", "b", "end"]


def test_step_form_as_a_page_posts_without_htmx(manager_client):
    funnel = linear_funnel()
    page = manager_client.get(
        reverse("automation:step_edit", args=[funnel.pk]), {"step": "a"}
    ).content.decode()
    assert "<h3" in page
    assert 'name="p-amount"' in page
    assert "hx-post" not in page.split('data-testid="step-form"')[1]


def test_draft_step_move_in_a_two_step_loop_is_refused():
    funnel = Funnel.objects.create(
        name="Loop",
        draft=document(
            [
                credit("a", next="w"),
                {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "a"},
            ]
        ),
    )
    with pytest.raises(ValidationError, match="loops"):
        draft_step_move(funnel=funnel, key="w", direction="up")
    assert keys(funnel) == ["a", "w"]


# --- An action step's "too late after" ---


def email_funnel(**extra) -> Funnel:
    """A funnel with a test e-mail (too late after 3 days by default)."""
    mail = {"key": "mail", "kind": "action", "action": "test.email", "next": None}
    return Funnel.objects.create(name="Late", draft=document([{**mail, **extra}]))


def edit_mail(client, funnel: Funnel, **late):
    data = {"step": "mail", **{f"late-{name}": value for name, value in late.items()}}
    return client.post(reverse("automation:step_edit", args=[funnel.pk]), data)


def test_step_edit_too_late_after_shows_the_actions_default(manager_client):
    funnel = email_funnel()
    page = manager_client.get(
        reverse("automation:step_edit", args=[funnel.pk]), {"step": "mail"}
    ).content.decode()

    assert 'name="late-days"' in page
    assert 'name="late-days" value="3"' in page
    assert "default: 3 days" in page


@pytest.mark.parametrize(
    ("late", "stored"),
    [
        ({"days": "5"}, {"days": 5}),
        ({"days": "0", "hours": "12"}, {"days": 0, "hours": 12}),
        ({"days": "0"}, {"days": 0}),
        ({"days": "", "hours": ""}, None),  # empty: never too late
        ({"days": "365"}, {"days": 365}),
    ],
)
def test_step_edit_sets_too_late_after(manager_client, late, stored):
    funnel = email_funnel()

    response = edit_mail(manager_client, funnel, **late)

    assert response.status_code == 302, response.content.decode()
    assert step(funnel, "mail")["too_late_after"] == stored
    funnel.refresh_from_db()
    assert definition_check(funnel.draft) == []


def test_step_edit_too_late_after_equal_to_the_default_follows_the_action(
    manager_client,
):
    funnel = email_funnel(too_late_after={"days": 1})

    assert edit_mail(manager_client, funnel, days="3").status_code == 302

    assert "too_late_after" not in step(funnel, "mail")
    assert too_late_after(step(funnel, "mail")) == timedelta(days=3)


def test_step_edit_keeps_a_too_late_after_it_shows(manager_client):
    funnel = email_funnel(too_late_after={"days": 2, "hours": 6})
    url = reverse("automation:step_edit", args=[funnel.pk])
    page = manager_client.get(url, {"step": "mail"}).content.decode()
    assert 'name="late-days" value="2"' in page
    assert 'name="late-hours" value="6"' in page

    assert edit_mail(manager_client, funnel, days="2", hours="6").status_code == 302

    assert step(funnel, "mail")["too_late_after"] == {"days": 2, "hours": 6}


@pytest.mark.parametrize(
    ("late", "message"),
    [
        ({"days": "366"}, "less than or equal to 365"),
        ({"days": "-1"}, "greater than or equal to 0"),
        ({"days": "365", "hours": "1"}, "Too late after: at most 365 days."),
        ({"days": "1", "hours": "24"}, "less than or equal to 23"),
        ({"days": "soon"}, "Enter a whole number."),
    ],
)
def test_step_edit_too_late_after_out_of_bounds_changes_nothing(
    manager_client, late, message
):
    funnel = email_funnel(too_late_after={"days": 1})
    before = copy.deepcopy(funnel.draft)

    response = edit_mail(manager_client, funnel, **late)

    assert response.status_code == 400
    assert message in response.content.decode()
    funnel.refresh_from_db()
    assert funnel.draft == before


def test_step_add_with_too_late_after(manager_client):
    funnel = linear_funnel()

    response = manager_client.post(
        reverse("automation:step_add", args=[funnel.pk]),
        {
            "what": "action:test.credit",
            "after": "a",
            "p-amount": "7",
            "late-days": "2",
        },
    )

    assert response.status_code == 302, response.content.decode()
    # A credit is never too late by default: the limit is the step's own.
    assert step(funnel, "credit")["too_late_after"] == {"days": 2}


def test_step_add_without_too_late_after_follows_the_action(manager_client):
    funnel = linear_funnel()

    manager_client.post(
        reverse("automation:step_add", args=[funnel.pk]),
        {"what": "action:test.credit", "after": "a", "p-amount": "7"},
    )

    assert "too_late_after" not in step(funnel, "credit")
