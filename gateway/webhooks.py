"""Vonage webhooks: inbound texts and delivery receipts, SMS API and Messages API.

Each handler checks the signature, parses, calls one store function (which commits
everything the text causes), wakes the send worker, and answers 204. A repeated message
id is answered 204 too and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Flask, current_app, request

from gateway.config import Config
from gateway.errors import ApiError
from gateway.signatures import WebhookAuth, unauthorized
from store.db import db
from store.inbound import InboundResult, receive_part, receive_text
from store.nonces import accept_nonce
from store.outbox import record_receipt
from store.phones import mask
from store.replies import ReplySettings

log = logging.getLogger("smsprefs.webhooks")
# In a Messages API rejection's title or detail: Vonage documents no code for "the recipient
# opted out", so the words are matched; a spam-filter or unroutable rejection is not enough.
OPT_OUT_WORDS = ("opted out", "opted-out", "opt-out", "opt out", "unsubscribed")


def register(app: Flask, config: Config) -> None:
    """Register the webhook routes."""
    auth = WebhookAuth(config)
    settings = reply_settings(config)
    bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/vonage")

    @bp.route("/inbound", methods=["GET", "POST"])
    def sms_inbound():
        params = _sms_params()
        nonce = auth.check_sms(params, request.args.get("token"))
        params.pop("token", None)
        fields = _require(params, "msisdn", "messageId")
        with db.atomic():
            _accept(nonce)
            result = _receive_sms(params, fields, settings)
        _after(result)
        return "", 204

    @bp.route("/status", methods=["GET", "POST"])
    def sms_status():
        params = _sms_params()
        nonce = auth.check_sms(params, request.args.get("token"))
        fields = _require(params, "messageId", "status")
        with db.atomic():
            _accept(nonce)
            found = record_receipt(vonage_message_id=fields["messageId"], status=fields["status"],
                                   err_code=params.get("err-code"))
        if params.get("err-code") == "9":
            current_app.extensions["smsprefs.queue"].wake_alerts()
        log.info("receipt %s for %s: %s (err-code %s)", fields["status"],
                 mask(params.get("msisdn", "")), "applied" if found else "unknown message",
                 params.get("err-code"))
        return "", 204

    def messages_request() -> tuple[str | None, dict]:
        """Check a Messages API webhook's signature; return its replay key and JSON body."""
        nonce = auth.check_messages(request.headers.get("Authorization", ""),
                                    request.get_data(), request.args.get("token"))
        return nonce, _json_object()

    @bp.post("/messages")
    def messages_inbound():
        nonce, data = messages_request()
        if data.get("channel", "sms") != "sms":
            return "", 204  # only SMS carries consent here
        fields = _require(data, "message_uuid", "from")
        with db.atomic():
            _accept(nonce)
            result = receive_text(provider_id=fields["message_uuid"],
                                  from_number=str(fields["from"]), to_number=data.get("to"),
                                  text=str(data.get("text") or ""),
                                  received_at=_iso_time(data.get("timestamp")),
                                  settings=settings)
        _after(result)
        return "", 204

    @bp.post("/messages/status")
    def messages_status():
        nonce, data = messages_request()
        fields = _require(data, "message_uuid", "status")
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        detail = " ".join(str(error.get(k, "")) for k in ("title", "detail")).lower()
        opted_out = fields["status"] == "rejected" and any(w in detail for w in OPT_OUT_WORDS)
        with db.atomic():
            _accept(nonce)
            record_receipt(vonage_message_id=fields["message_uuid"], status=fields["status"],
                           err_code="9" if opted_out else None)
        return "", 204

    app.register_blueprint(bp)


def reply_settings(config: Config) -> ReplySettings:
    """Return what replies need from the configuration."""
    return ReplySettings(dealership_name=config.dealership_name,
                         dealership_phone=config.dealership_phone,
                         confirmation_owner=config.confirmation_owner,
                         widen_scoped_stop=config.scoped_stop_widens_to_all)


def _sms_params() -> dict:
    """Return the SMS API parameters, from a query string, a form or a JSON body."""
    if request.method == "POST" and request.is_json:
        data = _json_object()
        return {k: v if isinstance(v, str) else str(v) for k, v in data.items()}
    params = request.args.to_dict(flat=True)
    if request.method == "POST":
        params.update(request.form.to_dict(flat=True))
    return params


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return data


# Longer than any real Vonage value, and than the columns that keep them.
MAX_LENGTHS = {"messageId": 100, "message_uuid": 100, "msisdn": 32, "from": 32, "to": 32,
               "concat-ref": 40, "status": 40, "err-code": 10}


def _require(params: dict, *names: str) -> dict:
    missing = [n for n in names if not str(params.get(n) or "").strip()]
    if missing:
        raise ApiError(400, "bad_request", f"the webhook lacks {', '.join(missing)}")
    for name, limit in MAX_LENGTHS.items():
        if len(str(params.get(name) or "")) > limit:
            raise ApiError(400, "bad_request", f"{name} is longer than {limit} characters")
    return {n: str(params[n]).strip() for n in names}


def _accept(nonce: str | None) -> None:
    if nonce and not accept_nonce(nonce):
        raise unauthorized("this signed webhook was already received (a replay)")


def _receive_sms(params: dict, fields: dict, settings: ReplySettings) -> InboundResult:
    common = {"from_number": fields["msisdn"], "to_number": params.get("to"),
              "settings": settings}
    text = params.get("text") or ""
    if params.get("concat") == "true" and params.get("concat-ref"):
        try:
            part, total = int(params["concat-part"]), int(params["concat-total"])
        except (KeyError, ValueError):
            raise ApiError(400, "bad_request", "concat-part and concat-total must be numbers") \
                from None
        if not 1 <= part <= total <= 255:
            raise ApiError(400, "bad_request", "concat-part must be between 1 and concat-total")
        return receive_part(provider_id=fields["messageId"], concat_ref=params["concat-ref"],
                            part=part, total=total, text=text, **common)
    return receive_text(provider_id=fields["messageId"], text=text,
                        received_at=_vonage_time(params.get("message-timestamp")), **common)


def _after(result: InboundResult) -> None:
    """Log the text's outcome (phone masked, no text) and wake the worker for its reply."""
    if result.duplicate:
        log.info("inbound repeated: already processed")
        return
    message = result.message
    if message is None:
        log.info("inbound part kept until the whole text arrives")
        return
    done = []
    if result.change and result.change.changed:
        done.append("consent changed")
    if result.reply:
        done.append(f"{result.reply.kind} {result.reply.status}")
    if result.review:
        done.append("review alert recorded")
    log.info("inbound from %s: %s %s (rule %s) -> %s", mask(message.from_number),
             message.intent, message.scope or "", message.rule, ", ".join(done) or "no action")
    queue = current_app.extensions["smsprefs.queue"]
    if result.reply and result.reply.status == "queued":
        queue.wake()
    if result.alerts:
        queue.wake_alerts()


def _vonage_time(text: str | None) -> datetime | None:
    try:
        return datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _iso_time(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
