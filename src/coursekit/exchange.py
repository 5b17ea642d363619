"""nbgrader exchange plugins for a shared hub: a submission is private to its student and the graders.

nbgrader's own exchange (0.9) leaves every submission folder world-writable (mode 777) with its
files world-readable (644); only the random suffix of the folder's name and the unlistable inbound
folder (2733) hide it. A student who learns the name can read it, delete files in it, or drop a
folder named for another student into inbound, which `nbgrader collect` then takes with a warning.
These two classes close that, and are selected in the hub's global nbgrader_config.py::

    c.ExchangeFactory.submit = "coursekit.exchange.PrivateSubmit"
    c.ExchangeFactory.collect = "coursekit.exchange.PrivateCollect"

Modes (see deploy/hub/README.md): inbound is owned by the course's grader account, group
`graders-COURSE` (no student is in it), mode 2733 (nbgrader's): students can enter and create but
not list, and the setgid bit gives each new submission the graders' group. PrivateSubmit then sets
the submission's folders to 770 and files to 640: the student and the graders, nobody else.
PrivateCollect refuses (does not merely warn about) a folder whose owner is not the student it
is named for.
"""

from __future__ import annotations

import glob
import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "PrivateCollect"]

_DIR_MODE = 0o770  # owner (the student) and group (the course's graders); others nothing
_FILE_MODE = 0o640


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, then the submission made unreadable and unwritable for other students."""

    def do_copy(self, src, dest, log=None):
        """Copy into a folder made first, so it keeps inbound's group for every file written later.

        A new folder in inbound (setgid) takes the graders' group and the setgid bit, but the copy
        then gives it the mode of the student's own folder, which drops setgid; timestamp.txt and
        submission_secret.txt, written after the copy, would get the student's group and be
        unreadable to the graders. Copying into a staging subfolder keeps the top folder's setgid.
        """
        os.makedirs(dest)
        staging = os.path.join(dest, ".staging")
        super().do_copy(src, staging, log)
        for name in os.listdir(staging):
            os.rename(os.path.join(staging, name), os.path.join(dest, name))
        os.rmdir(staging)

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, _dirs, files in os.walk(dest):
            for name in files:
                os.chmod(os.path.join(folder, name), _FILE_MODE)
            os.chmod(folder, _DIR_MODE)


def _owner_of(path: str) -> str:
    try:
        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, OSError):
        return "unknown id"


class PrivateCollect(ExchangeCollect):
    """nbgrader's collect, but a submission not owned by the student it is named for is refused."""

    rejected: list[dict]

    def init_src(self):
        super().init_src()  # course checks and the due date; the choice is remade below
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        genuine, self.rejected = [], []
        for path in glob.glob(pattern):
            record = self._path_to_record(path)
            owner = _owner_of(path)
            if owner == record["username"]:
                genuine.append(record)
            else:
                reason = f"named for {record['username']} but owned by {owner}"
                self.rejected.append({**record, "reason": reason})
                self.log.error("Refused submission %s: %s", record["filename"], reason)
        chosen = []
        for records in groupby(genuine, lambda r: r["username"]).values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in records if r["timestamp"] <= self.duedate]
                records = on_time or records
            chosen.append(records[0])
        self.src_records = chosen
