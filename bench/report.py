"""Turns the runs into tables, judges issue 9's targets, and writes bench/results.md."""

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from bench.load import Run

APP, FLOOR = "app", "floor"
# Issue 9's throughput targets, as a share of the floor's requests per second at 100 connections.
RPS_TARGETS = {"list": 0.40, "get": 0.45, "create": 0.45, "update": 0.45, "toggle": 0.45, "mixed": 0.40}
TIMES = "\u00d7"  # the multiplication sign, spelled out for the linter
P99_TARGET = 2.0  # app p99 at most this many times the floor's
RSS_TARGET_MB = 120.0


@dataclass
class Results:
    facts: dict[str, str]
    settings: dict[str, str]
    main: list[Run] = field(default_factory=list)
    held_after_warmup: dict[str, int] = field(default_factory=dict)
    high: list[Run] = field(default_factory=list)
    sign_in: list[Run] = field(default_factory=list)
    sign_in_answers: list[Counter[str]] = field(default_factory=list)
    sign_in_seconds: float = 0.0
    cost: dict[str, list[Run]] = field(default_factory=dict)
    scale: list[Run] = field(default_factory=list)
    scale_rows: int = 0


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool


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


def per_request_ms(seconds: float | None, run: Run) -> str:
    return number(seconds * 1000 / run.requests, 2) if seconds is not None and run.requests else "n/a"


def pairs(runs: list[Run], workload: str, a: str, b: str) -> list[tuple[Run, Run]]:
    """(a, b) runs of one workload that ran in the same round of the same section, side by side."""
    mine = [run for run in runs if run.workload == workload and run.target in (a, b)]
    sections = {run.section for run in mine}
    if len(sections) > 1:
        return [
            pair
            for section in sorted(sections)
            for pair in pairs([r for r in mine if r.section == section], workload, a, b)
        ]
    by_round = {(run.target, run.round): run for run in mine}
    rounds = sorted({run.round for run in mine})
    return [(by_round[a, r], by_round[b, r]) for r in rounds if (a, r) in by_round and (b, r) in by_round]


def mean_ratio(pairs_: list[tuple[Run, Run]], value: Callable[[Run], float]) -> float | None:
    """The mean over rounds of value(a) / value(b): each round compares runs made a few seconds apart."""
    ratios = [value(a) / value(b) for a, b in pairs_ if value(b)]
    return statistics.fmean(ratios) if ratios else None


def workloads(runs: list[Run]) -> list[str]:
    return list(dict.fromkeys(run.workload for run in runs))


def floor_ratio(run: Run, runs: list[Run]) -> str:
    if run.target != APP:
        return ""
    for app, floor in pairs(runs, run.workload, APP, FLOOR):
        if app is run:
            return number(app.rps / floor.rps, 2) if floor.rps else "n/a"
    return ""


def summary_table(results: Results) -> str:
    rows = []
    for workload in workloads(results.main):
        matched = pairs(results.main, workload, APP, FLOOR)
        apps, floors = [a for a, _ in matched], [f for _, f in matched]
        if not matched:
            continue
        rows.append(
            [
                workload,
                number(statistics.fmean(run.rps for run in apps)),
                number(statistics.fmean(run.rps for run in floors)),
                number(mean_ratio(matched, lambda run: run.rps), 2),
                f"≥ {RPS_TARGETS.get(workload, 0):.2f}",
                number(max(run.p50_ms for run in apps), 1),
                number(max(run.p99_ms for run in apps), 1),
                number(max(run.p99_ms for run in floors), 1),
                number(mean_ratio(matched, lambda run: run.p99_ms), 2),
                statuses(sum_counts(run.non_2xx for run in apps)),
                sum(sum(run.socket_errors.values()) for run in apps),
                per_request_ms(total(run.server_cpu_s for run in apps), merged(apps)),
                per_request_ms(total(run.server_cpu_s for run in floors), merged(floors)),
                per_request_ms(total(run.pg_cpu_s for run in apps), merged(apps)),
                number(max(run.peak_rss_mb for run in apps), 1),
            ]
        )
    header = ["workload", "app rps", "floor rps", f"{TIMES}floor", "target", "app p50 ms", "app p99 ms", "floor p99 ms"]
    header += [f"p99 {TIMES}floor", "app non-2xx", "app socket errors", "app CPU ms/req", "floor CPU ms/req"]
    header += ["PG CPU ms/req (app)", "app peak RSS MB"]
    return table(header, rows)


def sum_counts(counts: Iterable[dict[int, int]]) -> dict[int, int]:
    merged_counts: Counter[int] = Counter()
    for count in counts:
        merged_counts.update(count)
    return dict(sorted(merged_counts.items()))


def total(values: Iterable[float | None]) -> float | None:
    listed = list(values)
    return None if any(value is None for value in listed) else sum(value or 0.0 for value in listed)


def merged(runs: list[Run]) -> Run:
    """A stand-in run whose request count is the sum, for per-request averages."""
    return replace(runs[0], requests=sum(run.requests for run in runs))


def runs_table(runs: list[Run], *, with_floor_ratio: bool = False) -> str:
    header = ["workload", "target", "conns", "round", "rps"] + ([f"{TIMES}floor"] if with_floor_ratio else [])
    header += ["p50 ms", "p99 ms", "non-2xx", "socket errors", "server CPU s", "PG CPU s", "peak RSS MB"]
    header += ["conns opened"]
    rows = []
    for run in runs:
        row = [run.workload, run.target, run.connections, run.round, number(run.rps)]
        row += [floor_ratio(run, runs)] if with_floor_ratio else []
        row += [number(run.p50_ms, 1), number(run.p99_ms, 1), statuses(run.non_2xx), socket_errors(run)]
        row += [number(run.server_cpu_s, 2), number(run.pg_cpu_s, 2), number(run.peak_rss_mb, 1)]
        row += [run.connections_opened]
        rows.append(row)
    return table(header, rows)


def sign_in_table(results: Results) -> tuple[str, float | None]:
    quiet = [run for run in results.sign_in if run.target == APP]
    loaded = [run for run in results.sign_in if run.target != APP]
    rows = []
    for calm, busy, answers in zip(quiet, loaded, results.sign_in_answers, strict=False):
        done = sum(answers.values())
        rows.append(
            [
                calm.round,
                number(calm.rps),
                number(busy.rps),
                number(calm.p99_ms, 1),
                number(busy.p99_ms or None, 1),  # 0: every request timed out
                number(busy.p99_ms / calm.p99_ms, 2) if calm.p99_ms and busy.p99_ms else "n/a",
                ", ".join(f"{status}{TIMES}{count}" for status, count in sorted(answers.items())),
                number(done / results.sign_in_seconds, 1) if results.sign_in_seconds else "n/a",
                statuses(sum_counts([calm.non_2xx, busy.non_2xx])),
            ]
        )
    matched = zip(quiet, loaded, strict=False)
    # A p99 of 0 means wrk recorded no latency at all (every request timed out): no ratio to show.
    ratios = [busy.p99_ms / calm.p99_ms for calm, busy in matched if calm.p99_ms and busy.p99_ms]
    header = ["round", "get rps alone", "get rps with sign-ins", "get p99 ms alone", "get p99 ms with sign-ins"]
    header += ["p99 ratio", "sign-in answers", "sign-ins/s", "get non-2xx"]
    return table(header, rows), statistics.fmean(ratios) if ratios else None


def cost_table(results: Results) -> str:
    rows = []
    for variant, runs in results.cost.items():
        base = [run for run in runs if run.target == APP]
        other = [run for run in runs if run.target != APP]
        matched = list(zip(base, other, strict=False))
        rows.append(
            [
                variant,
                number(statistics.fmean(run.rps for run in base)) if base else "n/a",
                number(statistics.fmean(run.rps for run in other)) if other else "n/a",
                number(mean_ratio([(o, b) for b, o in matched], lambda run: run.rps), 3),
                number(max((run.p99_ms for run in base), default=None), 1),
                number(max((run.p99_ms for run in other), default=None), 1),
                per_request_ms(total(run.server_cpu_s for run in base), merged(base)) if base else "n/a",
                per_request_ms(total(run.server_cpu_s for run in other), merged(other)) if other else "n/a",
                statuses(sum_counts(run.non_2xx for run in other)),
            ]
        )
    header = ["variant (get, 100 conns)", "default rps", "variant rps", "variant ÷ default", "default p99 ms"]
    header += ["variant p99 ms", "default CPU ms/req", "variant CPU ms/req", "variant non-2xx"]
    return table(header, rows)


def scale_table(results: Results) -> str:
    header = ["list of", "target", "conns", "rps", "p50 ms", "p99 ms", "non-2xx", "socket errors"]
    header += ["server CPU ms/req", "peak RSS MB", "conns opened"]
    rows = [
        [
            run.workload,
            run.target,
            run.connections,
            number(run.rps, 1),
            number(run.p50_ms, 1),
            number(run.p99_ms, 1),
            statuses(run.non_2xx),
            socket_errors(run),
            per_request_ms(run.server_cpu_s, run),
            number(run.peak_rss_mb, 1),
            run.connections_opened,
        ]
        for run in results.scale
    ]
    return table(header, rows)


def error_target(name: str, runs: list[Run]) -> Target:
    """Met when every run completed requests and none failed; a run that completed nothing counts as failed."""
    bad = sum_counts(run.non_2xx for run in runs)
    sockets = sum(sum(run.socket_errors.values()) for run in runs)
    idle = [f"{run.workload} c{run.connections}" for run in runs if not run.requests]
    measured = f"non-2xx {statuses(bad)}, socket errors {sockets}"
    measured += f"; no request completed in {', '.join(idle)}" if idle else ""
    failing = "; ".join(f"{run.workload}: {statuses(run.non_2xx)} / {socket_errors(run)}" for run in runs if run.errors)
    measured += f" ({failing})" if failing else ""
    return Target(name, measured, bool(runs) and not bad and not sockets and not idle)


def ratio_targets(results: Results) -> list[Target]:
    found = []
    for workload in workloads(results.main):
        p99 = mean_ratio(pairs(results.main, workload, APP, FLOOR), lambda run: run.p99_ms)
        ok = p99 is not None and p99 <= P99_TARGET
        found.append(Target(f"{workload}: p99 ≤ {P99_TARGET:g} {TIMES} floor p99", f"{number(p99, 2)} {TIMES}", ok))
    for workload in workloads(results.main):
        share = mean_ratio(pairs(results.main, workload, APP, FLOOR), lambda run: run.rps)
        wanted = RPS_TARGETS.get(workload, 0.0)
        ok = share is not None and share >= wanted
        found.append(Target(f"{workload}: rps ≥ {wanted:.2f} {TIMES} floor", f"{number(share, 2)} {TIMES}", ok))
    return found


def targets(results: Results) -> list[Target]:
    apps = [run for run in results.main if run.target == APP]
    found = [
        error_target(f"{results.settings.get('connections', '100')} connections: zero non-2xx and socket errors", apps)
    ]
    found += ratio_targets(results)
    for connections in sorted({run.connections for run in results.high}):
        runs = [run for run in results.high if run.connections == connections]
        found.append(error_target(f"{connections} connections: zero errors", runs))
    judged = apps + results.high + results.sign_in + [run for runs in results.cost.values() for run in runs]
    opened = sum(run.connections_opened for run in judged)
    measured = f"{opened} opened during {len(judged)} app runs (pg_stat_database.sessions)"
    found.append(Target("no connection opened after warm-up", measured, opened == 0))
    peak = max((run.peak_rss_mb for run in apps + results.high), default=0.0)
    found.append(Target(f"app peak RSS ≤ {RSS_TARGET_MB:g} MB", f"{peak:.1f} MB", peak <= RSS_TARGET_MB))
    return found


def targets_table(found: list[Target]) -> str:
    return table(
        ["target (issue 9)", "measured", "met"], [[t.name, t.measured, "yes" if t.met else "**no**"] for t in found]
    )


def render(results: Results) -> str:
    found = targets(results)
    sign_in, sign_in_ratio = sign_in_table(results)
    facts = table(["", ""], results.facts.items())
    settings = table(["setting", "value"], results.settings.items())
    missed = [t.name for t in found if not t.met]
    verdict = f"{len(found) - len(missed)} of {len(found)} targets met." + (
        " Missed: " + "; ".join(missed) + "." if missed else ""
    )
    parts = [
        "# Benchmark results",
        f"Written by `make bench` (bench/run.py) on {results.facts.get('date', '?')}. Absolute numbers are noise "
        "on a shared 2-core machine; read the ratios, which compare runs made seconds apart, interleaved app, "
        "floor, app, floor. bench/README.md explains every column.",
        "## Machine",
        facts,
        "## How it ran",
        settings,
        "## Targets",
        verdict,
        targets_table(found),
        f"## App against the floor ({results.settings.get('connections', '100')} connections)",
        f"Means over the rounds; {TIMES}floor is the mean of each round's app ÷ floor. CPU per request is the server "
        "process's (utime + stime), and PostgreSQL's for the app's database plus its background processes.",
        summary_table(results),
        "Connections each server held after warm-up: "
        + ", ".join(f"{name} {count}" for name, count in results.held_after_warmup.items())
        + ".",
        "## 500 and 1000 connections (app only)",
        runs_table(results.high),
        "## Sign-ins under load",
        f"The get workload alone, then with {results.settings.get('sign-in clients', '20')} clients signing in "
        "back to back (bcrypt, cost 12) during the whole run. Mean p99 ratio: "
        f"{number(sign_in_ratio, 2)} {TIMES}.",
        sign_in,
        "## Cost rows",
        "The get workload against the default app and against one variant, interleaved; variant ÷ default below "
        "1 is what the feature costs in throughput.",
        cost_table(results),
        f"## Scale probe: one user's list among {results.scale_rows:,} tasks",
        scale_table(results),
        "## Every run",
        runs_table(
            results.main + results.sign_in + [r for runs in results.cost.values() for r in runs], with_floor_ratio=True
        ),
    ]
    return "\n\n".join(parts) + "\n"
