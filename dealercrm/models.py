"""Shared model pieces: the timestamped abstract base every domain model uses."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SecurityEvent(models.Model):
    """The security log: denied access, login failures, lockouts, merges, imports,
    exports and role changes — who, from where, what, when, and how it ended."""

    class Kind(models.TextChoices):
        ACCESS_DENIED = "access_denied", _("Access denied")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGIN_LOCKED = "login_locked", _("Login locked out")
        LOCKOUT_CLEARED = "lockout_cleared", _("Lockout cleared")
        MERGE = "merge", _("Merge")
        UNMERGE = "unmerge", _("Unmerge")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        ROLE_CHANGE = "role_change", _("Role change")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        indexes = [
            # the admin's filter by kind, newest first
            models.Index(fields=["kind", "-created_at"], name="secevent_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username or '-'}"


class LoginThrottle(models.Model):
    """Failed logins counted per user name and per IP address; a key over its limit is
    locked until `locked_until`. Rows are the lockout list archivists see and clear."""

    class Scope(models.TextChoices):
        USERNAME = "username", _("User name")
        IP = "ip", _("IP address")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope)
    key = models.CharField(_("user name or IP"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_started_at = models.DateTimeField(_("counting since"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        ordering = ["-locked_until", "scope", "key"]
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="dealercrm_loginthrottle_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class KnownLoginAddress(models.Model):
    """A user name that has logged in successfully from an address: an address locked for
    guessing still lets these people in (an office shares one address; one colleague's
    typos must not lock the others out). Written on every successful login."""

    username = models.CharField(_("user name"), max_length=150)
    ip = models.GenericIPAddressField(_("IP address"))
    last_login_at = models.DateTimeField(_("last login"))

    class Meta:
        verbose_name = _("known login address")
        verbose_name_plural = _("known login addresses")
        constraints = [
            # also the index of security.is_known_address (username, ip)
            models.UniqueConstraint(
                fields=["username", "ip"], name="dealercrm_knownloginaddress_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}"
