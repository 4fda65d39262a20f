"""Chinese date strings -> ISO 8601 in Beijing time, the raw substring kept beside the value.

Pure functions: no clock (relative and year-less forms need an explicit ``now``), no I/O, never raise.

Why a regex fast path before dateparser (anchors.md §2.7): dateparser 1.5 returns None for
``发布时间：2024-03-05 10:30`` (a label in front), for ``二〇二四年三月五日`` and for ``4月20日 18:10``; without a
language it infers the current year for year-less dates; and it cannot tell us which substring it read or
whether a time was shown. The forms provincial sites print (sites.md §3.1) are regular, so regexes read them
exactly and fast; dateparser only gets the short leftovers (English month names and the like).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import dateparser

from newsspider.parsers.numerals import cn_number

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BEIJING", "ParsedDate", "calendar_date", "date_from_url", "find_date", "parse_date"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date: ``value`` is ISO 8601 in Beijing time, ``raw`` the exact substring it came from."""

    value: str
    """``2020-02-18T19:58:03+08:00`` with a time, ``2020-02-18`` date only, ``2019-09`` month only."""
    raw: str
    """The exact substring parsed (label excluded), e.g. ``2020-02-18 19:58:03``."""
    has_time: bool
    """True when the source showed a time of day."""


# ---- patterns (run on an index-preserving NFKC form, so full-width digits and colons match too) ----------

# Between a date and its time: a weekday (2005年08月30日, 星期二 13:22), a zone word (格林尼治标准时间10:41),
# a half of the day (下午3:30). Each optional piece is linear to try, so long runs of spaces stay cheap.
_PRE_TIME = (
    r"(?:(?:\s*[,，])?\s*(?:星期|周|礼拜)[一二三四五六日天])?"
    r"(?:(?:\s*[,，])?\s*(?P<zone>北京时间|格林尼治标准时间|格林威治时间|GMT|UTC))?"
    r"(?:\s*(?P<ampm>上午|下午|晚上|早上|凌晨|中午|AM|PM|am|pm))?"
)
_TIME = (
    _PRE_TIME + r"(?:\s*T\s*|\s*)(?P<H>\d{1,2})\s*(?::|时|時|點|点)\s*(?P<M>\d{1,2})"
    r"(?:\s*(?::|分)\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?|\s*分)?"
)
# An offset only after seconds (ISO style), so a range such as 10:00:00-11:00 is not read as UTC-11.
_ISO_TIME = (
    _PRE_TIME + r"(?:\s*T\s*|\s*)(?P<H>\d{1,2})\s*(?::|时|時|點|点)\s*(?P<M>\d{1,2})"
    r"(?:\s*(?::|分)\s*(?P<S>\d{1,2})(?:\.\d+)?"
    r"(?:\s*秒|\s*(?P<tz>Z(?![A-Za-z])|[+-][01]\d:?[0-5]\d(?!\d|:\d)))?|\s*分)?"
)
# 2019年06月15日08:18, 2016年06月30日09时30分, 19年6月1日
_CJK_YMD = re.compile(
    r"(?<!\d)(?P<y>\d{4}|\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*(?:[日号]|(?!\d))"
    rf"(?:{_TIME})?"
)
# 2020-02-18 19:58:03, 2020/02/18, 2020.02.18, 2020-02-18T11:58:03Z
_NUM_YMD = re.compile(
    r"(?<![\d.\-/])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|(?P=sep)\d)"
    rf"(?:{_ISO_TIME})?"
)
# 2-digit year only when a time follows (19-06-12 08:33, a listing style); a bare 12-06-19 could be dd-mm-yy.
_NUM_YMD2 = re.compile(
    r"(?<![\d.\-/:])(?P<y>\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|(?P=sep)\d)"
    rf"{_TIME}(?!\d)"
)
_CJK_YM = re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)")
_CN_DIGITS = "〇○零O0一二三四五六七八九"
_CN_YMD = re.compile(
    rf"(?P<y>[{_CN_DIGITS}]{{4}})\s*年\s*(?P<m>[一二三四五六七八九十]{{1,2}})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*[日号]"
)
# year-less: 4月20日 18:10, 10-08 12:00 (needs now)
_CJK_MD = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号](?:" + _TIME + ")?")
_NUM_MD = re.compile(r"(?<![\d\-/.:])(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + r"(?!\d)")
# relative (needs now)
_AGO = re.compile(r"(?:(?<!\d)(?P<n>\d{1,6})|半)\s*(?P<unit>秒|秒钟|分钟|分|小时|个小时|天|日|周|星期)\s*前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # \d would take full-width digits
_DAY_WORD = re.compile(r"(?P<w>今天|昨天|前天)(?:" + _TIME + ")?")

_LABEL = re.compile(
    r"(?P<label>(?P<pub>发布|發布|发表|發表|发文|更新|發佈)(?:时间|時間|日期|于)?|(?:时间|時間|日期))\s*[:：]\s*",
)
_TIME_HINT = re.compile(r"\d\s*[:：]\s*\d|\d\s*[时點点]|\b(?:am|pm)\b", re.IGNORECASE)

# dateparser settings; REQUIRE_PARTS + STRICT_PARSING stop it inventing a year or a day, and the timestamp
# parser is off because a long digit run in a page is rarely an epoch.
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "TIMEZONE": "Asia/Shanghai",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DATES_FROM": "past",
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
}
_DATEPARSER_MAX_LEN = 80


# Full-width ASCII (０-９, ：, －, ／, ．, Ｔ) and the space variants, one character to one, so match offsets in the
# normalized text index the original text too. str.translate runs in C, which matters on multi-megabyte text.
_HALF_WIDTH = MappingProxyType(
    {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    | dict.fromkeys((0x3000, 0xA0, 0x1680, 0x202F, 0x205F, *range(0x2000, 0x200B)), 0x20)
)


def _nfkc_same_length(text: str) -> str:
    """Half-width digits, colons, dashes and spaces, keeping one character per character."""
    return text.translate(_HALF_WIDTH)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 1900 if y >= 90 else 2000
    return y


def _build(
    y: int, m: int, d: int, hms: tuple[int, int, int] | None, tz: str | None = None
) -> tuple[str, datetime | date] | None:
    """(ISO value, the datetime or date) or None when the parts are not a real Beijing date."""
    if not MIN_YEAR - 1 <= y <= MAX_YEAR + 1:
        return None
    try:
        day = date(y, m, d)
        if hms is None:
            return (day.isoformat(), day) if MIN_YEAR <= y <= MAX_YEAR else None
        moment = datetime(y, m, d, *hms, tzinfo=_offset(tz) if tz else BEIJING).astimezone(BEIJING)
    except (ValueError, OverflowError):
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment.isoformat(timespec="seconds"), moment


def _offset(tz: str) -> timezone:
    if tz == "Z":
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _hms(m: re.Match[str]) -> tuple[int, int, int] | None:
    if m.group("H") is None:
        return None
    hour = int(m.group("H"))
    ampm = (m.group("ampm") or "").lower()
    if (ampm in {"下午", "晚上", "pm"} and hour < 12) or (ampm == "中午" and hour < 11):
        hour += 12
    elif ampm in {"上午", "早上", "凌晨", "am"} and hour == 12:
        hour = 0
    return hour, int(m.group("M")), int(m.group("S") or 0)


def _zone(m: re.Match[str]) -> str | None:
    """The offset shown: an ISO offset, or a GMT/UTC word before the time (BBC-style 格林尼治标准时间)."""
    names = m.re.groupindex  # not groupdict(): a dict of a dozen groups built for two look-ups
    if "tz" in names and m.group("tz"):
        return str(m.group("tz"))
    shown = m.group("zone") if "zone" in names else None
    return "Z" if shown in {"格林尼治标准时间", "格林威治时间", "GMT", "UTC"} else None


def _to_beijing(now: datetime) -> datetime:
    # A naive now is Beijing wall time, like every naive time on these sites.
    return now.replace(tzinfo=BEIJING) if now.tzinfo is None else now.astimezone(BEIJING)


def _from_match(name: str, m: re.Match[str], now: datetime | None) -> ParsedDate | None:
    """Turn one regex match into a ParsedDate (None when invalid or when ``now`` is needed and missing)."""
    raw = m.group(0).strip()
    if name in {"cjk_ymd", "num_ymd", "num_ymd2"}:
        built = _build(_year(m.group("y")), int(m.group("m")), int(m.group("d")), _hms(m), _zone(m))
        return ParsedDate(built[0], raw, isinstance(built[1], datetime)) if built else None
    if name == "cn_ymd":
        y = cn_number(m.group("y"))
        built = _build(y, cn_number(m.group("m")), cn_number(m.group("d")), None)
        return ParsedDate(built[0], raw, False) if built else None
    if name == "cjk_ym":
        y, mo = int(m.group("y")), int(m.group("m"))
        if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12:
            return ParsedDate(f"{y:04d}-{mo:02d}", raw, False)
        return None
    if now is None:
        return None
    base = _to_beijing(now)
    if name in {"cjk_md", "num_md"}:
        return _yearless(int(m.group("m")), int(m.group("d")), _hms(m), base, raw)
    if name == "just_now":
        return ParsedDate(base.isoformat(timespec="seconds"), raw, True)
    if name == "ago":
        return _ago(m, base, raw)
    if name == "day_word":
        day = base.date() - timedelta(days=("今天", "昨天", "前天").index(m.group("w")))
        built = _build(day.year, day.month, day.day, _hms(m))
        return ParsedDate(built[0], raw, isinstance(built[1], datetime)) if built else None
    return None


def _yearless(
    mo: int, d: int, hms: tuple[int, int, int] | None, base: datetime, raw: str
) -> ParsedDate | None:
    """The most recent such date not after ``base`` (Feb 29 may go back a few years)."""
    for y in range(base.year, base.year - 9, -1):
        built = _build(y, mo, d, hms)
        if built is None:
            if not (mo == 2 and d == 29):
                return None
            continue
        value, moment = built
        later = moment > base if isinstance(moment, datetime) else moment > base.date()
        if not later:
            return ParsedDate(value, raw, hms is not None)
    return None


def _ago(m: re.Match[str], base: datetime, raw: str) -> ParsedDate | None:
    n_text, unit = m.group("n"), m.group("unit")
    n = 0.5 if n_text is None else int(n_text)
    seconds = {"秒": 1, "秒钟": 1, "分": 60, "分钟": 60, "小时": 3600, "个小时": 3600}
    if unit in seconds:
        try:
            moment = base - timedelta(seconds=n * seconds[unit])
        except OverflowError:
            return None
        built = _build(moment.year, moment.month, moment.day, (moment.hour, moment.minute, moment.second))
        return ParsedDate(built[0], raw, True) if built else None
    days = int(n * (7 if unit in {"周", "星期"} else 1))
    if days > 365 * 200:
        return None
    day = base.date() - timedelta(days=days)
    built = _build(day.year, day.month, day.day, None)
    return ParsedDate(built[0], raw, False) if built else None


# With each pattern, strings one of which its every match holds: `in` tests skip the patterns that cannot
# match (their lookbehind starts are tried at every position, ~1-2 us a scan each).
_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("cjk_ymd", _CJK_YMD, ("年",)),
    ("num_ymd", _NUM_YMD, ("-", "/", ".")),
    ("cn_ymd", _CN_YMD, ("年",)),
    ("num_ymd2", _NUM_YMD2, ("-", "/", ".")),
    ("cjk_ym", _CJK_YM, ("年",)),
    ("cjk_md", _CJK_MD, ("月",)),
    ("num_md", _NUM_MD, ("-",)),
    ("day_word", _DAY_WORD, ("天",)),
    ("ago", _AGO, ("前",)),
    ("just_now", _JUST_NOW, ("刚",)),
)


def _candidates(norm: str, text: str, now: datetime | None) -> Iterator[tuple[int, ParsedDate | None]]:
    """(start offset, parsed or None) for the leftmost-longest match at each position, in text order."""
    matches: list[tuple[int, int, str, re.Match[str]]] = []
    for name, pattern, needs in _PATTERNS:
        if needs[0] in norm or any(need in norm for need in needs[1:]):
            matches.extend((m.start(), -m.end(), name, m) for m in pattern.finditer(norm))
    matches.sort(key=lambda t: (t[0], t[1]))
    covered_to = -1
    for start, neg_end, name, m in matches:
        if start < covered_to:
            continue
        covered_to = -neg_end
        parsed = _from_match(name, m, now)
        if parsed is not None:
            lead = len(m.group(0)) - len(m.group(0).lstrip())
            raw = text[start + lead : -neg_end].strip()
            parsed = ParsedDate(parsed.value, raw, parsed.has_time)
        yield start, parsed


def find_date(text: str, *, now: datetime | None = None) -> ParsedDate | None:
    """The first date inside a longer text; a date right after a 发布时间/时间/日期 label wins.

    Among labelled dates a 发布/发表 label beats a bare 时间/日期 (成文日期 comes before 发布日期 in
    政府信息公开 headers). Relative and year-less forms need ``now``; without it they are skipped.
    """
    return _fast_path(text, now)[0]


def parse_date(raw: str, *, now: datetime | None = None) -> ParsedDate | None:
    """Parse one string that is (mostly) a date, possibly behind a label: ``发布时间：2020-02-18``."""
    found, matched = _fast_path(raw, now)
    if found is not None or matched:
        # A fast-path form that is invalid (2月30日) or needs ``now`` is not handed to dateparser,
        # which would guess.
        return found
    return _dateparser(raw, now)


def calendar_date(raw: str | None) -> date | None:
    """The Beijing calendar day a date string shows (a listing row's 2020年2月18日, [2019-06-12],
    2019/6/5 10:30), or None: a month alone (2020年2月) has no day, and year-less or relative forms need a
    clock, which this has not."""
    if raw and _ISO_DAY.fullmatch(raw):  # most rows; find_date cost a tenth of a listing page's parse
        built = _build(int(raw[:4]), int(raw[5:7]), int(raw[8:]), None)
        return built[1] if built else None
    found = find_date(raw) if raw else None
    if found is None or len(found.value) < len("2020-02-18"):
        return None
    return date.fromisoformat(found.value[:10])


def _fast_path(text: str, now: datetime | None) -> tuple[ParsedDate | None, bool]:
    """(best date, whether any date-like form matched at all)."""
    if not isinstance(text, str) or not text:
        return None, False
    norm = _nfkc_same_length(text)
    label_rank: dict[int, int] = {}
    for lm in _LABEL.finditer(norm):
        label_rank.setdefault(lm.end(), 0 if lm.group("pub") else 1)
    best: tuple[int, ParsedDate] | None = None
    matched = False
    for start, parsed in _candidates(norm, text, now):
        matched = True
        if parsed is None:
            continue
        rank = label_rank.get(start, 2)
        if rank == 0:
            return parsed, True
        if best is None or rank < best[0]:
            best = (rank, parsed)
    return (best[1] if best else None), matched


def _dateparser(raw: str, now: datetime | None) -> ParsedDate | None:
    text = _LABEL.sub("", _nfkc_same_length(raw), count=1).strip()
    if not text or len(text) > _DATEPARSER_MAX_LEN or not any(c.isdigit() for c in text):
        return None
    settings = dict(_DATEPARSER_SETTINGS)
    parsers = ["custom-formats", "absolute-time"]
    if now is not None:
        settings["RELATIVE_BASE"] = _to_beijing(now).replace(tzinfo=None)
        parsers.insert(0, "relative-time")
    settings["PARSERS"] = parsers
    try:
        result = dateparser.parse(text, languages=["zh", "en"], settings=settings)
    except Exception:  # noqa: BLE001 -- dateparser raises assorted errors on odd input; a bad date is None
        return None
    if result is None:
        return None
    moment = result.astimezone(BEIJING) if result.tzinfo else result.replace(tzinfo=BEIJING)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    has_time = bool(_TIME_HINT.search(text)) or moment.time() != datetime.min.time()
    value = moment.isoformat(timespec="seconds") if has_time else moment.date().isoformat()
    return ParsedDate(value, raw.strip(), has_time)


# ---- URLs ---------------------------------------------------------------------------------------------------

_URL_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_\d+"),  # TRS WCM
    re.compile(r"/art/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),  # Hanweb
    re.compile(r"/content/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/"),  # Founder
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/"),  # Founder without /content/, xinhuanet
    re.compile(r"/n\d*/(?P<y>\d{4})/(?P<m>\d{2})(?P<d>\d{2})/"),  # People
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>\d{4})(?P<m>\d{2})/"),  # /202002/t… with no day: month only
)


def date_from_url(url: str) -> ParsedDate | None:
    """The date a CMS writes into its article URLs (date only, never a time); None when there is none."""
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for pattern in _URL_PATTERNS:
        for m in pattern.finditer(path):
            y, mo = int(m.group("y")), int(m.group("m"))
            raw = path[m.start("y") : m.end("d") if "d" in m.groupdict() else m.end("m")]
            if "d" not in m.groupdict():
                if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12:
                    return ParsedDate(f"{y:04d}-{mo:02d}", raw, False)
                continue
            built = _build(y, mo, int(m.group("d")), None)
            if built:
                return ParsedDate(built[0], raw, False)
    return None
