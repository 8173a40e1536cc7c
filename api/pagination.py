"""Cursor pagination on the primary key: stable while rows are added, no COUNT query, the same number of queries
whatever the page size."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_description = "The cursor from the previous page's `next` link."
