"""A page that shows several whole posts (a blog archive) is the first post, not the longest one."""

from __future__ import annotations

from datetime import UTC, datetime

from newsspider.parsers import parse_article

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


def _post(title: str, when: str, paragraph: str, repeat: int) -> str:
    return (
        "<tr><td><table width='100%'>"
        f"<tr><td class='post-title'>{title}</td><td class='post-title'>{when}</td></tr>"
        f"<tr><td class='post-body'>{('<br>' + paragraph) * repeat}</td></tr>"
        f"<tr><td class='post-footer'>由海边张贴 @ {when}</td></tr>"
        "</table></td></tr>"
    )


def _archive() -> bytes:
    posts = [
        _post(
            "周末去山里走了走",
            "2005-03-21 01:20:44",
            "山里的空气很好，溪水清得能看见底，我们走了一整天也不觉得累。",
            8,
        ),
        _post(
            "剪了头发", "2005-03-18 01:58:01", "头发留了很久，每天都要花很多时间打理，终于下决心剪短了。", 6
        ),
        _post(
            "回忆十年前",
            "2005-03-15 16:47:37",
            "十多年前刚来的时候，没有中文报纸，也没有网络，只能听广播。",
            40,
        ),
    ]
    page = (
        "<html><head><meta charset='utf-8'><title>海边的博客 - 2005年3月</title></head><body>"
        "<table><tr><td class='sidebar'><a href='/'>首页</a> <a href='/archive'>存档</a></td>"
        f"<td><table>{''.join(posts)}</table></td></tr></table></body></html>"
    )
    return page.encode("utf-8")


def test_the_archive_page_is_its_first_post_not_its_longest() -> None:
    record = parse_article(_archive(), "http://blog.example.com/archives.php?date=200503", fetched_at=FETCHED)
    assert record.title == "周末去山里走了走"
    assert record.text.startswith("山里的空气很好")
    assert "十多年前" not in record.text
    assert record.published_at is not None
    assert record.published_at.startswith("2005-03-21")


def test_a_box_of_the_same_class_elsewhere_in_the_template_is_not_a_post() -> None:
    teaser = "<li><div class='item'>{}</div></li>"
    teasers = "".join(
        teaser.format("相关新闻：" + "网球名将今天表示，他最看好老对手夺冠，即便对方近来伤病缠身。" * 8)
        for _ in range(3)
    )
    article = "".join(
        f"<p>{'省政府召开常务会议，研究部署春季农业生产工作，要求各地压实责任，确保粮食安全。'}{n}</p>"
        for n in range(6)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>省政府召开常务会议_某省人民政府</title></head><body>"
        f"<ul class='related'>{teasers}</ul><div class='item'>{article}</div></body></html>"
    )
    record = parse_article(page.encode("utf-8"), "http://www.example.gov.cn/a.html", fetched_at=FETCHED)
    assert record.text.startswith("省政府召开常务会议")
