"""Names Dynamo gives the code it compiles, turned into the names a user wrote."""

from __future__ import annotations

import re

_RESUME = re.compile(r"^torch_dynamo_resume_in_(?P<name>.+)_at_(?P<line>\d+)$")


def user_function_name(code_name: str) -> tuple[str, int | None]:
    """Fold a resume function's name into its user function: ``(name, resume line)``:
    ``torch_dynamo_resume_in_f_at_12`` -> ``("f", 12)``."""
    line: int | None = None
    while (m := _RESUME.match(code_name)) is not None:
        code_name = m["name"]
        if line is None:
            line = int(m["line"])
    return code_name, line


def user_function(code_name: str) -> str:
    """The user function a (possibly resume) code name belongs to; the line is dropped."""
    return user_function_name(code_name)[0]


#: A resume function's name anywhere in a text (a traceback line in torch's explanation).
_RESUME_IN_TEXT = re.compile(r"(?:torch_dynamo_resume_in_)+(?P<name>\w+?)(?:_at_\d+)+(?!\w)")


def user_names_in(text: str) -> str:
    """A text of Dynamo's with each resume function's name replaced by the user function
    it continues: ``..., in torch_dynamo_resume_in_step_at_492, code: ...`` -> ``in step``."""
    if "torch_dynamo_resume_in_" not in text:
        return text
    return _RESUME_IN_TEXT.sub(lambda m: m["name"], text)
