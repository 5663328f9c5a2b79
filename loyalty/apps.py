from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Gold-card programme")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from customers.models import Customer, Machine
        from customers.selectors import add_list_annotation
        from customers.signals import (
            customer_rows_moved,
            merge_answer_undone,
            merge_answered,
            merge_questions,
        )

        from . import signals
        from .selectors.tiers import with_latest_tier

        # A machine bought from us may earn credits for the buyer and his referrer.
        post_save.connect(
            signals.machine_saved, sender=Machine, dispatch_uid="loyalty.machine_saved"
        )
        # Customer.is_gold_card follows the gold cards, also when a merge moves them.
        customer_rows_moved.connect(
            signals.customer_rows_moved,
            sender=Customer,
            dispatch_uid="loyalty.customer_rows_moved",
        )
        # Every customer list carries the newest 80/20 tier (the list page's column, the
        # export's): customers asks for it without importing loyalty.
        add_list_annotation(with_latest_tier)
        # Two duplicates each holding a gold card: which card to keep (services.card_merges).
        for signal, receiver in (
            (merge_questions, signals.merge_questions),
            (merge_answered, signals.merge_answered),
            (merge_answer_undone, signals.merge_answer_undone),
        ):
            signal.connect(receiver, sender=Customer, dispatch_uid=f"loyalty.{receiver.__name__}")
