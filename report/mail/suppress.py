"""The suppression list by hand: `send --unsubscribe ADDRESS`, `send --resubscribe ADDRESS`
and `send --import-unsubscribes FILE` -> rows of the ledger's `suppressions` table, which
every later run honours. Each returns the lines to print.

An imported line may be an address or an opt-out token (from the Subject of a reply to the
List-Unsubscribe mailto: link); a token is matched against every address the ledger knows.
"""

from __future__ import annotations

from ..errors import DataError
from .ledger import open_ledger, send_lock, stamp
from .optout import make_token, read_unsubscribes
from .recipients import address_problem


def unsubscribe(address: str, *, out_dir, now) -> list:
    """Put `address` on the suppression list."""
    _check_address(address, "--unsubscribe")
    with send_lock(out_dir), open_ledger(out_dir) as ledger:
        added = ledger.suppress([address], source="command", now=stamp(now))
    if not added:
        return [f"{address} was already on the suppression list"]
    return [f"{address}: opted out; no later run sends to it (undo: send --resubscribe "
            f"{address})"]


def resubscribe(address: str, *, out_dir) -> list:
    """Take `address` off the suppression list."""
    _check_address(address, "--resubscribe")
    with send_lock(out_dir), open_ledger(out_dir) as ledger:
        removed = ledger.resubscribe(address)
    if not removed:
        return [f"{address} was not on the suppression list; nothing changed"]
    return [f"{address}: back on the list; the next run sends it the current edition"]


def import_unsubscribes(path, *, out_dir, now) -> list:
    """Put every address (or token's address) in the file `path` on the suppression list;
    DataError for lines that are neither, or tokens that match nobody (nothing is added)."""
    entries = read_unsubscribes(path)
    with send_lock(out_dir), open_ledger(out_dir) as ledger:
        secret = ledger.secret()
        by_token = {make_token(secret, key): address
                    for key, address in ledger.known_addresses().items()}
        addresses, problems = [], []
        for line, address, token in entries:
            if address is None and token not in by_token:
                problems.append(f"{path}:{line}: the token {token} is not one this ledger "
                                "gave out; check the line, or give the address instead")
            addresses.append(address or by_token.get(token))
        if problems:
            raise DataError(problems)
        added = ledger.suppress(list(dict.fromkeys(addresses)), source=str(path),
                                now=stamp(now))
    return [f"{path}: {len(added)} address{'es' if len(added) != 1 else ''} added to the "
            f"suppression list, {len(set(addresses)) - len(added)} already on it",
            *(f"  {address}" for address in added)]


def _check_address(address: str, option: str) -> None:
    problem = address_problem(address)
    if problem:
        raise DataError([f"{option}: {problem}"])
