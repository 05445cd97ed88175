"""What an embedding run reports, whether of files (``segue embed PATH``) or of catalog
tracks (``segue embed --catalog``): one outcome per item, looked up by its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

__all__ = ["Outcome", "Outcomes"]


class Outcome(Protocol):
    """What became of one item of a run: ``result`` is one of the run's own words."""

    @property
    def result(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=Outcome)
# The run's words (a Literal), so that asking for a word the run never uses is a type error.
ResultT = TypeVar("ResultT", bound=str)


@dataclass(slots=True)
class Outcomes(Generic[OutcomeT, ResultT]):
    """Every outcome of a run, in the order they came; each run's report adds its totals."""

    outcomes: list[OutcomeT] = field(default_factory=list)

    def with_result(self, result: ResultT) -> list[OutcomeT]:
        return [o for o in self.outcomes if o.result == result]

    def count(self, result: ResultT) -> int:
        return sum(1 for o in self.outcomes if o.result == result)
