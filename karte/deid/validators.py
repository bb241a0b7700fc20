"""Named checks that pattern recognizers refer to from the registry file (``validator:``).

A validator sees the regex match and the policy; it returns ``None`` to reject the match or a
:class:`Verdict` that may change the score and adds a note to the explanation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from karte.deid.policy import DeidPolicy


@dataclass(frozen=True)
class Verdict:
    score: float | None = None
    note: str | None = None


Validator = Callable[[re.Match[str], int, DeidPolicy], Verdict | None]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def mynumber_check_digit_ok(number: str) -> bool:
    """Check digit of a 12-digit 個人番号 (行政手続番号法施行令 第8条).

    With P_n the n-th digit counted from the right excluding the check digit and Q_n = n + 1 for
    n ≤ 6, n − 5 for n ≥ 7: r = Σ P_n Q_n mod 11; the check digit is 0 if r ≤ 1 else 11 − r.
    """
    digits = _digits(number)
    if len(digits) != 12:
        return False
    body = digits[:11]
    total = 0
    for n in range(1, 12):
        p = int(body[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    expected = 0 if r <= 1 else 11 - r
    return expected == int(digits[11])


def insurer_check_digit_ok(number: str) -> bool:
    """Check digit (検証番号) of a 保険者番号 or 公費負担者番号 (6 or 8 digits).

    From the rightmost digit of the body leftwards the digits are multiplied by 2, 1, 2, 1 …; the
    digits of the products are summed, and the check digit is (10 − sum mod 10) mod 10.
    """
    digits = _digits(number)
    if len(digits) not in (6, 8):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = 0
    for i, ch in enumerate(reversed(body)):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == check


def _age_policy(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    age = int(m.group(1))
    if age > 125:
        return None
    if policy.age_threshold is None:
        return Verdict(note="policy: every age is identifying")
    if age < policy.age_threshold:
        return None
    return Verdict(note=f"policy: ages >= {policy.age_threshold} are identifying")


def _phone_digits(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    count = len(_digits(m.group(group)))
    return Verdict() if count in (10, 11) else None


def _has_digit(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    return Verdict() if any(ch.isdigit() for ch in m.group(group)) else None


def _mynumber(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    if mynumber_check_digit_ok(m.group(group)):
        return Verdict(note="check digit valid")
    return None


def _mynumber_labelled(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    if mynumber_check_digit_ok(m.group(group)):
        return Verdict(score=0.98, note="check digit valid")
    return Verdict(score=0.7, note="check digit invalid (labelled, kept)")


def _insurer(m: re.Match[str], group: int, policy: DeidPolicy) -> Verdict | None:
    if insurer_check_digit_ok(m.group(group)):
        return Verdict(score=0.97, note="check digit valid")
    return Verdict(score=0.75, note="check digit invalid (labelled, kept)")


VALIDATORS: dict[str, Validator] = {
    "age_policy": _age_policy,
    "phone_digits": _phone_digits,
    "has_digit": _has_digit,
    "mynumber_check_digit": _mynumber,
    "mynumber_check_digit_labelled": _mynumber_labelled,
    "insurer_check_digit": _insurer,
}
