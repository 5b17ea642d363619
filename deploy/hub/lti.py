"""LTI 1.3 login for the course hub: the LMS's course and role claims become hub course groups.

The hub logs people in with ``jupyterhub-ltiauthenticator``'s ``LTI13Authenticator`` (it checks
the launch's signature against the platform's JWKS, the issuer, the audience, expiry, nonce and
state). This module adds only the course policy, through the authenticator's documented hooks
(``post_auth_hook`` and ``manage_groups``):

- the launch's context claim (``https://purl.imsglobal.org/spec/lti/claim/context``) names the LMS
  course; ``courses`` maps its ``id`` to the hub's course id (a launch from any other course is
  refused);
- the roles claim (``https://purl.imsglobal.org/spec/lti/claim/roles``): Instructor and its
  sub-roles (TeachingAssistant, Grader, ...) put the user in ``formgrade-COURSE``; Learner in
  ``nbgrader-COURSE``; other roles (Mentor, Observer, institution-wide roles) give nothing, and a
  launch that gives nothing is refused;
- the deployment id must be one the hub was registered with;
- group membership in *other* courses is kept, so one person can be a student in one course
  and a TA in another; a relaunch from a course replaces that course's groups only.

Use it from ``jupyterhub_config.py`` in either way::

    load_subconfig("/srv/jupyterhub/lti.py")          # settings from $COURSE_LTI_SETTINGS

    import sys; sys.path.insert(0, "/srv/jupyterhub")  # or: settings in the config itself
    import lti
    lti.configure(c, lti.load_settings("/etc/jupyterhub/lti.json"))

``manage_groups`` hands group membership to the authenticator: the hub config must not also
fill ``c.JupyterHub.load_groups`` (JupyterHub refuses to start if both are set). Roles may still
name the groups (``load_roles`` creates a group it names). See deploy/hub/LTI.md.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"

GRADER_GROUP = "formgrade-{course}"
STUDENT_GROUP = "nbgrader-{course}"

SETTINGS_ENV = "COURSE_LTI_SETTINGS"
DEFAULT_SETTINGS = "/etc/jupyterhub/lti.json"
REQUIRED = ("issuer", "client_ids", "authorize_url", "jwks_url", "courses")
COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class LaunchRefused(Exception):
    """The launch is genuine but gives no access to any course on this hub."""


def context_role(role: str) -> tuple[str, str] | None:
    """(principal, sub-role) of a context (course membership) role, or None for other roles.

    LTI 1.3 writes a context role as ``.../membership#Instructor`` and a sub-role as
    ``.../membership/Instructor#TeachingAssistant``; some platforms and libraries write
    ``.../membership#Instructor#TeachingAssistant``; the deprecated simple names
    (``Instructor``, ``Learner``, ``TeachingAssistant``) are also accepted.
    Institution and system roles (``.../institution/person#Instructor``) are not course roles.

    >>> context_role("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner")
    ('Learner', '')
    >>> context_role("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant")
    ('Instructor', 'TeachingAssistant')
    >>> context_role("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor") is None
    True
    """
    role = role.strip()
    if role.startswith(MEMBERSHIP + "/"):
        principal, _, sub = role[len(MEMBERSHIP) + 1 :].partition("#")
        return principal, sub
    if role.startswith(MEMBERSHIP + "#"):
        principal, _, sub = role[len(MEMBERSHIP) + 1 :].partition("#")
        return principal, sub
    if role == "TeachingAssistant":  # LTI 1.1 simple name
        return "Instructor", "TeachingAssistant"
    if role and ":" not in role and "/" not in role and "#" not in role:
        return role, ""
    return None


def course_groups(claims: Mapping[str, Any], courses: Mapping[str, str]) -> tuple[str, set[str]]:
    """The hub course id named by a launch and the groups its roles give in that course.

    Raises LaunchRefused when the launch has no course, a course the hub does not serve, or no
    role that the hub maps.
    """
    context = claims.get(CONTEXT_CLAIM) or {}
    context_id = str(context.get("id") or "")
    if not context_id:
        raise LaunchRefused("the launch does not name a course (no context claim)")
    course = courses.get(context_id)
    if not course:
        title = context.get("title") or context.get("label") or context_id
        raise LaunchRefused(f"the LMS course {title!r} (context id {context_id!r}) is not set up on this hub")
    roles = claims.get(ROLES_CLAIM) or []
    if isinstance(roles, str):
        roles = [roles]
    groups = set()
    for role in roles:
        parsed = context_role(str(role))
        if parsed is None:
            continue
        principal, _sub = parsed
        if principal == "Instructor":
            groups.add(GRADER_GROUP.format(course=course))
        elif principal == "Learner":
            groups.add(STUDENT_GROUP.format(course=course))
    if not groups:
        raise LaunchRefused(f"none of the roles {sorted(roles)} gives access to course {course!r}")
    return course, groups


def merge_groups(current: Iterable[str], course: str, new: Iterable[str]) -> list[str]:
    """Replace the user's groups for ``course`` by ``new`` and keep every other group.

    >>> merge_groups(["nbgrader-a", "formgrade-b"], "b", ["nbgrader-b"])
    ['nbgrader-a', 'nbgrader-b']
    """
    this_course = {GRADER_GROUP.format(course=course), STUDENT_GROUP.format(course=course)}
    return sorted((set(current) - this_course) | set(new))


def make_post_auth_hook(
    courses: Mapping[str, str],
    deployment_ids: Iterable[str] = (),
    username_key: str | None = None,
):
    """A ``post_auth_hook`` that turns the verified launch (``auth_state``) into hub groups.

    The hook runs after LTI13Authenticator has verified the id_token; it refuses (HTTP 403) a
    launch from an unregistered deployment, from a course the hub does not serve, with no course
    role it maps, or (when ``username_key`` is a ``custom_`` claim) without that claim, which
    would otherwise fall back to the platform's opaque ``sub``.
    """
    courses = dict(courses)
    deployments = {str(d) for d in deployment_ids}

    async def post_auth_hook(authenticator, handler, auth_model):
        from tornado.web import HTTPError

        claims = auth_model.get("auth_state") or {}
        deployment = str(claims.get(DEPLOYMENT_CLAIM, ""))
        if deployments and deployment not in deployments:
            raise HTTPError(403, f"LTI deployment {deployment!r} is not registered with this hub")
        if username_key and username_key.startswith("custom_"):
            custom = claims.get(CUSTOM_CLAIM) or {}
            if not custom.get(username_key[len("custom_") :]):
                raise HTTPError(
                    403, f"the launch carries no {username_key[len('custom_') :]!r} custom parameter"
                )
        try:
            course, groups = course_groups(claims, courses)
        except LaunchRefused as err:
            raise HTTPError(403, str(err)) from None
        user = handler.find_user(auth_model["name"]) if handler is not None else None
        current = [g.name for g in user.groups] if user is not None else []
        auth_model["groups"] = merge_groups(current, course, groups)
        authenticator.log.info(
            "LTI launch: %s in course %s -> groups %s", auth_model["name"], course, sorted(groups)
        )
        return auth_model

    return post_auth_hook


def load_settings(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read the platform registration (JSON; see deploy/hub/LTI.md for the fields)."""
    path = path or os.environ.get(SETTINGS_ENV) or DEFAULT_SETTINGS
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def configure(c, settings: Mapping[str, Any]) -> None:
    """Set up LTI13Authenticator and the course-group hook on the hub's config object ``c``."""
    missing = [k for k in REQUIRED if not settings.get(k)]
    if missing:
        raise ValueError(f"LTI settings lack {', '.join(missing)}")
    courses = {str(k): str(v) for k, v in settings["courses"].items()}
    bad = sorted(v for v in courses.values() if not COURSE_ID.match(v))
    if bad:
        raise ValueError(f"hub course ids must be letters, digits, '.', '_' or '-': {bad}")
    client_ids = settings["client_ids"]
    if isinstance(client_ids, str):
        client_ids = [client_ids]
    username_key = settings.get("username_key", "custom_username")

    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    a = c.LTI13Authenticator
    a.issuer = settings["issuer"]
    a.client_id = set(map(str, client_ids))
    a.authorize_url = settings["authorize_url"]
    a.jwks_endpoint = settings["jwks_url"]
    a.username_key = username_key
    a.uri_scheme = settings.get("uri_scheme", "auto")
    a.tool_name = settings.get("tool_name", "Course hub")
    # Who may log in is decided by the hook (registered deployment, known course, course role).
    a.allow_all = True
    a.manage_groups = True
    a.post_auth_hook = make_post_auth_hook(
        courses, settings.get("deployment_ids") or (), username_key=username_key
    )
    if settings.get("username_pattern"):
        # e.g. "^[a-z][a-z0-9_-]{0,31}$" when hub users are unix users
        a.username_pattern = settings["username_pattern"]
    if "time_leeway" in settings:
        c.LTI13LaunchValidator.time_leeway = int(settings["time_leeway"])


# Loaded with load_subconfig("lti.py") from jupyterhub_config.py: traitlets runs this file with
# get_config() in its namespace; configure from the settings file then.
if "get_config" in globals():
    configure(get_config(), load_settings())  # noqa: F821
