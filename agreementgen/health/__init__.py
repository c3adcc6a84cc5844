"""The partnership health review: rules H01-H26, each serving one of the five insights.

``docs/health-rules.md`` states the rules; :mod:`.rules` decides, per rule, where a description
falls short, :mod:`.findings` runs them and words the findings, :mod:`.report` writes the review
out. The words live in ``locales/<lang>/health.yaml``: a rule only names a message and the
values that fill it. A rule never refuses a description; it reports what it sees.
"""

from agreementgen.health.base import Finding, InsightScore, Review
from agreementgen.health.findings import review
from agreementgen.health.report import format_json, format_markdown, format_text, sources

__all__ = ["Finding", "InsightScore", "Review", "format_json", "format_markdown", "format_text",
           "review", "sources"]
