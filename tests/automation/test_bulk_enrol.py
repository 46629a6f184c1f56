"""The customer list's "Enrol in a funnel" (ticked, all matching inline and in
the background), the list without it, and ``funnel_enrol --all-matching``."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from automation.models import Run, StepVisit
from automation.services import funnel_pause
from core import plugins
from customers.models import Tag
from tests.automation.conftest import credit, document
from tests.automation.runs_support import manual_funnel
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def post(client, data, query=""):
    url = reverse("customers:bulk")
    return client.post(f"{url}?{query}" if query else url, data)


def enrolled(funnel) -> set[int]:
    return set(Run.objects.filter(funnel=funnel).values_list("customer_id", flat=True))


@pytest.fixture
def vip():
    return Tag.objects.create(name="VIP")


def test_the_list_offers_enrol_in_a_funnel_with_the_permission(
    manager_client, client, staff_user
):
    funnel = manual_funnel(name="Spring")
    page = manager_client.get(reverse("customers:list")).content.decode()
    assert 'value="funnel_enrol"' in page
    assert f'<option value="{funnel.pk}">Spring</option>' in page
    client.force_login(staff_user)
    page = client.get(reverse("customers:list")).content.decode()
    assert 'value="funnel_enrol"' not in page


def test_enrol_the_ticked_customers(manager_client):
    funnel = manual_funnel(name="Spring")
    ticked = CustomerFactory.create_batch(3)
    CustomerFactory()
    response = post(
        manager_client,
        {
            "action": "funnel_enrol",
            "funnel": funnel.pk,
            "scope": "selected",
            "selected": [c.pk for c in ticked[:2]],
        },
    )
    assert response.status_code == 302
    assert enrolled(funnel) == {ticked[0].pk, ticked[1].pk}
    assert StepVisit.objects.filter(step_key="pause").count() == 2
    page = manager_client.get(response["Location"]).content.decode()
    assert "2 customers enrolled in “Spring”" in page
    # Again, with one more: only the new one enters (once ever).
    post(
        manager_client,
        {
            "action": "funnel_enrol",
            "funnel": funnel.pk,
            "scope": "selected",
            "selected": [c.pk for c in ticked],
        },
    )
    assert enrolled(funnel) == {c.pk for c in ticked}
    assert Run.objects.count() == 3


def test_enrol_all_matching_the_filters(manager_client, vip):
    funnel = manual_funnel()
    tagged = CustomerFactory.create_batch(3)
    for customer in tagged:
        customer.tags.add(vip)
    CustomerFactory.create_batch(2)
    response = post(
        manager_client,
        {"action": "funnel_enrol", "funnel": funnel.pk, "scope": "all"},
        query=f"tag={vip.pk}",
    )
    assert response.status_code == 302
    assert enrolled(funnel) == {c.pk for c in tagged}


def test_enrol_all_matching_past_the_cap_runs_in_the_background(
    manager_client, vip, monkeypatch, django_capture_on_commit_callbacks
):
    from customers.views import bulk

    monkeypatch.setattr(bulk, "INLINE_LIMIT", 2)
    funnel = manual_funnel()
    tagged = CustomerFactory.create_batch(4)
    for customer in tagged:
        customer.tags.add(vip)
    CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(
            manager_client,
            {"action": "funnel_enrol", "funnel": funnel.pk, "scope": "all"},
            query=f"tag={vip.pk}",
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert enrolled(funnel) == {c.pk for c in tagged}
    page = manager_client.get(response["Location"]).content.decode()
    assert "applied in the background" in page
    assert "Enrol in a funnel" in page
    assert "4 of 4 customers" in page
    assert 'data-changed="4"' in page


def test_background_enrolment_refuses_a_funnel_paused_meanwhile(manager_user, vip):
    from customers.bulk_tasks import customers_bulk_plugin_task

    funnel = manual_funnel()
    customer = CustomerFactory()
    customer.tags.add(vip)
    funnel_pause(funnel=funnel)
    assert (
        customers_bulk_plugin_task(
            "funnel_enrol", str(funnel.pk), f"tag={vip.pk}", manager_user.pk
        )
        == 0
    )
    assert not Run.objects.exists()


def test_background_enrolment_refuses_a_user_without_the_permission(staff_user):
    from customers.bulk_tasks import customers_bulk_plugin_task

    funnel = manual_funnel()
    CustomerFactory()
    assert (
        customers_bulk_plugin_task("funnel_enrol", str(funnel.pk), "", staff_user.pk)
        == 0
    )
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Pick the funnel."),
        ({"funnel": "999999"}, "is not active with manual enrolment"),
        ({"funnel": "abc"}, "is not active with manual enrolment"),
        ({"funnel": "event"}, "is not active with manual enrolment"),
    ],
)
def test_enrol_refuses_a_bad_funnel(manager_client, data, message):
    from automation.services import funnel_import

    customer = CustomerFactory()
    if data.get("funnel") == "event":
        data = {
            "funnel": funnel_import(document=document([credit()]), activate=True).pk
        }
    response = post(
        manager_client,
        {
            "action": "funnel_enrol",
            "scope": "selected",
            "selected": [customer.pk],
            **data,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Run.objects.exists()


def test_enrol_is_forbidden_without_the_permission(staff_client):
    funnel = manual_funnel()
    customer = CustomerFactory()
    response = post(
        staff_client,
        {
            "action": "funnel_enrol",
            "funnel": funnel.pk,
            "scope": "selected",
            "selected": [customer.pk],
        },
    )
    assert response.status_code == 403
    assert not Run.objects.exists()


def test_the_list_works_without_any_bulk_action_plugin(manager_client, vip):
    entry = plugins.customer_bulk_actions.get("funnel_enrol")
    plugins.customer_bulk_actions.unregister("funnel_enrol")
    try:
        customer = CustomerFactory()
        response = manager_client.get(reverse("customers:list"))
        assert response.status_code == 200
        assert 'value="funnel_enrol"' not in response.content.decode()
        response = post(
            manager_client,
            {
                "action": "add_tag",
                "tag": vip.pk,
                "scope": "selected",
                "selected": [customer.pk],
            },
        )
        assert response.status_code == 302
        assert list(customer.tags.all()) == [vip]
        response = post(
            manager_client,
            {"action": "funnel_enrol", "scope": "selected", "selected": [customer.pk]},
        )
        assert response.status_code == 400
    finally:
        plugins.customer_bulk_actions.register(entry)


# --- manage.py funnel_enrol --all-matching ---


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_enrols_all_matching_the_list_filters(vip):
    funnel = manual_funnel(name="Spanish VIPs")
    spanish_vips = CustomerFactory.create_batch(2, language="es")
    for customer in spanish_vips:
        customer.tags.add(vip)
    CustomerFactory(language="es")
    CustomerFactory(language="en").tags.add(vip)
    out, err = run(
        "funnel_enrol", str(funnel.pk), "--all-matching", f"tag={vip.pk}&language=es"
    )
    assert "2 enrolled in “Spanish VIPs”." in out
    assert "2 enrolled so far, of 2" in err
    assert enrolled(funnel) == {c.pk for c in spanish_vips}
    # Again: nobody twice.
    out, _err = run(
        "funnel_enrol", str(funnel.pk), "--all-matching", f"tag={vip.pk}&language=es"
    )
    assert "0 enrolled" in out


def test_command_all_matching_takes_the_search_and_dates():
    funnel = manual_funnel()
    belen = CustomerFactory(first_name="Belén", last_name="Cespedes")
    CustomerFactory(first_name="Other", last_name="Person")
    out, _err = run("funnel_enrol", str(funnel.pk), "--all-matching", "q=belen&page=3")
    assert "1 enrolled" in out
    assert enrolled(funnel) == {belen.pk}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("tag=999999", "This tag does not exist"),
        ("language=xx", "Language (language)"),
        ("registered_from=2026-05-02&registered_to=2026-05-01", "end date is before"),
        ("registered_from=yesterday", "Registered from (registered_from)"),
        ("colour=red&tag=1", "Unknown filter: colour"),
    ],
)
def test_command_all_matching_refuses_bad_filters(vip, filters, message):
    funnel = manual_funnel()
    CustomerFactory()
    with pytest.raises(CommandError) as raised:
        run("funnel_enrol", str(funnel.pk), "--all-matching", filters)
    assert message in str(raised.value)
    assert str(raised.value).startswith("The filters are not valid")
    assert not Run.objects.exists()
