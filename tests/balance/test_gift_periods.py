from datetime import date
from decimal import Decimal

from balance.models import Gift
from balance.services.gifts import gift_periods


def gift(**fields) -> Gift:
    return Gift(amount=Decimal("1.00"), description="g", **fields)


def keys(periods):
    return [(period.key, period.first_day) for period in periods]


def test_monthly_periods_use_the_last_day_of_shorter_months():
    monthly = gift(schedule="monthly", day_of_month=31, start_date=date(2026, 1, 31))
    assert keys(gift_periods(monthly, date(2026, 4, 29))) == [
        ("2026-01", date(2026, 1, 31)),
        ("2026-02", date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 31)),
    ]


def test_monthly_periods_start_at_the_start_date():
    monthly = gift(schedule="monthly", day_of_month=10, start_date=date(2026, 1, 11))
    assert keys(gift_periods(monthly, date(2026, 2, 10))) == [
        ("2026-02", date(2026, 2, 10))
    ]
    assert gift_periods(monthly, date(2026, 1, 10)) == []


def test_weekly_periods_are_iso_weeks_across_the_new_year():
    weekly = gift(schedule="weekly", weekday=4, start_date=date(2026, 12, 20))
    assert keys(gift_periods(weekly, date(2027, 1, 8))) == [
        ("2026-W52", date(2026, 12, 25)),
        ("2026-W53", date(2027, 1, 1)),
        ("2027-W01", date(2027, 1, 8)),
    ]


def test_yearly_periods_on_29_february():
    yearly = gift(
        schedule="yearly", month=2, day_of_month=29, start_date=date(2027, 1, 1)
    )
    assert keys(gift_periods(yearly, date(2028, 3, 1))) == [
        ("2027", date(2027, 2, 28)),
        ("2028", date(2028, 2, 29)),
    ]


def test_birthday_periods_are_years_up_to_today():
    birthday = gift(schedule="birthday", start_date=date(2026, 5, 1))
    periods = gift_periods(birthday, date(2027, 2, 3))
    assert [(p.key, p.first_day, p.last_day) for p in periods] == [
        ("birthday-2026", date(2026, 5, 1), date(2026, 12, 31)),
        ("birthday-2027", date(2027, 1, 1), date(2027, 2, 3)),
    ]
