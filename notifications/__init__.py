"""Letters (templates, PDF rendering, stored documents) and the send channel (GOV.UK Notify, or the local outbox).
A low floor beside organisations: callers hand it the recipient and the context; it knows no domain."""
