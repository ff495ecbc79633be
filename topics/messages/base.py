"""What every message schema shares: the base model and the constrained field types.

Constraints are patterns and bounds, never Python validators, so pydantic-core checks them in
Rust on the hot path (`model_validate_json`) and each one has an exact JSON Schema counterpart
for producers in other languages.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "BASE64_PATTERN",
    "MAX_SAFE_INTEGER",
    "Algorithm",
    "Base64",
    "CountryCode",
    "CurrencyCode",
    "EntityId",
    "EventId",
    "Kind",
    "Message",
    "Name",
    "Score",
    "TimestampUs",
    "Token",
]

# JavaScript numbers, and so many JSON parsers (browsers, SIEM pipelines), are exact only up to
# 2**53 - 1; microseconds since 1970 stay below it until the year 2255.
MAX_SAFE_INTEGER = 2**53 - 1
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

# Lower-case canonical form only, as Python, Java, Go and .NET print a UUID: one spelling per
# id, so ids compare as strings (dedup, joins in ClickHouse).
EventId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
TimestampUs = Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]
# Account numbers, IBANs, card tokens, wallet addresses, host names, key ids such as
# `bank-core/p1`: also used as Kafka record keys, hence no spaces or control characters.
EntityId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@+#=-]{0,127}$")]
# Names of algorithms, protocol versions, rules and typologies as their sources spell them
# (`TLSv13`, `X25519MLKEM768`, `ecdsa-with-SHA256`, `unknown-32257`): open sets, since a closed
# enum would reject the next new group or cipher that a sensor reports.
Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,127}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Base64 = Annotated[str, StringConstraints(pattern=BASE64_PATTERN)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]
Algorithm = Literal["ML-DSA-44", "ML-DSA-65", "ML-DSA-87"]
Kind = Literal["aml", "quantum", "integrity"]


class Message(BaseModel):
    """Base of every message: unknown fields and type coercion (such as "12" for 12) are
    errors, so producers find their mistakes at once instead of in a model's features."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
    )
