"""LTI 1.3 login (deploy/hub/lti.py) against a stand-in LMS platform on 127.0.0.1.

A real JupyterHub runs with LTI13Authenticator from jupyterhub-ltiauthenticator and the course
hook; the stand-in platform signs launch id_tokens (RS256) and serves its JWKS. Each launch goes
through the hub's real endpoints: the OIDC login initiation (/hub/lti13/oauth_login), the
platform's authorization endpoint (which answers with the auto-submitting form an LMS sends) and
the launch callback (/hub/lti13/oauth_callback). Groups are read back through the hub's REST API.

The hub tests need requirements/lti.txt (`make test-lti` installs it; so does `make test`); they
skip without it unless COURSE_LTI_TESTS=1, which makes the missing packages an error. The role
mapping tests need nothing beyond the course's lock.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("jupyterhub", "ltiauthenticator", "jwt", "cryptography")
MISSING = [m for m in NEEDED if importlib.util.find_spec(m) is None]

_SPEC = importlib.util.spec_from_file_location("lti", ROOT / "deploy" / "hub" / "lti.py")
lti = importlib.util.module_from_spec(_SPEC)
sys.modules["lti"] = lti
_SPEC.loader.exec_module(lti)

pytestmark = pytest.mark.slow

CLIENT_ID = "10000000000042"
DEPLOYMENT_ID = "1:course-hub"
KID = "platform-key-1"
COURSES = {"ctx-alliance-2027": "alliance101", "ctx-seminar-2027": "seoultokyo"}
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
FACULTY = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    """A stand-in LMS: JWKS at /jwks, OIDC authorization at /authorize (form_post response)."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pending: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def jwks(self) -> dict:
        import jwt

        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, request: dict, launch: dict) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": launch.get("iss", self.issuer),
            "aud": launch.get("aud", request["client_id"]),
            "sub": launch["sub"],
            "iat": now + launch.get("iat_shift", 0),
            "exp": now + launch.get("exp_shift", 300),
            "nonce": request["nonce"],
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            lti.DEPLOYMENT_CLAIM: launch.get("deployment_id", DEPLOYMENT_ID),
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": launch["target"],
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "link-1"},
            lti.ROLES_CLAIM: launch["roles"],
            lti.CUSTOM_CLAIM: {"username": launch["username"]} if launch["username"] else {},
        }
        if launch["context"]:
            claims[lti.CONTEXT_CLAIM] = {"id": launch["context"], "label": "COURSE", "title": "A course"}
        key = self.rogue_key if launch.get("rogue") else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, ctype):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/jwks":
                    return self._send(200, json.dumps(platform.jwks()), "application/json")
                if url.path != "/authorize":
                    return self._send(404, "not found", "text/plain")
                req = {k: v[0] for k, v in parse_qs(url.query).items()}
                launch = platform.pending.pop(req.get("login_hint", ""), None)
                expected = {"response_type": "id_token", "scope": "openid", "response_mode": "form_post"}
                if launch is None or any(req.get(k) != v for k, v in expected.items()):
                    return self._send(400, "bad authorization request", "text/plain")
                fields = {"id_token": platform.id_token(req, launch), "state": req["state"]}
                inputs = "".join(
                    f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
                )
                form = (
                    f'<form method="post" action="{html.escape(req["redirect_uri"])}">{inputs}</form>'
                    "<script>document.forms[0].submit()</script>"
                )
                return self._send(200, form, "text/html")

        return Handler

    def authorize(self, hub: Hub, sub: str, roles, context="ctx-alliance-2027", **launch):
        """An LTI launch by a fresh browser, up to the platform's form: (browser, action, fields)."""
        browser = requests.Session()
        hint = uuid.uuid4().hex
        target = hub.url + "/hub/"
        username = launch.pop("username", sub)
        self.pending[hint] = dict(sub=sub, roles=roles, context=context, target=target, username=username)
        self.pending[hint].update(launch)
        # 1. the LMS sends the browser to the tool's OIDC login initiation endpoint
        r = browser.post(
            hub.url + "/hub/lti13/oauth_login",
            data={
                "iss": self.issuer,
                "login_hint": hint,
                "target_link_uri": target,
                "client_id": CLIENT_ID,
                "lti_deployment_id": DEPLOYMENT_ID,
            },
            allow_redirects=False,
        )
        assert r.status_code == 302, r.text
        assert r.headers["Location"].startswith(self.url + "/authorize?")
        # 2. the tool sends it to the platform's authorization endpoint
        r = browser.get(r.headers["Location"], allow_redirects=False)
        assert r.status_code == 200, r.text
        # 3. the platform answers with a page that posts the signed id_token to the redirect URI
        action = html.unescape(re.search(r'action="([^"]+)"', r.text).group(1))
        fields = {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', r.text)}
        assert action == hub.url + "/hub/lti13/oauth_callback"
        return browser, action, fields

    def launch(self, hub: Hub, sub: str, roles, **launch) -> requests.Response:
        """One whole launch; returns the hub's answer to the posted id_token."""
        browser, action, fields = self.authorize(hub, sub, roles, **launch)
        return browser.post(action, data=fields, allow_redirects=False)


class Hub:
    def __init__(self, tmp: Path, platform: Platform):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.log = tmp / "hub.log"
        settings = {
            "issuer": platform.issuer,
            "client_ids": [CLIENT_ID],
            "deployment_ids": [DEPLOYMENT_ID],
            "authorize_url": platform.url + "/authorize",
            "jwks_url": platform.url + "/jwks",
            "courses": COURSES,
            "username_key": "custom_username",
            "username_pattern": "^[a-z][a-z0-9_-]{0,31}$",
        }
        (tmp / "lti.json").write_text(json.dumps(settings))
        (tmp / "jupyterhub_config.py").write_text(
            HUB_CONFIG.format(
                port=self.port, token=self.token, tmp=str(tmp), deploy=str(ROOT / "deploy" / "hub")
            )
        )
        env = {**os.environ, lti.SETTINGS_ENV: str(tmp / "lti.json")}
        self.log_file = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(tmp / "jupyterhub_config.py")],
            cwd=tmp,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if requests.get(self.url + "/hub/api/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        self.stop()
        raise AssertionError("hub did not start:\n" + self.log.read_text()[-3000:])

    def api(self, path: str) -> requests.Response:
        return requests.get(self.url + "/hub/api" + path, headers={"Authorization": f"token {self.token}"})

    def groups(self, name: str) -> list[str] | None:
        r = self.api(f"/users/{name}")
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return sorted(r.json()["groups"])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()


# The hub as deploy/hub would run it, less the proxy (the tests talk to the hub's own port) and
# less the spawner (nobody's server is started). lti.py is loaded the documented way.
HUB_CONFIG = '''
from jupyterhub.proxy import Proxy

class NoProxy(Proxy):
    """In-memory routing table: the hub's endpoints are reached on its own port."""
    should_start = False
    routes = {{}}
    async def add_route(self, routespec, target, data):
        self.routes[routespec] = {{"routespec": routespec, "target": target, "data": data}}
    async def delete_route(self, routespec):
        self.routes.pop(routespec, None)
    async def get_all_routes(self):
        return dict(self.routes)

c.JupyterHub.proxy_class = NoProxy
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = False
c.JupyterHub.services = [{{"name": "lti-test", "api_token": "{token}"}}]
c.JupyterHub.load_roles = [
    {{"name": "lti-test-reader", "scopes": ["list:users", "read:users", "read:groups"],
      "services": ["lti-test"]}},
    # nbgrader's multi-course pattern names the course groups in roles; load_roles creates them.
    {{"name": "formgrade-alliance101", "scopes": ["read:users!group=nbgrader-alliance101"],
      "groups": ["formgrade-alliance101"]}},
]
load_subconfig("{deploy}/lti.py")
'''


@pytest.fixture(scope="module")
def platform():
    if MISSING:
        why = f"LTI packages not installed ({', '.join(MISSING)}); `make test-lti` installs them"
        if os.environ.get("COURSE_LTI_TESTS") == "1":
            pytest.fail("COURSE_LTI_TESTS=1 but " + why)
        pytest.skip(why)
    p = Platform()
    p.thread.start()
    yield p
    p.server.shutdown()
    p.server.server_close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory, platform):
    h = Hub(tmp_path_factory.mktemp("hub"), platform)
    yield h
    h.stop()


def logged_in(r: requests.Response) -> bool:
    return r.status_code == 302 and any(c.name.startswith("jupyterhub-") for c in r.cookies)


def test_learner_launch_joins_the_student_group(hub, platform):
    r = platform.launch(hub, "s-ahn", [LEARNER])
    assert logged_in(r), (r.status_code, r.text)
    assert hub.groups("s-ahn") == ["nbgrader-alliance101"]


def test_instructor_and_ta_join_the_grader_group(hub, platform):
    assert logged_in(platform.launch(hub, "t-sato", [INSTRUCTOR, FACULTY]))
    assert logged_in(platform.launch(hub, "ta-kim", [TA], context="ctx-seminar-2027"))
    assert hub.groups("t-sato") == ["formgrade-alliance101"]
    assert hub.groups("ta-kim") == ["formgrade-seoultokyo"]


def test_courses_add_up_and_a_relaunch_replaces_only_that_course(hub, platform):
    assert logged_in(platform.launch(hub, "s-park", [LEARNER]))
    assert logged_in(platform.launch(hub, "s-park", [TA], context="ctx-seminar-2027"))
    assert hub.groups("s-park") == ["formgrade-seoultokyo", "nbgrader-alliance101"]
    # made a TA in the first course too: that course's student group is replaced, not added to
    assert logged_in(platform.launch(hub, "s-park", [TA]))
    assert hub.groups("s-park") == ["formgrade-alliance101", "formgrade-seoultokyo"]


def test_bad_signature_is_refused(hub, platform):
    r = platform.launch(hub, "x-sig", [LEARNER], rogue=True)
    assert r.status_code == 400 and "Signature verification failed" in r.text
    assert hub.groups("x-sig") is None


def test_wrong_audience_is_refused(hub, platform):
    r = platform.launch(hub, "x-aud", [LEARNER], aud="some-other-tool")
    assert r.status_code == 401 and "audience" in r.text.lower()
    assert hub.groups("x-aud") is None


def test_expired_token_is_refused(hub, platform):
    r = platform.launch(hub, "x-exp", [LEARNER], iat_shift=-400, exp_shift=-100)
    assert r.status_code == 400 and "expired" in r.text.lower()
    assert hub.groups("x-exp") is None


def test_wrong_issuer_is_refused(hub, platform):
    r = platform.launch(hub, "x-iss", [LEARNER], iss="https://lms.example.invalid")
    assert r.status_code == 400 and "issuer" in r.text.lower()
    assert hub.groups("x-iss") is None


def test_a_launch_cannot_be_replayed(hub, platform):
    browser, action, fields = platform.authorize(hub, "s-lee", [LEARNER])
    assert logged_in(browser.post(action, data=fields, allow_redirects=False))
    # the same id_token and state again: the state and nonce cookies were spent on the first post
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 400
    # posted from another browser (a captured token): no state cookie, refused before the token is read
    r = requests.post(action, data=fields, allow_redirects=False)
    assert r.status_code == 400 and "state" in r.text.lower()


@pytest.mark.parametrize(
    ("launch", "reason"),
    [
        ({"context": "ctx-other-course"}, "not set up on this hub"),
        ({"context": None}, "does not name a course"),
        ({"roles": [MENTOR, FACULTY]}, "gives access"),
        ({"deployment_id": "9:elsewhere"}, "deployment"),
        ({"username": ""}, "custom parameter"),
        ({"username": "../root"}, "User missing or null"),
    ],
    ids=[
        "unknown-course",
        "no-course",
        "no-course-role",
        "unregistered-deployment",
        "no-username",
        "bad-name",
    ],
)
def test_genuine_launch_without_course_access_is_refused(hub, platform, launch, reason):
    name = "x-" + uuid.uuid4().hex[:8]
    launch = {"roles": [LEARNER], **launch}
    r = platform.launch(hub, name, **launch)
    assert r.status_code == 403 and reason in r.text
    assert hub.groups(name) is None


def test_lti_module_doctests():
    import doctest

    assert doctest.testmod(lti).failed == 0


def test_group_mapping_of_role_uris():
    courses = {"c1": "alliance101"}
    claims = {lti.CONTEXT_CLAIM: {"id": "c1"}, lti.ROLES_CLAIM: [LEARNER, TA, FACULTY]}
    assert lti.course_groups(claims, courses) == (
        "alliance101",
        {"nbgrader-alliance101", "formgrade-alliance101"},
    )
    claims[lti.ROLES_CLAIM] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor#Grader"]
    assert lti.course_groups(claims, courses)[1] == {"formgrade-alliance101"}
    claims[lti.ROLES_CLAIM] = [FACULTY, "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"]
    with pytest.raises(lti.LaunchRefused):
        lti.course_groups(claims, courses)
