"""A value the contract lacks: false in a condition, a clear error naming its path when a template prints it."""

from django.utils.translation import gettext as _
from jinja2 import ChainableUndefined

from hetong.core.errors import InvalidInput


class MissingValue(InvalidInput):
    code = "missing_value"


class Missing(ChainableUndefined):
    __slots__ = ()

    def _path(self) -> str:
        return self._undefined_name or "?"

    def __getattr__(self, name):
        if name[:2] == "__":
            raise AttributeError(name)
        return Missing(name=f"{self._path()}.{name}")

    def __getitem__(self, name):
        if not isinstance(name, str) or name[:2] == "__":
            raise KeyError(name)
        return Missing(name=f"{self._path()}.{name}")

    def __str__(self):
        raise MissingValue(
            _("The contract has no value for %(path)s, which the template needs. Fill it in, then generate again.")
            % {"path": self._path()},
            errors={"template": [self._path()]},
        )

    __html__ = __str__
