from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Gold-card programme")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from customers.models import Machine

        from .signals import machine_saved

        # A machine bought from us may earn credits for the buyer and his referrer.
        post_save.connect(machine_saved, sender=Machine, dispatch_uid="loyalty.machine_saved")
