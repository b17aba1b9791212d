"""Command line: parse arguments, call the pipeline, map failures to exit codes.

Exit codes: 0 done; 2 bad input or usage (every problem listed, nothing written);
3 another build is writing to the same output folder; 1 anything else.
Tracebacks only with --debug.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import DataError, ReportError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check", "send", "watch", "schedule", "new", "schema", "reference")


def make_parser() -> argparse.ArgumentParser:
    """Return the parser of every command and its options."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default="data.yaml", type=Path, metavar="FILE",
                        help="the briefing data file (default: data.yaml)")
    common.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="Build branded, accessible PDF briefings from a data file.",
        epilog="Exit codes: 0 done, 2 bad input or usage, 3 output folder busy, "
               "1 anything else. "
               "Without a command, runs 'build'.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", parents=[common], help="write every edition as PDF",
                           description="Validate the data file, then write "
                                       "OUT/<name>-<lang>.pdf for each edition.")
    _add_rebuild_options(build, keep_html=True)
    build.add_argument("--force", action="store_true",
                       help="rebuild even if nothing changed")
    build.add_argument("--jobs", type=_positive_int, metavar="N",
                       help="lay out up to N editions at once (default: one per core)")
    sub.add_parser("check", parents=[common], help="validate the data file only",
                   description="Validate the data file and report every problem; "
                               "writes nothing.")
    _add_send_parser(sub, common)
    _add_watch_parser(sub, common)
    _add_schedule_parser(sub, common)
    _add_new_parser(sub)
    _add_generated_parsers(sub)
    return parser


def _program_name() -> str:
    """`briefing` when run as the installed command, else `generate.py`."""
    return "briefing" if Path(sys.argv[0]).name == "briefing" else "generate.py"


def _positive(convert, what):
    """Return an argparse type: a number above 0, converted with `convert`."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    return parse


_positive_int = _positive(int, "a whole number of 1 or more")
_positive_number = _positive(float, "a number above 0")


def main(argv=None, stdout=None, stderr=None) -> int:
    """Run the command in `argv` (default: build); return its exit code."""
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
    """Validate the data file; print one line if it is valid."""
    from .document.project import load_project
    from .mail.message import send_needs

    briefing, _labels = load_project(args.data)
    print(f"{args.data}: valid ({len(briefing.sections)} sections, editions: "
          f"{', '.join(briefing.document.editions)})", file=stdout)
    for line in send_needs(briefing):
        sys.stderr.write(f"warning: {line}\n")
    return EXIT_OK


def run_build(args, stdout) -> int:
    """Build the editions; print one line per edition."""
    from .output.build import build_editions

    built = build_editions(args.data, out_dir=args.out, langs=args.lang,
                           keep_html=args.keep_html, force=args.force, keep=args.keep,
                           jobs=args.jobs,
                           source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH") or None)
    for edition in built:
        if edition.status == "unchanged":
            print(f"unchanged: {edition.path}", file=stdout)
            continue
        for warning in edition.warnings:
            sys.stderr.write(f"warning: {edition.lang}: {warning}\n")
        extra = f" + {edition.html_path}" if edition.html_path else ""
        print(f"wrote {edition.path} ({edition.pages} pages, {edition.bytes / 1024:.0f} KiB)"
              f"{extra}", file=stdout)
    print_changes(built, stdout)
    return EXIT_OK


def print_changes(built, stdout) -> None:
    """The change report of the editions just built, once (figures are the same in each)."""
    lines = {e.changes["line"] for e in built if e.status == "built" and e.changes}
    for line in sorted(lines):
        print(line, file=stdout)


def _add_send_parser(sub, common) -> None:
    """Add the `send` command and its options."""
    send = sub.add_parser(
        "send", parents=[common], help="email each recipient their edition, once",
        description="Send the current editions in OUT (built first if missing or stale) to "
                    "the recipients file, one message per recipient, recorded in "
                    "OUT/deliveries.sqlite so that nobody gets the same edition twice. SMTP "
                    "settings come from the environment (SMTP_HOST, SMTP_PORT, "
                    "SMTP_SECURITY, SMTP_USERNAME, SMTP_PASSWORD, MAIL_FROM, ...).",
        epilog="Exit codes: 0 every recipient has the edition, 1 some are missing (listed), "
               "2 bad recipients file or settings (nothing sent).")
    send.add_argument("--recipients", type=Path, metavar="FILE",
                      help="CSV file with the header email,name,lang[,layout]")
    send.add_argument("--out", default="out", type=Path, metavar="DIR",
                      help="output folder with the editions and the ledger (default: out)")
    send.add_argument("--dry-run", type=Path, metavar="FOLDER",
                      help="write each message as an .eml file into FOLDER; send nothing, "
                           "record nothing")
    send.add_argument("--rate", type=_positive_number, metavar="N",
                      help="send at most N messages a minute (default: no limit)")
    send.add_argument("--retry-failed", action="store_true",
                      help="also retry recipients whose address was refused permanently")
    send.add_argument("--accept-changes", action="store_true",
                      help="send a new edition even though a figure moved beyond its "
                           "max_change limit (after checking it)")
    send.add_argument("--status", action="store_true",
                      help="print who received the current editions and when, who failed "
                           "and why, and who opted out; sends nothing")
    send.add_argument("--unsubscribe", metavar="ADDRESS",
                      help="put ADDRESS on the suppression list: no later run sends to it")
    send.add_argument("--resubscribe", metavar="ADDRESS",
                      help="take ADDRESS off the suppression list")
    send.add_argument("--import-unsubscribes", type=Path, metavar="FILE",
                      help="put every address (or opt-out token) in FILE, one a line, on "
                           "the suppression list")


def run_send(args, stdout) -> int:
    """Send the current editions (or print --status); print the summary."""
    from .document.project import load_project
    from .mail import deliver, status
    from .output.build import build_editions, output_path
    from .render.raster import render_logo_png

    if args.unsubscribe or args.resubscribe or args.import_unsubscribes:
        return _run_suppression(args, stdout)
    if args.recipients is None and not args.status:
        raise UsageError("send: --recipients FILE is required (or --status)")
    project = load_project(args.data)  # the one validation of the data, passed on
    if args.status:
        for line in status.status_lines(args.data, out_dir=args.out, edition_path=output_path,
                                        recipients_path=args.recipients, project=project):
            print(line, file=stdout)
        return EXIT_OK
    if args.dry_run is None:
        _refuse_what_send_cannot_use(args, project[0])
        hold_unreviewed_changes(args, project)
    report = deliver.send_briefing(
        args.data, args.recipients, out_dir=args.out, environ=os.environ, build=build_editions,
        project=project, logo=render_logo_png, dry_run=args.dry_run, rate=args.rate,
        retry_failed=args.retry_failed,
        progress_stream=stdout, warn=lambda text: sys.stderr.write(f"warning: {text}\n"))
    for line in report.summary_lines():
        print(line, file=stdout)
    return EXIT_OK if report.complete or report.dry_run_files else EXIT_FAILED


def _run_suppression(args, stdout) -> int:
    """Change the suppression list (one of the three options); print what changed."""
    import datetime as dt

    from .mail import suppress

    chosen = [opt for opt in ("unsubscribe", "resubscribe", "import_unsubscribes")
              if getattr(args, opt)]
    if len(chosen) > 1 or args.status or args.recipients or args.dry_run:
        raise UsageError("send: use one of --unsubscribe, --resubscribe and "
                         "--import-unsubscribes at a time, without --recipients or --status")
    now = dt.datetime.now(dt.UTC)
    if args.unsubscribe:
        lines = suppress.unsubscribe(args.unsubscribe, out_dir=args.out, now=now)
    elif args.resubscribe:
        lines = suppress.resubscribe(args.resubscribe, out_dir=args.out)
    else:
        lines = suppress.import_unsubscribes(args.import_unsubscribes, out_dir=args.out,
                                             now=now)
    for line in lines:
        print(line, file=stdout)
    return EXIT_OK


def _refuse_what_send_cannot_use(args, briefing) -> None:
    """Refuse, before anything is built, a data file send cannot use and a foreign ledger."""
    from .mail import deliver
    from .mail.message import send_needs

    problems = send_needs(briefing)
    if problems:
        raise DataError(problems)
    deliver.check_ledger(args.out)


def hold_unreviewed_changes(args, project) -> None:
    """Bring the editions of every output (briefing, handout) up to date, then stop
    (HeldError, exit 1) if a figure in any of them moved beyond its max_change, unless
    --accept-changes. `project` is the validated (briefing, labels)."""
    from .output.build import build_editions
    from .output.guard import hold_if_breached

    built = build_editions(args.data, out_dir=args.out, project=project,
                           source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH") or None)
    hold_if_breached(args.out, keys={edition.path.stem for edition in built},
                     accept=args.accept_changes,
                     release_hint=f"generate.py send --data {args.data} --recipients "
                                  f"{args.recipients} --out {args.out} --accept-changes")


def _add_rebuild_options(parser, *, keep_html: bool = False) -> None:
    """Add the options of every build: build's own, and those watch and schedule pass on."""
    parser.add_argument("--out", default="out", type=Path, metavar="DIR",
                        help="output folder (default: out)")
    parser.add_argument("--lang", nargs="+", metavar="CODE",
                        help="only these editions (default: all in the data file)")
    parser.add_argument("--keep", type=_positive_int, metavar="N",
                        help="keep only the newest N archived editions per language "
                             "(default: all)")
    if keep_html:
        parser.add_argument("--keep-html", action="store_true",
                            help="also write OUT/<name>-<lang>.html with its files, for a "
                                 "browser")


def _add_jobs_option(parser) -> None:
    parser.add_argument("--jobs", type=_positive_int, metavar="N",
                        help="lay out up to N editions at once (default: one per core, never "
                             "more than the editions)")


def _add_watch_parser(sub, common) -> None:
    """Add the `watch` command and its options."""
    watch = sub.add_parser(
        "watch", parents=[common], help="rebuild whenever the data, templates or assets change",
        description="Build, then rebuild the editions whenever the data file, templates/ or "
                    "assets/ change (checked every --interval seconds; built once the files "
                    "have been quiet for --debounce seconds). Problems in the data are "
                    "printed and watching goes on; the last good PDF stays in place. "
                    "Ctrl-C or SIGTERM stops it after the current build.",
        epilog="Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 bad usage, 130 a second "
               "Ctrl-C cut a build short.")
    _add_rebuild_options(watch, keep_html=True)
    _add_jobs_option(watch)
    watch.add_argument("--interval", type=_positive_number, default=1.0, metavar="S",
                       help="seconds between two looks at the files (default: 1)")
    watch.add_argument("--debounce", type=_positive_number, default=0.5, metavar="S",
                       help="seconds without further changes before building (default: 0.5)")


def _add_schedule_parser(sub, common) -> None:
    """Add the `schedule` command and its options."""
    schedule = sub.add_parser(
        "schedule", parents=[common], help="rebuild (and send) on a schedule until stopped",
        description="A long-running scheduler: at each time of --cron (or every --every "
                    "seconds) it runs the same build as 'build', and with --send emails a "
                    "new edition. One log line per run: when, why, result, duration. "
                    "SIGTERM or Ctrl-C stops it after the current run.",
        epilog="Exit codes: 0 stopped cleanly, 2 bad cron expression or usage, 130 a "
               "second Ctrl-C or SIGTERM cut a run short.")
    when = schedule.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR",
                      help='a 5-field crontab expression in local time, e.g. "0 6 * * 1-5" '
                           "(06:00 Monday to Friday); @daily, @weekly, ... also work")
    when.add_argument("--every", type=_positive_number, metavar="SECONDS",
                      help="run every SECONDS instead (for testing, or 'every 10 minutes': "
                           "--every 600)")
    _add_rebuild_options(schedule)
    _add_jobs_option(schedule)
    schedule.add_argument("--send", type=Path, metavar="RECIPIENTS",
                          help="after a run that built a new edition, email it to this "
                               "recipients CSV (as 'send' does; SMTP settings from the "
                               "environment)")


def run_watch(args, stdout) -> int:
    """Build, then rebuild on every change until stopped."""
    from .service.watch import watch

    return watch(args.data, out=stdout, out_dir=args.out, langs=args.lang,
                 keep_html=args.keep_html, keep=args.keep, jobs=args.jobs,
                 interval=args.interval,
                 debounce=args.debounce, debug=args.debug)


def run_schedule(args, stdout) -> int:
    """Build (and send) at the scheduled times until stopped."""
    from .service.schedule import schedule_command

    return schedule_command(args.data, out_dir=args.out, cron=args.cron, every=args.every,
                            langs=args.lang, keep=args.keep, jobs=args.jobs,
                            recipients=args.send,
                            environ=os.environ, out=stdout)


def _add_new_parser(sub) -> None:
    new = sub.add_parser(
        "new", help="write a small valid briefing to start from",
        description="Write PATH: a new briefing (cover, a text section, key figures, a chart, "
                    "sources) whose every value is a PLACEHOLDER to replace. It validates "
                    "and builds as written; an existing file is never overwritten.")
    new.add_argument("path", type=Path, metavar="PATH", help="the data file to write")
    new.add_argument("--lang", default="en", metavar="CODES",
                     help="the editions, comma-separated, e.g. en,az (default: en)")
    new.add_argument("--title", metavar="TEXT", help="the briefing's title")
    new.add_argument("--debug", action="store_true", help="show tracebacks on failure")


def run_new(args, stdout) -> int:
    from .document.load import LANGS_SUPPORTED
    from .document.scaffold import write_scaffold

    langs = tuple(code.strip() for code in args.lang.split(",") if code.strip())
    unknown = [code for code in langs if code not in LANGS_SUPPORTED]
    if not langs or unknown or len(set(langs)) != len(langs):
        what = (f"unsupported language '{unknown[0]}'" if unknown
                else "a language twice" if langs else "no language")
        raise UsageError(f"--lang {args.lang!r}: {what}; give codes separated by commas, "
                         f"from: {', '.join(LANGS_SUPPORTED)}")
    path = write_scaffold(args.path, langs=langs, title=args.title)
    print(f"wrote {path}: edit every PLACEHOLDER (see docs/reference.md), then run "
          f"'generate.py build --data {path}'", file=stdout)
    return EXIT_OK


def _add_generated_parsers(sub) -> None:
    for name, default, what in (
            ("schema", "briefing.schema.json", "the JSON Schema of data files, for editors"),
            ("reference", "docs/reference.md", "the reference of every section type and key")):
        parser = sub.add_parser(name, help=f"write {what}",
                                description=f"Write {what}, generated from the readers and "
                                            f"models in report/document/ (default: {default}).")
        parser.add_argument("--out", default=Path(default), type=Path, metavar="FILE",
                            help=f"where to write it (default: {default})")
        parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")


def run_generated(args, stdout) -> int:
    from .store import atomic_write

    if args.command == "schema":
        from .document.schema import render_schema as render
    else:
        from .document.reference import render_reference as render
    atomic_write(args.out, render())
    print(f"wrote {args.out}", file=stdout)
    return EXIT_OK


COMMAND_FUNCTIONS = {"build": run_build, "check": run_check, "send": run_send,
                     "watch": run_watch, "schedule": run_schedule, "new": run_new,
                     "schema": run_generated, "reference": run_generated}
