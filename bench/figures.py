"""What a bench run collected, the servers' names, and the arithmetic and formatting the report and targets share."""

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bench.load import Run

APP, FLOOR = "app", "floor"
ORDER = ("list", "get", "create", "update", "toggle", "mixed")
TIMES = "\u00d7"  # the multiplication sign, spelled out for the linter


def served_name(workers: int) -> str:
    return f"served, {workers} worker{'s' if workers > 1 else ''}"


def floor_name(workers: int) -> str:
    return FLOOR if workers == 1 else f"floor, {workers} workers"


@dataclass
class Results:
    facts: dict[str, str]
    settings: dict[str, str]
    main: list[Run] = field(default_factory=list)
    held_after_warmup: dict[str, int] = field(default_factory=dict)
    high: list[Run] = field(default_factory=list)
    workers: list[Run] = field(default_factory=list)
    sign_in: list[Run] = field(default_factory=list)
    sign_in_answers: list[Counter[str]] = field(default_factory=list)
    sign_in_seconds: float = 0.0
    cost: dict[str, list[tuple[Run, Run]]] = field(default_factory=dict)  # (default, variant) per round
    scale: list[Run] = field(default_factory=list)
    scale_rows: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    ping_idle_seconds: float = 10.0  # the app's DB_PING_IDLE_SECONDS default
    connections: int = 100
    high_connections: tuple[int, ...] = (500, 1000)
    workers_count: int = 2  # the workers of the multi-worker servers
    pool_size: int = 20  # the app's DB_POOL_SIZE, per worker

    def app_runs(self) -> list[Run]:
        """Every run against an app (never the floor): the ones "no connection opened after warm-up" judges."""
        costs = [run for rows in self.cost.values() for pair in rows for run in pair]
        everything = self.main + self.high + self.workers + self.sign_in + costs
        return [run for run in everything if not run.target.startswith(FLOOR)]


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def number(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def statuses(counts: dict[int, int]) -> str:
    return ", ".join(f"{status}{TIMES}{count}" for status, count in counts.items()) or "0"


def socket_errors(run: Run) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in run.socket_errors.items()) or "0"


def sum_counts(counts: Iterable[dict[int, int]]) -> dict[int, int]:
    merged_counts: Counter[int] = Counter()
    for count in counts:
        merged_counts.update(count)
    return dict(sorted(merged_counts.items()))


def total(values: Iterable[float | None]) -> float | None:
    listed = list(values)
    return None if any(value is None for value in listed) else sum(value or 0.0 for value in listed)


def per_request(runs: Sequence[Run], value: Callable[[Run], float | None]) -> float | None:
    """The sum of `value` over the runs, per request completed in them; None when there is nothing to divide."""
    spent, requests = total(value(run) for run in runs), sum(run.requests for run in runs)
    return spent / requests if runs and spent is not None and requests else None


def cpu_ms_per_request(runs: Sequence[Run], value: Callable[[Run], float | None]) -> float | None:
    """`value` is CPU seconds."""
    spent = per_request(runs, value)
    return None if spent is None else spent * 1000


def per_request_ms(runs: Sequence[Run], value: Callable[[Run], float | None]) -> str:
    """The sum of `value` (seconds) over the runs, per request completed in them, in milliseconds."""
    return number(cpu_ms_per_request(runs, value), 2)


def settled_mark(runs: Sequence[Run]) -> str:
    """~ when a count was read before PostgreSQL had reported all of it."""
    return "~" if any(not run.transactions.settled for run in runs) else ""


def counted_per_request(runs: Sequence[Run], value: Callable[[Run], float]) -> str:
    """A pg_stat_database count per request completed; marked ~ when read before PostgreSQL had reported all of it."""
    count = per_request(runs, value)
    return "n/a" if count is None else settled_mark(runs) + number(count, 2)


def transactions_per_request(runs: Sequence[Run]) -> str:
    return counted_per_request(runs, lambda run: run.transactions.count)


def round_trips_per_request(runs: Sequence[Run]) -> str:
    requests = sum(run.requests for run in runs)
    trips = total(run.round_trips for run in runs)
    return number(trips / requests, 2) if trips is not None and requests else "n/a"


def mean_rps(runs: Sequence[Run]) -> float | None:
    return statistics.fmean(run.rps for run in runs) if runs else None


def pairs(runs: list[Run], workload: str, a: str, b: str) -> list[tuple[Run, Run]]:
    """(a, b) runs of one workload that ran in the same round of the same section, side by side."""
    mine = [run for run in runs if run.workload == workload and run.target in (a, b)]
    found = []
    for section in dict.fromkeys(run.section for run in mine):
        by_round = {(run.target, run.round): run for run in mine if run.section == section}
        rounds = sorted({r for _, r in by_round})
        found += [(by_round[a, r], by_round[b, r]) for r in rounds if (a, r) in by_round and (b, r) in by_round]
    return found


def mean_ratio(pairs_: Sequence[tuple[Run, Run]], value: Callable[[Run], float]) -> float | None:
    """The mean over rounds of value(a) / value(b): each round compares runs made a few seconds apart."""
    ratios = [value(a) / value(b) for a, b in pairs_ if value(b)]
    return statistics.fmean(ratios) if ratios else None


def workloads(runs: list[Run]) -> list[str]:
    return list(dict.fromkeys(run.workload for run in runs))
