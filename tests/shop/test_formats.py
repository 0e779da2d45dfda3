"""Dates and times read the same way everywhere, in Pakistan's time zone."""

import datetime

from django.template import Context, Template
from django.utils import timezone


def render(template: str, **context) -> str:
    return Template(template).render(Context(context))


def test_a_moment_shows_in_karachi_time_day_first_on_a_24_hour_clock():
    moment = datetime.datetime(2026, 12, 1, 19, 16, tzinfo=datetime.UTC)  # 00:16 the next day in Karachi

    assert render("{{ moment }}", moment=moment) == "2 December 2026, 00:16"
    assert render("{{ moment|date:'SHORT_DATETIME_FORMAT' }}", moment=moment) == "2 Dec 2026, 00:16"
    assert timezone.localtime(moment).tzname() == "PKT"


def test_a_date_shows_day_month_year():
    assert render("{{ day }}", day=datetime.date(2026, 3, 9)) == "9 March 2026"
