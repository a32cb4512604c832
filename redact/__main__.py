"""``python -m redact``: the ``redact`` command, for environments without the script on PATH."""

from __future__ import annotations

import sys

from redact.cli import main

if __name__ == "__main__":
    sys.exit(main())
