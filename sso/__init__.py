"""Single sign-on: staff sign in with their organisation's own accounts (OpenID Connect), beside local accounts."""
