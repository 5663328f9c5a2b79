from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealercrmConfig(AppConfig):
    name = "dealercrm"
    verbose_name = _("dealercrm")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the role-change log
        from .api_support import install_rfc3339_datetimes, require_json_strings

        require_json_strings()
        install_rfc3339_datetimes()
