"""Derived figures: `share`, `difference` and `sum` over other figures, computed in order.

A derived value is rounded half up to the figure's `decimals`. Where the source prints a
rounded value (`printed:`), the computed value must lie within half a unit of the printed
value's last decimal: 56.25 prints as 56, 3.46 as 3.5; 56.6 is not 56. A share's part may not
exceed its whole, and a difference may not be negative.
"""

from __future__ import annotations


def resolve_figures(ctx, specs: dict, *, make, check, failed=()) -> dict:
    """{id: make(...)} for every spec, derived ones computed in dependency order; unknown
    ids, circles and printed values that do not hold are reported. `check(ctx, kind, value,
    path)` checks a computed value against its kind."""
    done: dict = {}
    visiting: list = []
    failed = set(failed)  # grows with each figure that cannot be computed

    def visit(fid):
        if fid in done or fid in failed or fid not in specs:
            return done.get(fid)
        if fid in visiting:
            cycle = " -> ".join([*visiting[visiting.index(fid):], fid])
            ctx.problem(("figures", fid), f"figures refer to each other in a circle: {cycle}")
            return None
        visiting.append(fid)
        result = _compute(ctx, specs[fid], specs, visit, make, check, failed)
        visiting.pop()
        if result is None:
            failed.add(fid)  # reported once, however many figures use it
        else:
            done[fid] = result
        return result

    for fid in specs:
        visit(fid)
    return done


def _compute(ctx, spec, specs, visit, make, check, failed):
    origin = spec["origin"]
    fields = {k: spec[k] for k in ("id", "kind", "source", "label", "as_of", "unit", "currency",
                                   "scale", "decimals", "max_change")}
    if origin[0] in ("value", "table"):
        return make(value=origin[1], origin=origin[2], **fields)
    path = ("figures", spec["id"])
    operands = []
    for name in origin[1]:
        if name in failed:  # its own problem is reported; say nothing more
            return None
        if name not in specs:
            ctx.problem(path + (origin[0],), f"no figure has the id '{name}'")
            return None
        operands.append(visit(name))
    if None in operands:
        return None
    exact = _formula_value(ctx, origin[0], operands, path)
    if exact is None:
        return None
    value = _rounded(exact, spec["decimals"], spec["kind"])
    if _check_printed(ctx, exact, origin[2], path) and check(
            ctx, spec["kind"], value, path + (origin[0],)) is not None:
        return make(value=value, origin=f"{ctx.doc.name}:{spec['line']}", **fields)
    return None


def _formula_value(ctx, formula, operands, path):
    values = [op.value for op in operands]
    if formula == "sum":
        return sum(values)
    if formula == "difference":
        whole, part = operands
        if part.value > whole.value:
            ctx.problem(path, f"'{part.id}' ({part.value}) exceeds '{whole.id}' "
                              f"({whole.value}): the difference would be negative")
            return None
        return whole.value - part.value
    part, whole = operands
    if whole.value == 0 or part.value > whole.value:
        ctx.problem(path, f"share: '{part.id}' ({part.value}) must be a part of '{whole.id}' "
                          f"({whole.value})")
        return None
    return part.value / whole.value * 100


def _rounded(exact, decimals, kind):
    from decimal import ROUND_HALF_UP, Decimal  # only when a figure is derived

    quantum = Decimal(1).scaleb(-decimals)
    value = Decimal(repr(exact)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(value) if decimals == 0 and kind in ("count", "percent") else float(value)


def _check_printed(ctx, exact, printed, path) -> bool:
    """The source's rounded value must be the computed value rounded to its own decimals."""
    if printed is None:
        return True
    from decimal import Decimal

    places = -Decimal(repr(printed)).normalize().as_tuple().exponent
    tolerance = 0.5 * 10 ** -max(places, 0) + 1e-9
    if abs(exact - printed) <= tolerance:
        return True
    ctx.problem(path + ("printed",), f"the source prints {printed}, but the figures give "
                                     f"{exact:.4g}; check the figures it is computed from")
    return False
