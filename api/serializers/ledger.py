"""Ledger transactions and their entries, for a finance system pulling new postings. An entry's amount is signed:
positive is a debit, negative a credit; a transaction's entries sum to zero."""

from __future__ import annotations

from rest_framework import serializers

from ledger.models import Entry, Transaction

from ._fields import AuthorityCodeField, MoneyField


def posting_kind(transaction: Transaction) -> str:
    """The last part of the posting's key (`claims.asfapplication:12:approved` is `approved`)."""
    return kind_of_key(transaction.idempotency_key)


def kind_of_key(idempotency_key: str) -> str:
    return idempotency_key.rsplit(":", 1)[-1]


def source_label(app_label: str | None, model: str | None, source_id: str) -> str:
    """What caused the posting, as app.model:pk (empty for none)."""
    if app_label is None:
        return ""
    return f"{app_label}.{model}:{source_id}"


class EntrySerializer(serializers.ModelSerializer):
    authority = AuthorityCodeField(source="account.authority")
    account = serializers.CharField(source="account.code")
    account_name = serializers.CharField(source="account.name")
    counterparty = AuthorityCodeField(source="account.counterparty", allow_null=True)
    amount = MoneyField()
    transaction_date = serializers.DateField(source="transaction.transaction_date")

    class Meta:
        model = Entry
        fields = ["id", "transaction", "transaction_date", "authority", "account", "account_name", "counterparty",
                  "amount"]


class TransactionSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    entries = EntrySerializer(many=True, read_only=True, source="visible_entries")
    # api.lean: the two method fields from columns (the source's content type joined).
    lean_columns = {
        "kind": (("idempotency_key",), kind_of_key),
        "source": (("source_type__app_label", "source_type__model", "source_id"), source_label),
    }

    class Meta:
        model = Transaction
        fields = ["id", "transaction_date", "memo", "idempotency_key", "kind", "source", "reverses", "created_at",
                  "entries"]

    def get_kind(self, obj: Transaction) -> str:
        return posting_kind(obj)

    def get_source(self, obj: Transaction) -> str:
        """What caused the posting, as app.model:pk (empty for none)."""
        source_type = obj.source_type
        if source_type is None:
            return ""
        return source_label(source_type.app_label, source_type.model, obj.source_id)
