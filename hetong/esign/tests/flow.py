"""The signing flow for tests: a contract approved with a generated PDF, our signatory and the customer's contact
(the `setup` fixture, loaded for every test by the root conftest), and helpers that read the emailed link and code."""

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest

from hetong.contracts.models import Contract
from hetong.contracts.services import approve_contract, submit_contract
from hetong.customers.services import add_contact
from hetong.documents import services as documents
from hetong.esign import pki, services
from hetong.esign.models import Signer
from hetong.notifications.models import Delivery

HTML = "<h1>{{ contract.title }}</h1><p>合同编号：{{ contract.number }}</p><p>甲方：{{ customer.name }}</p>"
DEADLINE = dt.date.today() + dt.timedelta(days=10)


@pytest.fixture
def setup(legal, manager, sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner, name="上海华运物流有限公司")
    contact = add_contact(customer, by=sales_owner, data={"name": "李总", "email": "li@example.cn",
                                                          "is_signatory": True})
    contract = make_contract(sales_owner, customer, title="华运物流年度运输服务合同", amount="12000.00")
    template = documents.create_template(by=legal, data={"name": "签署测试", "kind": "html"}, html=HTML)
    document = documents.generate_document(contract, template, by=sales_owner)
    submit_contract(contract, by=sales_owner)
    contract = approve_contract(contract, by=manager)
    assert contract.status == Contract.Status.APPROVED
    return {"contract": contract, "contact": contact, "document": document, "ours": manager}


def make_request(setup, by, *, order="sequential", send=True):
    request = services.create_request(setup["contract"], by=by, signers=[setup["ours"], setup["contact"]],
                                      order=order, deadline=DEADLINE, message="请于十日内签署。")
    return services.send(request, by=by) if send else request


def last_mail(address: str) -> Delivery:
    return Delivery.objects.filter(kind=Delivery.Kind.EMAIL, to=address).order_by("-id").first()


def token_of(signer: Signer) -> str:
    return re.search(r"/sign/([\w-]+)/", last_mail(signer.email).text).group(1)


def code_of(signer: Signer) -> str:
    return re.search(r"\b(\d{6})\b", last_mail(signer.email).subject).group(1)


def confirm(signer: Signer, session: str) -> Signer:
    signer = services.open_link(token_of(signer), session)
    services.send_code(signer, session)
    return services.confirm_code(signer, code_of(signer), session)


def sign_as(signer: Signer, session: str, **kw) -> Signer:
    confirm(signer, session)
    return services.sign(signer, session_key=session, ip="203.0.113.7", user_agent="Mozilla/5.0 Test", **kw)


def flip_in_first_revision(data: bytes) -> bytes:
    # The second line of a PDF is a binary comment: changing it keeps the file readable but breaks every digest.
    at = data.index(b"\n") + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


# --- poppler's pdfsig with Hetong's CA in an NSS trust store -------------------------------------------------------


@pytest.fixture
def pdfsig(tmp_path):
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        if os.environ.get("HETONG_REQUIRE_PDFSIG"):
            pytest.fail("pdfsig and certutil are required (apt-get install poppler-utils libnss3-tools)")
        pytest.skip("poppler's pdfsig or NSS certutil is not installed")
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_text(pki.ca_certificate_pem())
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-n", "hetong-ca", "-t", "C,C,C", "-i", str(tmp_path / "ca.pem"),
                    "-d", f"sql:{nss}"], check=True, capture_output=True)

    def run(data: bytes) -> str:
        path = tmp_path / "file.pdf"
        path.write_bytes(data)
        done = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True,
                              timeout=60)
        return done.stdout + done.stderr

    return run
