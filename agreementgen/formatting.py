"""Dates, numbers and money written the way each language writes them (Babel).

Babel puts a no-break space (U+00A0) between a currency and its amount where the language
separates them (``€\u00a0320.000,00`` in Dutch, ``GHS\u00a01,500.00``), so a line never breaks
between the two.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agreementgen.i18n import check_language
from agreementgen.model import Money

if TYPE_CHECKING:
    from babel import Locale

# Currencies written with their symbol; every other currency is written with its ISO code,
# which readers in any country recognise (XOF, GHS, KES, USD), whereas symbols are ambiguous
# ($ for many dollars) or unfamiliar (F CFA, ৳).
_SYMBOL_CURRENCIES = frozenset({"EUR"})

# A day, the month's name, a year: "27 November 2026", "27 november 2026". Babel's "long"
# date would give the American "November 27, 2026" for en.
_DATE_PATTERN = "d MMMM y"

# The ISO code, a no-break space, the amount; Babel still uses the currency's own number of
# decimals (none for XOF or JPY).
_ISO_PATTERN = "¤¤\u00a0#,##0.00"


@functools.cache
def _locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(check_language(lang))


def format_date(value: datetime.date, lang: str) -> str:
    """A date with the month written out: ``27 November 2026``, ``27 november 2026``.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    from babel.dates import format_date as babel_date

    return str(babel_date(value, _DATE_PATTERN, locale=_locale(lang)))


def format_money(money: Money, lang: str) -> str:
    """An amount with its currency, written for the language.

    Euros take the symbol where the language puts it: ``€320,000.00`` in English,
    ``€\u00a0320.000,00`` in Dutch. Other currencies take their ISO code first, in both
    languages: ``GHS\u00a01,500.00``, ``XOF\u00a0320.000``.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    from babel.numbers import format_currency

    locale = _locale(lang)
    if money.currency in _SYMBOL_CURRENCIES:
        return str(format_currency(money.amount, money.currency, locale=locale))
    return str(format_currency(money.amount, money.currency, format=_ISO_PATTERN, locale=locale))


def format_number(value: int | Decimal, lang: str) -> str:
    """A number with the language's grouping and decimal signs: ``1,234.5``, ``1.234,5``.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=_locale(lang)))


# Lists are joined the British way, "A, B and C", as legal English writes them; CLDR's "en"
# puts a comma before "and".
_LIST_LOCALES = {"en": "en_GB"}
# Counts up to this are written in words ("three counterparts", "zes maanden").
_MAX_WORDS = 12


def format_list(items: list[str], lang: str) -> str:
    """Items joined as the language joins them: ``A, B and C``, ``A, B en C``.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    from babel.lists import format_list as babel_list

    check_language(lang)
    return str(babel_list(items, locale=_LIST_LOCALES.get(lang, lang))) if items else ""


def words(number: int, lang: str) -> str:
    """A count as the language's legal style writes it.

    Up to twelve in words (``three``, ``drie``). Larger counts in figures, except where the
    language's labels say to spell them (``number_words.above_twelve``): Dutch contracts write
    ``negentig (90)``, the words with the figures after them, up to 999.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    from agreementgen.i18n import catalog

    labels = catalog(lang, "labels")
    if isinstance(number, int) and 0 <= number <= _MAX_WORDS:
        return str(labels["numbers"][number])
    spelling = labels["number_words"]
    if spelling["above_twelve"] and isinstance(number, int) and 0 < number < 1000:
        return f"{_spelled(number, spelling)} ({number})"
    return format_number(number, lang)


def _spelled(number: int, spelling: dict[str, Any]) -> str:
    """1 to 999 in words, as the language's ``number_words`` compose them."""
    hundreds, rest = divmod(number, 100)
    if rest < len(spelling["small"]):
        words = spelling["small"][rest] if rest else ""
    else:
        tens, unit = divmod(rest, 10)
        words = spelling["tens"][tens - 2]
        if unit:
            small = spelling["small"][unit]
            compound = spelling["compound_after_e" if small.endswith("e") else "compound"]
            words = compound.format(unit=small, tens=words)
    if not hundreds:
        return str(words)
    count = spelling["one_hundred"] if hundreds == 1 else \
        spelling["hundreds"].format(count=spelling["small"][hundreds])
    return str(spelling["with_rest"].format(hundreds=count, rest=words) if words else count)


def country_name(country: str, lang: str) -> str:
    """A country by its name in the language; an ISO 3166 alpha-2 code (``GH``) becomes the
    name (``Ghana``), anything else is taken as the name already.

    Raises:
        UnknownLanguageError: ``lang`` is not a language agreementgen writes.
    """
    code = country.strip()
    if len(code) == 2 and code.isalpha():
        name = _locale(lang).territories.get(code.upper())
        if name:
            return str(name)
    return country
