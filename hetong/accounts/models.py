import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def manager_in(user, department, heads: dict):
    """The user's manager: the head of their department, or of the department above when the user is that head.
    `department` is the user's Department with its `parent` chain, `heads` {department id: active head}, both read
    once by the caller for a whole pass."""
    while department is not None:
        head = heads.get(department.pk)
        if head is not None and head.pk != user.pk:
            return head
        department = department.parent
    return None


class Department(models.Model):
    """A node of the organisation tree. `path` ("/1/4/9/") makes "this department and everything under
    it" one indexed prefix match instead of a recursive walk."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "accounts.User", verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="department_name_unique_in_parent")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            old, self.path = self.path, path
            Department.objects.filter(pk=self.pk).update(path=path)
            if old:  # moved: re-root the subtree
                for child in Department.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Department.objects.filter(pk=child.pk).update(path=path + child.path[len(old) :])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    LEGAL = "legal", _("Legal")
    FINANCE = "finance", _("Finance")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES = "sales", _("Sales")
    VIEWER = "viewer", _("Viewer")


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    DEPARTMENT = "department", _("Department and sub-departments")
    ALL = "all", _("All records")


ROLE_SCOPES = {
    Role.ADMIN: Scope.ALL,
    Role.LEGAL: Scope.ALL,
    Role.FINANCE: Scope.ALL,
    Role.SALES_MANAGER: Scope.DEPARTMENT,
    Role.SALES: Scope.OWN,
    Role.VIEWER: Scope.DEPARTMENT,
}

TIME_ZONES = sorted(zoneinfo.available_timezones())


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    language = models.CharField(
        _("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    daily_digest = models.BooleanField(
        _("daily digest by email"), default=True, help_text=_("A morning email of open reminders and the week's key dates."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def scope(self) -> str:
        if self.is_superuser:
            return Scope.ALL
        return ROLE_SCOPES.get(self.role, Scope.OWN)

    def scope_q(self, *, owner: str = "owner", department: str = "department") -> Q:
        """The rows this user may read, as a filter on a model's owner and department fields."""
        scope = self.scope
        if scope == Scope.ALL:
            return Q()
        own = Q(**{owner: self})
        if scope == Scope.DEPARTMENT and self.department_id:
            # A subquery of department ids, so the database can use the index on the department column.
            subtree = Department.objects.filter(path__startswith=self.department.path).values("pk")
            return own | Q(**{f"{department}__in": subtree})
        return own

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, raw: str):
        digest = hashlib.sha256(raw.encode()).hexdigest()
        token = self.select_related("user").filter(digest=digest, revoked_at__isnull=True).first()
        if token and token.user.is_active:
            return token
        return None


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60, blank=True)
    digest = models.CharField(max_length=64, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.UniqueConstraint(fields=["digest"], name="apitoken_digest_unique")]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_secret() -> str:
        return "ht_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
