"""The domain a site's pages share, which auto mode (crawl --url) allows."""

from __future__ import annotations

import pytest

from newsspider.urls import site_domain


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.sxrb.com", "sxrb.com"),
        ("news.sxrb.com", "sxrb.com"),
        ("www.shanxi.gov.cn", "shanxi.gov.cn"),  # gov.cn is a public suffix, like com.cn
        ("www.sxgov.com.cn", "sxgov.com.cn"),
        ("www.gov.cn", "www.gov.cn"),  # the whole of gov.cn is not one site
        ("127.0.0.3", "127.0.0.3"),
        ("localhost", "localhost"),
    ],
)
def test_site_domain(host: str, domain: str) -> None:
    assert site_domain(host) == domain
