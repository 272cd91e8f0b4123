"""Privacy: personal data scrubbed from free text, small counts suppressed in public outputs.

:func:`scrub` replaces what identifies a person in free text (reasons, incident reports, dead
letters) by a marker before it is stored: e-mail addresses ``[e-mail]``, IBANs ``[iban]``, IPv4
and MAC addresses ``[ip]`` / ``[mac]``, phone numbers ``[phone]``, licence plates ``[plate]``,
Dutch citizen service numbers (BSN, 11-proof) and Italian tax codes ``[id]``, and the one to
three capitalised words (with particles such as "van der", "de", "di") after "my name is", "I
am", "I'm", "mijn naam is", "ik ben", "ik heet", "mi chiamo", "il mio nome è", "sono", "je
m'appelle", "ich heiße" or a label "name:" / "naam:" / "nome:" ``[name]``. Times, dates, ISO timestamps, tram and bus lines, counts, decimals, zone
ids and reference codes stay as they are.

Phone numbers are found as runs of digit groups joined by short separators (space, ``-``, ``.``,
``/``, brackets); dates and times are cut out of the text first, so a run never crosses them.
Within a run, from each group on the longest prefix that is a phone number is replaced:

- ``+`` or ``00`` and a country code: 8-15 digits (``+31``: 11, ``+31 (0)6 ...``: the ``(0)`` is
  not counted);
- a national number starting with ``0`` whose first group has at least two digits (``06``,
  ``070``, ``0229``; a decimal ``0.72`` does not): 9-11 digits (Dutch ones have 10);
- an Italian mobile number: ``3xx`` and 6-7 more digits (``333 123 4567``, ``3331234567``).

Short service numbers (``112``, ``0900-8844``, ``0800-1234``) are not personal and are kept.

:func:`suppress` is the rule for counts shown to the public: nothing below ``k`` people
(:data:`PRIVACY_K` by default), the rest rounded half up to a step that grows with the count —
10 below 1,000, 50 below 10,000, 100 from 10,000 on — and never to a value below ``k``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

#: Default smallest count shown in public outputs (persons).
PRIVACY_K = 10
#: Most scrubbing passes over one text (each pass only removes; two almost always suffice).
_MAX_PASSES = 5

PHONE, EMAIL, PLATE, NAME, IBAN, IP, MAC, ID = (
    "[phone]", "[e-mail]", "[plate]", "[name]", "[iban]", "[ip]", "[mac]", "[id]")

_LOCAL = r"[\w.!#$%&'*+=?^`{|}~-]"  # RFC 5322's local part but "/" (topics and paths hold addresses)
_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w-])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<!\w)(?<!\d\.){_OCTET}(?:\.{_OCTET}){{3}}(?::\d{{1,5}})?(?!\w|\.\d)")
_MAC = re.compile(r"(?<![\w:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])")

# Dates and times are cut out before phone numbers, plates and ids are looked for.
_YEAR, _MONTH, _DAY = r"(?:19|20)\d{2}", r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
_PROTECTED = re.compile(
    rf"{_YEAR}-\d{{2}}-\d{{2}}(?:[T ]\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}(?::?\d{{2}})?)?)?"  # ISO
    rf"|(?<![\d.\-/]){_YEAR}[./]{_MONTH}[./]{_DAY}(?![\d.\-/]*\d)"  # 2026/08/14
    rf"|(?<![\d.\-/]){_DAY}[-./]{_MONTH}[-./](?:{_YEAR}|\d{{2}})(?![-./]?\d)"  # 14-08-2026, 14.08.26
    r"|(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])"  # 14:30, 22:15:00
)

_SEP = r"(?:[ \u00a0]?[-./][ \u00a0]?|[ \u00a0]|[ \u00a0]?\([ \u00a0]?|[ \u00a0]?\)[ \u00a0]?)"
_DIGIT_RUN = re.compile(rf"(?<![\w+])(?<!\w[-/.])(?:\+|\(\+?)?\d+(?:{_SEP}\d+)*\)?(?!\w)")
_GROUP = re.compile(r"\d+")
_TRUNK_ZERO = re.compile(r"(?<=\d)[ \u00a0]?\([ \u00a0]?0[ \u00a0]?\)")  # the (0) in +31 (0)6 ...
_NATIONAL_LENGTH = range(9, 12)
_MAX_PHONE_GROUPS = 8  # digit groups in one number at most (+31 6 12 34 56 78 has 7)
_PHONE_DIGITS = (8, 18)  # digits in one number, fewest and most (0031 (0)6 ... has 14)
_COUNTRY_LENGTH = {"31": range(11, 12), "32": range(10, 12), "33": range(11, 12), "1": range(11, 12),
                   "44": range(11, 13), "39": range(8, 14), "49": range(9, 16)}
_ITALIAN_MOBILE = re.compile(r"3\d{2}(?:[ .\-]?\d{6,7}|[ .\-]\d{3}[ .\-]\d{3,4})")

_L, _D = "[A-Z]", r"\d"
_SIDECODES = (  # Dutch sidecodes 1-14 as (group, group, group), Italian AB 123 CD
    (_L * 2, _D * 2, _D * 2), (_D * 2, _D * 2, _L * 2), (_D * 2, _L * 2, _D * 2), (_L * 2, _D * 2, _L * 2),
    (_L * 2, _L * 2, _D * 2), (_D * 2, _L * 2, _L * 2), (_D * 2, _L * 3, _D), (_D, _L * 3, _D * 2),
    (_L * 2, _D * 3, _L), (_L, _D * 3, _L * 2), (_L * 3, _D * 2, _L), (_L, _D * 2, _L * 3),
    (_D, _L * 2, _D * 3), (_D * 3, _L * 2, _D), (_L * 2, _D * 3, _L * 2),
)
_PLATE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"{a}(?P<s{i}>[- ]?){b}(?P=s{i}){c}" for i, (a, b, c) in enumerate(_SIDECODES))
    + r")(?![\w-])"
)
_BSN = re.compile(r"(?<![\w.\-/])\d{4}\.?\d{2}\.?\d{3}(?!\w|[.\-/]\d)")
_CODICE_FISCALE = re.compile(r"(?<![\w-])[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z](?![\w-])")

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_WORD = rf"[{_UPPER}][{_UPPER}{_LOWER}'’]*(?:-[{_UPPER}{_LOWER}][{_UPPER}{_LOWER}'’]*)*"
_PARTICLE = r"(?:van|von|de|der|den|het|ter|ten|te|'t|di|da|del|della|dei|degli|dal|du|des|la|le|el|al|bin)"
_SPOKEN = (r"my name is|my name's|i am|i'm|mijn naam is|ik ben|ik heet|mi chiamo|il mio nome è|sono|"
           r"je m'appelle|ich heiße")
_LABEL = r"name|naam|nome"
_NAME = re.compile(
    rf"(?P<lead>(?i:(?<![\w'])(?:(?:{_SPOKEN})[ \u00a0]+|(?:{_LABEL})[ \u00a0]*:[ \u00a0]*)))"
    rf"{_WORD}(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)*{_WORD}){{0,2}}(?![\w'’])"
)


def scrub(text: str) -> str:
    """``text`` with personal data replaced by markers (see the module docstring); idempotent:
    passes repeat until nothing changes, as a replacement can free a neighbour that the one
    before it hid (``06-12345678+31 6 ...``: the second number is seen once the first is gone)."""
    for _ in range(_MAX_PASSES):
        scrubbed = _scrub_once(text)
        if scrubbed == text:
            break
        text = scrubbed
    return text


def _scrub_once(text: str) -> str:
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_iban, text)
    text = _IPV4.sub(IP, text)
    text = _MAC.sub(MAC, text)
    text = _outside(_PROTECTED, text, _scrub_numbers)
    return _NAME.sub(lambda m: m.group("lead") + NAME, text)


def suppress(count: float | None, k: int = PRIVACY_K) -> int | None:
    """The count of persons as it may be published: None when unknown, negative or below
    ``k``; else rounded half up to 10 (below 1,000), 50 (below 10,000) or 100, and at least
    ``k`` rounded up to that step."""
    if k < 1:
        raise ValueError(f"privacy k must be at least 1, got {k}")
    if count is None or isinstance(count, bool) or not math.isfinite(count) or count < k:
        return None
    step = 10 if count < 1_000 else 50 if count < 10_000 else 100
    rounded = math.floor(count / step + 0.5) * step
    return int(max(rounded, math.ceil(k / step) * step))


def _scrub_numbers(text: str) -> str:
    text = _DIGIT_RUN.sub(_phones_in_run, text)
    text = _PLATE.sub(PLATE, text)
    text = _CODICE_FISCALE.sub(ID, text)
    return _BSN.sub(lambda m: ID if _eleven_proof(m.group()) else m.group(), text)


def _outside(protected: re.Pattern[str], text: str, change: Callable[[str], str]) -> str:
    """``change`` applied to each stretch of ``text`` between matches of ``protected``."""
    out, pos = [], 0
    for m in protected.finditer(text):
        out += [change(text[pos:m.start()]), m.group()]
        pos = m.end()
    out.append(change(text[pos:]))
    return "".join(out)


def _phones_in_run(run: re.Match[str]) -> str:
    """The run of digit groups with every phone number in it replaced (longest first)."""
    text = run.group()
    groups = list(_GROUP.finditer(text))
    digits_before = [0]
    for g in groups:
        digits_before.append(digits_before[-1] + len(g.group()))
    out, pos, i = [], 0, 0
    while i < len(groups):
        start = groups[i].start()
        while start > pos and text[start - 1] in "+(":
            start -= 1
        for j in range(min(len(groups), i + _MAX_PHONE_GROUPS) - 1, i - 1, -1):
            if not _PHONE_DIGITS[0] <= digits_before[j + 1] - digits_before[i] <= _PHONE_DIGITS[1]:
                continue
            end = groups[j].end()
            if text[end:end + 1] == ")" and text.count("(", start, end) > text.count(")", start, end):
                end += 1
            if _is_phone(text[start:end]):
                if text[start] == "(" and text[end - 1] == ")" and text.count("(", start, end) == 1:
                    start, end = start + 1, end - 1  # brackets around the whole number stay
                out += [text[pos:start], PHONE]
                pos, i = end, j + 1
                break
        else:
            i += 1
    out.append(text[pos:])
    return "".join(out)


def _is_phone(candidate: str) -> bool:
    """Whether one stretch of digit groups is a whole phone number (rules in the module docstring)."""
    groups = _GROUP.findall(_TRUNK_ZERO.sub("", candidate))
    digits = "".join(groups)
    if candidate.lstrip("(").startswith("+") or re.match(r"00[1-9]", digits):
        number = digits[2:] if digits.startswith("00") else digits
        lengths = next((r for code, r in _COUNTRY_LENGTH.items() if number.startswith(code)), range(8, 16))
        return len(number) in lengths
    if digits.startswith("0"):
        return len(groups[0]) >= 2 and len(digits) in _NATIONAL_LENGTH
    return _ITALIAN_MOBILE.fullmatch(candidate.strip("()")) is not None


def _iban(m: re.Match[str]) -> str:
    compact = m.group().replace(" ", "")
    return IBAN if 15 <= len(compact) <= 34 and sum(c.isdigit() for c in compact) >= 6 else m.group()


def _eleven_proof(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    total = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return len(digits) == 9 and digits[0] != 0 and total % 11 == 0

