"""The Flask gateway: Vonage webhooks, the /api/v1 JSON API and the Slack bot, in one app.

The app is built by gateway.app.create_app() (gunicorn's `gateway.app:create_app()`).
This package's own import is empty on purpose: `smsprefs` commands (gateway.cli) start
without Flask, Bolt or the API's models, about 0.14 s of a command's start.
"""
