"""REST API v1 (Django REST framework): serializers for shape only, views call the apps' services and selectors.
Nothing imports this app: it sits on the top floor beside config (docs/decisions/0008-api-clients.md)."""
