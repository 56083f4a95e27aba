"""The fakes, checked against the real Vonage SDK over real HTTPS, and gunicorn over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import textwrap
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests
import vonage
import vonage_http_client
import vonage_jwt
import vonage_messages
import vonage_sms

from tests.fakes.gunicorn import GunicornStartError, run_gunicorn
from tests.fakes.signing import (
    HMAC_METHODS,
    messages_jwt,
    sign_sms_params,
    signature_base,
    sms_signature,
)
from tests.fakes.vonage_server import (
    Drop,
    FakeVonage,
    Hang,
    Http,
    Ok,
    SmsStatus,
    Throttle,
)

SIGNATURE_SECRET = "signature_secret"
JWT_SECRET = "a-webhook-signature-secret-of-40-chars!!"


@pytest.fixture
def fake(monkeypatch):
    with FakeVonage() as fake:
        fake.trust(monkeypatch)
        yield fake


def client_for(fake: FakeVonage, **options) -> vonage.Vonage:
    return vonage.Vonage(
        vonage.Auth(api_key="k", api_secret="s"),
        vonage.HttpClientOptions(**fake.client_options(**({"timeout": 2} | options))),
    )


def send_sms(client: vonage.Vonage, text: str = "hi") -> vonage_sms.SmsResponse:
    return client.sms.send(
        vonage_sms.SmsMessage(to="15551234567", from_="15557654321", text=text, client_ref="42")
    )


# fake Vonage: what it receives


def test_sms_send_is_received_as_a_form_with_basic_auth(fake):
    response = send_sms(client_for(fake))

    (received,) = fake.received
    assert (received.method, received.path, received.api) == ("POST", "/sms/json", "sms")
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    assert received.headers["authorization"] == "Basic " + base64.b64encode(b"k:s").decode()
    assert received.body == {
        "to": "15551234567", "from": "15557654321", "text": "hi", "client-ref": "42",
    }
    assert response.messages[0].status == "0"
    assert response.messages[0].message_id == received.message_id
    assert fake.sms_sent == [received]
    assert fake.count() == 1 and fake.count(to="15551234567") == 1 and fake.count(to="1") == 0
    assert fake.texts_to("15551234567") == ["hi"]


def test_message_ids_are_unique(fake):
    client = client_for(fake)
    ids = {send_sms(client).messages[0].message_id for _ in range(3)}
    assert len(ids) == 3


def test_messages_api_send_is_received_as_json(fake):
    response = client_for(fake).messages.send(
        vonage_messages.Sms(to="15551234567", from_="15557654321", text="hi", client_ref="42")
    )

    (received,) = fake.received
    assert (received.path, received.api) == ("/v1/messages", "messages")
    assert received.headers["content-type"] == "application/json"
    assert received.body == {
        "to": "15551234567", "from": "15557654321", "text": "hi", "client_ref": "42",
        "channel": "sms", "message_type": "text",
    }
    assert response.message_uuid == received.message_id
    assert fake.messages_sent == [received] and fake.sms_sent == []
    assert fake.texts_to("15551234567") == ["hi"]


def test_unknown_path_answers_404_without_using_the_script(fake):
    fake.script([Http(500)])
    answer = requests.post(f"{fake.url}/nope", data={"a": "1"}, timeout=2)
    assert answer.status_code == 404 and answer.json()["title"] == "Not Found"
    with pytest.raises(vonage_http_client.ServerError):
        send_sms(client_for(fake))


# fake Vonage: scripted failures, as the SDK surfaces them


def test_http_500_is_a_server_error(fake):
    fake.script([Http(500)])
    with pytest.raises(vonage_http_client.ServerError) as caught:
        send_sms(client_for(fake))
    assert caught.value.response.json()["title"] == "Internal Server Error"
    assert len(fake.received) == 1 and fake.sms_sent == []


def test_http_429_is_rate_limited(fake):
    fake.script([Http(429)])
    with pytest.raises(vonage_http_client.RateLimitedError):
        send_sms(client_for(fake))
    assert len(fake.received) == 1 and fake.count() == 0


def test_other_statuses_are_plain_http_request_errors(fake):
    fake.always(Http(503))
    with pytest.raises(vonage_http_client.HttpRequestError) as caught:
        send_sms(client_for(fake))
    assert type(caught.value) is vonage_http_client.HttpRequestError


def test_throttle_is_an_sms_error_with_code_1(fake):
    fake.script([Throttle()])
    client = client_for(fake)
    with pytest.raises(vonage_sms.SmsError, match="error code 1: Throughput Rate Exceeded"):
        send_sms(client)
    assert client.http_client.last_response.json()["messages"][0]["status"] == "1"
    assert len(fake.received) == 1 and fake.sms_sent == []


def test_sms_status_answers_any_sms_api_error(fake):
    fake.script([SmsStatus("7", "Number barred.")])
    with pytest.raises(vonage_sms.SmsError, match="error code 7: Number barred"):
        send_sms(client_for(fake))


def test_throttle_on_the_messages_api_is_http_429(fake):
    fake.script([Throttle()])
    with pytest.raises(vonage_http_client.RateLimitedError):
        client_for(fake).messages.send(
            vonage_messages.Sms(to="15551234567", from_="15557654321", text="hi")
        )


def test_hang_times_out_the_client_but_the_text_counts_as_sent(fake):
    fake.script([Hang(seconds=5)])
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        send_sms(client_for(fake, timeout=1))
    assert time.monotonic() - started < 3
    (received,) = fake.received
    assert received.accepted and fake.texts_to("15551234567") == ["hi"]


def test_hang_then_failure_is_not_sent(fake):
    fake.script([Hang(seconds=0.2, then=Http(500))])
    with pytest.raises(vonage_http_client.ServerError):
        send_sms(client_for(fake))
    assert len(fake.received) == 1 and fake.count() == 0


def test_drop_is_a_connection_error_received_once_with_pool_maxsize_1(fake):
    fake.script([Drop()])
    with pytest.raises(requests.exceptions.ConnectionError, match="RemoteDisconnected"):
        send_sms(client_for(fake))
    assert len(fake.received) == 1 and fake.sms_sent == []


def test_drop_is_resent_pool_maxsize_times_by_the_sdk(fake):
    fake.always(Drop())
    with pytest.raises(requests.exceptions.ConnectionError):
        send_sms(client_for(fake, pool_maxsize=3))
    assert len(fake.received) == 3


def test_script_runs_in_order_then_answers_ok(fake):
    fake.script([Http(500), Throttle(), Ok()])
    client = client_for(fake)
    outcomes = []
    for _ in range(4):
        try:
            send_sms(client)
            outcomes.append("ok")
        except vonage.VonageError as err:
            outcomes.append(type(err).__name__)
    assert outcomes == ["ServerError", "SmsError", "ok", "ok"]
    assert len(fake.received) == 4 and fake.count() == 2


def test_concurrent_sends_are_all_recorded(fake):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: send_sms(client_for(fake), text=str(i)), range(16)))
    assert sorted(fake.texts_to("15551234567"), key=int) == [str(i) for i in range(16)]
    assert fake.wait_for_sent(16, timeout=0.1)


def test_the_sdk_refuses_the_fake_without_its_ca(monkeypatch):
    with FakeVonage() as fake:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        with pytest.raises(requests.exceptions.SSLError):
            send_sms(client_for(fake))


def test_stop_leaves_no_threads_and_frees_the_port(monkeypatch):
    before = threading.active_count()
    fake = FakeVonage().start()
    fake.trust(monkeypatch)
    fake.script([Hang(seconds=30)])
    with pytest.raises(requests.exceptions.ReadTimeout):
        send_sms(client_for(fake, timeout=1))
    port, ca_path = fake.port, fake.ca_path
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    assert threading.active_count() == before
    assert not ca_path.exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


def test_sdk_keeps_the_json_content_type_for_later_sms_sends(fake):
    # HttpClient mutates one shared headers dict: a Messages API call leaves
    # "Content-Type: application/json" behind, and later SMS API form posts carry it
    client = client_for(fake)
    client.messages.send(vonage_messages.Sms(to="15551234567", from_="15557654321", text="a"))
    send_sms(client, text="b")
    sms = fake.received[-1]
    assert sms.headers["content-type"] == "application/json"
    assert sms.raw.startswith(b"to=15551234567")


# signing


def test_signer_matches_the_sdk_published_vectors():
    md5 = {"param": "value", "timestamp": 1234567890}
    sha256 = {"param1": "value1", "param2": "value2", "timestamp": 1234567890}
    assert sms_signature(md5, SIGNATURE_SECRET, "md5") == "655a4d0b7f064dff438defc52b012cf5".upper()
    assert sms_signature(sha256, SIGNATURE_SECRET, "sha256").lower() == (
        "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
    )
    signed = sign_sms_params(md5, SIGNATURE_SECRET, "md5", add_nonce=False)
    assert signed == {"param": "value", "timestamp": "1234567890",
                      "sig": "655A4D0B7F064DFF438DEFC52B012CF5"}


def test_signature_base_follows_the_documented_algorithm():
    params = {"text": "a&b=c", "msisdn": "1", "sig": "ignored", "api-key": "k"}
    assert signature_base(params) == "&api-key=k&msisdn=1&text=a_b_c"


def test_md5hash_is_lowercase_md5_of_string_plus_secret():
    params = {"a": "1", "timestamp": "2"}
    expected = hashlib.md5(b"&a=1&timestamp=2" + SIGNATURE_SECRET.encode()).hexdigest()
    assert sms_signature(params, SIGNATURE_SECRET, "md5hash") == expected


def test_unknown_signature_method_is_refused():
    with pytest.raises(ValueError, match="sha384"):
        sms_signature({}, SIGNATURE_SECRET, "sha384")


def inbound_sms() -> dict[str, str]:
    return {
        "msisdn": "447700900001", "to": "447700900000", "messageId": "0A0000000123ABCD1",
        "text": "STOP please & thanks = bye", "type": "text", "keyword": "STOP",
        "api-key": "abcd1234", "message-timestamp": "2020-01-01 12:00:00",
    }


@pytest.mark.parametrize("method", HMAC_METHODS)
def test_sdk_check_signature_accepts_what_we_sign(method):
    auth = vonage_http_client.Auth(
        api_key="k", signature_secret=SIGNATURE_SECRET, signature_method=method
    )
    signed = sign_sms_params(inbound_sms(), SIGNATURE_SECRET, method)

    assert signed["sig"] == signed["sig"].upper()
    assert {"timestamp", "nonce"} <= signed.keys()
    assert auth.check_signature(dict(signed))
    assert not auth.check_signature(signed | {"text": "START"})
    assert not auth.check_signature(sign_sms_params(inbound_sms(), "other", method))


def test_signing_keeps_given_timestamp_and_nonce_and_does_not_mutate():
    params = inbound_sms() | {"timestamp": "1578787200", "nonce": "n-1"}
    original = dict(params)
    signed = sign_sms_params(params, SIGNATURE_SECRET)
    assert params == original
    assert (signed["timestamp"], signed["nonce"]) == ("1578787200", "n-1")
    assert sign_sms_params(signed, SIGNATURE_SECRET) == signed  # an old sig is replaced


def test_messages_jwt_verifies_with_the_sdk_and_hashes_the_exact_body():
    body = json.dumps({"message_uuid": "u", "text": "STOP"}).encode()
    token = messages_jwt(body, JWT_SECRET, api_key="key1", exp=int(time.time()) + 60)

    assert vonage_jwt.verify_signature(token, JWT_SECRET)
    assert not vonage_jwt.verify_signature(messages_jwt(body, "x" * 40), JWT_SECRET)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    assert claims["api_key"] == "key1" and claims["jti"]
    assert claims["payload_hash"] == hashlib.sha256(body).hexdigest()
    assert abs(claims["iat"] - time.time()) < 5


def test_messages_jwt_takes_iat_and_exp():
    token = messages_jwt(b"{}", JWT_SECRET, iat=1000, exp=2000)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iat"], claims["exp"]) == (1000, 2000)
    no_exp = messages_jwt(b"{}", JWT_SECRET)
    assert "exp" not in jwt.decode(no_exp, JWT_SECRET, algorithms=["HS256"])
    with pytest.raises(vonage_jwt.VonageVerifyJwtError, match="Expired"):
        vonage_jwt.verify_signature(token, JWT_SECRET)


# gunicorn

TMPAPP = """
    import os
    import time


    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/healthz":
            status = os.environ.get("TMPAPP_HEALTH", "200 OK")
            start_response(status, [("Content-Type", "text/plain")])
            return [b"ok"]
        time.sleep(0.3)  # keep this worker busy so a concurrent request lands on the other one
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
"""


@pytest.fixture
def tmpapp_env(tmp_path):
    (tmp_path / "tmpapp.py").write_text(textwrap.dedent(TMPAPP))
    return {"PYTHONPATH": str(tmp_path)}


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def pids_seen(url: str, *, within: float) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + within
    with ThreadPoolExecutor(4) as pool:
        while len(seen) < 2 and time.monotonic() < deadline:
            seen |= set(pool.map(get, [f"{url}/pid"] * 4))
    return seen


def test_gunicorn_runs_two_workers_and_stops_them(tmpapp_env, tmp_path):
    with run_gunicorn(tmpapp_env, app="tmpapp:app", log_dir=tmp_path) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert get(f"{server.url}/healthz") == "ok"
        seen = pids_seen(server.url, within=5)
        workers = server.worker_pids()
        assert len(workers) == 2
        assert {int(pid) for pid in seen} == set(workers)
        assert "Booting worker" in server.log()
        pids = [server.pid, *workers]

    deadline = time.monotonic() + 2
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)
    assert server.log_path == tmp_path / "gunicorn.log"
    assert "Shutting down" in server.log()


def test_gunicorn_that_cannot_load_the_app_raises_with_the_log(tmpapp_env):
    with (
        pytest.raises(GunicornStartError, match="exited") as caught,
        run_gunicorn(tmpapp_env, app="tmpapp:missing", workers=1, timeout=15),
    ):
        pass
    assert "missing" in str(caught.value)


def test_gunicorn_unhealthy_app_times_out_with_the_log(tmpapp_env):
    env = tmpapp_env | {"TMPAPP_HEALTH": "503 Service Unavailable"}
    with (
        pytest.raises(GunicornStartError, match="HTTP 503") as caught,
        run_gunicorn(env, app="tmpapp:app", workers=1, timeout=2),
    ):
        pass
    assert "Booting worker" in str(caught.value)
