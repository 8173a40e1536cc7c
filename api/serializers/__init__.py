"""The API's serializers: the shape of each resource, one module per area. Rules stay in the services."""
