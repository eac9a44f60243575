"""Exit 0 when the PostgreSQL server of the test URL answers, else say why on stderr and exit 1.

``make pytest-pg`` uses it to decide whether the PostgreSQL pass can run.
"""

from __future__ import annotations

import sys


def main(url: str) -> int:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"PostgreSQL at {url} is unreachable: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
