"""The ``steadyflow`` command line. Errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from engine.gc_policy import pause, resume
from steadyflow import __version__
from steadyflow.cli import commands
from steadyflow.errors import SteadyflowError

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"steadyflow: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _common() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--db", metavar="URL", help="database URL (env STEADYFLOW_DB); default: SQLite in the data dir")
    common.add_argument("--data-dir", metavar="DIR", help="data directory (env STEADYFLOW_DATA_DIR, default ./var)")
    common.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    common.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="json: one JSON object per log line, with instance_id, job_id and element_id where known",
    )
    common.add_argument(
        "--allow-python-scripts",
        action="store_true",
        help="run Python script tasks in the sandbox (env STEADYFLOW_ALLOW_PYTHON_SCRIPTS=1); off by default",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="steadyflow",
        description="A durable BPMN 2.0 process engine.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  steadyflow deploy examples/database-creation-c8.bpmn\n"
        "  steadyflow start database-creation-c8 --var database='\"orders\"' "
        '--var regions=\'["eu","us"]\' --wait',
    )
    parser.add_argument("--version", action="version", version=f"steadyflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for spec in commands.COMMANDS:
        child = sub.add_parser(
            spec.name,
            parents=[common],
            help=spec.help,
            description=spec.help,
            epilog=f"example:\n  {spec.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        spec.configure(child)
        child.set_defaults(run=spec.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    pause()  # building the parser imports most of the engine: kept for the process's life, nothing to collect
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    finally:
        resume()  # `serve` and `worker` pause again for their own start-up, until they settle
    from engine.log_context import configure_logging

    configure_logging(args.log_level, args.log_format)
    try:
        return int(args.run(args) or 0)
    except SteadyflowError as exc:
        if args.log_format == "json":
            logging.getLogger("steadyflow.cli").error("%s", exc)
        else:
            print(f"steadyflow: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("steadyflow: interrupted", file=sys.stderr)
        return 130
    finally:
        resume()  # a command that paused the collector for its start-up and ended before settling


if __name__ == "__main__":
    sys.exit(main())
