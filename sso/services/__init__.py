"""Every write of single sign-on: the sign-in decision (link, provision, role change, refusal) and its trail."""
