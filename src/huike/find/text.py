"""Pure text functions behind quick search (FIND-1): the indexed search text, pinyin forms of a
name, the CJK gram tokens and the query plan. No database here: the migration's backfill, the
write hook (`find.indexing`), the benchmark generator and the tests all call these same functions,
so the stored forms and the queries can never disagree.

The search text of a customer is every searchable field lower-cased (`str.lower`) and framed by a
separator that cannot appear in a query:

    SEP name SEP number SEP company SEP email SEP wechat SEP external_id SEP phone1 SEP phone2 … SEP

so that "some field contains q" is exactly "search_text contains q" (q without SEP), and "some field
equals q" is exactly "search_text contains SEP q SEP" (the exact-match tier).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SEP = "\x1f"  # ASCII unit separator: never typed, a non-word character for pg_trgm

# Fields of the customer row that quick search covers, in the order they enter the search text.
ROW_FIELDS = ("name", "number", "company", "email", "wechat", "external_id")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_PHONEISH = re.compile(r"^[\d\s\-+().（）]+$")
_PINYIN_QUERY = re.compile(r"^[a-z]+$")

# Surnames whose reading differs from the character's most common one (单 shàn, not dān).
SURNAMES = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha", "盖": "ge",
    "乐": "yue", "缪": "miao", "翟": "zhai", "覃": "qin", "燕": "yan", "种": "chong", "秘": "bi", "郇": "huan",
    "逄": "pang", "员": "yun", "黑": "he", "折": "she", "句": "gou", "阚": "kan", "繁": "po", "隗": "wei",
    "莘": "shen", "召": "shao", "眭": "sui", "尉": "yu", "纪": "ji", "宓": "mi", "华": "hua", "柏": "bai",
    "薄": "bo", "重": "chong", "令狐": "linghu", "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun",
    "澹台": "tantai", "单于": "chanyu",
}
_SURNAME_KEYS = sorted(SURNAMES, key=len, reverse=True)


def clean(value: object) -> str:
    """A field value as it enters the search text: lower-cased, separators removed."""
    if value is None:
        return ""
    return str(value).replace(SEP, " ").lower()


def search_text(fields: dict[str, object], phones: Iterable[str]) -> str:
    parts = [clean(fields.get(k)) for k in ROW_FIELDS] + [clean(p) for p in phones]
    return SEP + SEP.join(p for p in parts if p) + SEP


# ------------------------------------------------------------------ pinyin
def has_han(text: str | None) -> bool:
    return bool(text and _HAN.search(text))


def pinyin_forms(name: str | None) -> tuple[str | None, str | None]:
    """(full spelling, initials) of a Chinese name, e.g. 张三 → ("zhangsan", "zs"); None for a name
    without Chinese characters (a Latin name is already found by substring). Common surname readings
    are applied (单 → shan, 曾 → zeng); Latin letters and digits in the name are kept."""
    if not has_han(name):
        return None, None
    return _pinyin_forms(name or "")


_SURNAME_SYLLABLES = {"令狐": ("ling", "hu"), "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"), "长孙": ("zhang", "sun"),
                      "澹台": ("tan", "tai"), "单于": ("chan", "yu")}


@lru_cache(maxsize=1)
def _pinyin_engine() -> object:
    """pypinyin's `lazy_pinyin(text, style=NORMAL)` split in its two steps: the segmentation of the text
    into words (phrase dictionary), then each word's reading — a pure function of the word, cached in
    `_word_syllables`. Same converter and defaults as `pypinyin.lazy_pinyin`, so the result is identical."""
    from pypinyin.converter import UltimateConverter
    from pypinyin.core import Pinyin

    return Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


def _as_chars(s: str) -> list[str]:
    return list(s)


@lru_cache(maxsize=65_536)
def _word_syllables(word: str) -> tuple[str, ...]:
    """The kept syllables (lower-case ASCII letters / digits) of one segmented word."""
    from pypinyin import Style

    engine: Any = _pinyin_engine()
    out = []
    for items in engine._converter.convert(word, Style.NORMAL, False, _as_chars, strict=True):
        for item in items:
            s = item.lower()
            if s.isascii() and s.isalnum():
                out.append(s)
    return tuple(out)


@lru_cache(maxsize=250_000)
def _pinyin_forms(name: str) -> tuple[str | None, str | None]:
    text = unicodedata.normalize("NFKC", name).strip()
    full: list[str] = []
    for key in (text[:2], text[:1]):
        if key in SURNAMES:
            full.extend(_SURNAME_SYLLABLES.get(key, (SURNAMES[key],)))
            text = text[len(key):]
            break
    if text:
        engine: Any = _pinyin_engine()
        for word in engine.seg(text):
            full.extend(_word_syllables(word))
    f = "".join(full)
    i = "".join(s[0] for s in full)
    return (f[:400] or None), (i[:100] or None)


def pinyin_query(q: str) -> str | None:
    """The Latin letters of a query that may be pinyin (`zhang san`, `zs`), or None."""
    compact = re.sub(r"[\s'’]", "", q.lower())
    return compact if compact and len(compact) <= 60 and _PINYIN_QUERY.match(compact) else None


def prefix_upper(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (ASCII letters)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# ------------------------------------------------------------------ grams (1–2 character queries)
def is_wide(ch: str) -> bool:
    return ord(ch) > 127


_WIDE_RUN = re.compile(r"[^\x00-\x7f]+")


def grams(text: str | None) -> list[str]:
    """Every 1- and 2-character substring of `text` made only of non-ASCII characters (CJK, emoji…),
    deduplicated and sorted. A query of one or two such characters is contained in the text exactly
    when it is one of these grams (see `gram_words`)."""
    if not text:
        return []
    out: set[str] = set()
    for run in _WIDE_RUN.findall(text):
        out.update(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(out)


def gram_words(text: str | None) -> str:
    """The grams as space-separated words (" 张 伟 张伟 "): stored in customer_search.gram_words and
    indexed by pg_trgm on PostgreSQL (`LIKE '% 张伟 %'` is an exact lookup of padded trigrams) and by
    FTS5's `ascii` tokenizer on SQLite (every non-ASCII character is part of a token, spaces split)."""
    g = grams(text)
    return (" " + " ".join(g) + " ") if g else ""


# ------------------------------------------------------------------ query plan
@dataclass(frozen=True)
class Query:
    """What quick search does with one query string."""

    raw: str
    needle: str  # lower-cased; a row matches when its search text contains it
    variants: tuple[str, ...]  # needle plus normalised phone forms (all matched by substring)
    pinyin: str | None  # Latin letters to match pinyin full spelling / initials by prefix
    route: str  # "trigram" (≥ 3 chars), "gram" (1–2 non-ASCII chars), "scan" (1–2 chars with ASCII)

    @property
    def framed(self) -> tuple[str, ...]:
        return tuple(SEP + v + SEP for v in self.variants)


def route_for(needle: str) -> str:
    if len(needle) >= 3:
        return "trigram"
    if all(is_wide(ch) for ch in needle):
        return "gram"
    return "scan"


def plan(q: str | None) -> Query | None:
    if q is None:
        return None
    raw = q.strip()
    if not raw or SEP in raw:
        return None
    needle = raw.lower()
    variants = [needle]
    if _PHONEISH.match(raw) and not raw.isdigit():
        # "138 0013 8000", "+86 138-0013-8000": also the digits and the stored (normalised) form.
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", raw))
        forms = [digits]
        try:
            from huike.customer.phones import InvalidPhone, normalize

            forms.insert(0, normalize(raw))
        except (InvalidPhone, ValueError):
            pass
        for f in forms:
            if f and f not in variants and len(f) >= 3:
                variants.append(f)
    return Query(raw=raw, needle=needle, variants=tuple(variants), pinyin=pinyin_query(raw),
                 route=route_for(needle))


def matches(q: Query, text: str, name_pinyin: str | None, name_initials: str | None) -> bool:
    """The reference semantics (used by tests and by nobody at run time)."""
    if any(v in text for v in q.variants):
        return True
    if q.pinyin:
        return bool((name_pinyin and name_pinyin.startswith(q.pinyin))
                    or (name_initials and name_initials.startswith(q.pinyin)))
    return False


def trigram_chunks(needle: str) -> list[str]:
    """Three-character pieces covering the needle (every third position plus the last), for AND
    queries on SQLite's FTS5 trigram table: a row containing the needle contains every piece."""
    if len(needle) < 3:
        return []
    starts = list(range(0, len(needle) - 2, 3))
    if starts[-1] != len(needle) - 3:
        starts.append(len(needle) - 3)
    return list(dict.fromkeys(needle[i:i + 3] for i in starts))


def fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def any_han(names: Sequence[str]) -> bool:
    return any(has_han(n) for n in names)
