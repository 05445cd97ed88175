"""Log configuration for uvicorn: its own, plus a filter that keeps secrets out of lines.

    >>> uvicorn.run(app, log_config=LOG_CONFIG)  # doctest: +SKIP

The filter sits on every handler, so it sees uvicorn's access and error lines and, through
the root logger, Segue's own. A client can put anything in a request line (an old
``/login?token=...`` link, a token pasted into a path), and the access log writes the
request line down; so every query value is replaced and any token-shaped text is masked,
whoever sent it. Tokens in the ``Authorization`` header are never logged at all.

A request made with a platform token adds its platform and actor to its access line
(``... 200 platform=plyr.fm actor=did:plc:...``): the token's secret is never written, nor
its id.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import DefaultFormatter

__all__ = [
    "ACCESS_CALLER",
    "ACCESS_FIELDS",
    "LOG_CONFIG",
    "JsonFormatter",
    "NameTheCaller",
    "RedactSecrets",
    "TextFormatter",
    "log_config",
    "redact",
]

#: What an access line carries besides its message (``extra=`` of the ``segue.access`` record).
ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "request_id", "caller")
_TEXT_FORMAT = "%(asctime)s %(levelprefix)s [%(process)d] %(name)s: %(message)s"

#: What the access line of the current request says of its caller (`` platform=NAME
#: actor=DID``), set by the auth dependency in the request's own task; Segue's access line
#: is written from that task once the response is sent, so it sees it.
ACCESS_CALLER: ContextVar[str] = ContextVar("segue_access_caller", default="")

# A Segue token (segue_<id>_<secret>); the secret part, and anything after "segue_" that
# looks like one, is masked. Matching loosely on purpose: a truncated or mangled token
# is still secret.
_TOKEN = re.compile(r"segue_[A-Za-z0-9]{4,}_[A-Za-z0-9_\-]{8,}")
# "?a=1&b=2" in a request line: the values go, the names stay (they say what was asked).
_QUERY_VALUE = re.compile(r"(?P<name>[?&;][^=&;#\s?]*)=[^&;#\s\"]*")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with query values and token-shaped strings replaced.

    >>> redact("GET /login?token=segue_abcdefghijklmnop_s3cr3tsecret&x=1")
    'GET /login?token=[redacted]&x=[redacted]'
    >>> redact("token segue_abcdefghijklmnop_s3cr3tsecret refused")
    'token segue_[redacted] refused'
    """
    return _QUERY_VALUE.sub(rf"\g<name>={REDACTED}", _mask_tokens(text))


def _mask_tokens(text: str) -> str:
    return _TOKEN.sub(f"segue_{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrite a record's message and string arguments with :func:`redact` (never drops)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            # With arguments, the message is a format string: only tokens are masked in it
            # (they hold no %), so its placeholders keep lining up with the arguments.
            record.msg = redact(record.msg) if not record.args else _mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


class NameTheCaller(logging.Filter):
    """Give an access record ``caller``: :data:`ACCESS_CALLER` of its request (or "")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.caller = ACCESS_CALLER.get()
        return True


class TextFormatter(DefaultFormatter):
    """uvicorn's text lines, with the time's text made once a second rather than per line
    (``time.strftime`` on every access line showed in a cache hit's profile, issue 20).

    >>> record = logging.makeLogRecord({"msg": "ready", "created": 0.25, "msecs": 250.0})
    >>> TextFormatter("%(message)s").formatTime(record) == logging.Formatter().formatTime(record)
    True
    """

    _second: int | None = None
    _text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            # The second's text; the same converter and format as logging.Formatter's.
            self._text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        msec_format = self.default_msec_format
        return self._text if msec_format is None else msec_format % (self._text, record.msecs)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, pid, and an
    access line's fields (:data:`ACCESS_FIELDS`); ``exception`` with a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                out[field] = getattr(record, field)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(level: str = "info", fmt: str = "text") -> dict[str, Any]:
    """uvicorn's logging with :class:`RedactSecrets` on every handler, Segue's loggers at
    ``level``, a time and the process id on every text line, or JSON (``fmt="json"``).

    uvicorn's own access line is not used (``access_log=False``): ``segue.access`` writes
    one per request with the route template, duration and request id (``_metrics.py``).
    """
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": f"{__name__}.RedactSecrets"}}
    if fmt == "json":
        config["formatters"] = {"json": {"()": f"{__name__}.JsonFormatter"}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
    else:
        config["formatters"]["default"]["()"] = f"{__name__}.TextFormatter"
        config["formatters"]["default"]["fmt"] = _TEXT_FORMAT
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    upper = level.upper()
    for name in ("uvicorn", "uvicorn.error"):
        config["loggers"][name]["level"] = upper
    config["loggers"]["segue"] = {"handlers": ["default"], "level": upper, "propagate": False}
    # Libraries' loggers reach the handler through the root; WARNING keeps their INFO
    # chatter out, as Python's last-resort handler did before.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


#: The default logging: text at info.
LOG_CONFIG: dict[str, Any] = log_config()
