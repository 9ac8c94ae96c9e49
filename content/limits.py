"""Discord's size limits, and ours, in one place.

Here (in :mod:`content`, the bottom layer) so that the scheduler's digest, the bot's
renderers and its command options all read the same numbers; no discord import. The fake
Discord in ``tests/fakediscord`` keeps its own copy on purpose: it checks these independently.
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------- messages, embeds

#: Characters of a message's ``content``.
CONTENT_LIMIT: Final = 2000
TITLE_LIMIT: Final = 256
DESCRIPTION_LIMIT: Final = 4096
FIELDS_LIMIT: Final = 25
FIELD_NAME_LIMIT: Final = 256
FIELD_VALUE_LIMIT: Final = 1024
FOOTER_LIMIT: Final = 2048
#: All embeds of one message together (titles, descriptions, fields, footers, authors).
MESSAGE_TOTAL_LIMIT: Final = 6000

# --------------------------------------------------------------------------- interactions

#: Autocomplete and option choices: at most 25, names and values 1..100 characters.
MAX_CHOICES: Final = 25
MAX_CHOICE_TEXT: Final = 100
#: A component's ``custom_id``.
CUSTOM_ID_LIMIT: Final = 100

# --------------------------------------------------------------------------- ours

#: Longest note on a completion (``/challenge done``, ``/admin mark``) or reason (``unmark``).
NOTE_MAX: Final = 200
