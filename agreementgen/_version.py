"""The version of agreementgen."""

__version__ = "0.1.0"
