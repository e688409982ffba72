"""Microsoft identity platform through msal, shared by Graph and IMAP XOAUTH2.

One msal application per (authority, client, kind of client) and one persistent token cache per
process. The cache lives in the state directory (``microsoft-token-cache.json``), readable by
its owner only, and is written atomically (temporary file, fsync, rename) and only when msal
says it changed. Another process (``relmon accounts login`` while the daemon runs) may rewrite
it: the file is read again whenever it changed on disk.

A delegated sign-in is tied to a relmon account by name in ``microsoft-sign-ins.json`` beside
the cache, because one app registration may sign in several people.

msal answers failures with dictionaries; here they become typed errors carrying the AADSTS code
and a plain-language hint::

    AuthError
    └── MicrosoftSignInError       the identity platform refused: a person must act
                                   (consent, secret, sign-in again); counted and escalated
    TransientError
    └── MicrosoftUnavailable       the sign-in service could not be reached or was busy

msal itself remembers a failed (HTTP 400) token response for 60 seconds and answers the same
request from memory in that time; that is harmless for a daemon polling every few minutes.
"""

from monitor.sources.msauth.apps import (
    GRAPH_RESOURCE,
    IMAP_DELEGATED_SCOPE,
    PinnedSession,
    acquire_token,
    application,
    default_scopes,
    drop_token,
    forget,
    http_session,
    token_cache,
)
from monitor.sources.msauth.device import login_device_code
from monitor.sources.msauth.errors import (
    MicrosoftSignInError,
    MicrosoftUnavailable,
    error_from_result,
)
from monitor.sources.msauth.files import (
    SIGN_INS_FILE,
    TOKEN_CACHE_FILE,
    SignIn,
    TokenCacheFile,
    read_sign_ins,
    write_private,
)

__all__ = [
    "GRAPH_RESOURCE",
    "IMAP_DELEGATED_SCOPE",
    "SIGN_INS_FILE",
    "TOKEN_CACHE_FILE",
    "MicrosoftSignInError",
    "MicrosoftUnavailable",
    "PinnedSession",
    "SignIn",
    "TokenCacheFile",
    "acquire_token",
    "application",
    "default_scopes",
    "drop_token",
    "error_from_result",
    "forget",
    "http_session",
    "login_device_code",
    "read_sign_ins",
    "token_cache",
    "write_private",
]
