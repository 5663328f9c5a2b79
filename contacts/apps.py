from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from customers.models import Customer
        from customers.signals import customer_rows_settled

        from . import signals  # the contact log's receivers connect on import

        # Customer.last_contacted_at follows the contact logs, also when a merge moves them.
        customer_rows_settled.connect(
            signals.customer_rows_settled,
            sender=Customer,
            dispatch_uid="contacts.customer_rows_settled",
        )
