"""Why our own middlewares drop a request, as data: ``IgnoreRequest`` subclasses the spider's errbacks read.

Scrapy hands a dropped request's errback the ``IgnoreRequest`` raised for it, as ``failure.value``. Read from
the message, a reason is lost the day the message is reworded; these carry it as attributes
(:mod:`newsspider.spiders.failures` tells them apart with ``isinstance``). Their messages stay the ones users
know from the logs. Scrapy's own refusals (robots.txt, max redirections, download size) have no type of
their own and are still read from their text.

- :class:`Refused`: the request guard (:mod:`~newsspider.middlewares.guard`) refused the URL;
- :class:`ChallengeRefused`: the host answers with an anti-bot challenge (:mod:`~newsspider.middlewares.
  challenge`, and the send gate for the requests queued before it);
- :class:`NotSent`: a shutdown began before the request left (:mod:`~newsspider.middlewares.sendgate`).

Each one pickles and copies with its attributes: ``BaseException`` rebuilds an exception by calling its class
with ``args``, here the message alone, which none of these constructors takes.
"""

from __future__ import annotations

from typing import Any, Literal

from scrapy.exceptions import IgnoreRequest

__all__ = ["SHUTDOWN_MESSAGE", "ChallengeRefused", "NotSent", "RefusalReason", "Refused"]

RefusalReason = Literal["offsite", "private-address", "scheme", "no-host", "redirect-loop", "url-too-long"]
"""Why the request guard refuses a URL (also the stats key ``newsspider/refused/<reason>``)."""

SHUTDOWN_MESSAGE = "shutdown: not sent"
"""The message of :class:`NotSent`."""

_MESSAGE_URL_CHARS = 200  # a refused URL can be thousands of characters long (url-too-long): its start


class Refused(IgnoreRequest):
    """The request guard refused ``url``: a redirect's target when ``via`` (the URL that redirected) is set.

    Message: ``refused (offsite): redirect to http://other.example.cn/…`` or ``refused (scheme): ftp://…``.
    """

    def __init__(self, reason: RefusalReason, url: str, via: str | None = None) -> None:
        shown = url[:_MESSAGE_URL_CHARS]
        super().__init__(f"refused ({reason}): {'' if via is None else 'redirect to '}{shown}")
        self.reason: RefusalReason = reason
        self.url = url
        self.via = via

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.url, self.via), self.__dict__)


class ChallengeRefused(IgnoreRequest):
    """``host`` answers with an anti-bot challenge of ``kind`` (``rs-412``, ``jsl-521``, ``js-only``).

    ``sent``: this request was sent and got the challenge page; else it was dropped before sending because
    its host had answered another one so. Message: ``challenge (rs-412) on www.example.gov.cn`` (sent) or
    ``… : not asking again``.
    """

    def __init__(self, kind: str, host: str, sent: bool = False) -> None:
        super().__init__(f"challenge ({kind}) on {host}" + ("" if sent else ": not asking again"))
        self.kind = kind
        self.host = host
        self.sent = sent

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.host, self.sent), self.__dict__)


class NotSent(IgnoreRequest):
    """The crawl is stopping (Ctrl-C, SIGTERM, its own error): the request never left; the next run (or,
    in a distributed crawl, another worker) fetches it. ``reason`` is the ``ns_not_sent`` request meta the
    send gate sets. Message: :data:`SHUTDOWN_MESSAGE`."""

    reason = "shutdown"

    def __init__(self) -> None:
        super().__init__(SHUTDOWN_MESSAGE)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (), self.__dict__)
