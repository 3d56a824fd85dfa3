"""Accounts for a team server: users with a role and a password, login sessions, the principal.

``principal.require(action)`` is the one permission check the services call; ``service`` keeps
the accounts and sessions (every change an event, never a password or a session token).
"""

from kvali.accounts.principal import Principal, current_principal, require, set_principal

__all__ = ["Principal", "current_principal", "require", "set_principal"]
