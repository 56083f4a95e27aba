"""GET /healthz: the process answers and the database does too."""

from __future__ import annotations

from flask import Flask, jsonify
from peewee import PeeweeException

from store.db import db


def register(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            db.execute_sql("SELECT 1")
        except PeeweeException:
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})
