"""Who is at this browser, so that on a shared server each browser sees only its sessions.

Streamlit's signed-in user when its authentication is configured; otherwise this browser's
own cookie, a random id signed with a secret kept in the data folder (a forged or copied-in
id does not verify). The cookie is set from a tiny script in the page the first time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

import streamlit as st

from pixelsmith.files import write_text

COOKIE = "pixelsmith_browser"
SECRET_FILE = "ui-secret"


def browser(data_dir: Path) -> str:
    """This browser's identity (kept for the tab in its session state)."""
    user = _signed_in_user()
    if user:
        return user
    known = st.session_state.get("browser")
    if known:
        return known
    secret = _secret(data_dir)
    found = verify(_cookie(), secret)
    if found is None:
        found = secrets.token_urlsafe(16)
        value = json.dumps(f"{COOKIE}={sign(found, secret)}; path=/; max-age=31536000; SameSite=Strict")
        # our own script with our own signed value (JSON-quoted), run in the page itself
        st.html(f"<script>document.cookie = {value};</script>", unsafe_allow_javascript=True)
    st.session_state["browser"] = found
    return found


def _cookie() -> str:
    """The cookie as the browser sent it ("" where there is no browser, e.g. in AppTest)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:
        return ""
    return value if isinstance(value, str) else ""


def sign(identity: str, secret: bytes) -> str:
    mac = hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{identity}.{mac}"


def verify(cookie: str, secret: bytes) -> str | None:
    """The identity in a cookie this server signed, else None."""
    identity, _, _ = cookie.rpartition(".")
    if identity and hmac.compare_digest(sign(identity, secret), cookie):
        return identity
    return None


def _signed_in_user() -> str | None:
    try:
        user = st.user
        if user.is_logged_in:
            return f"user:{user.get('email') or user.get('sub')}"
    except Exception:  # authentication not configured
        return None
    return None


def _secret(data_dir: Path) -> bytes:
    path = Path(data_dir) / SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())
