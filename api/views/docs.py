"""The OpenAPI schema (JSON or YAML) and its documentation page (Swagger UI from the project's own static files,
its start-up script a separate file: the page keeps the Content Security Policy). Open to anyone: they hold the
contract, never data."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Adoption support API, version 1"
