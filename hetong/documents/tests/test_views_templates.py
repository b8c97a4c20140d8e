"""The template and clause library pages: create and version templates, refusals shown on the form with nothing
stored, downloads, the sample preview (HTML, PDF, Word), the variable catalogue, and the clause approval flow."""

import io
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts.models import ContractType
from hetong.documents import services
from hetong.documents.models import Clause, ClauseVersion, Template, TemplateVersion

CREATE = reverse("documents:template_create")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def word_file(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def html_form(**overrides) -> dict:
    data = {"kind": "html", "name": "标准销售合同", "language": "zh-hans", "purpose": "contract", "description": "",
            "html": "<h1>{{ contract.title }}</h1>\n<p>甲方：{{ customer.name }}</p>\n"}
    data.update(overrides)
    return data


def docx_form(upload, **overrides) -> dict:
    data = {"kind": "docx", "name": "Word 合同", "language": "zh-hans", "purpose": "contract", "file": upload}
    data.update(overrides)
    return data


def html_template(by, html="<p>{{ customer.name }}</p>", name="服务合同模板", **data):
    return services.create_template(by=by, data={"name": name, "kind": "html", **data}, html=html)


def approved_clause(by, key="payment", text="付款：合同金额 {{ contract.amount }} 元，签订后 30 日内支付。", **data):
    clause = services.create_clause(by=by, data={"key": key, "title": "付款条款", "category": "payment", **data}, text=text)
    services.approve_clause_version(clause.versions.get(), by=by)
    clause.refresh_from_db()
    return clause


# --- creating templates ---------------------------------------------------------------------------------------

def test_legal_creates_an_html_template_on_the_page(client, legal):
    service_type = ContractType.objects.get(code="FW")
    client.force_login(legal)
    response = client.post(CREATE, html_form(contract_types=[service_type.pk], is_standard="on"))
    template = Template.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:template_detail", args=[template.pk])
    assert (template.kind, template.is_standard, template.created_by) == ("html", True, legal)
    assert list(template.contract_types.all()) == [service_type]
    assert template.current.number == 1
    assert template.current.variables == ["contract.title", "customer.name"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "标准销售合同" in page.content.decode()


def test_a_word_template_is_uploaded_checked_and_downloaded_as_an_attachment(client, legal):
    data = word_file("甲方：{{ customer.name }}")
    client.force_login(legal)
    response = client.post(CREATE, docx_form(SimpleUploadedFile("销售合同.docx", data, content_type=DOCX_TYPE)))
    assert response.status_code == 302
    version = Template.objects.get().current
    assert (version.variables, version.original_name) == (["customer.name"], "销售合同.docx")
    download = client.get(reverse("documents:template_version_download", args=[version.template_id, 1]))
    assert download.status_code == 200
    assert download["Content-Type"] == DOCX_TYPE
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content == data


def test_a_version_whose_bytes_changed_is_not_served(client, legal):
    template = services.create_template(by=legal, data={"name": "Word", "kind": "docx"}, docx=word_file("{{ customer.name }}"))
    TemplateVersion.objects.filter(pk=template.current_id).update(docx=word_file("{{ customer.address }}"))
    client.force_login(legal)
    response = client.get(reverse("documents:template_version_download", args=[template.pk, 1]))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "no longer matches its recorded SHA-256" in response.content.decode()


def _broken_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "this is not XML")
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("合同.docx", _broken_zip(), "The Word file is damaged or is not a .docx document"),
    ("合同.docx", word_file("text")[:-200], "This is not a Word (.docx) file."),
    ("合同.docx", "纯文本，不是 Word 文件".encode(), "This is not a Word (.docx) file."),
    ("合同.pdf", b"%PDF-1.4\n%%EOF\n", "Choose a Word file saved as .docx"),
])
def test_a_file_that_is_not_a_readable_docx_is_refused_and_nothing_is_stored(client, legal, name, content, message):
    client.force_login(legal)
    response = client.post(CREATE, docx_form(SimpleUploadedFile(name, content)))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Template.objects.exists()
    assert not AuditEvent.objects.filter(verb="template.created").exists()


def test_a_refused_upload_is_shown_in_chinese_to_a_chinese_user(client, legal):
    legal.language = "zh-hans"
    legal.save()
    client.force_login(legal)
    response = client.post(CREATE, docx_form(SimpleUploadedFile("合同.pdf", b"%PDF-1.4")), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert '<html lang="zh-hans">' in response.content.decode()
    assert not Template.objects.exists()


def test_an_unknown_variable_is_refused_by_name_and_the_input_is_kept(client, legal):
    client.force_login(legal)
    source = "<p>{{ customer.name }}</p>\n<p>{{ foo.bar }}</p>"
    response = client.post(CREATE, html_form(html=source))
    assert response.status_code == 400
    form = response.context["form"]
    assert any("foo.bar" in message for message in form.errors["html"])
    assert "Unknown variables: foo.bar." in response.content.decode()
    assert form["html"].value() == source
    assert not Template.objects.exists()


def test_python_internals_are_refused(client, legal):
    client.force_login(legal)
    response = client.post(CREATE, html_form(html="{{ ''.__class__ }}"))
    assert response.status_code == 400
    assert any("__class__" in message for message in response.context["form"].errors["html"])
    assert not Template.objects.exists()


def test_a_syntax_error_names_its_line(client, legal):
    client.force_login(legal)
    response = client.post(CREATE, html_form(html="<p>一</p>\n<p>二</p>\n{% if contract.auto_renew %}"))
    assert response.status_code == 400
    assert any("line 3" in message for message in response.context["form"].errors["html"])


def test_sales_may_read_templates_but_not_create_or_change_them(client, legal, sales_owner):
    template = html_template(legal)
    client.force_login(sales_owner)
    assert client.get(reverse("documents:template_list")).status_code == 200
    page = client.get(reverse("documents:template_detail", args=[template.pk]))
    assert page.status_code == 200
    assert reverse("documents:template_version_create", args=[template.pk]) not in page.content.decode()
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, html_form(name="别的模板")).status_code == 403
    assert client.post(reverse("documents:template_edit", args=[template.pk]), {"meta-name": "改名"}).status_code == 403
    assert client.get(reverse("documents:template_version_create", args=[template.pk])).status_code == 403
    assert list(Template.objects.values_list("name", flat=True)) == ["服务合同模板"]


def test_the_list_filters_and_reads_a_constant_number_of_queries(client, legal, django_assert_max_num_queries):
    types = list(ContractType.objects.all()[:2])
    for n in range(6):
        html_template(legal, name=f"模板{n}", contract_types=[t.pk for t in types], is_standard=n == 0)
    html_template(legal, name="英文模板", language="en")
    client.force_login(legal)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("documents:template_list"))
    assert len(response.context["templates"]) == 7
    english = client.get(reverse("documents:template_list"), {"language": "en"})
    assert [t.name for t in english.context["templates"]] == ["英文模板"]
    standard = client.get(reverse("documents:template_list"), {"standard": "yes"})
    assert [t.name for t in standard.context["templates"]] == ["模板0"]
    assert client.get(reverse("documents:template_list"), {"kind": "pdf"}).status_code == 400


def test_details_are_edited_on_the_detail_page(client, legal):
    template = html_template(legal)
    html_template(legal, name="另一个模板")
    client.force_login(legal)
    url = reverse("documents:template_edit", args=[template.pk])
    data = {"meta-name": "服务合同（2026）", "meta-language": "zh-hans", "meta-purpose": "renewal", "meta-is_active": "on"}
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert (template.name, template.purpose, template.is_active) == ("服务合同（2026）", "renewal", True)
    response = client.post(url, {**data, "meta-name": "另一个模板"})
    assert response.status_code == 400
    assert "A template with this name exists already." in response.content.decode()
    template.refresh_from_db()
    assert template.name == "服务合同（2026）"


# --- versions -------------------------------------------------------------------------------------------------

def test_a_new_version_increments_the_number_and_keeps_the_old_one(client, legal):
    template = html_template(legal, html="<p>{{ customer.name }}</p>\n")
    url = reverse("documents:template_version_create", args=[template.pk])
    client.force_login(legal)
    form = client.get(url)
    assert form.context["form"]["html"].value() == "<p>{{ customer.name }}</p>\n"  # prefilled with the current text
    response = client.post(url, {"html": "<p>{{ customer.name }}</p>\r\n<p>{{ contract.number }}</p>\r\n", "note": "加合同编号"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.current.number == 2
    assert template.current.html == "<p>{{ customer.name }}</p>\n<p>{{ contract.number }}</p>\n"
    assert template.current.note == "加合同编号"
    assert TemplateVersion.objects.get(template=template, number=1).html == "<p>{{ customer.name }}</p>\n"
    page = client.get(reverse("documents:template_detail", args=[template.pk])).content.decode()
    assert "加合同编号" in page and template.current.sha256[:12] in page


def test_saving_the_same_text_again_is_refused_clearly(client, legal):
    template = html_template(legal, html="<p>{{ customer.name }}</p>\n")
    client.force_login(legal)
    # The browser sends CRLF: the same text all the same.
    response = client.post(reverse("documents:template_version_create", args=[template.pk]),
                           {"html": "<p>{{ customer.name }}</p>\r\n"})
    assert response.status_code == 400
    assert "This text is the same as the current version." in response.content.decode()
    assert template.versions.count() == 1


def test_a_new_word_version_is_uploaded(client, legal):
    template = services.create_template(by=legal, data={"name": "Word", "kind": "docx"}, docx=word_file("{{ customer.name }}"))
    client.force_login(legal)
    upload = SimpleUploadedFile("v2.docx", word_file("{{ customer.name }}", "{{ contract.number }}"))
    response = client.post(reverse("documents:template_version_create", args=[template.pk]), {"file": upload})
    assert response.status_code == 302
    assert list(template.versions.values_list("number", flat=True)) == [2, 1]
    bad = client.post(reverse("documents:template_version_create", args=[template.pk]),
                      {"file": SimpleUploadedFile("v3.docx", word_file("{{ foo.bar }}"))})
    assert bad.status_code == 400
    assert any("foo.bar" in m for m in bad.context["form"].errors["file"])
    assert template.versions.count() == 2


# --- preview and catalogue ------------------------------------------------------------------------------------

def test_the_sample_preview_renders_sanitised_html_with_clauses(client, legal):
    clause = services.create_clause(by=legal, data={"key": "payment", "title": "付款条款"}, text="付款：{{ contract.amount }} 元")
    template = html_template(
        legal,
        html='<h1>{{ contract.title }}</h1><p onclick="steal()">{{ customer.name }}</p>{{ clauses.payment }}'
             '<script>alert(1)</script><a href="javascript:x()">链接</a><table><tr><td colspan="2">合计</td></tr></table>',
    )
    url = reverse("documents:template_preview", args=[template.pk])
    client.force_login(legal)
    before = client.get(url)
    assert before.status_code == 200
    assert "〔payment〕" in before.context["html"]  # no approved text yet
    services.approve_clause_version(clause.versions.get(), by=legal)
    response = client.get(url)
    html = response.context["html"]
    assert "上海申通供应链管理有限公司" in html and "2026 年度物流服务采购合同" in html
    assert "付款：12,000.00 元" in html
    assert '<table class="table table-sm table-bordered"><tbody><tr><td colspan="2">合计</td>' in html
    for unsafe in ("<script", "alert(1)", "onclick", "javascript:", "<a"):
        assert unsafe not in html
    assert "<script>alert(1)" not in response.content.decode()


def test_the_sample_preview_downloads_as_a_pdf(client, legal):
    template = html_template(legal, html="<h1>{{ contract.title }}</h1><p>{{ customer.name }}</p>")
    client.force_login(legal)
    response = client.get(reverse("documents:template_preview_download", args=[template.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")


def test_a_word_template_previews_as_text(client, legal, sales_owner):
    approved_clause(legal)
    template = services.create_template(
        by=legal, data={"name": "Word", "kind": "docx"}, docx=word_file("甲方：{{ customer.name }}", "{{ clauses.payment }}")
    )
    client.force_login(sales_owner)  # reading is for everyone signed in
    response = client.get(reverse("documents:template_preview", args=[template.pk]))
    assert response.status_code == 200
    assert "甲方：上海申通供应链管理有限公司" in response.context["text"]
    assert "付款：合同金额 12,000.00 元" in response.context["text"]
    assert "<pre" in response.content.decode()
    sample = client.get(reverse("documents:template_preview_download", args=[template.pk]))
    assert sample["Content-Type"] == DOCX_TYPE
    assert "上海申通供应链管理有限公司" in "\n".join(p.text for p in docx.Document(io.BytesIO(sample.content)).paragraphs)


def test_an_old_version_can_be_previewed_and_an_unknown_one_is_404(client, legal):
    template = html_template(legal, html="<p>旧：{{ customer.name }}</p>")
    services.add_template_version(template, by=legal, html="<p>新：{{ customer.name }}</p>")
    client.force_login(legal)
    url = reverse("documents:template_preview", args=[template.pk])
    assert "旧：" in client.get(url, {"version": 1}).context["html"]
    assert "新：" in client.get(url).context["html"]
    assert client.get(url, {"version": 9}).status_code == 404
    assert client.get(url, {"version": "x"}).status_code == 404


def test_the_catalogue_lists_every_variable_and_the_active_clauses(client, legal, sales_owner):
    approved_clause(legal, key="confidentiality", text="保密。")
    client.force_login(sales_owner)
    response = client.get(reverse("documents:template_variables"))
    page = response.content.decode()
    assert response.status_code == 200
    for path in ("customer.name", "items[].unit_price", "totals.total_capital", "contract.auto_renew", "today"):
        assert f">{path}<" in page
    assert "clauses.confidentiality" in page
    assert "{%tr for item in items %}" in page
    roots = [group["root"] for group in response.context["variable_groups"]]
    assert roots == ["customer", "entity", "contract", "extra", "items", "totals", "notice", "amendment",
                     "today",
                     "clauses"]


def test_the_editor_pages_show_the_catalogue(client, legal):
    client.force_login(legal)
    assert "customer.name" in client.get(CREATE).content.decode()
    assert "customer.name" in client.get(reverse("documents:clause_create")).content.decode()


# --- clauses --------------------------------------------------------------------------------------------------

def test_a_clause_is_created_as_a_draft_then_approved(client, legal):
    client.force_login(legal)
    response = client.post(reverse("documents:clause_create"), {
        "key": "payment", "language": "zh-hans", "category": "payment", "title": "付款条款",
        "text": "买方应于签订后 30 日内付款。", "alt_label_1": "60 日", "alt_text_1": "买方应于签订后 60 日内付款。",
    })
    assert response.status_code == 302
    clause = Clause.objects.get()
    draft = clause.versions.get()
    assert (draft.state, clause.current) == (ClauseVersion.State.DRAFT, None)
    assert draft.alternatives == [{"label": "60 日", "text": "买方应于签订后 60 日内付款。"}]
    listing = client.get(reverse("documents:clause_list"))
    assert listing.context["clauses"][0].waiting == 1
    detail = client.get(reverse("documents:clause_detail", args=[clause.pk])).content.decode()
    approve_url = reverse("documents:clause_approve", args=[clause.pk, draft.pk])
    assert approve_url in detail
    assert client.post(approve_url).status_code == 302
    clause.refresh_from_db()
    draft.refresh_from_db()
    assert (clause.current, draft.state, draft.approved_by) == (draft, ClauseVersion.State.APPROVED, legal)
    assert client.get(reverse("documents:clause_list")).context["clauses"][0].waiting is None
    again = client.post(approve_url)
    assert again.status_code == 409
    assert "Only a draft version can be approved." in again.content.decode()


def test_an_edit_proposes_a_new_draft_and_the_page_shows_what_changed(client, legal):
    clause = approved_clause(legal, text="买方应于签订后 30 日内付款。\n逾期按日万分之五计息。")
    url = reverse("documents:clause_propose", args=[clause.pk])
    client.force_login(legal)
    assert client.get(url).context["form"]["text"].value().startswith("买方应于签订后 30 日内付款。")
    response = client.post(url, {"text": "买方应于签订后 45 日内付款。\n逾期按日万分之五计息。", "note": "延长账期"})
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.current.number == 1  # documents keep the approved text until the draft is approved
    assert clause.versions.get(number=2).state == ClauseVersion.State.DRAFT
    page = client.get(reverse("documents:clause_detail", args=[clause.pk])).content.decode()
    assert '<del class="text-danger">30</del>' in page
    assert '<ins class="text-success">45</ins>' in page
    assert [c.waiting for c in client.get(reverse("documents:clause_list"), {"waiting": "on"}).context["clauses"]] == [2]


def test_half_filled_alternatives_and_unknown_variables_are_refused(client, legal):
    client.force_login(legal)
    base = {"key": "warranty", "language": "zh-hans", "category": "warranty", "title": "质保"}
    response = client.post(reverse("documents:clause_create"), {**base, "text": "质保一年。", "alt_label_2": "两年"})
    assert response.status_code == 400
    assert "Alternative 1 needs a label and a text." in response.content.decode()
    response = client.post(reverse("documents:clause_create"), {**base, "text": "{{ foo.bar }}"})
    assert response.status_code == 400
    assert any("foo.bar" in m for m in response.context["form"].errors["text"])
    assert not Clause.objects.exists()


def test_sales_may_read_the_clause_library_but_not_change_it(client, legal, sales_owner):
    clause = services.create_clause(by=legal, data={"key": "payment", "title": "付款条款"}, text="付款。")
    draft = clause.versions.get()
    client.force_login(sales_owner)
    assert client.get(reverse("documents:clause_list")).status_code == 200
    detail = client.get(reverse("documents:clause_detail", args=[clause.pk]))
    assert detail.status_code == 200
    assert reverse("documents:clause_approve", args=[clause.pk, draft.pk]) not in detail.content.decode()
    assert client.post(reverse("documents:clause_approve", args=[clause.pk, draft.pk])).status_code == 403
    assert client.get(reverse("documents:clause_create")).status_code == 403
    assert client.post(reverse("documents:clause_propose", args=[clause.pk]), {"text": "改"}).status_code == 403
    draft.refresh_from_db()
    assert draft.state == ClauseVersion.State.DRAFT
    assert clause.versions.count() == 1


def test_the_clause_list_groups_by_category_in_constant_queries(client, legal, django_assert_max_num_queries):
    for n, category in enumerate(["payment", "payment", "warranty", "disputes"]):
        approved_clause(legal, key=f"clause_{n}", category=category)
    client.force_login(legal)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("documents:clause_list"))
    table = response.content.decode().split("<table", 1)[1]
    assert table.index("Payment") < table.index("clause_1") < table.index("Warranty") < table.index("Dispute resolution")
    english = client.get(reverse("documents:clause_list"), {"language": "en"})
    assert list(english.context["clauses"]) == []
