"""Inside the sandbox: run a submission's cells one by one and report each as a JSON line.

Called as :func:`run` by the fork server (:mod:`coursekit.grading._zygote`) in each sandboxed child,
after :func:`coursekit.grading._sandbox.prepare` has hidden the course and dropped privileges.
``plan`` is a JSON file of steps (``source``, ``export``, ``replay``); ``fd`` is the pipe to the
grader. For every step the runner reports whether it raised, its output (capped in bytes), and,
after an answer, the values the tests will need, encoded as plain data
(:mod:`coursekit.grading._snapshot`). Nothing here decides a grade.
"""

from __future__ import annotations

import ast
import io
import json
import os
import sys
import traceback

__all__ = ["run"]

MAX_STREAM = 20_000  # bytes of stdout/stderr kept per cell
MAX_RICH = 200_000  # bytes of rich output (figures, tables) kept per cell
MAX_SNAPSHOT = 20_000_000  # bytes of answer values carried out per step


class CappedText(io.TextIOBase):
    """A text stream that keeps at most ``limit`` bytes and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        data = text.encode("utf-8", "replace")
        room = self.limit - self.size
        if room > 0:
            keep = data[:room].decode("utf-8", "ignore")
            self.parts.append(keep)
            self.size += len(keep.encode())
        self.dropped += max(0, len(data) - max(room, 0))
        return len(text)

    def value(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output were cut]"
        return text


def _split_last_expression(code: str):
    tree = ast.parse(code)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
        return tree, last
    return tree, None


def run(plan_path: str, fd: int) -> None:
    channel = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8")
    os.close(fd)

    def send(event: dict) -> None:
        channel.write(json.dumps(event) + "\n")
        channel.flush()

    with open(plan_path, encoding="utf-8") as handle:
        steps = json.load(handle)["steps"]

    import plotly.io as pio
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from coursekit.grading._snapshot import encode

    pio.renderers.default = "plotly_mimetype"  # figures are kept as data, as in JupyterLab
    shell = InteractiveShell.instance()
    namespace = shell.user_ns
    send({"ev": "ready"})
    real_out, real_err = sys.stdout, sys.stderr
    for index, step in enumerate(steps):
        send({"ev": "start", "i": index})
        out, err = CappedText(MAX_STREAM), CappedText(MAX_STREAM)
        error = None
        rich: list[dict] = []
        sys.stdout, sys.stderr = out, err
        try:
            with capture_output(stdout=False, stderr=False, display=True) as captured:
                code = shell.transform_cell(step["source"])
                body, last = _split_last_expression(code)
                exec(compile(body, f"<cell {step.get('grade_id') or index}>", "exec"), namespace)
                if last is not None:
                    value = eval(compile(last, f"<cell {step.get('grade_id') or index}>", "eval"), namespace)
                    if value is not None and not step.get("replay"):
                        data, _ = shell.display_formatter.format(value)
                        rich.append({"output_type": "execute_result", "data": data})
            for item in captured.outputs:
                rich.append({"output_type": "display_data", "data": item.data})
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, even SystemExit
            frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
            error = {
                "ename": type(exc).__name__,
                "evalue": str(exc)[:2000],
                "traceback": [line for line in frames if "coursekit/grading" not in line][-12:],
            }
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        if len(json.dumps(rich)) > MAX_RICH:
            rich = [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": "[rich output larger than the feedback limit was left out]",
                }
            ]
        event = {
            "ev": "done",
            "i": index,
            "error": error,
            "stdout": out.value(),
            "stderr": err.value(),
            "outputs": [] if step.get("replay") else rich,
        }
        if step.get("export"):
            wanted = {name: namespace[name] for name in step["export"] if name in namespace}
            try:
                text = encode(wanted)
            except BaseException as exc:  # noqa: BLE001
                text = json.dumps(
                    {name: {"__unsupported__": f"unreadable ({type(exc).__name__})"} for name in wanted}
                )
            if len(text) > MAX_SNAPSHOT:
                text = json.dumps({name: {"__unsupported__": "too large"} for name in wanted})
            event["snapshot"] = text
        send(event)
    send({"ev": "end"})
