import hashlib

import pytest
from django.urls import reverse

from hetong.accounts.models import ApiToken
from hetong.audit.models import AuditEvent

PASSWORD = "Hetong-Test-2026"


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       HTTP_ACCEPT_LANGUAGE="en")


def test_login_with_the_right_password_goes_to_my_work(client, sales_owner):
    response = login(client, "sales_owner", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, sales_owner):
    response = login(client, "sales_owner", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, sales_owner):
    wrong = login(client, "sales_owner", "wrong")
    unknown = login(client, "nobody-here", "wrong")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_five_failures_lock_the_login_even_for_the_right_password(client, sales_owner):
    for _attempt in range(4):
        assert login(client, "sales_owner", "wrong").status_code == 200
    locked = login(client, "sales_owner", "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    again = login(client, "sales_owner", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unknown_users_are_locked_out_with_the_same_page(client, db):
    responses = [login(client, "ghost", "wrong") for _attempt in range(5)]
    assert responses[-1].status_code == 429
    assert "Too many failed sign-in attempts" in responses[-1].content.decode()


def test_logout_needs_a_post(client, sales_owner):
    client.force_login(sales_owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_language_switch_changes_the_users_language_and_the_pages(client, sales_owner):
    client.force_login(sales_owner)
    assert client.get(reverse("core:home")).headers["Content-Language"] == "en"
    response = client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/customers/"})
    assert response.status_code == 302
    assert response.url == "/customers/"
    sales_owner.refresh_from_db()
    assert sales_owner.language == "zh-hans"
    assert response.cookies["django_language"].value == "zh-hans"
    assert client.get(reverse("core:home")).headers["Content-Language"] == "zh-hans"


def test_language_switch_does_not_redirect_to_another_site(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == reverse("core:home")


def test_language_switch_refuses_an_unknown_language(client, sales_owner):
    client.force_login(sales_owner)
    assert client.post(reverse("accounts:language"), {"language": "xx"}).status_code == 400
    sales_owner.refresh_from_db()
    assert sales_owner.language == "en"


def test_signed_out_visitor_switches_language_by_cookie(client, db):
    response = client.post(reverse("accounts:language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("accounts:login")).headers["Content-Language"] == "en"


def test_profile_saves_preferences(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "王小明", "language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    sales_owner.refresh_from_db()
    assert (sales_owner.display_name, sales_owner.time_zone) == ("王小明", "Europe/Berlin")
    assert AuditEvent.objects.filter(verb="user.preferences", target_id=str(sales_owner.pk)).exists()


def test_profile_refuses_an_unknown_time_zone(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "X", "language": "en", "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert response.context["form"].errors["time_zone"]
    sales_owner.refresh_from_db()
    assert (sales_owner.display_name, sales_owner.time_zone) == ("", "Asia/Shanghai")


def test_new_token_is_shown_once_and_only_its_digest_is_stored(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:token_create"), {"name": "ERP sync"})
    assert response.status_code == 201
    secret = response.context["new_secret"]
    assert secret.startswith("ht_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=sales_owner)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(secret in value for value in stored)
    assert secret not in client.get(reverse("accounts:profile")).content.decode()
    assert ApiToken.objects.authenticate(secret) == token


def test_user_revokes_own_token_but_not_someone_elses(client, sales_owner, other_sales, token_for):
    token_for(sales_owner)
    token_for(other_sales)
    mine = ApiToken.objects.get(user=sales_owner)
    theirs = ApiToken.objects.get(user=other_sales)
    client.force_login(sales_owner)
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None


def test_password_change_keeps_this_session_and_is_audited(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Zhong-Wen-2027!", "new_password2": "Zhong-Wen-2027!"})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    sales_owner.refresh_from_db()
    assert sales_owner.check_password("Zhong-Wen-2027!")
    assert AuditEvent.objects.filter(verb="user.password_change", target_id=str(sales_owner.pk)).count() == 1


def test_password_change_with_a_wrong_old_password_changes_nothing(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "nope", "new_password1": "Zhong-Wen-2027!", "new_password2": "Zhong-Wen-2027!"})
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


@pytest.mark.parametrize("name", ["profile", "password_change"])
def test_account_pages_need_a_session(client, db, name):
    response = client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
