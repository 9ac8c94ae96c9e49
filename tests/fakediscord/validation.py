"""Validate request bodies the way Discord would, before a fake server accepts them.

Two layers:

1. The JSON schema of the request body, taken from Discord's OpenAPI spec (a copy lives in
   ``tests/discord_spec/openapi.json``, MIT licensed, so a clone of this repository needs nothing
   else). The spec is loaded once, lazily, and validated with Draft 2020-12 over a registry of
   its ``components``.
2. The limits Discord enforces that the spec does not encode (see ``_check_message_limits`` and
   ``_check_command``): command and option name rules, description lengths, option and choice
   counts, message content 2000, embed totals, component rows and buttons.

Every finding is a :class:`Problem` with a JSON path such as ``embeds[0].fields[3].value``, so a
failing test says which field Discord would reject. :func:`discord_error_body` turns problems into
the ``50035 Invalid Form Body`` answer Discord sends.

This module is pure (no I/O apart from reading the spec once) and importable from any test.
"""

from __future__ import annotations

import functools
import json
import re
import reprlib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH: Final = Path(__file__).resolve().parent.parent / "discord_spec" / "openapi.json"
_SPEC_URI: Final = "urn:discord-openapi"
_API_PREFIX: Final = re.compile(r"^/api(/v\d+)?")

PathPart = str | int

# Limits Discord enforces beyond the spec (DISCORD-NOTES.md, "Limits Discord enforces ...").
MAX_CONTENT: Final = 2000
MAX_EMBEDS: Final = 10
MAX_EMBED_TOTAL: Final = 6000
MAX_EMBED_TITLE: Final = 256
MAX_EMBED_DESCRIPTION: Final = 4096
MAX_EMBED_FIELDS: Final = 25
MAX_FIELD_NAME: Final = 256
MAX_FIELD_VALUE: Final = 1024
MAX_FOOTER: Final = 2048
MAX_AUTHOR_NAME: Final = 256
MAX_ACTION_ROWS: Final = 5
MAX_BUTTONS_PER_ROW: Final = 5
MAX_CUSTOM_ID: Final = 100
MAX_OPTIONS: Final = 25
MAX_CHOICES: Final = 25
MAX_CHOICE_NAME: Final = 100
MAX_DESCRIPTION: Final = 100
MAX_NAME: Final = 32
MAX_CHAT_INPUT_COMMANDS: Final = 100

# Interaction callback types (Discord's InteractionCallbackTypes) -> request schema.
CALLBACK_SCHEMAS: Final[dict[int, str]] = {
    1: "PongInteractionCallbackRequest",
    4: "CreateMessageInteractionCallbackRequest",
    5: "CreateMessageInteractionCallbackRequest",
    6: "UpdateMessageInteractionCallbackRequest",
    7: "UpdateMessageInteractionCallbackRequest",
    8: "ApplicationCommandAutocompleteCallbackRequest",
    9: "ModalInteractionCallbackRequest",
}
_MESSAGE_CALLBACK_TYPES: Final = frozenset({4, 5, 6, 7})

# Option types whose own ``options`` are nested options (sub-command, sub-command group).
_SUBCOMMAND_TYPES: Final = frozenset({1, 2})
_CHAT_INPUT: Final = 1


@dataclass(frozen=True)
class Problem:
    """One thing Discord would reject: where (``parts``), what, and Discord's error code."""

    parts: tuple[PathPart, ...]
    message: str
    code: str = "INVALID"

    @property
    def path(self) -> str:
        """The JSON path, e.g. ``embeds[0].fields[3].value`` (``<body>`` for the whole body)."""
        return format_path(self.parts)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def format_path(parts: Iterable[PathPart]) -> str:
    """Format path parts as ``a.b[0].c``; a leading index gives ``[0].name``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<body>"


# --------------------------------------------------------------------------- spec loading


@functools.cache
def load_spec() -> dict[str, Any]:
    """Load the OpenAPI spec copy once, with the one known deviation patched in.

    The spec types snowflakes as decimal strings, but Discord also accepts JSON integers, and
    discord.py sends some that way (attachment ids ``0``, ``1``... in ``payload_json``,
    ``recipient_id`` when opening a DM). ``SnowflakeType`` accepts both here.
    """
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["SnowflakeType"] = {
        "anyOf": [dict(schemas["SnowflakeType"]), {"type": "integer", "minimum": 0}]
    }
    return spec


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
    return registry


@functools.cache
def _validator_for(pointer: str) -> Draft202012Validator:
    """A validator for the schema at a JSON pointer inside the spec (``#/components/...``)."""
    return Draft202012Validator({"$ref": f"{_SPEC_URI}{pointer}"}, registry=_registry())


def _ref(schema_name: str) -> str:
    return f"#/components/schemas/{schema_name}"


@functools.cache
def _path_templates() -> list[tuple[re.Pattern[str], str]]:
    """Spec path templates as regexes, literal segments first (``@me`` before ``{id}``)."""
    templates = []
    for template in load_spec()["paths"]:
        regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        templates.append((template.count("{"), template, re.compile(regex)))
    templates.sort(key=lambda item: (item[0], -len(item[1])))
    return [(pattern, template) for _, template, pattern in templates]


def _head(path: str) -> str:
    """A path's first segment (``channels`` of ``/channels/1/messages``)."""
    return path.split("/", 2)[1] if path.startswith("/") and len(path) > 1 else ""


@functools.cache
def _templates_by_head() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """:func:`_path_templates` per literal first segment, in the same order; templates whose
    first segment is a placeholder (none today) are in every list and under ``""``."""
    templates = _path_templates()
    wild = [(p, t) for p, t in templates if "{" in _head(t)]
    heads = {_head(t) for _, t in templates if "{" not in _head(t)}
    by_head = {
        head: [(p, t) for p, t in templates if _head(t) == head or (p, t) in wild] for head in heads
    }
    by_head[""] = wild
    return by_head


def match_route(path: str) -> str | None:
    """The spec's path template for a concrete path (``/api/v10`` prefix and query ignored)."""
    path = _API_PREFIX.sub("", path.split("?", 1)[0]) or "/"
    if path in load_spec()["paths"]:
        return path
    by_head = _templates_by_head()
    for pattern, template in by_head.get(_head(path), by_head[""]):
        if pattern.match(path):
            return template
    return None


def request_schema_pointer(method: str, template: str) -> str | None:
    """JSON pointer to the ``application/json`` request body schema of an operation."""
    operation = load_spec()["paths"].get(template, {}).get(method.lower())
    if not operation or "requestBody" not in operation:
        return None
    content = operation["requestBody"]["content"]
    if "application/json" not in content:
        return None
    escaped = template.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method.lower()}/requestBody/content/application~1json/schema"


# --------------------------------------------------------------------------- schema errors


def _is_discriminator_miss(error: ValidationError) -> bool:
    """True when a union branch failed on its ``type`` tag (or on the JSON type itself)."""
    rel = tuple(error.relative_path)
    if rel == ("type",) and error.validator in {"enum", "const"}:
        return True
    return not rel and error.validator == "type"


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Descend through oneOf/anyOf to the errors of the branch that was meant.

    The branch meant is the only one whose ``type`` tag matched (Discord's unions are tagged).
    When that is ambiguous, jsonschema's ``best_match`` heuristic picks one error.
    """
    if error.validator not in {"oneOf", "anyOf"} or not error.context:
        yield error
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.schema_path[0]), []).append(sub)
    plausible = [
        errs for errs in branches.values() if not any(_is_discriminator_miss(e) for e in errs)
    ]
    if len(plausible) == 1:
        for sub in plausible[0]:
            yield from _leaf_errors(sub)
        return
    # Untagged unions (e.g. autocomplete results of string, integer or number choices): an error
    # every plausible branch shares is the one to report.
    leaves = [[leaf for sub in errs for leaf in _leaf_errors(sub)] for errs in plausible]
    common = {tuple(leaf.absolute_path) for leaf in leaves[0]} if leaves else set()
    for other in leaves[1:]:
        common &= {tuple(leaf.absolute_path) for leaf in other}
    if common:
        yield from (leaf for leaf in leaves[0] if tuple(leaf.absolute_path) in common)
        return
    best = best_match([error])
    yield best if best is not None else error


def _short_message(error: ValidationError) -> str:
    """jsonschema's message without echoing a 5000-character instance back."""
    size = len(error.instance) if isinstance(error.instance, str | list) else None
    limit = error.validator_value
    if error.validator in {"maxLength", "maxItems"}:
        return f"Must be {limit} or fewer in length (got {size})."
    if error.validator in {"minLength", "minItems"}:
        return f"Must be {limit} or more in length (got {size})."
    if len(error.message) > 200:
        return f"Failed {error.validator} ({reprlib.repr(error.instance)})."
    return str(error.message)


def _schema_problems(
    pointer: str, body: object, prefix: tuple[PathPart, ...] = ()
) -> list[Problem]:
    problems = []
    for error in _validator_for(pointer).iter_errors(body):
        for leaf in _leaf_errors(error):
            parts = prefix + tuple(leaf.absolute_path)
            problems.append(
                Problem(parts, _short_message(leaf), f"SCHEMA_{leaf.validator}".upper())
            )
    return problems


# --------------------------------------------------------------------------- extra limits


def _text_len(value: object) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_max(
    problems: list[Problem], parts: tuple[PathPart, ...], value: object, limit: int
) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append(
            Problem(
                parts,
                f"Must be {limit} or fewer in length (got {len(value)}).",
                "BASE_TYPE_MAX_LENGTH",
            )
        )


def _check_embeds(problems: list[Problem], embeds: object, prefix: tuple[PathPart, ...]) -> None:
    if not isinstance(embeds, list):
        return
    if len(embeds) > MAX_EMBEDS:
        problems.append(
            Problem(prefix, f"Must be {MAX_EMBEDS} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        )
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        here = (*prefix, i)
        _check_max(problems, (*here, "title"), embed.get("title"), MAX_EMBED_TITLE)
        _check_max(
            problems, (*here, "description"), embed.get("description"), MAX_EMBED_DESCRIPTION
        )
        total += _text_len(embed.get("title")) + _text_len(embed.get("description"))
        footer = embed.get("footer")
        if isinstance(footer, dict):
            _check_max(problems, (*here, "footer", "text"), footer.get("text"), MAX_FOOTER)
            total += _text_len(footer.get("text"))
        author = embed.get("author")
        if isinstance(author, dict):
            _check_max(problems, (*here, "author", "name"), author.get("name"), MAX_AUTHOR_NAME)
            total += _text_len(author.get("name"))
        fields = embed.get("fields")
        if isinstance(fields, list):
            if len(fields) > MAX_EMBED_FIELDS:
                problems.append(
                    Problem(
                        (*here, "fields"),
                        f"Must be {MAX_EMBED_FIELDS} or fewer in length.",
                        "BASE_TYPE_MAX_LENGTH",
                    )
                )
            for j, field in enumerate(fields):
                if not isinstance(field, dict):
                    continue
                _check_max(
                    problems, (*here, "fields", j, "name"), field.get("name"), MAX_FIELD_NAME
                )
                _check_max(
                    problems, (*here, "fields", j, "value"), field.get("value"), MAX_FIELD_VALUE
                )
                for key in ("name", "value"):
                    text = field.get(key)
                    if isinstance(text, str) and not text.strip():
                        problems.append(
                            Problem(
                                (*here, "fields", j, key),
                                "This field is required.",
                                "BASE_TYPE_REQUIRED",
                            )
                        )
                total += _text_len(field.get("name")) + _text_len(field.get("value"))
    if total > MAX_EMBED_TOTAL:
        problems.append(
            Problem(
                prefix,
                f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL} "
                f"(got {total} characters over all embeds).",
                "MAX_EMBED_SIZE_EXCEEDED",
            )
        )


def _check_button(
    problems: list[Problem], button: dict[str, Any], here: tuple[PathPart, ...]
) -> None:
    """Link buttons (style 5) need a url and no custom_id; others a custom_id; all a face."""
    style = button.get("style")
    if style == 5:
        if not button.get("url") or button.get("custom_id"):
            problems.append(
                Problem(here, "A link button needs a url and no custom_id.", "COMPONENT_INVALID")
            )
    elif style != 6 and not button.get("custom_id"):
        problems.append(
            Problem(
                (*here, "custom_id"),
                "A non-link button needs a custom_id.",
                "COMPONENT_CUSTOM_ID_REQUIRED",
            )
        )
    if style != 6 and not button.get("label") and not button.get("emoji"):
        problems.append(Problem(here, "A button needs a label or an emoji.", "COMPONENT_INVALID"))


def _check_components(problems: list[Problem], rows: object, prefix: tuple[PathPart, ...]) -> None:
    """Classic components: <= 5 action rows; a row holds <= 5 buttons or one select alone;
    custom_id 1-100 characters and unique within the message."""
    if not isinstance(rows, list):
        return
    action_rows = [row for row in rows if isinstance(row, dict) and row.get("type") == 1]
    if len(action_rows) > MAX_ACTION_ROWS:
        problems.append(
            Problem(
                prefix, f"Must be {MAX_ACTION_ROWS} or fewer action rows.", "BASE_TYPE_MAX_LENGTH"
            )
        )
    seen_ids: set[str] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("components"), list):
            continue
        children = [c for c in row["components"] if isinstance(c, dict)]
        buttons = [c for c in children if c.get("type") == 2]
        if len(buttons) > MAX_BUTTONS_PER_ROW:
            problems.append(
                Problem(
                    (*prefix, i, "components"),
                    f"Must be {MAX_BUTTONS_PER_ROW} or fewer buttons in a row.",
                    "BASE_TYPE_MAX_LENGTH",
                )
            )
        if len(buttons) != len(children) and len(children) > 1:
            problems.append(
                Problem(
                    (*prefix, i, "components"),
                    "A select menu must be alone in its action row.",
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                )
            )
        for j, child in enumerate(row["components"]):
            if not isinstance(child, dict):
                continue
            here = (*prefix, i, "components", j)
            custom_id = child.get("custom_id")
            if isinstance(custom_id, str):
                if not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
                    problems.append(
                        Problem(
                            (*here, "custom_id"),
                            f"Must be between 1 and {MAX_CUSTOM_ID} in length.",
                            "BASE_TYPE_BAD_LENGTH",
                        )
                    )
                elif custom_id in seen_ids:
                    problems.append(
                        Problem(
                            (*here, "custom_id"),
                            f"custom_id {custom_id!r} is used twice in this message.",
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                        )
                    )
                seen_ids.add(custom_id)
            if child.get("type") == 2:
                _check_button(problems, child, here)


_MESSAGE_BODY_KEYS: Final = (
    "content",
    "embeds",
    "components",
    "attachments",
    "sticker_ids",
    "poll",
)


def empty_message_problems(data: object, prefix: tuple[PathPart, ...] = ()) -> list[Problem]:
    """A new message needs content, an embed, a component, a file, a sticker or a poll."""
    if isinstance(data, dict) and any(data.get(key) for key in _MESSAGE_BODY_KEYS):
        return []
    return [Problem(prefix, "Cannot send an empty message.", "EMPTY_MESSAGE")]


def _message_limit_problems(data: object, prefix: tuple[PathPart, ...] = ()) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return problems
    _check_max(problems, (*prefix, "content"), data.get("content"), MAX_CONTENT)
    _check_embeds(problems, data.get("embeds"), (*prefix, "embeds"))
    _check_components(problems, data.get("components"), (*prefix, "components"))
    return problems


def _is_valid_name_char(char: str) -> bool:
    if char in "-_'":
        return True
    category = unicodedata.category(char)
    if category[0] in {"L", "N"}:
        return True
    # Devanagari and Thai combining marks are allowed by \p{sc=Deva} / \p{sc=Thai}.
    return "\u0900" <= char <= "\u097f" or "\u0e00" <= char <= "\u0e7f"


def _name_problems(name: object, parts: tuple[PathPart, ...]) -> list[Problem]:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase where cased."""
    if not isinstance(name, str):
        return []  # the schema reports the type
    if not 1 <= len(name) <= MAX_NAME or not all(_is_valid_name_char(c) for c in name):
        return [
            Problem(
                parts,
                f"Command name {name!r} does not match "
                "^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$",
                "APPLICATION_COMMAND_INVALID_NAME",
            )
        ]
    if name != name.lower():
        return [
            Problem(
                parts,
                f"Command name {name!r} must be lowercase.",
                "APPLICATION_COMMAND_INVALID_NAME",
            )
        ]
    return []


def _description_problems(value: object, parts: tuple[PathPart, ...]) -> list[Problem]:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_DESCRIPTION:
        got = len(value) if isinstance(value, str) else type(value).__name__
        return [
            Problem(
                parts,
                f"Must be between 1 and {MAX_DESCRIPTION} in length (got {got}).",
                "BASE_TYPE_BAD_LENGTH",
            )
        ]
    return []


def _choice_problems(choices: list[Any], prefix: tuple[PathPart, ...]) -> list[Problem]:
    """Choice values: strings up to 100 characters (Discord's documented limit)."""
    problems = []
    for j, choice in enumerate(choices):
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, str) and len(value) > MAX_CHOICE_NAME:
            problems.append(
                Problem(
                    (*prefix, j, "value"),
                    f"Must be {MAX_CHOICE_NAME} or fewer in length (got {len(value)}).",
                    "BASE_TYPE_MAX_LENGTH",
                )
            )
    return problems


def _option_problems(options: object, prefix: tuple[PathPart, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(options, list):
        return problems
    if len(options) > MAX_OPTIONS:
        problems.append(
            Problem(prefix, f"Must be {MAX_OPTIONS} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        )
    seen: set[str] = set()
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = (*prefix, i)
        problems += _name_problems(option.get("name"), (*here, "name"))
        problems += _description_problems(option.get("description"), (*here, "description"))
        name = option.get("name")
        if isinstance(name, str):
            if name in seen:
                problems.append(
                    Problem(
                        (*here, "name"),
                        f"Duplicate option name {name!r}.",
                        "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    )
                )
            seen.add(name)
        choices = option.get("choices")
        if isinstance(choices, list):
            if len(choices) > MAX_CHOICES:
                problems.append(
                    Problem(
                        (*here, "choices"),
                        f"Must be {MAX_CHOICES} or fewer in length.",
                        "BASE_TYPE_MAX_LENGTH",
                    )
                )
            problems += _choice_problems(choices, (*here, "choices"))
            for j, choice in enumerate(choices):
                cname = choice.get("name") if isinstance(choice, dict) else None
                if not isinstance(cname, str) or not 1 <= len(cname) <= MAX_CHOICE_NAME:
                    problems.append(
                        Problem(
                            (*here, "choices", j, "name"),
                            f"Must be between 1 and {MAX_CHOICE_NAME} in length.",
                            "BASE_TYPE_BAD_LENGTH",
                        )
                    )
            if option.get("autocomplete"):
                problems.append(
                    Problem(
                        (*here, "autocomplete"),
                        "Autocomplete cannot be set on an option with choices.",
                        "APPLICATION_COMMAND_AUTOCOMPLETE_WITH_CHOICES",
                    )
                )
        if option.get("type") in _SUBCOMMAND_TYPES:
            problems += _option_problems(option.get("options"), (*here, "options"))
    return problems


def _command_problems(command: object, prefix: tuple[PathPart, ...]) -> list[Problem]:
    if not isinstance(command, dict):
        return []
    problems: list[Problem] = []
    kind = command.get("type", _CHAT_INPUT)
    if kind == _CHAT_INPUT:
        problems += _name_problems(command.get("name"), (*prefix, "name"))
        problems += _description_problems(command.get("description"), (*prefix, "description"))
        problems += _option_problems(command.get("options"), (*prefix, "options"))
    return problems


# --------------------------------------------------------------------------- public API


def validate_message_payload(body: object, *, kind: str = "create") -> list[Problem]:
    """Validate a message body: ``kind`` is ``create`` (channel message), ``interaction``
    (interaction callback ``data`` and follow-ups), or ``edit`` (edit of a webhook message)."""
    schema = {
        "create": "MessageCreateRequest",
        "interaction": "IncomingWebhookInteractionRequest",
        "edit": "IncomingWebhookUpdateRequestPartial",
    }[kind]
    problems = _schema_problems(_ref(schema), body) + _message_limit_problems(body)
    if kind != "edit":
        problems += empty_message_problems(body)
    return _dedupe(problems)


def validate_command_tree(commands: object) -> list[Problem]:
    """Validate a bulk-overwrite body (``PUT .../commands``): spec plus name/description rules."""
    problems = _schema_problems(
        request_schema_pointer("PUT", "/applications/{application_id}/commands") or "", commands
    )
    if isinstance(commands, list):
        chat_input = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == 1]
        if len(chat_input) > MAX_CHAT_INPUT_COMMANDS:
            problems.append(
                Problem(
                    (),
                    f"Must be {MAX_CHAT_INPUT_COMMANDS} or fewer chat input commands.",
                    "BASE_TYPE_MAX_LENGTH",
                )
            )
        names: set[tuple[object, object]] = set()
        for i, command in enumerate(commands):
            problems += _command_problems(command, (i,))
            if isinstance(command, dict):
                key = (command.get("type", 1), command.get("name"))
                if key in names:
                    problems.append(
                        Problem(
                            (i, "name"),
                            f"Duplicate command name {key[1]!r}.",
                            "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        )
                    )
                names.add(key)
    return _dedupe(problems)


def validate_interaction_callback(body: object) -> list[Problem]:
    """Validate ``POST /interactions/{id}/{token}/callback`` by its callback ``type``."""
    kind = body.get("type") if isinstance(body, dict) else None
    schema = CALLBACK_SCHEMAS.get(kind) if isinstance(kind, int) else None
    if schema is None:
        pointer = request_schema_pointer(
            "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
        )
        return _schema_problems(pointer or "", body) or [
            Problem(("type",), f"Unknown interaction callback type {kind!r}.", "INVALID")
        ]
    problems = _schema_problems(_ref(schema), body)
    if kind in _MESSAGE_CALLBACK_TYPES and isinstance(body, dict):
        problems += _message_limit_problems(body.get("data"), ("data",))
    if kind == 4 and isinstance(body, dict):
        problems += empty_message_problems(body.get("data"), ("data",))
    if kind == 8 and isinstance(body, dict) and isinstance(body.get("data"), dict):
        choices = body["data"].get("choices")
        if isinstance(choices, list):
            problems += _choice_problems(choices, ("data", "choices"))
        if isinstance(choices, list) and len(choices) > MAX_CHOICES:
            problems.append(
                Problem(
                    ("data", "choices"),
                    f"Must be {MAX_CHOICES} or fewer in length.",
                    "BASE_TYPE_MAX_LENGTH",
                )
            )
    return _dedupe(problems)


#: :func:`validate_request`'s answers by (method, route, body as JSON): a fake serving a burst
#: sees the same bodies again and again, and schema validation is most of its CPU.
_checked: dict[tuple[str, str, str], tuple[Problem, ...]] = {}
_CHECKED_KEPT = 4096


def validate_request(method: str, path: str, body: object) -> list[Problem]:
    """Validate a request body for ``method`` and a concrete or template ``path``.

    ``body`` is the decoded JSON (for multipart, the decoded ``payload_json`` part). A route the
    spec does not know, or one without a JSON body, yields a single problem / no problems.
    The answer for a body seen before on the same route is the one given then (it is a pure
    function of the three).
    """
    route = match_route(path) or path
    try:
        key = (method.upper(), route, json.dumps(body, separators=(",", ":")))
    except (TypeError, ValueError):  # not JSON: nothing to remember it by
        return _validate_request(method, path, body)
    known = _checked.get(key)
    if known is None:
        if len(_checked) >= _CHECKED_KEPT:
            _checked.clear()
        known = _checked[key] = tuple(_validate_request(method, path, body))
    return list(known)


def _validate_request(method: str, path: str, body: object) -> list[Problem]:
    template = match_route(path)
    if template is None:
        return [
            Problem((), f"{method} {path} is not a route in Discord's API spec.", "UNKNOWN_ROUTE")
        ]
    method = method.upper()
    if template == "/interactions/{interaction_id}/{interaction_token}/callback":
        return validate_interaction_callback(body)
    if method == "PUT" and template.endswith("/commands"):
        return validate_command_tree(body)
    is_command_route = template.endswith(("/commands", "/commands/{command_id}"))
    if method in {"POST", "PATCH"} and is_command_route:
        problems = _schema_problems(request_schema_pointer(method, template) or "", body)
        return _dedupe(problems + _command_problems(body, ()))
    if method == "POST" and template == "/webhooks/{webhook_id}/{webhook_token}":
        return validate_message_payload(body, kind="interaction")
    pointer = request_schema_pointer(method, template)
    if pointer is None:
        return []
    problems = _schema_problems(pointer, body)
    if template.endswith("/messages") or "/messages/" in template:
        problems += _message_limit_problems(body)
    if method == "POST" and template == "/channels/{channel_id}/messages":
        problems += empty_message_problems(body)
    return _dedupe(problems)


def assert_valid(
    method_or_problems: str | Sequence[Problem], path: str = "", body: object = None
) -> None:
    """Raise ``AssertionError`` listing every problem's path; accepts problems or a request.

    ``assert_valid("POST", "/channels/1/messages", body)`` or
    ``assert_valid(validate_command_tree(tree))``.
    """
    if isinstance(method_or_problems, str):
        problems: Sequence[Problem] = validate_request(method_or_problems, path, body)
    else:
        problems = method_or_problems
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise AssertionError(f"Discord would reject this payload:\n{lines}")


def discord_error_body(problems: Sequence[Problem]) -> dict[str, Any]:
    """The ``400`` JSON Discord answers: ``{"code": 50035, "errors": {...}, "message": ...}``.

    ``errors`` nests by path (array indexes as string keys) down to ``{"_errors": [...]}``,
    which is what discord.py's ``HTTPException`` flattens into ``embeds.0.title: ...``.
    """
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.parts:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return {"code": 50035, "errors": errors, "message": "Invalid Form Body"}


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """Keep the first problem per path: the spec and the extra limits overlap in places."""
    seen: set[tuple[PathPart, ...]] = set()
    out = []
    for problem in problems:
        if problem.parts not in seen:
            seen.add(problem.parts)
            out.append(problem)
    return out
