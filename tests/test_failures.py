"""Why a request was not sent, as the spider's errbacks read it: our middlewares' refusals by their type,
Scrapy's own (which have no type of their own) by their message."""

from __future__ import annotations

import copy
import gzip
import pickle
from typing import TYPE_CHECKING, TypeVar, get_args

import pytest
from scrapy import Request, Spider
from scrapy.core.engine import ExecutionEngine
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils._download_handlers import get_maxsize_msg
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsspider.middlewares.challenge import ChallengeMiddleware
from newsspider.middlewares.guard import GuardRules, RedirectGuardMiddleware, RequestGuardMiddleware
from newsspider.middlewares.refusals import ChallengeRefused, NotSent, RefusalReason, Refused
from newsspider.middlewares.sendgate import SendGate
from newsspider.spiders.failures import ignore_reason, not_sent_on_purpose, refusal_text

if TYPE_CHECKING:
    from collections.abc import Callable

Guard = TypeVar("Guard", bound=GuardRules)
PAGE = "https://www.shanxi.gov.cn/yw/sxyw/index.html"


class _Site(Spider):
    name = "shanxi"
    allowed_domains = ["shanxi.gov.cn"]


def errback_failure(error: BaseException, request: Request) -> Failure:
    """What Scrapy hands an errback: the raised error as ``failure.value``, the request beside it."""
    failure = Failure(error)  # type: ignore[no-untyped-call]
    failure.request = request  # type: ignore[attr-defined]
    return failure


def raised(action: Callable[[], object]) -> IgnoreRequest:
    with pytest.raises(IgnoreRequest) as caught:
        action()
    return caught.value


def guard(cls: type[Guard], **settings: object) -> Guard:
    crawler = get_crawler(_Site, settings_dict=settings)
    crawler.spider = crawler._create_spider()
    return build_from_crawler(cls, crawler)


def redirect(location: str) -> Response:
    return Response(PAGE, status=302, headers={"Location": location})


LONG = "https://www.shanxi.gov.cn/yw/" + "a" * 400


@pytest.mark.parametrize(
    ("refuse", "expected", "skip", "text"),
    [
        (
            lambda: guard(RequestGuardMiddleware).process_request(Request("http://10.1.2.3/yw/index.html")),
            ("private-address", "http://10.1.2.3/yw/index.html", None),
            "refused",
            "refused: 10.1.2.3, a private address (only NEWSSPIDER_ALLOW_PRIVATE_HOSTS may be fetched)",
        ),
        (  # a redirect Scrapy followed (dont_filter, which Scrapy's own offsite filter lets through)
            lambda: guard(RequestGuardMiddleware).process_request(
                Request("https://www.shanxi-news.cn/", dont_filter=True, meta={"redirect_urls": [PAGE]})
            ),
            ("offsite", "https://www.shanxi-news.cn/", PAGE),
            "refused",
            "redirected to www.shanxi-news.cn, outside allowed_domains (site moved? fix the profile)",
        ),
        (
            lambda: guard(RedirectGuardMiddleware).process_response(
                Request(PAGE), redirect("ftp://files.shanxi.gov.cn/a.txt")
            ),
            ("scheme", "ftp://files.shanxi.gov.cn/a.txt", PAGE),
            "refused",
            "redirected to files.shanxi.gov.cn, not an http(s) URL",
        ),
        (
            lambda: guard(RedirectGuardMiddleware).process_response(
                Request(PAGE), redirect("/yw/sxyw/index.html")
            ),
            ("redirect-loop", PAGE, PAGE),
            "redirect-loop",
            "redirected to www.shanxi.gov.cn again: a redirect loop",
        ),
        (
            lambda: guard(RequestGuardMiddleware, URLLENGTH_LIMIT=300).process_request(Request(LONG)),
            ("url-too-long", LONG, None),  # the whole URL, though the message shows 200 characters of it
            "refused",
            "refused: www.shanxi.gov.cn: the URL is longer than URLLENGTH_LIMIT",
        ),
        (
            lambda: guard(RedirectGuardMiddleware).process_response(Request(PAGE), redirect("http:///yw/")),
            ("no-host", "http:///yw/", PAGE),
            "refused",
            "redirected to http:///yw/, a URL without a host",
        ),
    ],
    ids=["private", "offsite-redirect", "scheme-redirect", "loop", "url-too-long", "no-host"],
)
def test_the_guards_refusal_is_read_from_its_type_not_its_words(
    refuse: Callable[[], object], expected: tuple[str, str, str | None], skip: str, text: str
) -> None:
    error = raised(refuse)
    assert isinstance(error, Refused)
    assert (error.reason, error.url, error.via) == expected
    failure = errback_failure(error, Request(PAGE))
    assert (ignore_reason(failure), refusal_text(failure)) == (skip, text)
    # The log line's wording may change; what the report says may not.
    error.args = ("请求被拒绝",)
    assert (ignore_reason(failure), refusal_text(failure)) == (skip, text)


def test_the_refusal_message_users_know_is_kept() -> None:
    error = raised(lambda: guard(RequestGuardMiddleware, URLLENGTH_LIMIT=300).process_request(Request(LONG)))
    assert str(error) == f"refused (url-too-long): {LONG[:200]}"
    assert (
        str(Refused("offsite", "http://other.cn/", via=PAGE))
        == "refused (offsite): redirect to http://other.cn/"
    )


@pytest.mark.parametrize("reason", get_args(RefusalReason))
def test_every_reason_of_the_guard_has_plain_words(reason: RefusalReason) -> None:
    failure = errback_failure(Refused(reason, "http://www.shanxi-news.cn/a.html"), Request(PAGE))
    text = refusal_text(failure)
    assert "www.shanxi-news.cn" in text
    assert not text.startswith("not fetched")
    assert reason not in text  # words for the user, not the stats key


def test_a_challenge_and_the_requests_dropped_after_it_are_read_as_a_challenge() -> None:
    crawler = get_crawler(_Site)
    crawler.spider = crawler._create_spider()
    middleware = build_from_crawler(ChallengeMiddleware, crawler)
    first = Request("http://www.nmpa.gov.cn/xxgk/index.html")
    wall = HtmlResponse(first.url, status=412, body=b"<html><script>$_ts=window['$_ts'];</script></html>")
    answered = raised(lambda: middleware.process_response(first, wall))
    later = Request("http://www.nmpa.gov.cn/xxgk/202001/t20200101_1.html")
    dropped = raised(lambda: middleware.process_request(later))

    assert isinstance(answered, ChallengeRefused)
    assert isinstance(dropped, ChallengeRefused)
    assert (answered.kind, answered.host, answered.sent) == ("rs-412", "www.nmpa.gov.cn", True)
    assert (dropped.kind, dropped.host, dropped.sent) == ("rs-412", "www.nmpa.gov.cn", False)
    assert str(answered) == "challenge (rs-412) on www.nmpa.gov.cn"
    assert str(dropped) == "challenge (rs-412) on www.nmpa.gov.cn: not asking again"
    assert ignore_reason(errback_failure(answered, first)) == "challenge"
    assert ignore_reason(errback_failure(dropped, later)) == "challenge"


def test_a_request_the_shutdown_kept_back_is_read_as_shutdown_and_marked_unsent() -> None:
    crawler = get_crawler(Spider)
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    crawler.stats.open_spider()
    gate = SendGate.from_crawler(crawler)
    crawler.engine.running = False  # a graceful stop began
    held = Request("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_2.shtml")
    error = gate.refusal(held)

    assert isinstance(error, NotSent)
    assert str(error) == "shutdown: not sent"
    assert ignore_reason(errback_failure(error, held)) == "shutdown"
    # What the distributed scheduler reads to hand the request to another worker instead of acking it.
    assert held.meta["ns_not_sent"] == "shutdown"


@pytest.mark.parametrize(
    "error",
    [
        Refused("offsite", "http://other.cn/a.html", via=PAGE),
        Refused("url-too-long", LONG),
        ChallengeRefused("jsl-521", "www.nmpa.gov.cn", sent=True),
        NotSent(),
    ],
    ids=["refused-redirect", "refused", "challenge", "shutdown"],
)
def test_a_refusal_survives_pickling_and_copying(error: IgnoreRequest) -> None:
    # None of our paths pickles a failure today; if one ever does, it must not raise (an exception is
    # rebuilt from its args, here the message alone) nor lose the reason.
    request = Request(PAGE)
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(again) is type(error)
        assert again.__dict__ == error.__dict__
        assert str(again) == str(error)
        assert refusal_text(errback_failure(again, request)) == refusal_text(errback_failure(error, request))


# -- Scrapy's own refusals: only their messages say what they are -------------------------------------------


def test_robots_txt_is_read_from_scrapys_message() -> None:
    crawler = get_crawler(_Site, settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.spider = crawler._create_spider()
    middleware = build_from_crawler(RobotsTxtMiddleware, crawler)
    rules = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nDisallow: /yw/\n")
    error = raised(lambda: middleware.process_request_2(rules, Request(PAGE)))
    failure = errback_failure(error, Request(PAGE))
    assert (ignore_reason(failure), refusal_text(failure)) == ("robots.txt", "robots.txt forbids it")


def test_scrapys_redirect_limit_is_read_as_a_redirect_loop() -> None:
    crawler = get_crawler(_Site, settings_dict={"REDIRECT_MAX_TIMES": 0})
    crawler.spider = crawler._create_spider()
    middleware = build_from_crawler(RedirectMiddleware, crawler)
    error = raised(lambda: middleware.process_response(Request(PAGE), redirect("/yw/index_1.html")))
    assert ignore_reason(errback_failure(error, Request(PAGE))) == "redirect-loop"


def test_a_body_that_inflates_past_download_maxsize_is_too_large() -> None:
    crawler = get_crawler(_Site, settings_dict={"DOWNLOAD_MAXSIZE": 10_000})
    crawler.spider = crawler._create_spider()
    middleware = build_from_crawler(HttpCompressionMiddleware, crawler)
    bomb = gzip.compress(b"<p>" + "省政府常务会议".encode() * 5_000 + b"</p>")
    response = HtmlResponse(PAGE, body=bomb, headers={"Content-Encoding": "gzip"})
    error = raised(lambda: middleware.process_response(Request(PAGE), response))
    failure = errback_failure(error, Request(PAGE))
    assert (ignore_reason(failure), refusal_text(failure)) == (
        "too-large",
        "the page is larger than DOWNLOAD_MAXSIZE",
    )


def test_a_content_length_over_download_maxsize_is_too_large_not_failed() -> None:
    # What Scrapy's HTTP handler raises before reading such a body: no IgnoreRequest, its own error.
    request = Request(PAGE)
    error = DownloadCancelledError(get_maxsize_msg(30_000_000, 16_000_000, request, expected=True))
    failure = errback_failure(error, request)
    assert not_sent_on_purpose(failure)
    assert (ignore_reason(failure), refusal_text(failure)) == (
        "too-large",
        "the page is larger than DOWNLOAD_MAXSIZE",
    )


def test_a_cancelled_download_for_another_reason_is_a_failure() -> None:
    request = Request(PAGE)
    # Any cancelled download comes as this error without a message (a body cut at the size limit too).
    assert not not_sent_on_purpose(errback_failure(DownloadCancelledError(""), request))
    assert not not_sent_on_purpose(errback_failure(ConnectionRefusedError(), request))
    assert not_sent_on_purpose(errback_failure(IgnoreRequest("Filtered offsite request"), request))


def test_a_refusal_no_one_explains_is_shown_as_it_came() -> None:
    error = IgnoreRequest("Filtered offsite request to 'www.shanxi-news.cn'")  # Scrapy's offsite filter
    failure = errback_failure(error, Request(PAGE))
    assert ignore_reason(failure) == "ignored"
    assert refusal_text(failure) == "not fetched: Filtered offsite request to 'www.shanxi-news.cn'"
