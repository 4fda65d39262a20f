"""The date window of a crawl: ``--since`` / ``-a since`` read as a day, and the day of a listing row it is
compared with."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from newsspider.parsers.dates import calendar_date, date_from_url

if TYPE_CHECKING:
    from newsspider.platforms.base import ListingRow

__all__ = ["parse_since", "row_day"]

_BEIJING = timezone(timedelta(hours=8))
_SINCE_DAYS = re.compile(r"^\s*(\d+)\s*d\s*$", re.IGNORECASE)


def parse_since(text: str, today: date | None = None) -> date:
    """``2020-02-01`` or ``7d`` (the last seven days, Beijing time) as a date; ValueError otherwise."""
    days = _SINCE_DAYS.match(text)
    if days:
        base = today or datetime.now(_BEIJING).date()
        try:
            return base - timedelta(days=int(days.group(1)))
        except OverflowError:  # 99999999d: before year 1
            raise ValueError(f"--since {text.strip()} goes back before the year 1") from None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since wants a date YYYY-MM-DD or a number of days like 7d, got {text!r}"
        ) from None


def row_day(row: ListingRow) -> date | None:
    """The row's day: its listing date, else the date its URL carries (a TRS ``t20200301_1.html`` in a
    listing without dates), so ``--since`` still skips old rows and stops paginating. A URL naming only the
    month (``/202003/``) counts as that month's last day: never older than the article may be."""
    listed = calendar_date(row.date_raw)
    found = date_from_url(row.url) if listed is None else None
    if found is None:
        return listed
    year, month = int(found.value[:4]), int(found.value[5:7])
    if len(found.value) < len("2020-03-01"):
        return date(year, month, calendar.monthrange(year, month)[1])
    return date.fromisoformat(found.value[:10])
