"""The bot's permission sets in a channel, named once (discord.Permissions attribute names)."""

from __future__ import annotations

from typing import Final

#: What the publisher needs in the challenge channel to post the weekly challenge.
POST_PERMISSIONS: Final = ("view_channel", "send_messages", "embed_links")
#: What lets it find its own post again after a crash (not required to post).
RECOVERY_PERMISSION: Final = "read_message_history"
