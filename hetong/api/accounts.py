"""The staff directory: users and departments, read-only, for every signed-in caller (to fill owner and
department fields and to show names for the ids in other responses)."""

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from hetong.accounts.models import Department, Role, User
from hetong.core.pagination import Sort

from .errors import errors
from .schemas import PageQuery, page_of

router = Router(tags=["directory"])

USER_SORT = Sort("id", kind=int)
DEPARTMENT_SORT = Sort("path", kind=str)


class UserOut(Schema):
    id: int
    username: str
    name: str
    department: int | None
    role: Role
    is_active: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_department(obj):
        return obj.department_id


class UserPage(Schema):
    items: list[UserOut]
    count: int
    next_cursor: str | None


class UserQuery(PageQuery):
    q: str | None = Field(None, description="Part of the user name or display name.")
    department: int | None = None


class DepartmentOut(Schema):
    id: int
    name: str
    parent: int | None
    path: str

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


class DepartmentPage(Schema):
    items: list[DepartmentOut]
    count: int
    next_cursor: str | None


@router.get("/users", response={200: UserPage, **errors(400, 401)})
def list_users(request, query: Query[UserQuery]):
    qs = User.objects.all()
    if query.q:
        qs = qs.filter(Q(username__icontains=query.q) | Q(display_name__icontains=query.q))
    if query.department is not None:
        qs = qs.filter(department_id=query.department)
    return page_of(qs, USER_SORT, query)


@router.get("/users/{int:user_id}", response={200: UserOut, **errors(401, 404)})
def get_user(request, user_id: int):
    return User.objects.get(pk=user_id)


@router.get("/departments", response={200: DepartmentPage, **errors(400, 401)})
def list_departments(request, query: Query[PageQuery]):
    return page_of(Department.objects.all(), DEPARTMENT_SORT, query)


@router.get("/departments/{int:department_id}", response={200: DepartmentOut, **errors(401, 404)})
def get_department(request, department_id: int):
    return Department.objects.get(pk=department_id)
