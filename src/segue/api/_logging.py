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
import logging
import re
from contextvars import ContextVar
from typing import Any

from uvicorn.config import LOGGING_CONFIG

__all__ = ["ACCESS_CALLER", "LOG_CONFIG", "NameTheCaller", "RedactSecrets", "redact"]

#: What the access line of the current request says of its caller (`` platform=NAME
#: actor=DID``), set by the auth dependency in the request's own task; uvicorn writes the
#: access line from that task when the response starts, so it sees it.
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


def _log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "redact": {"()": f"{__name__}.RedactSecrets"},
        "caller": {"()": f"{__name__}.NameTheCaller"},
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["handlers"]["access"]["filters"] = ["redact", "caller"]
    config["formatters"]["access"]["fmt"] += "%(caller)s"
    # Segue's own loggers (segue.*) reach this handler through the root; WARNING keeps the
    # libraries' INFO chatter out, as Python's last-resort handler did before.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


#: uvicorn's default logging, with :class:`RedactSecrets` on every handler.
LOG_CONFIG: dict[str, Any] = _log_config()
