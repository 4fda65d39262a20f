"""Chinese date strings -> ISO 8601 Beijing time (newsspider.parsers.dates)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.parsers.dates import (
    BEIJING,
    ParsedDate,
    calendar_date,
    date_from_url,
    find_date,
    parse_date,
)

# A fixed "now" (Beijing wall time) for relative and year-less forms.
NOW = datetime(2020, 2, 18, 20, 0, 0, tzinfo=BEIJING)
FAST = settings(max_examples=200, derandomize=True, deadline=None)


@pytest.mark.parametrize(
    ("raw", "value", "parsed_raw", "has_time"),
    [
        ("发布时间：2020-02-18", "2020-02-18", "2020-02-18", False),
        ("发布日期：2016-11-22", "2016-11-22", "2016-11-22", False),
        ("时间: 2019-09-18 06:23", "2019-09-18T06:23:00+08:00", "2019-09-18 06:23", True),
        ("2019年06月15日08:18", "2019-06-15T08:18:00+08:00", "2019年06月15日08:18", True),
        ("2020-02-18 19:58:03", "2020-02-18T19:58:03+08:00", "2020-02-18 19:58:03", True),
        ("2020/02/18", "2020-02-18", "2020/02/18", False),
        ("2020.02.18", "2020-02-18", "2020.02.18", False),
        ("[2019-06-12]", "2019-06-12", "2019-06-12", False),
        ("2016年06月30日09时30分", "2016-06-30T09:30:00+08:00", "2016年06月30日09时30分", True),
        ("2016年6月30日 9:30", "2016-06-30T09:30:00+08:00", "2016年6月30日 9:30", True),
        ("2016年09月27日 07:02:09", "2016-09-27T07:02:09+08:00", "2016年09月27日 07:02:09", True),
        ("２０２０－０２－１８", "2020-02-18", "２０２０－０２－１８", False),
        (
            "发布时间：２０２０－０２－１８ １９：５８",
            "2020-02-18T19:58:00+08:00",
            "２０２０－０２－１８ １９：５８",
            True,
        ),
        ("二〇二〇年二月十八日", "2020-02-18", "二〇二〇年二月十八日", False),
        ("二零一九年十月一日", "2019-10-01", "二零一九年十月一日", False),
        ("二O二O年十二月三十一日", "2020-12-31", "二O二O年十二月三十一日", False),
        ("二〇二〇年一月二十日", "2020-01-20", "二〇二〇年一月二十日", False),
        ("2020-02-18T19:58:03+08:00", "2020-02-18T19:58:03+08:00", "2020-02-18T19:58:03+08:00", True),
        ("2020-02-18T11:58:03Z", "2020-02-18T19:58:03+08:00", "2020-02-18T11:58:03Z", True),
        ("2020-02-18T11:58:03.250Z", "2020-02-18T19:58:03+08:00", "2020-02-18T11:58:03.250Z", True),
        ("2020-02-18T06:58:03-05:00", "2020-02-18T19:58:03+08:00", "2020-02-18T06:58:03-05:00", True),
        ("2020-02-18T19:58:03+0800", "2020-02-18T19:58:03+08:00", "2020-02-18T19:58:03+0800", True),
        ("2019-12-31T20:00:00Z", "2020-01-01T04:00:00+08:00", "2019-12-31T20:00:00Z", True),
        ("19年6月1日", "2019-06-01", "19年6月1日", False),
        ("19-06-12 08:33", "2019-06-12T08:33:00+08:00", "19-06-12 08:33", True),
        ("2019年9月", "2019-09", "2019年9月", False),
        ("2005年08月30日, 星期二 13:22", "2005-08-30T13:22:00+08:00", "2005年08月30日, 星期二 13:22", True),
        ("2020年2月18日 下午3:30", "2020-02-18T15:30:00+08:00", "2020年2月18日 下午3:30", True),
        ("2020年2月18日 上午12:10", "2020-02-18T00:10:00+08:00", "2020年2月18日 上午12:10", True),
        # BBC-style: the time is GMT, so Beijing is 8 hours later
        (
            "2012年12月10日, 格林尼治标准时间10:41",
            "2012-12-10T18:41:00+08:00",
            "2012年12月10日, 格林尼治标准时间10:41",
            True,
        ),
        ("發布時間：2020-02-18 10:00", "2020-02-18T10:00:00+08:00", "2020-02-18 10:00", True),
        ("2020-02-18 星期二", "2020-02-18", "2020-02-18", False),
        ("Feb 18, 2020", "2020-02-18", "Feb 18, 2020", False),
        ("18 February 2020 10:00", "2020-02-18T10:00:00+08:00", "18 February 2020 10:00", True),
    ],
)
def test_parse_date_forms(raw: str, value: str, parsed_raw: str, has_time: bool) -> None:
    assert parse_date(raw) == ParsedDate(value, parsed_raw, has_time)


@pytest.mark.parametrize(
    ("raw", "value", "has_time"),
    [
        ("3小时前", "2020-02-18T17:00:00+08:00", True),
        ("5分钟前", "2020-02-18T19:55:00+08:00", True),
        ("半小时前", "2020-02-18T19:30:00+08:00", True),
        ("刚刚", "2020-02-18T20:00:00+08:00", True),
        ("今天 10:00", "2020-02-18T10:00:00+08:00", True),
        ("昨天 10:30", "2020-02-17T10:30:00+08:00", True),
        ("前天", "2020-02-16", False),
        ("3天前", "2020-02-15", False),
        ("4月20日 18:10", "2019-04-20T18:10:00+08:00", True),  # after now in 2020, so last year
        ("2月18日 19:00", "2020-02-18T19:00:00+08:00", True),
        ("2月18日 21:00", "2019-02-18T21:00:00+08:00", True),  # an hour after now: last year
        ("10-08 12:00", "2019-10-08T12:00:00+08:00", True),
        ("1月5日", "2020-01-05", False),
        ("2月29日", "2016-02-29", False),  # the last Feb 29 not after now
    ],
)
def test_relative_and_yearless_need_now(raw: str, value: str, has_time: bool) -> None:
    assert parse_date(raw) is None
    assert parse_date(raw, now=NOW) == ParsedDate(value, raw, has_time)


def test_now_in_another_zone_is_converted_to_beijing() -> None:
    now_utc = datetime(2020, 2, 18, 17, 0, 0, tzinfo=UTC)  # 2020-02-19 01:00 in Beijing
    assert parse_date("昨天 10:30", now=now_utc) == ParsedDate(
        "2020-02-18T10:30:00+08:00", "昨天 10:30", True
    )
    naive = datetime(2020, 2, 18, 20, 0, 0)  # naive means Beijing wall time
    assert parse_date("3小时前", now=naive) == ParsedDate("2020-02-18T17:00:00+08:00", "3小时前", True)


@pytest.mark.parametrize(
    "raw",
    [
        "2月30日",
        "2020年2月30日",
        "2020-02-30",
        "2020-02-18 25:61",
        "2020-13-01",
        "1980-01-01",
        "2150年1月1日",
        "二〇二〇年二月三十日",
        "",
        "来源：新华社",
        "发布时间：",
        "12:30",
    ],
)
def test_invalid_or_dateless_is_none(raw: str) -> None:
    assert parse_date(raw, now=NOW) is None


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        ("2020-02-18 19:58:03 来源:  作者:", "2020-02-18T19:58:03+08:00", "2020-02-18 19:58:03"),
        (
            "发布时间： 2019-06-19 08:33:16  |  来源： 人民政协报  |  作者： 孙金诚",
            "2019-06-19T08:33:16+08:00",
            "2019-06-19 08:33:16",
        ),
        (
            "2016年09月27日 07:02 来源：省政府办公厅 【字体：大 中 小】",
            "2016-09-27T07:02:00+08:00",
            "2016年09月27日 07:02",
        ),
        # a labelled date wins over an earlier unlabelled one (a related-news date before the info line)
        (
            "相关：2019-01-01 旧闻 发布时间：2019-06-19 08:33:16",
            "2019-06-19T08:33:16+08:00",
            "2019-06-19 08:33:16",
        ),
        # 发布日期 beats a generic 日期 label such as 成文日期
        ("成文日期：2020-01-01 发布日期：2020-02-18", "2020-02-18", "2020-02-18"),
        (
            "发布时间：2019-10-24 10:27:00 信息来源: 山西新闻网",
            "2019-10-24T10:27:00+08:00",
            "2019-10-24 10:27:00",
        ),
        # an invalid first date does not hide a valid later one
        ("2020-02-30 更正：2020-03-01", "2020-03-01", "2020-03-01"),
        (
            "一个时间段 10:00:00-11:00:00 之外 2020-02-18 10:00:00-11:00:00",
            "2020-02-18T10:00:00+08:00",
            "2020-02-18 10:00:00",
        ),
    ],
)
def test_find_date_in_info_lines(text: str, value: str, raw: str) -> None:
    found = find_date(text)
    assert found is not None
    assert (found.value, found.raw) == (value, raw)
    assert found.raw in text


def test_find_date_without_a_date() -> None:
    assert find_date("来源：新华社 作者：张三") is None
    assert find_date("阅读 12345 次") is None


@pytest.mark.parametrize(
    ("url", "value"),
    [
        ("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_123456.shtml", "2020-02-18"),
        ("https://www.jiangsu.gov.cn/art/2020/2/18/art_60085_8975342.html", "2020-02-18"),
        ("http://epaper.example.cn/html/content/2020-02/18/content_1.htm", "2020-02-18"),
        ("http://politics.people.com.cn/n1/2019/0615/c1024-31160171.html", "2019-06-15"),
        ("http://www.xinhuanet.com/politics/2019-09/07/c_1124971233.htm", "2019-09-07"),
        ("http://zqsxnews.com/tingzhengce/2020-07-20/11540.html", "2020-07-20"),
        ("http://www.example.gov.cn/xw/202002/abc.html", "2020-02"),
        ("http://www.example.gov.cn/xw/202002/t20200230_1.html", "2020-02"),  # invalid day: month only
    ],
)
def test_date_from_url(url: str, value: str) -> None:
    found = date_from_url(url)
    assert found is not None
    assert found.value == value
    assert not found.has_time


@pytest.mark.parametrize("url", ["http://www.example.gov.cn/", "http://x/index_12345.html", "http://[::1"])
def test_date_from_url_none(url: str) -> None:
    assert date_from_url(url) is None


# ---- listing rows (the spider's --since reads the day of each row's date string) -----------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-02-18", date(2020, 2, 18)),
        ("[2019-06-12]", date(2019, 6, 12)),
        ("2020-02-28 23:45:00", date(2020, 2, 28)),
        ("2019年06月15日08:18", date(2019, 6, 15)),
        ("2020年2月18日", date(2020, 2, 18)),
        ("2019/6/5", date(2019, 6, 5)),
        ("2020.02.18", date(2020, 2, 18)),
        ("发布日期：2020-02-18", date(2020, 2, 18)),
        # Forms the spider's own Y-M-D regex did not read:
        ("２０２０－０２－１８", date(2020, 2, 18)),
        ("19-06-12 08:33", date(2019, 6, 12)),
        ("二〇二〇年二月十八日", date(2020, 2, 18)),
        ("2020-02-18T23:30:00Z", date(2020, 2, 19)),  # 07:30 on the 19th in Beijing
        # No day to compare: the row stays undated, and an undated row never stops pagination.
        ("2019-13-45", None),
        ("2020-02-30", None),
        ("2020年2月", None),
        ("[02-18]", None),
        ("4月20日 18:10", None),
        ("三天前", None),
        ("", None),
        (None, None),
    ],
)
def test_calendar_date(raw: str | None, expected: date | None) -> None:
    assert calendar_date(raw) == expected


# ---- properties ---------------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59))
_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    tens, units = divmod(n, 10)
    return (("" if tens == 1 else _CN[tens]) + "十" if tens else "") + (_CN[units] if units else "")


@FAST
@given(moments)
def test_every_rendering_parses_back(dt: datetime) -> None:
    iso = dt.replace(tzinfo=BEIJING).isoformat(timespec="seconds")
    iso_min = dt.replace(second=0, tzinfo=BEIJING).isoformat(timespec="seconds")
    y, mo, d, h, mi, s = dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
    full = str.maketrans("0123456789:-", "０１２３４５６７８９：－")
    cases = {
        f"{y}年{mo:02d}月{d:02d}日 {h:02d}:{mi:02d}:{s:02d}": iso,
        f"{y}年{mo}月{d}日{h:02d}:{mi:02d}": iso_min,
        f"{y}年{mo}月{d}日{h}时{mi}分{s}秒": iso,
        f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}": iso,
        f"{y}/{mo}/{d} {h}:{mi:02d}": iso_min,
        f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}".translate(full): iso_min,
        dt.replace(tzinfo=BEIJING).isoformat(): iso,
        dt.replace(tzinfo=BEIJING).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"): iso,
        dt.replace(tzinfo=BEIJING).astimezone(timezone(timedelta(hours=-5))).isoformat(): iso,
        f"{y}年{mo}月{d}日": dt.date().isoformat(),
        f"{y}.{mo:02d}.{d:02d}": dt.date().isoformat(),
        "".join(_CN[int(c)] for c in str(y)) + f"年{_cn_small(mo)}月{_cn_small(d)}日": dt.date().isoformat(),
    }
    for text, value in cases.items():
        parsed = parse_date(text)
        assert parsed is not None, text
        assert parsed.value == value, text
        assert parsed.raw == text
        found = find_date(f"发布时间：{text} 来源：山西日报")
        assert found is not None
        assert found.value == value, text


@FAST
@given(moments, st.sampled_from(["{}", "[{}]", "({})", " {} ", "发布日期：{}"]))
def test_calendar_date_of_every_row_rendering(dt: datetime, frame: str) -> None:
    y, mo, d = dt.year, dt.month, dt.day
    for text in (
        f"{y}-{mo:02d}-{d:02d}",
        f"{y}/{mo}/{d}",
        f"{y}.{mo:02d}.{d:02d}",
        f"{y}年{mo}月{d}日",
        f"{y}-{mo:02d}-{d:02d} {dt:%H:%M:%S}",
        f"{y}年{mo:02d}月{d:02d}日{dt:%H:%M}",
    ):
        assert calendar_date(frame.format(text)) == dt.date(), text


def test_a_bare_iso_day_reads_as_the_general_reader_reads_it() -> None:
    """A row's 2020-02-18 takes a shortcut (it is most rows): the same answer as the general reader on every
    such string around the accepted years, impossible months and days included, and full-width digits."""
    texts = [f"{y:04d}-{m:02d}-{d:02d}" for y in range(1988, 2103) for m in range(14) for d in range(33)]
    texts += ["２０２０-02-18", "0000-01-01", "9999-12-31", "2020-02-18 ", "2020-2-18"]
    for raw in texts:
        found = find_date(raw)
        expected = (
            date.fromisoformat(found.value[:10]) if found is not None and len(found.value) >= 10 else None
        )
        assert calendar_date(raw) == expected, raw


@FAST
@given(st.text(max_size=200), st.none() | st.just(NOW))
def test_never_raises_on_any_text(text: str, now: datetime | None) -> None:
    for result in (parse_date(text, now=now), find_date(text, now=now), date_from_url(text)):
        assert result is None or isinstance(result, ParsedDate)


_DATEY = st.text(
    alphabet="0123456789０１２年月日时分秒号:：-/.T Z+前天小时刚今昨〇一二三十发布时间间期", max_size=60
)


@FAST
@given(_DATEY, st.none() | st.just(NOW))
def test_never_raises_on_date_like_text(text: str, now: datetime | None) -> None:
    found = find_date(text, now=now)
    if found is not None:
        assert found.raw in text
        assert found.value[:4].isdigit()
        assert 1990 <= int(found.value[:4]) <= 2100
    parsed = parse_date(text, now=now)
    assert parsed is None or 1990 <= int(parsed.value[:4]) <= 2100


def test_no_wall_clock() -> None:
    """Relative forms without ``now`` are None, whatever today is (the parser must never read the clock)."""
    for raw in ("3小时前", "今天 10:00", "昨天", "4月20日 18:10", "刚刚", "3 days ago", "yesterday"):
        assert parse_date(raw) is None, raw


@pytest.mark.parametrize(
    "text",
    [
        "1-2" + " " * 200_000 + "x",
        "5" * 200_000 + "天",
        "2020年" * 50_000,
        "发布时间：" * 50_000,
        "2020-02-18 " * 20_000,
    ],
)
def test_linear_time_on_long_text(text: str) -> None:
    """No pathological backtracking: a few hundred kB parse in well under a second each."""
    start = time.perf_counter()
    find_date(text)
    parse_date(text)
    assert time.perf_counter() - start < 2
