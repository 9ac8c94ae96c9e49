"""What changed between two catalogs: for the reload report moderators see."""

from __future__ import annotations

from content.models import KINDS, Catalog


def _by_id(catalog: Catalog, kind: str) -> dict[str, object]:
    return {item.id: item for item in getattr(catalog, kind)}


def diff_catalogs(old: Catalog, new: Catalog, *, max_ids: int = 5) -> tuple[str, ...]:
    """One line per kind that changed, e.g. ``"tools: +1 (mlflow), -0, 2 edited"``.

    Items are matched by id; "edited" counts items whose content differs. At most ``max_ids``
    ids are named per list, so the report stays short.
    """

    def names(ids: list[str]) -> str:
        shown = ", ".join(sorted(ids)[:max_ids])
        more = f", +{len(ids) - max_ids} more" if len(ids) > max_ids else ""
        return f" ({shown}{more})" if ids else ""

    lines = []
    for kind in KINDS:
        before, after = _by_id(old, kind), _by_id(new, kind)
        added = [i for i in after if i not in before]
        removed = [i for i in before if i not in after]
        edited = [i for i in after if i in before and after[i] != before[i]]
        if added or removed or edited:
            lines.append(
                f"{kind}: +{len(added)}{names(added)}, -{len(removed)}{names(removed)}, "
                f"{len(edited)} edited{names(edited)}"
            )
    return tuple(lines)
