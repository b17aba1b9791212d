"""Benchmark: our build against headless Chromium printing the same HTML, side by side.

`make bench` (or `.venv/bin/python bench/benchmark.py [--rounds N]`). Each round runs every
contender once, in turn, so that a noisy moment of the machine hits all of them alike; the
table reports medians and ratios measured in this one run, never absolute pass/fail.
The growth series (the briefing with its FAQ repeated) is in growth.py. Writes
docs/performance.md, keeping its hand-written notes (from the NOTES line on), and the growth
chart docs/performance-growth.png. `--long-faq 5000` adds the peak memory of one build of
a 5,000-question FAQ (English; several minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from growth import (  # noqa: E402
    count_pages,
    draw_chart,
    growth_lines,
    measure_growth,
    measure_layouts,
    per_page,
    write_long_faq,
    write_variant,
)

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer"]
TITLE = "ICRC transition and UNHCR operations"
CHART = "performance-growth.png"  # in docs/, beside performance.md
NOTES = "<!-- Written by hand from here on; `make bench` keeps it. -->"


def run_process(cmd, *, cwd=ROOT):
    """Run a whole process; return (wall seconds, peak RSS in MiB of it and its children,
    CPU seconds of it and its children: less sensitive to a loaded machine than wall)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
                         f"{proc.stderr.read().decode(errors='replace')}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def build_cmd(data, out, *extra):
    return [sys.executable, str(ROOT / "generate.py"), "build", "--data", str(data),
            "--out", str(out), *extra]


def edit_text(data: Path, round_no: int) -> None:
    """Change only text (the title) of base.yaml beside `data` (data.yaml with its briefing
    output only: the work Chromium's peer does): charts stay the same."""
    base = data.parent / "base.yaml"
    if not base.exists():
        write_variant(data.parent, "base", root=ROOT)
    text = base.read_text(encoding="utf-8")
    data.write_text(text.replace(TITLE, f"{TITLE} ({round_no})", 1), encoding="utf-8")


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_print(chromium, html: Path, pdf: Path, profile: Path):
    return run_process([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--print-to-pdf={pdf}", html.as_uri()])


def warm_rerender(work: Path, rounds: int):
    """In one long-lived process: build once, then time text-edit rebuilds (what watch does:
    each build in a fresh process forked from the warm forkserver)."""
    from report.service.processes import BuildProcesses

    data, out = work / "warm.yaml", work / "warm-out"
    edit_text(data, 0)
    times = []
    with BuildProcesses() as builds:  # as `watch` does
        builds.build(data, out_dir=out)
        for round_no in range(1, rounds + 1):
            edit_text(data, round_no)
            time.sleep(0.5)  # as after watch's debounce: the next build process is forked
            start = time.perf_counter()
            builds.build(data, out_dir=out)
            times.append(time.perf_counter() - start)
    return times


def batch(work: Path, rounds: int):
    """8 editions (4 variants of the data x 2 languages): serial against parallel layout."""
    from report.document.project import load_project
    from report.render.html import prepare_edition
    from report.render.workers import lay_out_all

    prepared = []
    for variant in range(4):
        data = work / f"batch-{variant}.yaml"
        edit_text(data, 100 + variant)
        briefing, labels = load_project(data)
        prepared += [prepare_edition(briefing, lang, labels[lang], root=ROOT)
                     for lang in briefing.document.editions]
    serial, parallel = [], []
    for _ in range(rounds):
        for jobs, bucket in ((1, serial), (os.cpu_count() or 1, parallel)):
            start = time.perf_counter()
            lay_out_all(prepared, ROOT, jobs=jobs)
            bucket.append(time.perf_counter() - start)
    return serial, parallel


def measure(rounds: int, work: Path, *, growth_rounds: int = 3) -> dict:
    results = {name: [] for name in ("cold", "cold_mem", "warm_cache", "unchanged",
                                     "chromium", "chromium_mem")}
    chromium = chromium_path()
    data = work / "data.yaml"
    out = work / "out"
    edit_text(data, 0)
    subprocess.run(build_cmd(data, out, "--force", "--keep-html"), check=True,
                   stdout=subprocess.DEVNULL)
    for round_no in range(1, rounds + 1):
        shutil.rmtree(out / ".cache", ignore_errors=True)
        wall, mem, _cpu = run_process(build_cmd(data, out, "--force"))
        results["cold"].append(wall)
        results["cold_mem"].append(mem)
        edit_text(data, round_no)  # text only: the chart cache (from the cold run) is warm
        results["warm_cache"].append(run_process(build_cmd(data, out))[0])
        results["unchanged"].append(run_process(build_cmd(data, out))[0])
        if chromium:
            wall = mem = 0.0
            for lang in ("en", "az"):
                one, peak, _cpu = chromium_print(chromium, out / f"briefing-{lang}.html",
                                           work / f"chromium-{lang}.pdf",
                                           Path(tempfile.mkdtemp(dir=work)))
                wall += one
                mem = max(mem, peak)
            results["chromium"].append(wall)
            results["chromium_mem"].append(mem)
    results["warm_rerender"] = warm_rerender(work, rounds)
    results["batch_serial"], results["batch_parallel"] = batch(work, rounds)
    layouts = measure_layouts(work, growth_rounds, root=ROOT, run=run_process,
                              build_cmd=build_cmd)
    results["layout_briefing"], results["layout_handout"] = layouts["briefing"], layouts["handout"]
    growth = measure_growth(work, growth_rounds, root=ROOT, run=run_process,
                            build_cmd=build_cmd, chromium=chromium, print_pdf=chromium_print)
    sizes = {lang: (out / f"briefing-{lang}.pdf").stat().st_size for lang in ("en", "az")}
    if chromium:
        sizes.update({f"chromium-{lang}": (work / f"chromium-{lang}.pdf").stat().st_size
                      for lang in ("en", "az")})
    return {"results": results, "sizes": sizes, "chromium": chromium, "growth": growth}


def long_faq(work: Path, questions: int) -> dict:
    """One whole-process build of a `questions`-question FAQ: wall, peak RSS, pages."""
    data = write_long_faq(work, root=ROOT, questions=questions)
    out = work / "long-faq-out"
    wall, mem, _cpu = run_process(build_cmd(data, out, "--force"))
    pages = count_pages(next(out.glob("*.pdf")))
    return {"questions": questions, "wall": wall, "mem": mem, "pages": pages}


def median(values):
    return statistics.median(values) if values else float("nan")


def report(measured: dict, rounds: int, growth_rounds: int) -> str:
    r, sizes = measured["results"], measured["sizes"]
    m = {name: median(values) for name, values in r.items()}
    has_peer = bool(r["chromium"])
    rows = [
        ("cold build, both editions (whole process)", m["cold"], None),
        ("build with the chart cache warm (text changed)", m["warm_cache"], None),
        ("unchanged rebuild (skip path)", m["unchanged"], None),
        ("warm re-render in a long-lived process", m["warm_rerender"], None),
        ("batch of 8 editions, serial", m["batch_serial"], None),
        ("batch of 8 editions, parallel", m["batch_parallel"], None),
        ("cold build of the briefing output alone, both editions", m["layout_briefing"], None),
        ("cold build of the handout output alone, both editions", m["layout_handout"], None),
    ]
    if has_peer:
        rows.append(("headless Chromium printing the two HTML files", m["chromium"], None))
    ratios = []
    if has_peer:
        ratios.append(("cold build / Chromium", m["cold"] / m["chromium"], "≤ 1.0"))
        ratios.append(("handout cold build / Chromium", m["layout_handout"] / m["chromium"],
                       "≤ 0.8"))
        ratios.append(("chart cache warm / Chromium", m["warm_cache"] / m["chromium"], "≤ 1.0"))
    ratios += [
        ("unchanged rebuild / cold build", m["unchanged"] / m["cold"], "≤ 0.1"),
        ("warm re-render / cold build", m["warm_rerender"] / m["cold"], "≤ 0.4"),
        ("batch speed-up, parallel over serial", m["batch_serial"] / m["batch_parallel"],
         "≥ 1.7"),
    ]
    if has_peer:
        ours = sizes["en"] + sizes["az"]
        theirs = sizes["chromium-en"] + sizes["chromium-az"]
        ratios.append(("our PDF bytes / Chromium's", ours / theirs, "≤ 0.5"))
        growth = measured["growth"]
        ratios.append(("cost of an extra page / Chromium's",
                       per_page(growth, "ours", "pages")
                       / per_page(growth, "chromium", "chromium_pages"), "≤ 2.0"))
        last = growth[-1]
        ratios.append((f"{last['pages']}-page document / Chromium",
                       median(last["ours"]) / median(last["chromium"]), "≤ 1.5"))
    ratios.append(("handout cold build / briefing cold build",
                   m["layout_handout"] / m["layout_briefing"], "≤ 1.0"))
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` on {dt.date.today().isoformat()}: {rounds} rounds "
        f"({growth_rounds} for the layouts and the growth series), contenders alternating "
        "within each round; medians. Our builds use data.yaml with one output (the briefing, "
        "as Chromium prints) unless said. Machine: "
        f"{os.cpu_count()} cores, {_memory_gib():.0f} GiB memory, {platform.machine()}, "
        f"Python {platform.python_version()}, {_versions()}.",
        "",
        "| what | median (s) |",
        "|---|---|",
        *[f"| {name} | {value:.2f} |" for name, value, _ in rows],
        "",
        "| ratio (this run) | value | target | met |",
        "|---|---|---|---|",
        *[f"| {name} | {value:.2f} | {target} | {_met(value, target)} |"
          for name, value, target in ratios],
        "",
        f"Peak memory (largest process): our cold build {m['cold_mem']:.0f} MiB (target "
        f"≤ 300 MiB: {_met(m['cold_mem'], '≤ 300')})"
        + (f"; Chromium {m['chromium_mem']:.0f} MiB." if has_peer else "."),
        "",
        "PDF sizes: " + ", ".join(f"{name} {size / 1024:.0f} KiB"
                                  for name, size in sizes.items()) + ".",
    ]
    lines += ["", *growth_lines(measured["growth"], CHART)]
    if "long_faq" in measured:
        big = measured["long_faq"]
        lines += ["", f"A {big['questions']:,}-question FAQ (English, {big['pages']} pages, one "
                      f"whole-process build): {big['wall']:.1f} s, peak memory "
                      f"{big['mem']:.0f} MiB (target ≤ 300 MiB for up to 500 pages)."]
    if not has_peer:
        lines += ["", "Chromium was not found, so the peer was skipped "
                      "(`apt-get install chromium` to include it)."]
    return "\n".join(lines) + "\n"


def _met(value, target):
    op, number = target.split()
    return "yes" if (value <= float(number) if op == "≤" else value >= float(number)) else "no"


def _memory_gib():
    with open("/proc/meminfo") as handle:
        return int(handle.readline().split()[1]) / 1024 / 1024


def _versions():
    from importlib import metadata

    chromium = chromium_path()
    peer = ""
    if chromium:
        peer = ", " + subprocess.run([chromium, "--version"], capture_output=True,
                                     text=True).stdout.strip()
    return (f"WeasyPrint {metadata.version('weasyprint')} (font subsetting: "
            f"{_subsetter()}){peer}")


def _subsetter():
    """HarfBuzz's subsetter when libharfbuzz-subset0 is installed, else fontTools (slower)."""
    from weasyprint.text.ffi import harfbuzz_subset

    return "HarfBuzz" if harfbuzz_subset else "fontTools; apt-get install libharfbuzz-subset0"


def kept_notes(path: Path) -> str:
    """Return the hand-written part of `path` (from NOTES on), which a bench run keeps."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return "\n" + text[text.index(NOTES):] if NOTES in text else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/benchmark.py", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--growth-rounds", type=int, default=3,
                        help="rounds of the growth series and the layouts (default: 3)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--long-faq", type=int, default=0, metavar="QUESTIONS",
                        help="also build a FAQ of this many questions once (peak memory)")
    args = parser.parse_args(argv)
    if not chromium_path():
        print("chromium not found: the peer is skipped (apt-get install chromium)")  # noqa: T201
    with tempfile.TemporaryDirectory() as work:
        measured = measure(args.rounds, Path(work), growth_rounds=args.growth_rounds)
        if args.long_faq:
            measured["long_faq"] = long_faq(Path(work), args.long_faq)
    text = report(measured, args.rounds, args.growth_rounds)
    args.output.write_text(text + kept_notes(args.output), encoding="utf-8")
    draw_chart(measured["growth"], args.output.parent / CHART)
    print(text)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
