"""A report request is checked before anything is computed; each problem is named."""

from datetime import date

import pytest

from reports.query import PRESETS, ReportQueryError, preset_range, report_query_build

pytestmark = pytest.mark.both_dbs


def build(**kwargs):
    kwargs.setdefault("source", "balance.movements")
    kwargs.setdefault("group_by", "month")
    return report_query_build(**kwargs)


def test_query_build_defaults_and_the_reversed_filter_default():
    query = build(group_by="month,kind")
    assert [d.key for d in query.dimensions] == ["month", "kind"]
    assert [m.key for m in query.measures] == ["count", "credits", "debits", "net"]
    assert [(f.key, values) for f, values in query.filters] == [
        ("reversed", ("exclude",))
    ]
    assert (query.date_from, query.date_to, query.top) == (None, None, None)


def test_query_build_filters_repeated_or_comma_separated():
    query = build(filters=["kind=gift", "kind=refund,gift", ("author", "staff")])
    chosen = {f.key: values for f, values in query.filters}
    assert chosen["kind"] == ("gift", "refund")
    assert chosen["author"] == ("staff",)


@pytest.mark.parametrize(
    ("kwargs", "field", "named"),
    [
        ({"source": "nope"}, "source", "nope"),
        ({"group_by": "fortnight"}, "group_by", "fortnight"),
        ({"group_by": ""}, "group_by", "one or two"),
        ({"group_by": "month,kind,customer"}, "group_by", "one or two"),
        ({"group_by": "month,year"}, "group_by", "one period"),
        ({"group_by": "kind,kind"}, "group_by", "different"),
        ({"measures": "count,profit"}, "measures", "profit"),
        ({"filters": ["colour=red"]}, "filter", "colour"),
        ({"filters": ["kind=bonus"]}, "filter", "bonus"),
        ({"filters": ["kind"]}, "filter", "key=value"),
        ({"filters": ["customer=x"]}, "filter", "x"),
        ({"date_from": "2026-02-30"}, "from", "2026-02-30"),
        ({"date_to": "yesterday"}, "to", "yesterday"),
        ({"date_from": "1800-01-01"}, "from", "between"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "to", "2026-03-01"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-01"}, "to", "before"),
        ({"period": "next_week"}, "period", "next_week"),
        ({"period": "this_month", "date_from": "2026-01-01"}, "period", "not both"),
        ({"sort": "-profit"}, "sort", "profit"),
        ({"top": "0", "group_by": "kind"}, "top", "0"),
        ({"top": "ten", "group_by": "kind"}, "top", "ten"),
        ({"top": "5"}, "top", "category"),
    ],
)
def test_query_build_refuses_and_names_the_problem(kwargs, field, named):
    with pytest.raises(ReportQueryError) as error:
        build(**kwargs)
    assert error.value.field == field
    assert named.lower() in str(error.value).lower()


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        ("this_month", date(2026, 3, 15), (date(2026, 3, 1), date(2026, 4, 1))),
        ("last_month", date(2026, 3, 15), (date(2026, 2, 1), date(2026, 3, 1))),
        ("last_month", date(2026, 1, 31), (date(2025, 12, 1), date(2026, 1, 1))),
        ("last_30_days", date(2026, 3, 15), (date(2026, 2, 14), date(2026, 3, 16))),
        ("this_year", date(2026, 3, 15), (date(2026, 1, 1), date(2027, 1, 1))),
        ("last_year", date(2026, 3, 15), (date(2025, 1, 1), date(2026, 1, 1))),
    ],
)
def test_query_presets_are_half_open_ranges(preset, today, expected):
    assert preset in PRESETS
    assert preset_range(preset, today) == expected
    query = build(period=preset, today=today)
    assert (query.date_from, query.date_to) == expected


def test_query_sort_descending():
    query = build(group_by="kind", sort="-net", measures="net", top=3)
    assert (query.sort, query.descending, query.top) == ("net", True, 3)
