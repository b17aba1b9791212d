"""`funding`: the financial requirement, funded and gap, as a chart; the sums must add up."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import ChartSection, Number, Text
from . import SectionType


@dataclass(frozen=True)
class FundingSection(ChartSection):
    """Financial requirement, funded and gap, as a chart."""

    currency: str = "USD"
    unit: Text | None = None  # e.g. "million US dollars"
    requirement: Number = 0
    funded: Number = 0
    gap: Number = 0
    funded_percent: int = 0
    gap_percent: int = 0
    decimals: int = 1
    caption: Text | None = None


def parse(r, source):
    """Read the amounts and percentages, and check that they agree."""
    result = f.all_set({
        "currency": r.get("currency", f.plain_str),
        "unit": r.get("unit", f.text),
        "requirement": r.get("requirement", f.amount),
        "funded": r.get("funded", f.amount),
        "gap": r.get("gap", f.amount),
        "funded_percent": r.get("funded_percent", f.percent),
        "gap_percent": r.get("gap_percent", f.percent),
        "decimals": r.get("decimals", f.decimals, default=1),
        "caption": r.get("caption", f.text),
    })
    if result:
        check_funding(r, result)
    return result


def check_funding(r, d):
    """Check funded + gap = requirement, and the percentages against the amounts."""
    tolerance = 10 ** -d["decimals"] / 2 * 3  # the source rounds each amount
    if abs(d["funded"] + d["gap"] - d["requirement"]) > tolerance:
        r.ctx.problem(r.sub("gap"), f"funded ({d['funded']}) + gap ({d['gap']}) should equal "
                                    f"requirement ({d['requirement']})")
    if d["funded_percent"] + d["gap_percent"] != 100:
        r.ctx.problem(r.sub("gap_percent"), f"funded_percent ({d['funded_percent']}) + "
                                            f"gap_percent ({d['gap_percent']}) should be 100")
    if d["requirement"] and abs(d["funded"] / d["requirement"] * 100 - d["funded_percent"]) > 2:
        share = d["funded"] / d["requirement"] * 100
        r.ctx.problem(r.sub("funded_percent"), f"{d['funded_percent']}% does not match "
                                               f"funded/requirement ({share:.1f}%)")


TYPE = SectionType(model=FundingSection, parse=parse, chart="funding")
