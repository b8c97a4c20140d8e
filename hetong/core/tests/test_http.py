from django.test import RequestFactory

from hetong.core.http import client_ip


def test_the_visitor_address_is_remote_addr_unless_behind_our_proxy(settings):
    factory = RequestFactory()
    direct = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    settings.HETONG_BEHIND_PROXY = False
    assert client_ip(direct) == "203.0.113.9"  # a client cannot choose its address by sending the header

    settings.HETONG_BEHIND_PROXY = True
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7")
    assert client_ip(proxied) == "198.51.100.7"  # the one our proxy appended, not the client's claim before it
    assert client_ip(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    assert client_ip(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")) is None
    assert client_ip(factory.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
