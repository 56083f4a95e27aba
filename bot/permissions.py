"""Who may change preferences (SMSPREFS_EDITORS) and which workspace may ask (SLACK_TEAM_ID),
and the two Bolt middlewares that hold everyone to it.

Editors are Slack user ids (U…/W…) and user group ids (S…); a group's members are read
through usergroups.users.list and cached for a minute. With no editors, everyone may edit.
Everyone in the workspace may look up: only the listeners that change consent carry
`editors_only`.
"""

from __future__ import annotations

import logging
import threading
import time

import bot.ids as ids
from store.consent import Actor
from store.vocabulary import CHANNEL_SLACK, STAFF

log = logging.getLogger("smsprefs.bot")
GROUP_TTL = 60.0
# The group lookup runs before Bolt acks the request (middleware does), within Slack's 3 s
GROUP_LOOKUP_TIMEOUT = 2
NOT_EDITOR = ("You can look up SMS preferences, but changing them is limited to the people "
              "listed in SMSPREFS_EDITORS. Ask a manager.")
OTHER_TEAM = "This Slack workspace is not connected to this dealership's smsprefs."


class Permissions:
    def __init__(self, *, editors: tuple[str, ...], team_id: str | None, client):
        self.users = {e for e in editors if not e.startswith("S")}
        self.groups = [e for e in editors if e.startswith("S")]
        self.team_id = team_id
        self.client = client
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def team_allowed(self, team_id: str | None) -> bool:
        """Return whether requests from `team_id` may be served."""
        return self.team_id is None or team_id == self.team_id

    def may_edit(self, user_id: str) -> bool:
        """Return whether `user_id` may change preferences."""
        if not self.users and not self.groups:
            return True
        if user_id in self.users:
            return True
        return any(user_id in self._group(group) for group in self.groups)

    def _group(self, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._members.get(group)
        if cached and time.monotonic() - cached[0] < GROUP_TTL:
            return cached[1]
        from slack_sdk.errors import SlackApiError

        try:
            members = frozenset(self.client.usergroups_users_list(usergroup=group)["users"])
        except (SlackApiError, OSError) as exc:  # unreachable: refuse rather than allow
            log.warning("could not read user group %s: %s", group, exc)
            return cached[1] if cached else frozenset()
        with self._lock:
            self._members[group] = (time.monotonic(), members)
        return members


def only_our_workspace(context, body, next):
    """Serve requests from SLACK_TEAM_ID only (global middleware)."""
    from slack_bolt import BoltResponse

    if context["permissions"].team_allowed(context.team_id):
        return next()
    # a slash command shows this text; an action from elsewhere just gets nothing done
    return BoltResponse(status=200, body=OTHER_TEAM if body.get("command") else "")


def editors_only(context, body, ack, respond, next):
    """Let an editor through to a listener that changes consent, as the change's actor; tell
    anyone else why not, where they asked (listener middleware).

    The listener finds the actor in context["actor"]: without this middleware in front of it,
    a listener that changes consent fails instead of changing anything.
    """
    user = context.user_id
    if context["permissions"].may_edit(user):
        context["actor"] = Actor(source=STAFF, actor=user, channel=CHANNEL_SLACK)
        return next()
    if body.get("type") == "view_submission":  # the modal stays open, the reason under the note
        return ack(response_action="errors", errors={ids.first_input(body["view"]): NOT_EDITOR})
    if body.get("type") == "block_actions":  # the card or alert stays as it was
        respond(text=NOT_EDITOR, replace_original=False)
    else:
        respond(text=NOT_EDITOR)
    return ack()
