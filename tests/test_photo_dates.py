"""Dates as people write them (albums/dates.py): what each form means, what is refused."""

from datetime import date

import pytest

from albums.dates import DateNotUnderstood, parse_date

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("1935", date(1935, 1, 1), date(1935, 12, 31), "year"),
        ("about 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("About 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("c. 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("c1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("ca 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("ca. 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("circa 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("around 1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("~1935", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("1935?", date(1933, 1, 1), date(1937, 12, 31), "about"),
        ("1930s", date(1930, 1, 1), date(1939, 12, 31), "decade"),
        ("1930's", date(1930, 1, 1), date(1939, 12, 31), "decade"),
        ("early 1940s", date(1940, 1, 1), date(1943, 12, 31), "decade"),
        ("mid 1940s", date(1944, 1, 1), date(1946, 12, 31), "decade"),
        ("mid-1940s", date(1944, 1, 1), date(1946, 12, 31), "decade"),
        ("late 1940s", date(1947, 1, 1), date(1949, 12, 31), "decade"),
        ("June 1935", date(1935, 6, 1), date(1935, 6, 30), "month"),
        ("jun 1935", date(1935, 6, 1), date(1935, 6, 30), "month"),
        ("February 1936", date(1936, 2, 1), date(1936, 2, 29), "month"),
        ("1935-06", date(1935, 6, 1), date(1935, 6, 30), "month"),
        ("12 June 1935", date(1935, 6, 12), date(1935, 6, 12), "day"),
        ("12th June 1935", date(1935, 6, 12), date(1935, 6, 12), "day"),
        ("June 12, 1935", date(1935, 6, 12), date(1935, 6, 12), "day"),
        ("June 12 1935", date(1935, 6, 12), date(1935, 6, 12), "day"),
        ("1935-06-12", date(1935, 6, 12), date(1935, 6, 12), "day"),
        ("summer 1935", date(1935, 6, 1), date(1935, 8, 31), "season"),
        ("winter 1935", date(1935, 12, 1), date(1936, 2, 29), "season"),
        ("autumn 1935", date(1935, 9, 1), date(1935, 11, 30), "season"),
        ("1935-1940", date(1935, 1, 1), date(1940, 12, 31), "range"),
        ("1935 to 1940", date(1935, 1, 1), date(1940, 12, 31), "range"),
        ("between 1935 and 1940", date(1935, 1, 1), date(1940, 12, 31), "range"),
        ("1800", date(1800, 1, 1), date(1800, 12, 31), "year"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "year"),
    ],
)
def test_each_form_is_read(text, start, end, precision):
    parsed = parse_date(text, today=TODAY)
    assert (parsed.date_from, parsed.date_to, parsed.precision) == (start, end, precision)


def test_what_was_written_is_kept_tidied():
    assert parse_date("  about   1935 ", today=TODAY).text == "about 1935"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Write when the photo was taken"),
        ("sometime", "is not a date this site can read"),
        ("Anna", "is not a date this site can read"),
        ("1935x", "is not a date this site can read"),
        ("35", "is not a date this site can read"),
        ("1799", "1799 is before 1800"),
        ("1650s", "1650 is before 1800"),
        ("about 0000", "0 is before 1800"),
        ("2027", "is in the future"),
        ("about 2090", "is in the future"),
        ("2030s", "is in the future"),
        ("December 2026", None),  # this month: allowed
        ("13 December 2026", "is in the future"),
        ("31 June 1935", "There is no day 31 in June 1935"),
        ("1935-13", "13 is not a month"),
        ("1935-13-01", "13 is not a month"),
        ("Smarch 1935", "is not a date this site can read"),
        ("12 summer 1935", "is not a date this site can read"),
        ("12/06/1935", "could be read two ways"),
        ("1940-1935", "put the earlier year first"),
        ("x" * 101, "fewer than 100 characters"),
    ],
)
def test_wrong_dates_are_refused_with_a_message(text, says):
    if says is None:
        assert parse_date(text, today=TODAY).date_from == date(2026, 12, 1)
        return
    with pytest.raises(DateNotUnderstood) as caught:
        parse_date(text, today=TODAY)
    assert says in caught.value.message
