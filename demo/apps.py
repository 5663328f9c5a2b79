from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its command, `seed_demo` (no models, nothing in the admin)."""

    name = "demo"
