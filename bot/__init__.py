"""政企通 — the WeChat-facing application: configuration, storage, web adapters and the command line."""

__version__ = "0.1.0"
