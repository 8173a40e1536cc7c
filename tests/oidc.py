"""A real OpenID provider for the tests: the npm `oidc-provider` package run by Node in its own process
(tests/oidc_provider.mjs) on a free port of this machine. Nothing here mocks a token endpoint: the tests sign in
through the provider's own pages and our service fetches and checks real, signed tokens."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc_provider.mjs"
CLIENT_ID = "adoption-support"
CLIENT_SECRET = "a-test-only-client-secret-for-the-provider"
SECRET_ENV = "SSO_TEST_CLIENT_SECRET"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class TestProvider:
    issuer: str
    process: subprocess.Popen
    http: requests.Session = field(default_factory=requests.Session)

    def add_person(self, *, sub: str, email: str, groups: list[str] | None = None, mfa: bool = False,
                   email_verified: bool = True, name: str = "") -> None:
        self.http.post(f"{self.issuer}/__test__/accounts", timeout=5, data=json.dumps({
            "sub": sub, "email": email, "groups": groups or [], "mfa": mfa, "email_verified": email_verified,
            "name": name or email.split("@")[0].replace(".", " ").title(),
        })).raise_for_status()

    def spoil_next_token(self, kind: str) -> None:
        self.http.post(f"{self.issuer}/__test__/fault", data=json.dumps({"kind": kind}), timeout=5).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(*, redirect_uris: list[str], post_logout_redirect_uris: list[str]) -> TestProvider:
    config = {"clients": [{
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
    }]}
    return launch_provider(port=free_port(), config=config)


def launch_provider(*, port: int, config: dict) -> TestProvider:
    """Start tests/oidc_provider.mjs on `port` with CONFIG_JSON `config`, and wait until it answers."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node is not installed: scripts/system_packages.sh installs it (npm)")
    process = subprocess.Popen(
        [node, str(SCRIPT), str(port), json.dumps(config)], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider stopped: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return TestProvider(issuer=issuer, process=process)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("oidc-provider did not start within 20 seconds")


def sign_in_at_provider(authorize_url: str, *, sub: str, browser: requests.Session | None = None) -> str:
    """Walks the provider's own pages as a person would (its sign-in form, then its redirects) and returns the URL
    the provider sends the browser back to: our callback with `code` and `state`, or with `error`."""
    browser = browser or requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    while response.status_code in (302, 303) and not _is_ours(response.headers["Location"]):
        location = _absolute(response.url, response.headers["Location"])
        if urlsplit(location).path.startswith("/interaction/"):
            browser.get(location, timeout=10).raise_for_status()
            response = browser.post(f"{location}/login", data={"login": sub}, allow_redirects=False, timeout=10)
        else:
            response = browser.get(location, allow_redirects=False, timeout=10)
    if response.status_code not in (302, 303):
        raise AssertionError(f"the provider answered {response.status_code}: {response.text[:300]}")
    return str(response.headers["Location"])


def _is_ours(location: str) -> bool:
    return "/sso/callback/" in location


def _absolute(base: str, location: str) -> str:
    if location.startswith("http"):
        return location
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}{location}"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# Fixtures (imported by the test modules that use them). One provider process per test session and worker.


@pytest.fixture(scope="session")
def oidc_op():  # type: ignore[no-untyped-def]
    """The provider for the Django test client, whose host is `testserver`."""
    op = start_provider(redirect_uris=["http://testserver/sso/callback/"],
                        post_logout_redirect_uris=["http://testserver/sign-in/"])
    yield op
    op.stop()


@pytest.fixture
def client_secret(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


@pytest.fixture(scope="session")
def oidc_op_live(live_server):  # type: ignore[no-untyped-def]
    """The provider for the browser journeys, sending people back to pytest-django's live server."""
    op = start_provider(redirect_uris=[f"{live_server.url}/sso/callback/"],
                        post_logout_redirect_uris=[f"{live_server.url}/sign-in/"])
    yield op
    op.stop()
