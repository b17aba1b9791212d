"""The growth series of the benchmark: how the build's time and memory grow with the document.

The briefing is lengthened by repeating its FAQ (1x, 8x, 32x its questions, the issue's own
method), English edition, briefing output only; each size is built by our whole process
(chart cache cleared: a cold build) and printed by headless Chromium from the same HTML,
alternating within each round. Also the handout's cold build against the full briefing's
(both editions, one output each). Variants of data.yaml are written to a temporary folder,
with the tables (data/) beside them.
"""

from __future__ import annotations

import copy
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import yaml

SIZES = (1, 8, 32)  # times the FAQ's questions


def write_variant(work: Path, name: str, *, root: Path, faq_times: int = 1,
                  outputs=("briefing",), questions: int | None = None) -> Path:
    """Write `name`.yaml: data.yaml with only `outputs`, its FAQ repeated `faq_times` (or
    cycled to `questions` questions); return its path. The tables are copied beside it."""
    data = yaml.safe_load((root / "data.yaml").read_text(encoding="utf-8"))
    data["document"]["outputs"] = [o for o in data["document"]["outputs"]
                                   if o["name"] in outputs]
    faq = next(s for s in data["sections"] if s["type"] == "faq")
    items = faq["items"]
    count = questions if questions is not None else len(items) * faq_times
    faq["items"] = [copy.deepcopy(items[i % len(items)]) for i in range(count)]  # no aliases
    shutil.copytree(root / "data", work / "data", dirs_exist_ok=True)
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")
    return path


def write_long_faq(work: Path, *, root: Path, questions: int) -> Path:
    """Write long-faq.yaml: data.yaml in English only (editions: [en]), its FAQ's shorter
    questions (with their first answer paragraph) cycled to `questions` questions, so that
    it stays under the data file's size limit (2 MiB); return its path."""
    data = yaml.safe_load((root / "data.yaml").read_text(encoding="utf-8"))
    data = _english(data)
    data["document"]["editions"] = ["en"]
    data["document"]["outputs"] = data["document"]["outputs"][:1]
    faq = next(s for s in data["sections"] if s["type"] == "faq")
    items = [{**item, "answer": item["answer"][:1]} for item in faq["items"]]
    items = [item for item in items if len(json.dumps(item, ensure_ascii=False)) < 400]
    faq["items"] = [copy.deepcopy(items[i % len(items)]) for i in range(questions)]
    shutil.copytree(root / "data", work / "data", dirs_exist_ok=True)
    path = work / "long-faq.yaml"  # JSON, which is YAML, without indentation: smaller
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str),
                    encoding="utf-8")
    return path


def _english(value):
    """Return `value` with every {en: ..., az: ...} text reduced to its English."""
    if isinstance(value, dict):
        if "en" in value and set(value) <= {"en", "az"}:
            return {"en": value["en"]}
        return {key: _english(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_english(item) for item in value]
    return value


def count_pages(pdf: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(pdf).pages)


def measure_growth(work: Path, rounds: int, *, root: Path, run, build_cmd, chromium,
                   print_pdf) -> list:
    """Return one dict per size: our and Chromium's wall times and peak RSS, and pages."""
    sizes = []
    for times in SIZES:
        data = write_variant(work, f"growth-{times}", root=root, faq_times=times)
        out = work / f"growth-{times}-out"
        subprocess.run(build_cmd(data, out, "--force", "--keep-html", "--lang", "en"),
                       check=True, stdout=subprocess.DEVNULL)
        sizes.append({"times": times, "data": data, "out": out, "ours": [], "ours_mem": [],
                      "ours_cpu": [], "chromium": [], "chromium_mem": [], "chromium_cpu": []})
    for _ in range(rounds):
        for size in sizes:  # every size in each round: a noisy moment hits all alike
            shutil.rmtree(size["out"] / ".cache", ignore_errors=True)
            measured = run(build_cmd(size["data"], size["out"], "--force", "--lang", "en"))
            _record(size, "ours", measured)
            if chromium:
                _record(size, "chromium", print_pdf(chromium, size["out"] / "briefing-en.html",
                                                    size["out"] / "chromium-en.pdf",
                                                    Path(tempfile.mkdtemp(dir=work))))
    for size in sizes:
        size["pages"] = count_pages(size["out"] / "briefing-en.pdf")
        if chromium:
            size["chromium_pages"] = count_pages(size["out"] / "chromium-en.pdf")
    return sizes


def _record(size: dict, who: str, measured) -> None:
    wall, mem, cpu = measured
    size[who].append(wall)
    size[f"{who}_mem"].append(mem)
    size[f"{who}_cpu"].append(cpu)


def measure_layouts(work: Path, rounds: int, *, root: Path, run, build_cmd) -> dict:
    """Cold builds of both editions: the handout output alone against the briefing alone."""
    results = {}
    paths = {name: write_variant(work, f"layout-{name}", root=root, outputs=(name,))
             for name in ("briefing", "handout")}
    for name in paths:
        results[name] = []
    for _ in range(rounds):
        for name, data in paths.items():
            out = work / f"layout-{name}-out"
            shutil.rmtree(out, ignore_errors=True)
            results[name].append(run(build_cmd(data, out, "--force"))[0])
    return results


def _median(values):
    return statistics.median(values) if values else float("nan")


def per_page(sizes: list, key: str, pages_key: str) -> float:
    """Seconds per extra page between the smallest and the largest document."""
    first, last = sizes[0], sizes[-1]
    return ((_median(last[key]) - _median(first[key]))
            / (last[pages_key] - first[pages_key]))


def growth_lines(sizes: list, chart_name: str) -> list:
    """The growth section of docs/performance.md: a table, the per-page costs, the chart."""
    peer = bool(sizes[0]["chromium"])
    lines = ["## Growth: the briefing with its FAQ repeated (English, whole processes)", "",
             "Wall seconds, CPU seconds in brackets (the process and its children).", "",
             "| FAQ | pages (ours) | ours (s) | peak MiB (ours) | "
             + ("pages (Chromium) | Chromium (s) | peak MiB (Chromium) | ratio (CPU) |"
                if peer else ""),
             "|---|---|---|---|" + ("---|---|---|---|" if peer else "")]
    for s in sizes:
        row = (f"| {s['times']}× | {s['pages']} | {_median(s['ours']):.2f} "
               f"({_median(s['ours_cpu']):.2f}) | {max(s['ours_mem']):.0f} |")
        if peer:
            row += (f" {s['chromium_pages']} | {_median(s['chromium']):.2f} "
                    f"({_median(s['chromium_cpu']):.2f}) | {max(s['chromium_mem']):.0f} | "
                    f"{_median(s['ours']) / _median(s['chromium']):.2f} "
                    f"({_median(s['ours_cpu']) / _median(s['chromium_cpu']):.2f}) |")
        lines.append(row)
    ours, ours_cpu = per_page(sizes, "ours", "pages"), per_page(sizes, "ours_cpu", "pages")
    lines += ["", f"Seconds per extra page (from {sizes[0]['times']}× to {sizes[-1]['times']}×): "
              f"ours {ours:.3f} ({ours_cpu:.3f} CPU)"]
    if peer:
        theirs = per_page(sizes, "chromium", "chromium_pages")
        theirs_cpu = per_page(sizes, "chromium_cpu", "chromium_pages")
        lines[-1] += (f", Chromium {theirs:.3f} ({theirs_cpu:.3f} CPU); ratio "
                      f"{ours / theirs:.1f} ({ours_cpu / theirs_cpu:.1f} CPU).")
    lines += ["", f"![time against pages, ours and Chromium]({chart_name})"]
    return lines


def draw_chart(sizes: list, path: Path) -> None:
    """Draw time against pages, ours and Chromium, as a small PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    ax.plot([s["pages"] for s in sizes], [_median(s["ours"]) for s in sizes], "o-",
            label="ours (WeasyPrint)")
    if sizes[0]["chromium"]:
        ax.plot([s["chromium_pages"] for s in sizes], [_median(s["chromium"]) for s in sizes],
                "s--", label="headless Chromium")
    ax.set_xlabel("pages")
    ax.set_ylabel("seconds (median, whole process)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
