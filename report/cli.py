"""Command line: parse arguments, call the pipeline, map failures to exit codes.

Exit codes: 0 done; 2 bad input or usage (every problem listed, nothing written);
1 anything else. Tracebacks only with --debug.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DataError, ReportError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check")


def make_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default="data.yaml", type=Path, metavar="FILE",
                        help="the briefing data file (default: data.yaml)")
    common.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    parser = argparse.ArgumentParser(
        prog="generate.py",
        description="Build branded, accessible PDF briefings from a data file.",
        epilog="Exit codes: 0 done, 2 bad input or usage, 1 anything else. "
               "Without a command, runs 'build'.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", parents=[common], help="write every edition as PDF",
                           description="Validate the data file, then write "
                                       "OUT/<name>-<lang>.pdf for each edition.")
    build.add_argument("--out", default="out", type=Path, metavar="DIR",
                       help="output folder (default: out)")
    build.add_argument("--lang", nargs="+", metavar="CODE",
                       help="only these editions (default: all in the data file)")
    build.add_argument("--force", action="store_true",
                       help="rebuild even if nothing changed")
    build.add_argument("--keep-html", action="store_true",
                       help="also write OUT/<name>-<lang>.html with its files, for a browser")
    sub.add_parser("check", parents=[common], help="validate the data file only",
                   description="Validate the data file and report every problem; "
                               "writes nothing.")
    return parser


def main(argv=None, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["build", *argv]
    try:
        args = make_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage problem
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return COMMAND_FUNCTIONS[args.command](args, stdout)
    except DataError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.",
              file=stderr)
        return EXIT_USAGE
    except ReportError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"error: {type(exc).__name__}: {exc} (run again with --debug for details)",
              file=stderr)
        return EXIT_FAILED


def run_check(args, stdout) -> int:
    from .build import load_project

    briefing, _labels = load_project(args.data)
    print(f"{args.data}: valid ({len(briefing.sections)} sections, editions: "
          f"{', '.join(briefing.document.editions)})", file=stdout)
    return EXIT_OK


def run_build(args, stdout) -> int:
    from .build import build_editions

    built = build_editions(args.data, out_dir=args.out, langs=args.lang,
                           keep_html=args.keep_html)
    for edition in built:
        for _warning in edition.warnings:
            pass
        extra = f" + {edition.html_path}" if edition.html_path else ""
        print(f"wrote {edition.path} ({edition.pages} pages, {edition.bytes / 1024:.0f} KiB)"
              f"{extra}", file=stdout)
    return EXIT_OK


COMMAND_FUNCTIONS = {"build": run_build, "check": run_check}
