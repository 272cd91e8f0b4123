"""The calendar of a site: local hour, weekday, public and school holidays and their neighbours.

Holidays come from the ``holidays`` package: The Hague lies in the Dutch school-holiday region
Midden (``country_holidays("NL", subdiv="Midden", categories=("public", "school"))``); Auckland
keeps New Zealand's public holidays with Auckland Anniversary Day (``subdiv="AUK"``; the package
has no New Zealand school holidays). Sites in other time zones get no holiday features.
"""

from __future__ import annotations

from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

#: Days counted to the next / since the last holiday, at most.
NEIGHBOUR_DAYS = 14
#: Days before Christmas from which the run-up counts, and days after it.
CHRISTMAS_WINDOW = (-60, 20)


@dataclass(frozen=True)
class HolidayCalendar:
    """Where to look holidays up: ``holidays.country_holidays(country, subdiv, categories)``."""

    country: str
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)

    def days(self, years: range) -> tuple[set, set]:
        """(public holidays, school holidays) as sets of dates in ``years``."""
        public = holidays.country_holidays(self.country, subdiv=self.subdiv, years=years, categories=("public",))
        school: set = set()
        if "school" in self.categories:
            school = set(holidays.country_holidays(self.country, subdiv=self.subdiv, years=years,
                                                   categories=("school",)))
        return set(public), school


#: Holiday calendars of the demo sites' time zones.
CALENDARS: dict[str, HolidayCalendar] = {
    "Europe/Amsterdam": HolidayCalendar("NL", "Midden", ("public", "school")),
    "Pacific/Auckland": HolidayCalendar("NZ", "AUK", ("public",)),
}


def calendar_of(timezone: str) -> HolidayCalendar | None:
    """The holiday calendar for a site's time zone, or None when unknown."""
    return CALENDARS.get(timezone)


def calendar_features(hours: pd.DatetimeIndex, timezone: str, calendar: HolidayCalendar | None) -> dict[str, np.ndarray]:
    """Per UTC hour: local ``hour`` (0-23), ``weekday`` (0 = Monday), ``day_of_year``,
    ``holiday`` (public holiday, 0/1), ``school_holiday`` (0/1),
    ``days_to_holiday`` / ``days_since_holiday`` (days, capped at 14) and ``christmas``
    (days from 25 December, within -60..20)."""
    local = hours.tz_convert(timezone)
    dates = local.tz_localize(None).normalize()
    days = pd.DatetimeIndex(dates.unique()).sort_values()
    where = days.get_indexer(dates)
    public, school = (set(), set()) if calendar is None else calendar.days(range(days.year.min() - 1, days.year.max() + 2))
    day_list = days.date
    is_public = np.array([d in public for d in day_list])
    is_school = np.array([d in school for d in day_list])
    span = pd.date_range(days[0] - pd.Timedelta(days=NEIGHBOUR_DAYS), days[-1] + pd.Timedelta(days=NEIGHBOUR_DAYS))
    marks = span[np.array([d in public for d in span.date])].to_numpy()
    values = days.to_numpy()
    nxt = np.searchsorted(marks, values, side="left")
    prv = np.searchsorted(marks, values, side="right") - 1
    one_day = np.timedelta64(1, "D")
    if len(marks):
        to_next = np.where(nxt < len(marks), (marks[np.minimum(nxt, len(marks) - 1)] - values) / one_day, NEIGHBOUR_DAYS)
        since = np.where(prv >= 0, (values - marks[np.maximum(prv, 0)]) / one_day, NEIGHBOUR_DAYS)
    else:
        to_next = since = np.full(len(values), float(NEIGHBOUR_DAYS))
    christmas = (days - pd.to_datetime([f"{y}-12-25" for y in days.year])).days.to_numpy()
    christmas = np.where(christmas < -180, christmas + 365, christmas)
    per_day = {
        "holiday": is_public.astype(float),
        "school_holiday": is_school.astype(float),
        "days_to_holiday": np.minimum(to_next, NEIGHBOUR_DAYS),
        "days_since_holiday": np.minimum(since, NEIGHBOUR_DAYS),
        "christmas": np.clip(christmas, *CHRISTMAS_WINDOW),
    }
    out = {
        "hour": local.hour.to_numpy().astype(float),
        "weekday": local.day_of_week.to_numpy().astype(float),
        "day_of_year": local.day_of_year.to_numpy().astype(float),
    }
    out.update({name: values_[where].astype(float) for name, values_ in per_day.items()})
    return out
