"""Housekeeping of the users' sessions, one-time links and failed sign-ins."""

from remit.billing import users


async def forget_expired(ctx: dict) -> int:
    return await users.forget_expired()
