"""How a trial ended. No torch here: worker processes read this before they pin themselves."""

from __future__ import annotations

from dataclasses import dataclass

# statuses an outcome can have
FINISHED = "finished"  # trained and evaluated by this sweep
SKIPPED = "skipped"  # already finished before this sweep
FAILED = "failed"
INTERRUPTED = "interrupted"  # stopped with a checkpoint; the next sweep resumes it
BUSY = "busy"  # another process holds its claim
NOT_STARTED = "not started"  # the sweep was stopped before it began


@dataclass
class Outcome:
    name: str
    status: str
    seconds: float = 0.0
    error: str = ""  # one line; the traceback is in the trial's error.txt

    @property
    def done(self) -> bool:
        return self.status in (FINISHED, SKIPPED)
