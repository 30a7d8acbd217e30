"""When a photo was taken, as people write it: exact, or as near as they know.

`parse_date("about 1935")` keeps the words as written, for showing, and turns them
into a range of days (for sorting and searching) with how precise it is:

    12 June 1935, June 12, 1935, 1935-06-12      the day
    June 1935, 1935-06                           the month
    summer 1935 (also spring, autumn, fall, winter: northern seasons; winter 1935
                 is December 1935 to February 1936)
    1935                                         the year
    about 1935, c. 1935, ca 1935, circa 1935,
    ~1935, 1935?                                 two years either side
    1935-1940, 1935 to 1940, between 1935 and 1940
    1930s                                        the decade
    early/mid/late 1930s                         1930-33, 1934-36, 1937-39

Years before 1800 and dates in the future are refused, and so is anything else,
with a message saying what is understood. Numeric dates like 12/06/1935 are
refused too: whether that is June or December depends on who wrote it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

EARLIEST_YEAR = 1800
ABOUT_YEARS = 2

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

# (first month, last month, whether it ends in the following year)
SEASONS = {
    "spring": (3, 5, False),
    "summer": (6, 8, False),
    "autumn": (9, 11, False),
    "fall": (9, 11, False),
    "winter": (12, 2, True),
}

EXAMPLES = "1935, about 1935, 1930s, June 1935 or 12 June 1935"


class DateNotUnderstood(ValueError):
    """`message` says why, for the person who wrote the date."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Precision:
    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    ABOUT = "about"
    RANGE = "range"
    DECADE = "decade"

    CHOICES = [
        (DAY, "Day"),
        (MONTH, "Month"),
        (SEASON, "Season"),
        (YEAR, "Year"),
        (ABOUT, "About a year"),
        (RANGE, "Between two years"),
        (DECADE, "Decade"),
    ]


@dataclass(frozen=True)
class FuzzyDate:
    text: str  # as written, tidied of extra spaces
    date_from: date
    date_to: date
    precision: str

    def overlaps(self, other: FuzzyDate) -> bool:
        return self.date_from <= other.date_to and other.date_from <= self.date_to


_ABOUT = r"(?:about|around|approx\.?|approximately|circa|ca\.?|c\.|c|~)"
_YEAR = r"(\d{4})"
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_MONTH_OR_SEASON = "(" + "|".join(sorted([*MONTHS, *SEASONS], key=len, reverse=True)) + ")"
_PATTERNS: list[tuple[str, str]] = [
    ("iso_day", rf"{_YEAR}-(\d{{1,2}})-(\d{{1,2}})"),
    ("iso_month", rf"{_YEAR}-(\d{{1,2}})"),
    ("day_month_year", rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+{_YEAR}"),
    ("month_day_year", rf"{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}"),
    ("month_year", rf"{_MONTH_OR_SEASON}\.?,?\s+{_YEAR}"),
    ("about_year", rf"(?:{_ABOUT}\s*{_YEAR}|{_YEAR}\s*\?)"),
    ("part_decade", r"(early|mid|mid-|late)\s*(\d{3}0)'?s"),
    ("decade", r"(\d{3}0)'?s"),
    ("year_range", rf"(?:between\s+)?{_YEAR}\s*(?:-|–|—|to|and)\s*{_YEAR}"),
    ("year", _YEAR),
]
_COMPILED = [(name, re.compile(pattern + r"\Z")) for name, pattern in _PATTERNS]


def parse_date(text: str, *, today: date | None = None) -> FuzzyDate:
    """What `text` says of when a photo was taken; raises DateNotUnderstood."""
    written = " ".join((text or "").split())
    if not written:
        raise DateNotUnderstood(f"Write when the photo was taken, e.g. {EXAMPLES}.")
    if len(written) > 100:
        raise DateNotUnderstood("Write the date in fewer than 100 characters.")
    today = today or timezone.localdate()
    lowered = written.lower()
    for name, pattern in _COMPILED:
        match = pattern.match(lowered)
        if match:
            _check_years(written, match, today)
            start, end, precision = _READERS[name](*[g for g in match.groups() if g is not None])
            break
    else:
        if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", lowered):
            raise DateNotUnderstood(
                f"“{written}” could be read two ways: write the month as a word, e.g. 12 June 1935."
            )
        raise DateNotUnderstood(f"“{written}” is not a date this site can read. Try {EXAMPLES}.")
    if start > today:
        raise DateNotUnderstood(f"“{written}” is in the future.")
    return FuzzyDate(written, start, end, precision)


def _check_years(written: str, match: re.Match, today: date) -> None:
    for year in (int(found) for found in re.findall(r"\d{4}", match.group(0))):
        if year < EARLIEST_YEAR:
            raise DateNotUnderstood(
                f"{year} is before {EARLIEST_YEAR}: photographs are not that old. Check the year."
            )
        if year > today.year:
            raise DateNotUnderstood(f"“{written}” is in the future. Check the year.")


def _month(name: str) -> int:
    number = MONTHS.get(name.rstrip("."))
    if number is None:
        raise DateNotUnderstood(f"“{name}” is not the name of a month.")
    return number


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise DateNotUnderstood(f"{month} is not a month: months go from 1 to 12.") from None
        raise DateNotUnderstood(
            f"There is no day {day} in {calendar.month_name[month]} {year}."
        ) from None


def _month_range(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise DateNotUnderstood(f"{month} is not a month: months go from 1 to 12.")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year_range(first: int, last: int) -> tuple[date, date]:
    return date(first, 1, 1), date(last, 12, 31)


def _iso_day(year, month, day):
    day = _day(int(year), int(month), int(day))
    return day, day, Precision.DAY


def _iso_month(year, month):
    return *_month_range(int(year), int(month)), Precision.MONTH


def _day_month_year(day, month, year):
    exact = _day(int(year), _month(month), int(day))
    return exact, exact, Precision.DAY


def _month_day_year(month, day, year):
    return _day_month_year(day, month, year)


def _month_year(name, year):
    year = int(year)
    if name in SEASONS:
        first, last, next_year = SEASONS[name]
        start = date(year, first, 1)
        end_year = year + 1 if next_year else year
        return start, date(end_year, last, calendar.monthrange(end_year, last)[1]), Precision.SEASON
    return *_month_range(year, _month(name)), Precision.MONTH


def _about_year(year):
    year = int(year)
    start = max(year - ABOUT_YEARS, 1)
    return date(start, 1, 1), date(year + ABOUT_YEARS, 12, 31), Precision.ABOUT


def _part_decade(part, decade):
    decade = int(decade)
    first, last = {"early": (0, 3), "mid": (4, 6), "mid-": (4, 6), "late": (7, 9)}[part]
    return *_year_range(decade + first, decade + last), Precision.DECADE


def _decade(decade):
    decade = int(decade)
    return *_year_range(decade, decade + 9), Precision.DECADE


def _year_span(first, last):
    first, last = int(first), int(last)
    if last < first:
        raise DateNotUnderstood(f"{first} to {last}: put the earlier year first.")
    return *_year_range(first, last), Precision.RANGE


def _year(year):
    return *_year_range(int(year), int(year)), Precision.YEAR


_READERS = {
    "iso_day": _iso_day,
    "iso_month": _iso_month,
    "day_month_year": _day_month_year,
    "month_day_year": _month_day_year,
    "month_year": _month_year,
    "about_year": _about_year,
    "part_decade": _part_decade,
    "decade": _decade,
    "year_range": _year_span,
    "year": _year,
}
