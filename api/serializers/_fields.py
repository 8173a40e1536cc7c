"""Fields shared by every serializer: money as a decimal string with its currency, authorities by short code."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({
    "type": "object", "nullable": True,
    "properties": {"amount": {"type": "string", "format": "decimal", "example": "1250.00"},
                   "currency": {"type": "string", "example": "GBP"}},
    "required": ["amount", "currency"],
})
class MoneyField(serializers.Field):
    """A `Money` as {"amount": "1250.00", "currency": "GBP"}: the amount a string, never a float."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, str] | None:
        if value is None:
            return None
        return {"amount": f"{value.amount:.2f}", "currency": str(value.currency)}


@extend_schema_field(OpenApiTypes.STR)
class AuthorityCodeField(serializers.SlugRelatedField):
    """An authority by its short code (e.g. kent)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(slug_field="short_code", **kwargs)


def _name(value: str) -> str:
    return value


#: `lean_columns` rule for a provider shown as its name (`StringRelatedField`: `Provider.__str__` is its name).
PROVIDER_NAME = (("provider__name",), _name)
