"""``segue`` as the tests run it against their loopback ATProto stand-ins: the same commands,
with :class:`segue.cli._common.Wiring` letting the ATProto client fetch from loopback hosts
(a DID document's PDS on 127.0.0.1), which the ``segue`` command itself never allows.

    python tests/support/standin_cli.py follow backfill --did ...

In process, ``CliRunner().invoke(app, args, obj=STANDINS)`` does the same.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from segue.cli._common import Wiring

__all__ = ["STANDINS", "standin_cli_command"]

#: the wiring of a CLI run against the loopback stand-ins
STANDINS: Final = Wiring(atproto_allow_loopback=True)


def standin_cli_command() -> list[str]:
    """The argv prefix that runs ``segue`` with :data:`STANDINS` in a subprocess."""
    return [sys.executable, str(Path(__file__).resolve())]


if __name__ == "__main__":
    from segue.cli import app

    app(obj=STANDINS)
