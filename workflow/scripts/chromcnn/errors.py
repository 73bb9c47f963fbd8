"""One error type for bad input, with a message a user can act on.

Every check in the pipeline that rejects user input raises :class:`InputError`.
Its message is a single line of the form::

    <file>:<line>: <problem>. Fix: <what to do>

so that Snakemake's log, the terminal and the tests all see the same text.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input that the user must fix before the pipeline can go on.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    fix : str
        What the user should do about it.
    path : str or Path, optional
        The file that holds the bad input.
    line : int, optional
        1-based line number inside ``path``.
    """

    def __init__(
        self,
        problem: str,
        fix: str,
        path: str | Path | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".")
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Return the message as ``file:line: problem. Fix: fix.``."""
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.problem}. Fix: {self.fix}."
        return " ".join(text.split())
