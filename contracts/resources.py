"""django-import-export resources and widgets: the cells of a usage file (read by
`contracts.services.usage_import`), the usage export, and the contract register (admin import and export).

Used by the services and the admin only, and importing neither: a register import saves each row through the
`create` and `update` it is given (the admin gives `contracts.services.register.contract_create` and
`contract_update`), so the layers run one way (services -> resources -> models)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone
from import_export import fields, resources, widgets
from moneyed import Money

from core.spreadsheets import neutralise
from organisations.models import Authority, Provider

from .models import Contract, UsageMeasure, UsageRecord


class ContractWidget(widgets.Widget):
    """A contract by its reference, among the contracts the importing user may see."""

    def __init__(self, contracts: Any = None) -> None:
        super().__init__()
        self.contracts = contracts
        self._seen: dict[str, Contract | None] = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Contract | None:
        reference = str(value or "").strip()
        if not reference:
            raise ValueError("Enter the contract reference.")
        key = reference.lower()
        if key not in self._seen:
            queryset = self.contracts if self.contracts is not None else Contract.objects.all()
            self._seen[key] = (
                queryset.filter(reference__iexact=reference).prefetch_related("parties").first()
            )
        contract = self._seen[key]
        if contract is None:
            raise ValueError(f"There is no contract “{reference}” that you can see.")
        return contract

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.reference if value else ""


class AuthorityWidget(widgets.Widget):
    """An authority by its short code (kent) or its name (Kent County Council)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Authority | None:
        text = str(value or "").strip()
        if not text:
            raise ValueError("Enter the authority.")
        authority = Authority.objects.filter(Q(short_code__iexact=text) | Q(name__iexact=text)).first()
        if authority is None:
            raise ValueError(f"There is no authority “{text}”.")
        return authority

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.short_code if value else ""


class StrictDateWidget(widgets.Widget):
    """A date as 2016-04-01 or 01/04/2016, or a spreadsheet date cell."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        if not text:
            raise ValueError("Enter the date.")
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                continue
        raise ValueError(f"“{text}” is not a date: use 2016-04-01 or 01/04/2016.")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value.isoformat() if value else ""


class QuantityWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError("The quantity must be a number.")
        text = str(value if value is not None else "").strip().replace(",", "")
        if not text:
            raise ValueError("Enter the quantity.")
        try:
            quantity = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"“{text}” is not a number.") from exc
        if not quantity.is_finite():
            raise ValueError(f"“{text}” is not a number.")
        if quantity < 0:
            raise ValueError(f"The quantity cannot be negative ({quantity}).")
        return quantity

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class MeasureWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = str(value or "").strip().lower()
        if text not in UsageMeasure.values:
            raise ValueError(f"“{value}” is not a usage measure: use one of {', '.join(UsageMeasure.values)}.")
        return text

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class NeutralisedExport:
    """Every exported text cell beginning with = + - @ (or tab, CR) is made inert for spreadsheet programs."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return neutralise(super().export_field(field, instance, **kwargs))  # type: ignore[misc]


class UsageExportResource(NeutralisedExport, resources.ModelResource):
    """Usage as a finance officer reads it (and as the import takes it back)."""

    contract = fields.Field(attribute="contract__reference", column_name="contract_reference")
    authority = fields.Field(attribute="authority__short_code", column_name="authority")
    usage_date = fields.Field(attribute="usage_date", column_name="usage_date", widget=widgets.DateWidget())
    measure = fields.Field(attribute="measure", column_name="measure")
    quantity = fields.Field(
        attribute="quantity", column_name="quantity", widget=widgets.DecimalWidget(coerce_to_string=False)
    )
    source_key = fields.Field(attribute="source_key", column_name="source_key")

    class Meta:
        model = UsageRecord
        fields = ("contract", "authority", "usage_date", "measure", "quantity", "source_key")

    def get_queryset(self) -> Any:
        return UsageRecord.objects.select_related("contract", "authority").order_by("id")


# ---- the contract register (admin) -----------------------------------------------------------------------------


class MoneyWidget(widgets.Widget):
    """GBP amounts as numbers in both directions (import-export would otherwise export a MoneyField empty)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Money:
        amount = QuantityWidget().clean(value)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f"£{amount} is not a whole number of pence.")
        return Money(amount.quantize(Decimal("0.01")), "GBP")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value.amount if isinstance(value, Money) else value


class PartiesWidget(widgets.ManyToManyWidget):
    """Party authorities by short code, separated by ";". The lead is always a party, so it is always counted
    (and a re-import of an exported row compares equal)."""

    def __init__(self) -> None:
        super().__init__(Authority, separator=";", field="short_code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[Authority]:
        codes = {c.strip().lower() for c in str(value or "").split(";") if c.strip()}
        if row and row.get("lead_authority"):
            codes.add(str(row["lead_authority"]).strip().lower())
        found = list(Authority.objects.filter(short_code__in=codes).order_by("pk"))
        missing = codes - {a.short_code for a in found}
        if missing:
            raise ValueError(f"There is no authority {', '.join(sorted(missing))}.")
        return found


class ContractResource(NeutralisedExport, resources.ModelResource):
    """The register for the admin. The state is exported but never imported (the machine moves it); an imported
    row is written by the `create` or `update` given (the register services: the admin passes them)."""

    reference = fields.Field(attribute="reference", column_name="reference")
    title = fields.Field(attribute="title", column_name="title")
    provider = fields.Field(attribute="provider", column_name="provider",
                            widget=widgets.ForeignKeyWidget(Provider, "name"))
    lead_authority = fields.Field(attribute="lead_authority", column_name="lead_authority",
                                  widget=widgets.ForeignKeyWidget(Authority, "short_code"))
    parties = fields.Field(attribute="parties", column_name="parties", widget=PartiesWidget())
    procurement_route = fields.Field(attribute="procurement_route", column_name="procurement_route")
    pricing = fields.Field(attribute="pricing", column_name="pricing")
    start_date = fields.Field(attribute="start_date", column_name="start_date", widget=StrictDateWidget())
    end_date = fields.Field(attribute="end_date", column_name="end_date", widget=StrictDateWidget())
    total_value = fields.Field(attribute="total_value", column_name="total_value", widget=MoneyWidget())
    capacity_per_year = fields.Field(attribute="capacity_per_year", column_name="capacity_per_year",
                                     widget=widgets.IntegerWidget(coerce_to_string=False))
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Contract
        import_id_fields = ("reference",)
        fields = ("reference", "title", "provider", "lead_authority", "parties", "procurement_route", "pricing",
                  "start_date", "end_date", "total_value", "capacity_per_year", "status")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        skip_html_diff = True

    # The register's details an imported row sets: every column but the parties (set with them) and the state.
    REGISTER_COLUMNS = ("reference", "title", "provider", "lead_authority", "procurement_route", "pricing",
                        "start_date", "end_date", "total_value", "capacity_per_year")

    def __init__(self, *, by: Any = None, now: Any = None, create: Callable[..., Contract] | None = None,
                 update: Callable[..., Contract] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.by = by
        self.now = now
        self.create = create
        self.update = update

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        if kwargs.get("dry_run"):
            return
        if self.create is None or self.update is None:
            raise ImproperlyConfigured("ContractResource imports only through the register services: pass create= "
                                       "and update= (contracts.services.register).")
        by = self.by or kwargs.get("user")
        now = self.now or timezone.now()
        parties = list(self.fields["parties"].clean(row)) if "parties" in row else []
        values = {name: getattr(instance, name) for name in self.REGISTER_COLUMNS}
        if is_create:
            created = self.create(by=by, now=now, parties=parties, **values)
            instance.pk = created.pk
        else:
            self.update(contract=instance, by=by, parties=parties or None, **values)

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        return None
