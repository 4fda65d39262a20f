"""Scrapy settings for newsspider. Values only: no logic. Project settings carry the NEWSSPIDER_ prefix."""

BOT_NAME = "newsspider"
SPIDER_MODULES = ["newsspider.spiders"]
NEWSPIDER_MODULE = "newsspider.spiders"

# Politeness by default: robots.txt, one request at a time per host, a delay, AutoThrottle, and a
# User-Agent that names the project and where to reach its operators.
ROBOTSTXT_OBEY = True
USER_AGENT = (
    "newsspider/0.1 (+https://github.com/newsspider/newsspider; research crawler of public news pages)"
)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Items processed in parallel per response. Our callbacks yield one record each and the pipelines are
# synchronous, so Scrapy's default (100) only costs: it starts that many asyncio tasks for every response.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Huge pages (30 MB of inline base64 images) are refused rather than parsed.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python sent to a local HTTP port and leaves a job file per process (killed
# runs leave theirs behind). An unattended crawler has no use for either.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# A dropped or failed record is named by its URL in the log, not by its whole text.
LOG_FORMATTER = "newsspider.logsetup.RecordLogFormatter"

# Scrapy's in-memory stats without a Python hook on every attribute read (newsspider/statscollector.py).
STATS_CLASS = "newsspider.statscollector.MemoryStats"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

SPIDER_MIDDLEWARES = {
    "newsspider.middlewares.incremental.IncrementalMiddleware": 550,
    # Each spider middleware wraps every callback's output in one more async generator, which every request
    # and record passes through: these three cost 5% of the crawl process's CPU (benchmarks/crawl.py) for
    # nothing we use. Depth: our requests are listing pages and their articles, so pagination is what needs a
    # bound (--max-pages, --since, the stop at a page with nothing new); DEPTH_LIMIT and DEPTH_PRIORITY set
    # anyway are warned about (middlewares/incremental.py). The URL length limit (URLLENGTH_LIMIT) is checked by
    # RequestGuardMiddleware, where a refusal is reported like the others, redirect targets included. Our
    # spider builds every request's meta itself, never copying response.meta.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    # Before Scrapy's OffsiteMiddleware (50), so redirects with dont_filter cannot escape either.
    "newsspider.middlewares.guard.RequestGuardMiddleware": 45,
    # Responses pass middlewares from high to low: this sees a 3xx before RedirectMiddleware (600) follows it.
    "newsspider.middlewares.guard.RedirectGuardMiddleware": 610,
    # Holds a host for Retry-After (429/503) instead of retrying at once.
    "newsspider.middlewares.retry_after.RetryAfterMiddleware": 555,
    "newsspider.middlewares.challenge.ChallengeMiddleware": 560,
}
# The last check before a request leaves (middlewares/sendgate.py): none to a host that answered with a
# challenge, none once a shutdown began. It sends through Scrapy's own handler (NEWSSPIDER_SEND_HANDLERS).
DOWNLOAD_HANDLERS = {
    "http": "newsspider.middlewares.sendgate.SendGate",
    "https": "newsspider.middlewares.sendgate.SendGate",
}
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.version.VersionPipeline": 300,
    "pipelines.store.JsonLinesStorePipeline": 400,
}
EXTENSIONS = {
    "newsspider.extensions.report.RunReportExtension": 500,
    "newsspider.extensions.progress.ProgressExtension": 510,
    "newsspider.extensions.gctune.GcTuning": 520,
}
# Per-site progress: live on a terminal, otherwise a log line every N seconds.
NEWSSPIDER_PROGRESS = True
NEWSSPIDER_PROGRESS_INTERVAL = 30
NEWSSPIDER_PROGRESS_LIVE = True

# Where records, state and run reports go (``newsspider crawl --out``).
NEWSSPIDER_DATA_DIR = "data"
# The state store: a path to an SQLite file (default ``<data dir>/state.sqlite``) or a redis:// URL.
NEWSSPIDER_STATE = ""
# Extra folder of site profiles (``newsspider crawl --sites-dir``), searched before the bundled ones.
NEWSSPIDER_SITES_DIR = ""
# Re-fetch already-seen articles published in the last N days, to catch edits and takedowns.
NEWSSPIDER_REFRESH_DAYS = 0
# Records are fsync'ed in batches (every N records or T ms); seen-marks follow each durable batch.
NEWSSPIDER_FSYNC_EVERY = 32
NEWSSPIDER_FSYNC_MS = 1000
# A link that answered 404/410 before it was ever stored is not fetched again for this many hours, twice as
# long after each further 404/410, up to 30 days (middlewares/incremental.py).
NEWSSPIDER_RETRY_GONE_HOURS = 24
# Stop paginating a column at the first listing page that brings nothing new (only once the column has been
# crawled to its end by a finished, uncapped run).
NEWSSPIDER_STOP_ON_SEEN = True
# Parse articles in N worker processes (0: in the crawl process). Helps only where cores are free.
NEWSSPIDER_PARSE_PROCESSES = 0
# With parse processes: how much lower their CPU priority is (Unix niceness steps, 0 to 19; 0: the crawl's).
# The crawl process must not wait for a core; the workers can (newsspider/spiders/parsepool.py).
NEWSSPIDER_PARSE_NICE = 10
# With parse processes: seconds one page may take before its worker is killed and the page fails.
NEWSSPIDER_PARSE_TIMEOUT = 120
# The crawl process's garbage collector: start-up objects frozen, young objects collected every 10,000
# allocations instead of 700 (extensions/gctune.py). Empty: the interpreter's defaults.
NEWSSPIDER_GC_THRESHOLDS = [10_000, 10, 10]
# A body this small that is only a script setting a cookie is an anti-bot challenge page.
NEWSSPIDER_CHALLENGE_MAX_BYTES = 2048
# Hosts on loopback/private addresses that may be crawled (the replica site in tests and the demo).
NEWSSPIDER_ALLOW_PRIVATE_HOSTS: list[str] = []
