"""Ledger transactions and entries (`ledger:read`), filterable by authority, account, date and posting kind, so a
finance system can pull new postings (`updated_since` is the time of posting: the ledger is append-only)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet

from ledger.models import AccountCode, Entry, Transaction

from ..filters import UpdatedSinceFilterSet
from ..serializers import ledger as s
from ._base import ScopedReadViewSet


class EntryFilterSet(UpdatedSinceFilterSet):
    timestamp_field = "transaction__created_at"
    authority = django_filters.CharFilter(field_name="account__authority__short_code",
                                          label="The authority's short code, e.g. kent")
    account = django_filters.ChoiceFilter(field_name="account__code", choices=AccountCode.choices)
    date_from = django_filters.DateFilter(field_name="transaction__transaction_date", lookup_expr="gte",
                                          label="Postings dated on or after this date")
    date_before = django_filters.DateFilter(field_name="transaction__transaction_date", lookup_expr="lt",
                                            label="Postings dated before this date")
    kind = django_filters.CharFilter(method="filter_kind", label="The posting kind, e.g. approved or paid")

    class Meta:
        model = Entry
        fields: list[str] = []

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(transaction__idempotency_key__endswith=f":{value}")


class TransactionFilterSet(UpdatedSinceFilterSet):
    timestamp_field = "created_at"
    authority = django_filters.CharFilter(method="filter_authority", label="The authority's short code, e.g. kent")
    account = django_filters.ChoiceFilter(method="filter_account", choices=AccountCode.choices)
    date_from = django_filters.DateFilter(field_name="transaction_date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="transaction_date", lookup_expr="lt")
    kind = django_filters.CharFilter(method="filter_kind", label="The posting kind, e.g. approved or paid")

    class Meta:
        model = Transaction
        fields: list[str] = []

    def filter_authority(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=Entry.objects.filter(account__authority__short_code=value)
                               .values("transaction_id"))

    def filter_account(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=Entry.objects.filter(account__code=value).values("transaction_id"))

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(idempotency_key__endswith=f":{value}")


class EntryViewSet(ScopedReadViewSet):
    required_scope = "ledger:read"
    model = Entry
    serializer_class = s.EntrySerializer
    select_related = ("transaction", "account__authority", "account__counterparty")
    filterset_class = EntryFilterSet


class TransactionViewSet(ScopedReadViewSet):
    """Transactions with those of their entries the client may see (its own authorities' accounts)."""

    required_scope = "ledger:read"
    model = Transaction
    serializer_class = s.TransactionSerializer
    select_related = ("source_type",)
    filterset_class = TransactionFilterSet

    def base_queryset(self) -> QuerySet:
        visible = Entry.objects.for_user(self.request.user)
        return Transaction.objects.filter(pk__in=visible.values("transaction_id"))

    # api.lean: the entries are read through the same visible-entries queryset, one query for the page.
    lean_prefetch = (Prefetch("entries", to_attr="visible_entries"),)

    def visible_entries(self) -> QuerySet:
        return Entry.objects.for_user(self.request.user).order_by("id")

    def lean_entries_queryset(self) -> QuerySet:
        return self.visible_entries()

    def get_queryset(self) -> QuerySet:
        # The entries' transaction is their parent (the prefetch sets it): only the accounts are joined.
        visible = self.visible_entries().select_related("account__authority", "account__counterparty")
        return super().get_queryset().prefetch_related(Prefetch("entries", queryset=visible,
                                                                to_attr="visible_entries"))
