"""Can the bot give this role? The one check behind ``/admin rewards add`` and every grant.

Discord lets a bot give or take a role only with Manage Roles and only for roles below its own
highest role; ``@everyone`` and roles managed by an integration (a bot's own role, a booster
role) cannot be given at all. :func:`check_assignable` raises the port's errors
(:class:`~scheduler.ports.MissingPermissions`, :class:`~scheduler.ports.RoleNotAssignable`), so
the publisher passes them to the scheduler and the admin cog turns them into a friendly reply.
"""

from __future__ import annotations

from typing import Final

import discord

from scheduler.ports import MissingPermissions, RoleNotAssignable

__all__ = ["MANAGE_ROLES", "RoleAboveMine", "check_assignable", "role_problem_text"]

#: What giving and taking milestone roles needs (Discord's permission name).
MANAGE_ROLES: Final = "manage_roles"


class RoleAboveMine(RoleNotAssignable):
    """The role is not below the bot's highest role (a moderator can drag it lower)."""


def check_assignable(guild: discord.Guild, role: discord.Role | None, role_id: int) -> None:
    """Raise unless the bot (``guild.me``) may give ``role`` (``None``: it was deleted)."""
    if role is None:
        raise RoleNotAssignable(role_id, "the role no longer exists", guild_id=guild.id)
    if role.is_default():
        raise RoleNotAssignable(role_id, "@everyone is everyone's already", guild_id=guild.id)
    if role.managed:
        raise RoleNotAssignable(
            role_id, "it is managed by an integration, not by hand", guild_id=guild.id
        )
    me = guild.me
    if not me.guild_permissions.manage_roles:
        raise MissingPermissions(MANAGE_ROLES, guild_id=guild.id)
    if role >= me.top_role:
        raise RoleAboveMine(
            role_id,
            f"it is not below my highest role ({me.top_role.name})",
            guild_id=guild.id,
        )


def role_problem_text(error: MissingPermissions | RoleNotAssignable, role: str) -> str:
    """What a moderator reads when ``/admin rewards add`` refuses ``role`` (a mention)."""
    if isinstance(error, MissingPermissions):
        return (
            f"I cannot give {role}: I need the **Manage Roles** permission. Grant it to my role "
            "and try again."
        )
    if isinstance(error, RoleAboveMine):
        return (
            f"I cannot give {role}: {error.reason}. Drag my role above it in Server Settings > "
            "Roles and try again."
        )
    return f"I cannot give {role}: {error.reason}. Choose another role."
