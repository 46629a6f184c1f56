"""The ``customers`` source (new customers) against figures worked out by hand.

The fixture (registered at, Europe/Rome; range [Jan, Apr) 2026):

    Ann  2026-01-10 10:00  it  Lazio    Roma     google/cpc    VIP       News     login
    Bob  2026-01-20 10:00  en  Lazio    Roma     google/email  VIP, Hot  (left)   -
    Cid  2026-02-05 09:00  it  Toscana  Firenze  -/-           -         Promo    off
    Dee  2025-12-31 23:30  en  (before the range)

    month  count        tag    count     list   count     login     count
    Jan        2        VIP        2     News       1     enabled       1
    Feb        1        Hot        1     Promo      1     disabled      2
    Mar        0        (none)     1     (none)     1
    total      3
"""

import csv
import io
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

from customers.models import NewsletterList, Subscription, Tag
from tests.core.factories import StaffFactory, UserFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.reports.support import moment_set, rome, rows_by, source_compute, totals_of

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

RANGE = {"date_from": "2026-01-01", "date_to": "2026-04-01"}


def subscribe(customer, newsletter_list, *, left=False):
    Subscription.objects.create(
        customer=customer,
        newsletter_list=newsletter_list,
        subscribed_at=timezone.now(),
        unsubscribed_at=timezone.now() if left else None,
        source=Subscription.Source.STAFF,
    )


@pytest.fixture
def people():
    vip, hot = Tag.objects.create(name="VIP"), Tag.objects.create(name="Hot")
    news = NewsletterList.objects.create(name="News")
    promo = NewsletterList.objects.create(name="Promo")
    ann = CustomerWithLoginFactory(
        first_name="Ann",
        language="it",
        region="Lazio",
        city="Roma",
        utm_source="google",
        utm_medium="cpc",
    )
    bob = CustomerFactory(
        first_name="Bob",
        language="en",
        region="Lazio",
        city="Roma",
        utm_source="google",
        utm_medium="email",
    )
    cid = CustomerFactory(
        first_name="Cid",
        language="it",
        region="Toscana",
        city="Firenze",
        user=UserFactory(is_active=False),
    )
    dee = CustomerFactory(first_name="Dee", language="en", region="Lazio")
    ann.tags.add(vip)
    bob.tags.add(vip, hot)
    dee.tags.add(vip)
    subscribe(ann, news)
    subscribe(bob, news, left=True)
    subscribe(cid, promo)
    subscribe(dee, news)
    moment_set(ann, created_at=rome("2026-01-10 10:00"))
    moment_set(bob, created_at=rome("2026-01-20 10:00"))
    moment_set(cid, created_at=rome("2026-02-05 09:00"))
    moment_set(dee, created_at=rome("2025-12-31 23:30"))
    return {"vip": vip, "hot": hot, "news": news, "promo": promo}


def compute(group_by, user=None, **kwargs):
    return source_compute("customers", group_by, "count", user=user, **RANGE, **kwargs)


def test_customers_count_by_month_matches_the_hand_computed_figures(people):
    result = compute("month")

    assert rows_by(result, "month", "count") == {
        date(2026, 1, 1): (2,),
        date(2026, 2, 1): (1,),
        date(2026, 3, 1): (0,),
    }
    assert totals_of(result, "count") == (3,)


def test_customers_by_language_region_city_and_origin(people):
    assert rows_by(compute("language"), "language", "count") == {"it": (2,), "en": (1,)}
    names = dict(settings.LANGUAGES)
    assert {r.labels["language"] for r in compute("language").rows} == {
        str(names["it"]),
        str(names["en"]),
    }
    by_region = compute("region")
    assert rows_by(by_region, "region", "count") == {"lazio": (2,), "toscana": (1,)}
    assert [r.labels["region"] for r in by_region.rows] == ["Lazio", "Toscana"]
    by_city = compute("city")
    assert rows_by(by_city, "city", "count") == {"roma": (2,), "firenze": (1,)}
    assert {r.labels["city"] for r in by_city.rows} == {"Roma", "Firenze"}
    assert rows_by(compute("utm_source"), "utm_source", "count") == {
        "google": (2,),
        "": (1,),
    }
    by_medium = compute("utm_medium")
    assert rows_by(by_medium, "utm_medium", "count") == {
        "cpc": (1,),
        "email": (1,),
        "": (1,),
    }
    assert {r.labels["utm_medium"] for r in by_medium.rows} == {
        "cpc",
        "email",
        "(none)",
    }


def test_customers_by_city_and_region_ignore_case_and_outer_spaces():
    # Milano typed four ways by five customers, Monza twice; registered in January.
    # city    customers  spellings            shown as
    # milano  5          Milano x2, milano x2, " MILANO "  Milano (2-2 tie: "M" < "m")
    # monza   2          monza, Monza         Monza (1-1 tie)
    # (none)  1          ""
    typed = [
        ("Milano", "Lombardia"),
        ("Milano", "lombardia "),
        ("milano", "Lombardia"),
        ("milano", "LOMBARDIA"),
        (" MILANO ", "Lombardia"),
        ("monza", " lombardia"),
        ("Monza", "lombardia"),
        ("", ""),
    ]
    for city, region in typed:
        customer = CustomerFactory(city=city, region=region)
        moment_set(customer, created_at=rome("2026-01-15 10:00"))

    by_city = compute("city")
    assert rows_by(by_city, "city", "count") == {
        "milano": (5,),
        "monza": (2,),
        "": (1,),
    }
    assert {r.values["city"]: r.labels["city"] for r in by_city.rows} == {
        "milano": "Milano",
        "monza": "Monza",
        "": "(none)",
    }
    by_region = compute("region")
    # lombardia: "Lombardia" x3, "lombardia" x3 (trimmed): the tie goes to "L".
    assert rows_by(by_region, "region", "count") == {"lombardia": (7,), "": (1,)}
    assert {r.labels["region"] for r in by_region.rows} == {"Lombardia", "(none)"}
    by_month_city = compute("month,city")
    january = {
        r.labels["city"]: r.values["count"]
        for r in by_month_city.rows
        if r.values["month"] == date(2026, 1, 1)
    }
    assert january == {"Milano": 5, "Monza": 2, "(none)": 1}


def test_customers_by_tag_counts_a_customer_in_each_of_their_tags(people):
    result = compute("tag")

    assert rows_by(result, "tag", "count") == {
        people["vip"].pk: (2,),
        people["hot"].pk: (1,),
        None: (1,),
    }
    assert {r.labels["tag"] for r in result.rows} == {"VIP", "Hot", "(none)"}


def test_customers_by_newsletter_list_reads_the_current_subscriptions(people):
    result = compute("newsletter_list")

    # Bob left News: he is in no list now.
    assert rows_by(result, "newsletter_list", "count") == {
        people["news"].pk: (1,),
        people["promo"].pk: (1,),
        None: (1,),
    }
    assert totals_of(result, "count") == (3,)


def test_customers_by_login_enabled(people):
    result = compute("login")

    # Cid has a login, but it is not active.
    assert rows_by(result, "login", "count") == {"enabled": (1,), "disabled": (2,)}
    assert {r.labels["login"] for r in result.rows} == {"Login enabled", "No login"}


def test_customers_month_by_tag_zero_fills(people):
    result = compute("month,tag")

    assert len(result.rows) == 3 * 3
    cells = {
        (r.values["month"], r.values["tag"]): r.values["count"] for r in result.rows
    }
    assert cells[(date(2026, 1, 1), people["vip"].pk)] == 2
    assert cells[(date(2026, 2, 1), None)] == 1
    assert cells[(date(2026, 3, 1), people["hot"].pk)] == 0


def test_customers_filters_narrow_without_doubling(people):
    tagged = compute("month", filters=[f"tag={people['vip'].pk},{people['hot'].pk}"])
    # Bob has both tags and is still one customer.
    assert totals_of(tagged, "count") == (2,)
    listed = compute("login", filters=[f"newsletter_list={people['news'].pk}"])
    assert rows_by(listed, "login", "count") == {"enabled": (1,)}
    assert totals_of(compute("month", filters=["language=it"]), "count") == (2,)
    assert totals_of(compute("month", filters=["login=disabled"]), "count") == (2,)


@override_settings(TIME_ZONE="Europe/Rome")
def test_customers_registered_at_0030_on_the_dst_sunday_belong_to_that_day():
    # 2026-03-29 is the last Sunday of March: at 02:00 Rome goes to 03:00 (UTC+2).
    # 00:30 there is 23:30 UTC of the 28th.
    early, late = CustomerFactory(), CustomerFactory()
    moment_set(early, created_at=rome("2026-03-29 00:30"))
    moment_set(late, created_at=rome("2026-03-29 23:30"))

    result = source_compute(
        "customers",
        "day",
        "count",
        date_from="2026-03-28",
        date_to="2026-03-31",
    )

    assert rows_by(result, "day", "count") == {
        date(2026, 3, 28): (0,),
        date(2026, 3, 29): (2,),
        date(2026, 3, 30): (0,),
    }


def test_customers_need_the_customers_view_permission(people, staff_user):
    with pytest.raises(PermissionDenied):
        compute("month", user=StaffFactory())
    assert staff_user.has_perm("customers.view_customer")
    assert totals_of(compute("month", user=staff_user), "count") == (3,)


def test_customers_through_the_report_command(people):
    out = io.StringIO()
    call_command(
        "report",
        "customers",
        "--group-by",
        "month,login",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-01",
        "--format",
        "csv",
        stdout=out,
        stderr=io.StringIO(),
    )
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert lines[0] == ["month", "login", "login_label", "count"]
    assert sorted(lines[1:-1]) == [
        ["2026-01-01", "disabled", "No login", "1"],
        ["2026-01-01", "enabled", "Login enabled", "1"],
        ["2026-02-01", "disabled", "No login", "1"],
        ["2026-02-01", "enabled", "Login enabled", "0"],
    ]
    assert lines[-1] == ["total", "", "", "3"]


def test_customers_query_count_is_the_same_whatever_the_size(
    people, django_assert_max_num_queries
):
    # The grouped rows and the tags' names.
    with django_assert_max_num_queries(2):
        compute("month,tag")
    for index in range(6):
        tag = Tag.objects.create(name=f"Tag {index}")
        customer = CustomerFactory()
        customer.tags.add(tag)
        moment_set(customer, created_at=rome(f"2026-02-1{index} 10:00"))
    with django_assert_max_num_queries(2):
        result = compute("month,tag")
    assert len(result.rows) == 3 * 9
