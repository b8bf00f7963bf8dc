"""Prints, as one JSON line, what a program can see of how python started it.

tests/test_runner.py copies this file into place as a script, a directory's ``__main__.py``,
a zip's ``__main__.py``, a module and a package's ``__main__``, runs it under plain python
and under TargetRunner, and expects the two lines to be equal.
"""

import json
import os
import pickle
import sys


class Point:
    """Defined in __main__: pickling it needs sys.modules["__main__"] to be this module."""

    def __init__(self, x: int) -> None:
        self.x = x


def seen() -> dict[str, object]:
    return {
        "name": __name__,
        "argv": sys.argv,
        "path": sys.path,
        "file": __file__,
        "spec": None if __spec__ is None else __spec__.name,
        "package": __package__,
        "cached": __cached__,
        "loader": type(__loader__).__name__,
        "builtins": type(__builtins__).__name__,
        "globals": sorted(globals()),
        "main_is_me": sys.modules["__main__"].__dict__ is globals(),
        "pickled": pickle.loads(pickle.dumps(Point(7))).x,
        "cwd": os.getcwd(),
    }


if __name__ == "__main__":
    print(json.dumps(seen()))
