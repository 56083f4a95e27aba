"""Each /api/v1 operation declared once: route, models of its body, query and answers, limit.

A view is declared with @operation: the route it answers, the model its body and query
string are read into (api_json.py), the model of each answer, and the largest body it takes.
register() adds the routes to the blueprint and api.py enforces the body limit, both from
these declarations; openapi.py writes the document from them too, so the routes, the checks
and the document cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, jsonify
from pydantic import BaseModel

from gateway.api_json import phone_of, read_body, read_query
from gateway.app import MAX_BODY
from gateway.fields import Id, Phone

# How each path parameter is read (Flask's converters read the ids) and described.
PATH_READERS: dict[str, Callable[[str], object]] = {"phone": phone_of}
PATH_TYPES = {"phone": Phone, "message_id": Id, "campaign_id": Id}


@dataclass(frozen=True)
class Answer:
    status: int
    model: type[BaseModel] | None = None  # None: the common answer of the status (openapi.py)
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # a Flask rule under /api/v1
    summary: str
    view: Callable
    ok: Answer
    errors: tuple[Answer, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    max_body: int = MAX_BODY
    endpoint: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "endpoint", self.view.__name__)


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, summary: str, *, ok: tuple, errors: tuple = (),
              body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              max_body: int = MAX_BODY):
    """Declare the view below as the operation `method rule`.

    `ok` is (status, model, description); each of `errors` is a status, answered with the
    common error of that status, or (status, model, description) for one of its own.
    """

    def declare(view: Callable) -> Callable:
        answers = tuple(Answer(e) if isinstance(e, int) else Answer(*e) for e in errors)
        OPERATIONS.append(Operation(method, rule, summary, view, Answer(*ok), answers, body,
                                    query, max_body))
        return view

    return declare


def register(bp: Blueprint) -> None:
    """Add every declared operation to the blueprint."""
    for op in OPERATIONS:
        # no redirect (an HTML answer) from /clients//events to /clients/events: a 404 in JSON
        bp.add_url_rule(op.rule, endpoint=op.endpoint, view_func=_handler(op),
                        methods=[op.method], merge_slashes=False)


def body_limit(endpoint: str | None) -> int | None:
    """Return the largest body the operation at `endpoint` ("api.<view>") takes."""
    name = (endpoint or "").removeprefix("api.")
    return next((op.max_body for op in OPERATIONS if op.endpoint == name), None)


def _handler(op: Operation) -> Callable:
    @wraps(op.view)
    def handle(**path):
        # the path first (an invalid phone is 422), then the body, then the query string
        args = {name: PATH_READERS.get(name, _same)(value) for name, value in path.items()}
        if op.body is not None:
            args["body"] = read_body(op.body)
        if op.query is not None:
            args["query"] = read_query(op.query)
        answer = op.view(**args)
        reply, status = answer if isinstance(answer, tuple) else (answer, op.ok.status)
        return jsonify(reply.model_dump(mode="json")), status

    return handle


def _same(value):
    return value
