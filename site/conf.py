"""Sphinx configuration of the course website (built by tools/build_site.py; see `make site`).

The pages are staged in _build/site-src/ by the build script: lessons as executed notebooks whose
plotly figures were turned into HTML by coursekit.static (one local plotly.min.js per site).
"""

import json
import os

_course = json.loads(os.environ.get("COURSE_SITE_CONFIG", "{}") or "{}")

project = _course.get("title", "Seoul–Tokyo course")
author = _course.get("author", "Seoul-Tokyo course contributors")
copyright = "the Seoul-Tokyo course contributors; content CC BY 4.0, code MIT"
language = "en"

extensions = ["myst_nb"]
# The notebooks were executed (and their figures rendered) by the build script.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = "Seoul–Tokyo course"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_navbar_depth": 1,
    # No icon links, fonts or analytics from other hosts: the site works offline.
    "icon_links": [],
}
html_context = {"default_mode": "light"}
