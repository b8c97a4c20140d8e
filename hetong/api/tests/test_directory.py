from django.test import Client


def test_every_signed_in_user_reads_the_staff_directory(org, sales_owner, manager, viewer, api_as):
    sales_owner.display_name = "张三"
    sales_owner.save(update_fields=["display_name"])
    response = api_as(viewer).get("/api/v1/users")
    assert response.status_code == 200
    users = {u["username"]: u for u in response.json()["items"]}
    assert set(users) == {"sales_owner", "manager", "viewer"}
    assert users["sales_owner"] == {
        "id": sales_owner.pk,
        "username": "sales_owner",
        "name": "张三",
        "department": org["east"].pk,
        "role": "sales",
        "is_active": True,
    }


def test_directory_never_shows_emails_or_password_hashes(sales_owner, api_as):
    sales_owner.email = "zhang@example.cn"
    sales_owner.save(update_fields=["email"])
    body = api_as(sales_owner).get(f"/api/v1/users/{sales_owner.pk}").content.decode()
    assert "zhang@example.cn" not in body and "pbkdf2" not in body and "password" not in body


def test_users_can_be_searched_and_filtered_by_department(org, sales_owner, other_sales, api_as):
    client = api_as(sales_owner)
    assert [u["username"] for u in client.get("/api/v1/users?q=other").json()["items"]] == ["other_sales"]
    assert [u["id"] for u in client.get(f"/api/v1/users?department={org['east'].pk}").json()["items"]] == [
        sales_owner.pk
    ]


def test_departments_list_the_tree_in_path_order(org, sales_owner, api_as):
    response = api_as(sales_owner).get("/api/v1/departments?limit=200")
    assert response.status_code == 200
    items = response.json()["items"]
    by_name = {d["name"]: d for d in items}
    assert by_name["华东区"]["parent"] == org["sales"].pk
    assert by_name["华东区"]["path"] == f"/{org['sales'].pk}/{org['east'].pk}/"
    assert [d["path"] for d in items] == sorted(d["path"] for d in items)
    detail = api_as(sales_owner).get(f"/api/v1/departments/{org['north'].pk}").json()
    assert detail == {
        "id": org["north"].pk,
        "name": "华北区",
        "parent": org["sales"].pk,
        "path": org["north"].path,
    }


def test_unknown_user_or_department_is_404(org, sales_owner, api_as):
    client = api_as(sales_owner)
    for path in ("/api/v1/users/999999", "/api/v1/departments/999999"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_directory_needs_credentials(org):
    assert Client().get("/api/v1/users").status_code == 401
    assert Client().get("/api/v1/departments").status_code == 401


def test_bad_directory_parameters_are_400(org, sales_owner, api_as):
    response = api_as(sales_owner).get("/api/v1/users?department=east&limit=-1")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"department", "limit"}
