"""agreementgen: draft partnership agreements between CSOs and businesses, from a description.

The public API is imported lazily, so ``agreementgen --help`` and ``validate`` stay fast.
"""

from __future__ import annotations

from typing import Any

from agreementgen._version import __version__

__all__ = ["__version__", "generate", "load_description", "validate"]


def __getattr__(name: str) -> Any:
    if name in ("load_description", "validate"):
        from agreementgen import api

        return getattr(api, name)
    if name == "generate":
        from agreementgen.generate import generate

        return generate
    raise AttributeError(name)
