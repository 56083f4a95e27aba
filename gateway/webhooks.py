"""Vonage webhooks: inbound texts and delivery receipts, SMS API and Messages API.

Each handler checks the signature, parses, calls one store function (which commits
everything the text causes), wakes the send worker, and answers 204. A repeated message
id is answered 204 too and changes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from gateway.config import Config
from gateway.errors import ApiError
from gateway.signatures import WebhookAuth
from gateway.strict_json import load_object
from gateway.webhook_fields import (
    Fields,
    MessagesInbound,
    MessagesStatus,
    SmsInbound,
    SmsReceipt,
    iso_time,
    read_fields,
    single_values,
    sms_params,
    vonage_time,
)
from store.db import transaction
from store.leases import accept_nonce
from store.messaging import (
    InboundResult,
    ReplySettings,
    is_carrier_opt_out,
    receive_part,
    receive_text,
    record_receipt,
)
from store.phones import mask
from store.vocabulary import NONE, QUEUED

if TYPE_CHECKING:  # queue.py reads reply_settings() from here
    from gateway.queue import Queue

log = logging.getLogger("smsprefs.webhooks")


class VonageWebhooks:
    """The four webhooks' handlers, each given werkzeug's request and answering 204 by
    returning (an error by raising it: errors.answer_for). webhook_server.py routes to them."""

    def __init__(self, config: Config, queue: Queue):
        self.auth = WebhookAuth(config)
        self.settings = reply_settings(config)
        self.queue = queue

    def sms_inbound(self, req: Request) -> None:
        params, token = sms_params(req)
        nonce = self.auth.check_sms(params, token)
        fields = read_fields(SmsInbound, params)
        result = _receive_sms(fields, self.settings, nonce)
        if result is not None:
            self._after(result)

    def sms_status(self, req: Request) -> None:
        params, token = sms_params(req)
        nonce = self.auth.check_sms(params, token)
        fields = read_fields(SmsReceipt, params)
        with transaction():
            if not _first_time(nonce):
                return
            found = record_receipt(vonage_message_id=fields.message_id, status=fields.status,
                                   err_code=fields.err_code)
        if is_carrier_opt_out(status=fields.status, err_code=fields.err_code):
            self.queue.wake_alerts()
        log.info("receipt %s for %s: %s (err-code %s)", fields.status, mask(fields.msisdn or ""),
                 "applied" if found else "unknown message", fields.err_code)

    def messages_inbound(self, req: Request) -> None:
        nonce, fields = self._messages_request(req, MessagesInbound)
        if (fields.channel or "sms") != "sms":
            return  # only SMS carries consent here
        self._after(receive_text(
            provider_id=fields.message_uuid, from_number=fields.from_, to_number=fields.to,
            text=fields.text, received_at=iso_time(fields.timestamp), settings=self.settings,
            nonce=nonce))

    def messages_status(self, req: Request) -> None:
        nonce, fields = self._messages_request(req, MessagesStatus)
        error = fields.error
        rejection = f"{error.title or ''} {error.detail or ''}" if error else ""
        with transaction():
            if not _first_time(nonce):
                return
            record_receipt(vonage_message_id=fields.message_uuid, status=fields.status,
                           rejection=rejection)
        if is_carrier_opt_out(status=fields.status, rejection=rejection):
            self.queue.wake_alerts()

    def _messages_request(self, req: Request, model: type[Fields]) -> tuple[str | None, Fields]:
        """Check a Messages API webhook's signature; return its replay key and fields."""
        token = single_values(req).get("token")
        nonce = self.auth.check_messages(req.headers.get("Authorization", ""), req.get_data(),
                                         token)
        return nonce, read_fields(model, load_object(req.get_data()))

    def _after(self, result: InboundResult) -> None:
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
        # A text that asks nothing and causes nothing is in the database with its rule, and
        # in the access line; its own line at INFO was ~10 % of a worker's CPU in a reply storm
        level = logging.INFO if done or message.intent != NONE else logging.DEBUG
        log.log(level, "inbound from %s: %s %s (rule %s) -> %s", mask(message.from_number),
                message.intent, message.scope or "", message.rule, ", ".join(done) or "no action")
        deliver = result.reply is not None and result.reply.status == QUEUED
        if deliver and result.alerts:
            self.queue.wake_both()  # a STOP: its confirmation and its alert, one queue write
        elif deliver:
            self.queue.wake()
        elif result.alerts:
            self.queue.wake_alerts()


def reply_settings(config: Config) -> ReplySettings:
    """Return what replies need from the configuration."""
    return ReplySettings(dealership_name=config.dealership_name,
                         dealership_phone=config.dealership_phone,
                         confirmation_owner=config.confirmation_owner,
                         widen_scoped_stop=config.scoped_stop_widens_to_all)


def _first_time(nonce: str | None) -> bool:
    """Remember a signed request's nonce; False when the identical request came before.

    The signature covers every parameter (SMS API) or the body's hash (Messages API), so a
    nonce seen again is Vonage resending the very request whose effect is already committed
    (our 2xx did not reach it): answered 204, done once. A changed message fails the
    signature check before this point.
    """
    return not nonce or accept_nonce(nonce)


def _receive_sms(fields: SmsInbound, settings: ReplySettings,
                 nonce: str | None) -> InboundResult | None:
    """Return what the text did, committed with the request's nonce when it has one; None
    for a part of a signed request seen before. A whole text takes its nonce into its own
    transaction (receive_text), so a text that asks for nothing is one statement signed as
    with a path token; a part is remembered in a transaction around it."""
    common = {"provider_id": fields.message_id, "from_number": fields.msisdn,
              "to_number": fields.to, "text": fields.text, "settings": settings}
    if fields.concat == "true" and fields.concat_ref:
        if fields.concat_part is None or fields.concat_total is None:
            raise ApiError(400, "bad_request", "concat-part and concat-total must be numbers")
        part, total = int(fields.concat_part), int(fields.concat_total)
        if not 1 <= part <= total <= 255:
            raise ApiError(400, "bad_request", "concat-part must be between 1 and concat-total")
        with transaction():
            if not _first_time(nonce):
                return None
            return receive_part(concat_ref=fields.concat_ref, part=part, total=total, **common)
    return receive_text(received_at=vonage_time(fields.message_timestamp), nonce=nonce,
                        **common)

