"""Records: clients (CRM people) on phones, CSV imports and exports, the consent card, and
what waits for a person (pending reviews, carrier blocks).

What the edges may call; the gateway and the bot import only this front door.
"""

from store.records.card import (
    OVERALL_WORDS,
    PLAIN,
    Card,
    Style,
    card_lines,
    describe,
    load_card,
    lock_lines,
    shorten,
    when,
)
from store.records.clients import MAX_CRM_ID, MAX_NAME, clients_of, find_phones, upsert_client
from store.records.exports import export_clients, export_events
from store.records.imports import ImportReport, import_csv
from store.records.overview import (
    CarrierBlock,
    Listed,
    PendingReview,
    carrier_blocks,
    pending_reviews,
)
from store.records.proof import make_proof, unsound_events
from store.records.proof_render import proof_html, proof_markdown

__all__ = [
    "MAX_CRM_ID", "MAX_NAME", "OVERALL_WORDS", "PLAIN", "Card", "CarrierBlock", "ImportReport",
    "Listed", "PendingReview", "Style",
    "card_lines", "carrier_blocks", "clients_of", "describe", "export_clients", "export_events",
    "find_phones", "import_csv", "load_card", "lock_lines", "make_proof", "pending_reviews",
    "proof_html", "proof_markdown", "shorten", "unsound_events", "upsert_client", "when",
]
