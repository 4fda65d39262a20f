"""Item pipelines: normalize, validate, version (dedupe), store; and the crawl state store."""
