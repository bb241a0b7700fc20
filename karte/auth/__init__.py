"""Users, roles and permissions, API keys, web sessions with CSRF tokens, lockout after failed log-ins."""

from karte.auth.apikeys import ApiKeyInfo, ApiKeyStore
from karte.auth.permissions import RoleTable, role_table, security_policy
from karte.auth.sessions import SessionProblem, SessionStore, WebSession, csrf_matches, web_secret
from karte.auth.users import LoginOutcome, LoginResult, User, UserStore

__all__ = [
    "ApiKeyInfo",
    "ApiKeyStore",
    "LoginOutcome",
    "LoginResult",
    "RoleTable",
    "SessionProblem",
    "SessionStore",
    "User",
    "UserStore",
    "WebSession",
    "csrf_matches",
    "role_table",
    "security_policy",
    "web_secret",
]
