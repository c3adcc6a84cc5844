"""Dates, numbers and money written the way each language writes them (Babel)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from agreementgen.model import Money

# Currencies written with their symbol; every other currency is written with its ISO code,
# which readers in any country recognise (XOF, GHS, KES, USD).
_SYMBOL_CURRENCIES = frozenset({"EUR"})


def format_date(value: datetime.date, lang: str) -> str:
    """``27 November 2026`` in English, ``27 november 2026`` in Dutch."""
    from babel.dates import format_date as babel_date

    return babel_date(value, "d MMMM y", locale=lang)


def format_money(money: Money, lang: str) -> str:
    """``€320,000.00`` / ``€ 320.000,00`` for euros; ``GHS 1,500.00`` for other currencies."""
    from babel.numbers import format_currency

    if money.currency in _SYMBOL_CURRENCIES:
        return str(format_currency(money.amount, money.currency, locale=lang))
    return str(format_currency(money.amount, money.currency, format="¤¤\u00a0#,##0.00", locale=lang))


def format_number(value: int | Decimal, lang: str) -> str:
    """A number with the language's grouping and decimal signs."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=lang))
