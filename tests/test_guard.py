"""The request guard: only HTTP(S), only the profile's domains, never private addresses unless allowed."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsspider.middlewares.guard import (
    GuardRules,
    RedirectGuardMiddleware,
    RequestGuardMiddleware,
    refusal_reason,
)

PUBLIC = ["shanxi.gov.cn"]


@pytest.mark.parametrize(
    ("scheme", "host", "reason"),
    [
        ("https", "www.shanxi.gov.cn", None),
        ("http", "shanxi.gov.cn", None),
        ("https", "evil.example.com", "offsite"),
        ("https", "shanxi.gov.cn.evil.com", "offsite"),
        ("file", "", "scheme"),
        ("ftp", "www.shanxi.gov.cn", "scheme"),
        ("data", "", "scheme"),
        ("http", "127.0.0.1", "private-address"),
        ("http", "localhost", "private-address"),
        ("http", "10.1.2.3", "private-address"),
        ("http", "192.168.0.1", "private-address"),
        ("http", "169.254.169.254", "private-address"),
        ("http", "[::1]", "private-address"),
        ("http", "::1", "private-address"),
        ("http", "0.0.0.0", "private-address"),
    ],
)
def test_refusal_reason(scheme: str, host: str, reason: str | None) -> None:
    assert refusal_reason(scheme, host, allowed_domains=PUBLIC, allowed_private=frozenset()) == reason


def test_allowed_private_host_still_needs_to_be_on_site() -> None:
    allowed = frozenset({"127.0.0.1"})
    assert refusal_reason("http", "127.0.0.1", allowed_domains=["127.0.0.1"], allowed_private=allowed) is None
    assert refusal_reason("http", "127.0.0.2", allowed_domains=["127.0.0.1"], allowed_private=allowed) == (
        "private-address"
    )


def test_no_allowed_domains_means_any_public_host() -> None:
    assert refusal_reason("https", "www.gov.cn", allowed_domains=[], allowed_private=frozenset()) is None


class _Spider(Spider):
    name = "guarded"
    allowed_domains = ["shanxi.gov.cn"]


def _middleware(**settings: object) -> tuple[RequestGuardMiddleware, Spider]:
    crawler = get_crawler(_Spider, settings_dict=settings)
    crawler.spider = crawler._create_spider()
    return build_from_crawler(RequestGuardMiddleware, crawler), crawler.spider


def test_redirect_to_private_address_is_refused_even_with_dont_filter() -> None:
    middleware, _spider = _middleware()
    redirected = Request(
        "http://169.254.169.254/latest/meta-data/",
        dont_filter=True,
        meta={"redirect_urls": ["https://www.shanxi.gov.cn/a.html"]},
    )
    with pytest.raises(IgnoreRequest, match="private-address"):
        middleware.process_request(redirected)
    assert middleware.stats.get_value("newsspider/refused/private-address") == 1


def test_on_site_request_passes() -> None:
    middleware, _spider = _middleware()
    assert middleware.process_request(Request("https://www.shanxi.gov.cn/yw/a.shtml")) is None


def test_setting_allows_the_replica_host() -> None:
    middleware, spider = _middleware(NEWSSPIDER_ALLOW_PRIVATE_HOSTS=["127.0.0.1"])
    spider.allowed_domains = ["127.0.0.1"]
    assert middleware.process_request(Request("http://127.0.0.1:8000/index.html")) is None


def test_a_url_over_the_length_limit_is_refused_and_counted() -> None:
    """Scrapy's UrlLengthMiddleware is off in our settings; the guard keeps its limit and reports it."""
    middleware, _spider = _middleware(URLLENGTH_LIMIT=60)
    base = "https://www.shanxi.gov.cn/yw/"
    assert middleware.process_request(Request(base + "a" * (60 - len(base)))) is None
    with pytest.raises(IgnoreRequest, match=r"^refused \(url-too-long\): https://www\.shanxi"):
        middleware.process_request(Request(base + "a" * (61 - len(base))))
    assert middleware.stats.get_value("newsspider/refused/url-too-long") == 1


def test_url_length_limit_zero_means_no_limit() -> None:
    middleware, _spider = _middleware(URLLENGTH_LIMIT=0)
    assert middleware.process_request(Request("https://www.shanxi.gov.cn/" + "a" * 5000)) is None


def _redirect_guard() -> RedirectGuardMiddleware:
    crawler = get_crawler(_Spider)
    crawler.spider = crawler._create_spider()
    return build_from_crawler(RedirectGuardMiddleware, crawler)


def _redirect(target: str, status: int = 302) -> Response:
    return Response("https://www.shanxi.gov.cn/a.html", status=status, headers={"Location": target})


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("http://169.254.169.254/latest/meta-data/", "private-address"),
        ("https://evil.example.com/", "offsite"),
        ("/a.html", "redirect-loop"),
    ],
)
def test_a_refused_redirect_fails_the_request_that_redirected(target: str, reason: str) -> None:
    guard = _redirect_guard()
    request = Request("https://www.shanxi.gov.cn/a.html")
    with pytest.raises(IgnoreRequest, match=rf"refused \({reason}\): redirect to"):
        guard.process_response(request, _redirect(target))
    assert guard.stats.get_value(f"newsspider/refused/{reason}") == 1


def test_an_on_site_redirect_is_left_to_scrapy() -> None:
    guard = _redirect_guard()
    response = _redirect("/b.html", status=301)
    assert guard.process_response(Request("https://www.shanxi.gov.cn/a.html"), response) is response


def test_a_redirect_the_request_handles_itself_is_left_alone() -> None:
    guard = _redirect_guard()
    request = Request("https://www.shanxi.gov.cn/a.html", meta={"handle_httpstatus_list": [302]})
    response = _redirect("https://evil.example.com/")
    assert guard.process_response(request, response) is response


def test_each_request_is_checked_by_one_guard() -> None:
    # The request a redirect creates goes through RequestGuardMiddleware (45) like any other: the redirect
    # guard (610) only judges 3xx answers. A process_request of its own checked every request twice.
    enabled = [load_object(path) for path, order in get_project_settings().getdict("DOWNLOADER_MIDDLEWARES").items()
               if order is not None]  # fmt: skip
    guards = [cls for cls in enabled if issubclass(cls, GuardRules)]
    assert set(guards) == {RequestGuardMiddleware, RedirectGuardMiddleware}
    assert [cls for cls in guards if hasattr(cls, "process_request")] == [RequestGuardMiddleware]
