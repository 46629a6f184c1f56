"""Saved reports: save, open, rename, delete, who sees them, and the dashboard's
pinned reports (the chart and the totals)."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from reports.exports import report_pdf_document
from reports.models import SavedReport
from reports.presentation import report_chart, report_view_compute
from reports.query import report_query_build
from reports.selectors import saved_reports_visible
from reports.services import (
    MAX_PINNED,
    saved_report_create,
    saved_report_delete,
    saved_report_pin,
    saved_report_rename,
)
from reports.svg import chart_svg
from tests.core.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

SOURCE = "balance.movements"
QUERY = {
    "rows": "month",
    "measures": ["count", "net"],
    "date_from": "2026-01-01",
    "date_to": "2026-04-01",
    "filter_reversed": "exclude",
}
CHOICES = {
    key: value if isinstance(value, list) else [value] for key, value in QUERY.items()
}


def save(client, name="Quarter by month", visibility="owner", query=QUERY):
    return client.post(
        reverse("reports:save", args=[SOURCE]),
        {"name": name, "visibility": visibility, "query": urlencode(query, doseq=True)},
    )


def other_staff():
    return StaffFactory(groups=["Staff"])


def test_save_keeps_the_choices_and_opening_shows_the_same_report(
    staff_client, staff_user, ledger
):
    response = save(staff_client)

    assert response.status_code == 302
    saved = SavedReport.objects.get()
    assert (saved.name, saved.owner, saved.source_key) == (
        "Quarter by month",
        staff_user,
        SOURCE,
    )
    assert saved.choices == CHOICES
    opened = staff_client.get(
        reverse("reports:saved_open", args=[saved.pk]), follow=True
    )
    body = [[cell.text for cell in row] for row in opened.context["table"].body]
    assert body == [
        ["2026-01", "2", "70.00"],
        ["2026-02", "2", "44.50"],
        ["2026-03", "1", "20.00"],
    ]


def test_save_refuses_bad_choices_and_a_missing_name(staff_client, ledger):
    save(staff_client, query={**QUERY, "top": "0"})
    save(staff_client, name="  ")
    save(staff_client, visibility="everyone")

    assert not SavedReport.objects.exists()


def test_save_refuses_a_name_already_used_by_the_same_person(staff_client, ledger):
    save(staff_client, name="Mine")
    response = save(staff_client, name="mine", query={**QUERY, "rows": "kind"})

    assert SavedReport.objects.count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already have a report named" in message for message in messages)


def test_saved_reports_mine_are_hidden_and_shared_ones_shown_to_other_staff(
    staff_user,
):
    mine = saved_report_create(
        owner=staff_user,
        name="Mine",
        source_key=SOURCE,
        choices=CHOICES,
        visibility="owner",
    )
    shared = saved_report_create(
        owner=staff_user,
        name="Shared",
        source_key=SOURCE,
        choices=CHOICES,
        visibility="staff",
    )
    colleague = other_staff()

    assert list(saved_reports_visible(staff_user)) == [mine, shared]
    assert list(saved_reports_visible(colleague)) == [shared]
    # Without the source's permission, not even the shared one.
    outsider = StaffFactory(groups=[])
    outsider.user_permissions.add(Permission.objects.get(codename="view_customer"))
    assert list(saved_reports_visible(outsider)) == []


def test_saved_report_of_someone_else_is_not_found_or_not_theirs_to_change(
    client, staff_user
):
    mine = saved_report_create(
        owner=staff_user,
        name="Mine",
        source_key=SOURCE,
        choices=CHOICES,
        visibility="owner",
    )
    shared = saved_report_create(
        owner=staff_user,
        name="Shared",
        source_key=SOURCE,
        choices=CHOICES,
        visibility="staff",
    )
    colleague = other_staff()
    client.force_login(colleague)

    assert client.get(reverse("reports:saved_open", args=[mine.pk])).status_code == 404
    assert (
        client.post(reverse("reports:saved_delete", args=[mine.pk])).status_code == 404
    )
    assert (
        client.post(reverse("reports:saved_delete", args=[shared.pk])).status_code
        == 403
    )
    rename = client.post(
        reverse("reports:saved_rename", args=[shared.pk]), {"name": "Ha"}
    )
    assert rename.status_code == 403
    assert SavedReport.objects.get(pk=shared.pk).name == "Shared"
    with pytest.raises(PermissionDenied):
        saved_report_delete(report=shared, user=colleague)


def test_saved_report_rename_and_delete_by_the_owner(staff_client, staff_user):
    saved = saved_report_create(
        owner=staff_user,
        name="Old",
        source_key=SOURCE,
        choices=CHOICES,
        visibility="owner",
    )

    staff_client.post(
        reverse("reports:saved_rename", args=[saved.pk]),
        {"name": "New", "visibility": "staff"},
    )
    saved.refresh_from_db()
    assert (saved.name, saved.visibility) == ("New", "staff")
    with pytest.raises(ValidationError):
        saved_report_rename(report=saved, user=staff_user, name="")

    response = staff_client.post(
        reverse("reports:saved_delete", args=[saved.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("reports:index")
    assert not SavedReport.objects.exists()


def test_pinned_report_shows_its_chart_and_totals_on_the_dashboard(
    staff_client, staff_user, ledger
):
    dashboard = reverse("staff:dashboard")
    # Only the built-in balance report is pinned at first.
    assert (
        staff_client.get(dashboard).content.count(b'data-testid="pinned-report"') == 1
    )
    assert b"Quarter by month" not in staff_client.get(dashboard).content

    save(staff_client)
    saved = SavedReport.objects.get(owner=staff_user)
    staff_client.post(reverse("reports:saved_pin", args=[saved.pk]), {"pinned": "1"})

    html = staff_client.get(dashboard).content.decode()
    assert 'data-testid="pinned-report"' in html
    assert "Quarter by month" in html
    assert f'id="report-chart-{saved.pk}"' in html
    assert "<dt>Net</dt><dd>134.50</dd>" in html
    assert "<dt>Operations</dt><dd>5</dd>" in html

    staff_client.post(reverse("reports:saved_pin", args=[saved.pk]), {"pinned": "0"})
    assert b"Quarter by month" not in staff_client.get(dashboard).content


def test_pinned_report_is_per_person_and_capped(staff_user):
    colleague = other_staff()
    reports = [
        saved_report_create(
            owner=staff_user,
            name=f"R{i}",
            source_key=SOURCE,
            choices=CHOICES,
            visibility="staff",
        )
        for i in range(MAX_PINNED + 1)
    ]
    for report in reports[:MAX_PINNED]:
        saved_report_pin(report=report, user=staff_user, pinned=True)
    with pytest.raises(ValidationError):
        saved_report_pin(report=reports[-1], user=staff_user, pinned=True)
    saved_report_pin(report=reports[-1], user=colleague, pinned=True)

    assert list(colleague.pinned_reports.all()) == [reports[-1]]


def test_dashboard_with_pinned_reports_makes_a_fixed_number_of_queries_each(
    staff_client, staff_user, ledger, django_assert_max_num_queries
):
    for index in range(3):
        report = saved_report_create(
            owner=staff_user,
            name=f"R{index}",
            source_key=SOURCE,
            choices=CHOICES,
            visibility="owner",
        )
        saved_report_pin(report=report, user=staff_user, pinned=True)
    staff_client.get(reverse("staff:dashboard"))

    with django_assert_max_num_queries(40):
        response = staff_client.get(reverse("staff:dashboard"))
    # The three, and the built-in balance report.
    assert response.content.decode().count('data-testid="pinned-report"') == 4


def test_chart_svg_draws_a_bar_per_period_and_kind_in_the_active_language(ledger):
    query = report_query_build(
        source=SOURCE,
        group_by=["month", "kind"],
        measures=["net"],
        date_from="2026-01-01",
        date_to="2026-04-01",
    )
    figures = report_view_compute(query, None)
    chart = report_chart(figures, "bar")

    with translation.override("it"):
        svg = chart_svg(chart)

    # Three months × five kinds, and five legend squares.
    assert svg.count("<rect") == 3 * 5 + 5
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "2026-02" in svg
    assert "100,00" in svg  # the scale's top, in Italian
    lines = chart_svg({**chart, "kind": "line"})
    assert lines.count("<polyline") == 5


def _replaced_boxes(box):
    found = 1 if type(box).__name__.endswith("ReplacedBox") else 0
    return found + sum(_replaced_boxes(child) for child in getattr(box, "children", []))


def test_pdf_draws_the_chart_above_the_table(ledger):
    query = report_query_build(
        source=SOURCE,
        group_by=["month"],
        measures=["net"],
        date_from="2026-01-01",
        date_to="2026-04-01",
    )
    figures = report_view_compute(query, None)
    svg = chart_svg(report_chart(figures, "line"))

    with_chart = report_pdf_document(figures.result, chart_svg=svg)
    without = report_pdf_document(figures.result)

    # The chart is an image weasyprint loaded and laid out (not a broken link).
    assert _replaced_boxes(with_chart.pages[0]._page_box) == 1
    assert _replaced_boxes(without.pages[0]._page_box) == 0
