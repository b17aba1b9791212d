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
    """The currency code (`USD`), the same in every edition."""
    unit: Text | None = None  # e.g. "million US dollars"
    """The unit of the amounts (`million US dollars`)."""
    requirement: Number = 0
    """The financial requirement."""
    funded: Number = 0
    """How much of it is funded."""
    gap: Number = 0
    """How much is missing: funded + gap must equal the requirement."""
    funded_percent: int = 0
    """The funded share in percent, as the source gives it."""
    gap_percent: int = 0
    """The missing share in percent: the two add up to 100."""
    decimals: int = 1
    """Digits after the decimal point of the amounts."""
    caption: Text | None = None
    """The chart's caption."""


def parse(r, source):
    """Read the figures shown (ids under `figures:`); currency, unit and decimals are the
    requirement's. Derived figures cannot disagree; typed ones are checked to add up."""
    amounts = {key: r.get(key, f.figure_id("amount")) for key in ("requirement", "funded", "gap")}
    shares = {key: r.get(key, f.figure_id("percent")) for key in ("funded_percent",
                                                                  "gap_percent")}
    caption = r.get("caption", f.text)
    figures = f.all_set({**amounts, **shares})
    if figures is None or caption is None:
        return None
    requirement = figures["requirement"]
    result = {key: fig.value for key, fig in figures.items()}
    result.update(currency=requirement.currency, unit=requirement.unit,
                  decimals=requirement.decimals, caption=caption)
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
