"""``python -m segue``: the ``segue`` command."""

from segue.cli import main

main()
