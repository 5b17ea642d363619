"""Global nbgrader configuration for every account on the hub: install as /etc/jupyter/nbgrader_config.py.

Students, instructors and each course's grader service read it. The grader service also gets
COURSEKIT_COURSE_ID and COURSEKIT_COURSE_ROOT from jupyterhub_config.py, which point it at its course.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets' config loader

# nbgrader asks JupyterHub which courses a user is in (groups nbgrader-COURSE / formgrade-COURSE).
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
# One exchange for several courses: EXCHANGE/COURSE/{inbound,outbound,feedback}.
c.Exchange.path_includes_course = True
c.Exchange.root = os.environ.get("COURSEKIT_EXCHANGE", "/srv/nbgrader/exchange")
# Submissions private to their student and the course's graders (src/coursekit/exchange.py).
c.ExchangeFactory.submit = "coursekit.exchange.PrivateSubmit"
c.ExchangeFactory.collect = "coursekit.exchange.PrivateCollect"
c.NbGrader.logfile = os.environ.get("COURSEKIT_NBGRADER_LOG", "")

if os.environ.get("COURSEKIT_COURSE_ID"):  # the course's grader service (formgrader)
    c.CourseDirectory.course_id = os.environ["COURSEKIT_COURSE_ID"]
    c.CourseDirectory.root = os.environ["COURSEKIT_COURSE_ROOT"]
