"""Load ``content/data/*.yaml`` into a :class:`~content.models.Catalog`.

Each YAML file is a mapping whose top-level keys are catalog kinds (``tools:``,
``salaries:``...), each holding a list of items; a kind lives in exactly one file. Every
``*.yaml`` file under the directory is loaded, so a stray file is reported when its keys are
not catalog kinds (and used when they are); a ``*.yml`` file is reported, not loaded.

The loader collects every problem of every file before failing, each with the file, the
line and the field path: YAML syntax errors, duplicate mapping keys, unknown keys, wrong
types, duplicate ids, unknown sources and other dangling references. Lines come from the
composed YAML node tree (PyYAML keeps a start mark per node), which is why files are
composed and constructed here instead of going through ``yaml.safe_load``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from content.models import KINDS, Catalog, Loc, format_loc, integrity_problems

__all__ = [
    "ContentError",
    "ContentProblem",
    "bundled_content_dir",
    "check_content",
    "load_catalog",
]


@dataclass(frozen=True)
class ContentProblem:
    """One problem in the content: ``file`` is relative to the content directory."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ContentError(Exception):
    """The content does not load; ``problems`` lists all of them in file order."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} content problem(s):\n{lines}")


def bundled_content_dir() -> Path:
    """The data directory shipped inside the ``content`` package."""
    return Path(__file__).resolve().parent / "data"


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and validate every YAML file of ``directory`` (default: the bundled data).

    Raises :class:`ContentError` listing all problems found.
    """
    catalog, problems = _load(bundled_content_dir() if directory is None else Path(directory))
    if problems or catalog is None:
        raise ContentError(problems)
    return catalog


def check_content(directory: Path | None = None) -> list[ContentProblem]:
    """All problems of the content in ``directory``; an empty list means it loads."""
    try:
        load_catalog(directory)
    except ContentError as error:
        return error.problems
    return []


# -- parsing ---------------------------------------------------------------------------------


@dataclass
class _Origin:
    """Where a top-level kind was defined: its file and the YAML node of its value."""

    file: str
    key_line: int
    node: yaml.Node


#: libyaml's loader when PyYAML was built with it (its wheels are): the same nodes, marks and
#: errors, about ten times faster than the pure-Python one (content loads at every start).
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _parse(path: Path, rel: str) -> tuple[Any, yaml.Node | None, list[ContentProblem]]:
    """(data, root node, problems) of one YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [ContentProblem(rel, None, "", f"cannot read file: {error}")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else int(mark.line) + 1
        detail = " ".join(part for part in (error.context, error.problem) if part)
        return None, None, [ContentProblem(rel, line, "", f"YAML syntax error: {detail}")]
    except yaml.YAMLError as error:
        return None, None, [ContentProblem(rel, None, "", f"YAML error: {error}")]
    finally:
        loader.dispose()
    return data, node, _duplicate_keys(node, rel, ())


def _duplicate_keys(node: yaml.Node | None, rel: str, loc: Loc) -> list[ContentProblem]:
    """PyYAML keeps the last of two equal mapping keys without a word; we report them."""
    problems: list[ContentProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(
                    ContentProblem(
                        rel,
                        _line(key_node),
                        format_loc((*loc, key)),
                        f"duplicate key {key!r} (first at line {seen[key]})",
                    )
                )
            seen.setdefault(key, _line(key_node))
            problems.extend(_duplicate_keys(value_node, rel, (*loc, key)))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            problems.extend(_duplicate_keys(child, rel, (*loc, index)))
    return problems


def _line_of(origin: _Origin, loc: Loc) -> int:
    """Line of the deepest node ``loc`` (relative to the kind's value) reaches.

    Mapping keys resolve to the key's line, so a nested block points at its key; a missing
    field resolves to the enclosing mapping.
    """
    node: yaml.Node = origin.node
    line = origin.key_line
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next((kv for kv in node.value if str(kv[0].value) == part), None)
            if match is None:
                break
            line, node = _line(match[0]), match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = _line(node)
        else:
            break
    return line


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None``, ``tuple[X, ...]`` or ``Annotated[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the model that ``loc`` (field names and list indexes) leads to."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if current is not None else None
        current = _model_in(info.annotation) if info is not None else None
    return list(current.model_fields) if current is not None else []


def _message(error: Any, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        loc = tuple(error["loc"])
        allowed = _allowed_keys(model, loc[:-1])
        close = get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key ({hint}allowed: {', '.join(allowed)})" if allowed else "unknown key"
    message = str(error["msg"])
    if kind == "value_error" and message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if kind not in {"missing", "value_error"} and "input" in error:
        given = error["input"]
        if isinstance(given, dict) and kind == "string_type":
            # `- Build it: end to end` is a one-key mapping in YAML, not a string.
            message += " (got a mapping: quote text that contains ': ')"
        elif isinstance(given, dict):
            message += " (got a mapping)"
        elif isinstance(given, list):
            message += " (got a list)"
        else:
            message += f" (got {given!r})"
    return message


# -- loading ---------------------------------------------------------------------------------


def _read_files(
    directory: Path,
) -> tuple[dict[str, Any], dict[str, _Origin], list[ContentProblem], bool]:
    """Parse every ``*.yaml`` file.

    Returns the raw value of each kind, where it was defined, the problems, and whether every
    file could be parsed.
    """
    problems: list[ContentProblem] = []
    all_parsed = True
    raw: dict[str, Any] = {}
    origins: dict[str, _Origin] = {}
    files = sorted(directory.rglob("*.yaml"))
    if not files:
        problems.append(ContentProblem(str(directory), None, "", "no *.yaml files found"))
    for path in sorted(directory.rglob("*.yml")):
        rel = path.relative_to(directory).as_posix()
        problems.append(ContentProblem(rel, None, "", "not loaded: rename it to end in .yaml"))
    for path in files:
        rel = path.relative_to(directory).as_posix()
        data, node, file_problems = _parse(path, rel)
        problems.extend(file_problems)
        if node is None:
            all_parsed = all_parsed and not file_problems
            if not file_problems:
                problems.append(ContentProblem(rel, None, "", "file is empty"))
            continue
        if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
            problems.append(
                ContentProblem(rel, _line(node), "", "expected a mapping of kinds (e.g. 'tools:')")
            )
            continue
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in KINDS:
                expected = ", ".join(KINDS)
                problems.append(
                    ContentProblem(
                        rel, _line(key_node), key, f"unknown key (expected one of: {expected})"
                    )
                )
            elif key in origins and origins[key].file != rel:
                first = origins[key]
                problems.append(
                    ContentProblem(
                        rel,
                        _line(key_node),
                        key,
                        f"{key!r} is already defined in {first.file}:{first.key_line}",
                    )
                )
            else:
                # Twice in one file is reported as a duplicate key; PyYAML keeps the last one,
                # so the origin follows it to keep line numbers right.
                origins[key] = _Origin(rel, _line(key_node), value_node)
                raw[key] = data.get(key)
    return raw, origins, problems, all_parsed


def _validate_items(
    kind: str, value: Any, problem: Callable[[Loc, str], ContentProblem]
) -> tuple[list[tuple[int, BaseModel]], set[str], list[ContentProblem]]:
    """Validate each item of one kind on its own, so one bad item hides no other problem.

    Returns the valid ``(index, item)`` pairs, the ids of invalid items, and the problems.
    """
    model = KINDS[kind]
    items = [] if value is None else value
    if not isinstance(items, list):
        message = f"expected a list of items, got {type(items).__name__}"
        return [], set(), [problem((kind,), message)]
    valid: list[tuple[int, BaseModel]] = []
    invalid_ids: set[str] = set()
    problems: list[ContentProblem] = []
    for index, element in enumerate(items):
        try:
            valid.append((index, model.model_validate(element)))
        except ValidationError as error:
            for detail in error.errors():
                problems.append(problem((kind, index, *detail["loc"]), _message(detail, model)))
            if isinstance(element, dict):
                item_id = element.get("file" if kind == "sources" else "id")
                if isinstance(item_id, str):
                    invalid_ids.add(item_id)
    return valid, invalid_ids, problems


def _load(directory: Path) -> tuple[Catalog | None, list[ContentProblem]]:
    if not directory.is_dir():
        return None, [ContentProblem(str(directory), None, "", "content directory not found")]
    raw, origins, problems, all_parsed = _read_files(directory)
    # A file that does not parse hides its kinds: do not also flag every reference to them.
    unchecked = frozenset() if all_parsed else frozenset(set(KINDS) - set(origins))

    def problem(loc: Loc, message: str) -> ContentProblem:
        origin = origins[str(loc[0])]
        return ContentProblem(origin.file, _line_of(origin, loc[1:]), format_loc(loc), message)

    valid: dict[str, list[tuple[int, BaseModel]]] = {}
    invalid_ids: dict[str, set[str]] = {}
    for kind, value in raw.items():
        valid[kind], invalid_ids[kind], kind_problems = _validate_items(kind, value, problem)
        problems.extend(kind_problems)
    problems.extend(
        problem(loc, message) for loc, message in integrity_problems(valid, invalid_ids, unchecked)
    )
    if problems:
        return None, problems
    by_kind = {kind: [item for _, item in items] for kind, items in valid.items()}
    try:
        return Catalog.model_validate(by_kind), []
    except ValidationError as error:  # pragma: no cover - integrity_problems reports these
        return None, [
            ContentProblem(str(directory), None, format_loc(tuple(e["loc"])), str(e["msg"]))
            for e in error.errors()
        ]
