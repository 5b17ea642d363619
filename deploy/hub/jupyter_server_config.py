"""Jupyter Server settings for each course's grader service (the formgrader).

JupyterHub >= 4.1 forbids framing by default, and nbgrader's formgrader opens in an iframe inside
JupyterLab, so it shows a blank panel. nbgrader's documented fix restores `frame-ancestors 'self'`.
It is safe only when the hub gives every user and service its own origin
(JupyterHub.enable_subdomains, set by COURSEKIT_HUB_SUBDOMAIN_HOST in jupyterhub_config.py); on a
single origin it lets any user's page frame the formgrader, so jupyterhub_config.py passes
COURSEKIT_FRAME_ANCESTORS=1 only when subdomains are on (or when the operator says the users are
trusted). Without it, graders open the formgrader in its own browser tab.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets' config loader

if os.environ.get("COURSEKIT_FRAME_ANCESTORS") == "1":
    c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
