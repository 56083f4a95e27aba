"""GET /healthz: the process answers and the database does too."""

from __future__ import annotations

from flask import Flask, jsonify

from store.db import DatabaseError, ping


def register(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            ping()
        except DatabaseError:
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})
