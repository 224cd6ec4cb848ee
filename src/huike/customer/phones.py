"""Phone numbers are the customer's identity (POOL-15): one canonical form per number.

Mainland numbers are kept in national digits (`13800138000`, landlines with their area code,
`01088886666`); other countries in E.164 (`+14155552671`). Full-width digits, spaces, dashes,
brackets, a `+86` / `0086` prefix and extensions written with 转 are accepted on input.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberFormat

_STRIP = re.compile(r"[\s\-‐‑–—()（）.·]")


class InvalidPhone(ValueError):
    pass


def normalize(raw: str, region: str = "CN") -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    text = _STRIP.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text or not re.fullmatch(r"\+?\d{3,20}", text):
        raise InvalidPhone(raw)
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(num):
        raise InvalidPhone(raw)
    if num.country_code == 86:
        national = phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return phonenumbers.format_number(num, PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """138****8000 for roles without `customer.phone_full`; short numbers keep their first and
    last two digits. The one masking rule of every place a phone number leaves the server
    (customer list, detail, search, contacts, tasks; exports must use it too)."""
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    if len(phone) > 4:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return "*" * len(phone)


def is_masked(value: str) -> bool:
    return "*" in value


def shown(phones: list[str], full: bool) -> list[str]:
    """The numbers as a viewer may see them: full with `customer.phone_full`, else masked."""
    return list(phones) if full else [mask(p) for p in phones]
