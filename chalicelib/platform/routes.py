"""Platform routes: health, the signed-in user, the home and login pages, static files, and the
dev issuer's login (only when the local cloud's dev issuer is on)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import devissuer, web
from chalicelib.auth import current_user
from chalicelib.errors import NotFound
from chalicelib.platform.http import json_response
from chalicelib.settings import get_settings
from chalicelib.validation import field_str, json_object

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
def health():  # type: ignore[no-untyped-def]
    return json_response({"status": "ok"})


@bp.route("/me", methods=["GET"])
def me():  # type: ignore[no-untyped-def]
    return json_response(current_user(bp.current_request).to_dict())


@bp.route("/", methods=["GET"])
def home_page():  # type: ignore[no-untyped-def]
    return web.page("home")


@bp.route("/login", methods=["GET"])
def login_page():  # type: ignore[no-untyped-def]
    auth = get_settings().auth
    # The page's script talks to the app and, for SSO, to the issuer (discovery) and its token
    # endpoint, which may be another https host (Cognito: <domain>.auth.<region>.amazoncognito.com).
    connect = f"'self' {auth.issuer_origin} https:" if auth.sso and auth.issuer_origin else "'self'"
    return web.page("login", connect_src=connect)


@bp.route("/auth/config", methods=["GET"])
def auth_config():  # type: ignore[no-untyped-def]
    """Public: what the login page needs for OIDC sign-in (code flow + PKCE), 404 when off."""
    settings = get_settings()
    auth = settings.auth
    if not auth.sso:
        raise NotFound("기관 통합인증(SSO)이 설정되어 있지 않습니다. (SSO is not configured)")
    base = auth.public_url or web.request_base_url(bp.current_request, settings.public_url)
    return json_response({"issuer": auth.issuer, "client_id": auth.client_id, "scopes": auth.scopes,
                          "redirect_uri": f"{base}/login"})


@bp.route("/static/{name}", methods=["GET"])
def static(name: str):  # type: ignore[no-untyped-def]
    return web.static_file(name)


def _dev_only() -> str:
    settings = get_settings()
    if not settings.auth.dev_issuer:
        raise NotFound()
    return settings.home


@bp.route("/dev/users", methods=["GET"])
def dev_users():  # type: ignore[no-untyped-def]
    _dev_only()
    users = [{"id": uid, "name": name, "department": dept, "roles": list(roles)}
             for uid, (name, dept, roles) in devissuer.DEMO_USERS.items()]
    return json_response({"users": users})


@bp.route("/dev/login", methods=["POST"])
def dev_login():  # type: ignore[no-untyped-def]
    home = _dev_only()
    user_id = field_str(json_object(bp.current_request), "user", max_len=32, min_len=1)
    if user_id not in devissuer.DEMO_USERS:
        raise NotFound("데모 사용자가 아닙니다. (not a demo user)")
    return json_response({"token": devissuer.issue_token(home, user_id)})
