"""The alerts API (views and serializers of `/api/v1/alerts/`)."""
