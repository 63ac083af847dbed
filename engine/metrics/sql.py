"""Portable SQL pieces for the metrics: durations in seconds, week starts, nearest-rank percentiles.

Both helpers that depend on the database pick their expression by dialect name, so the same query
runs on SQLite (the embedded default) and PostgreSQL.
"""

from sqlalchemy import BigInteger, Float, and_, case, cast, func, literal, literal_column, select
from sqlalchemy.sql import ColumnElement

from engine.models._types import UTCDateTime

PERCENTILES = (50, 90)


def seconds(dialect: str, later, earlier) -> ColumnElement:
    """`later − earlier` in seconds: to the microsecond on PostgreSQL, to the millisecond on SQLite (julianday
    reads milliseconds). date_part, unlike extract, stays in double precision: no numeric arithmetic per row."""
    if dialect == "postgresql":
        return func.date_part("epoch", later - earlier, type_=Float)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)


def week_start(dialect: str, moment) -> ColumnElement:
    """The Monday (UTC) of the ISO week a timestamp falls in, as a date (a 'YYYY-MM-DD' string on SQLite)."""
    if dialect == "postgresql":
        return func.date(func.date_trunc("week", func.timezone("UTC", moment)))
    return func.date(moment, "-6 days", "weekday 1")


def moment(value):
    """A Python datetime as a bound SQL value of the models' UTC type (so SQLite compares like for like)."""
    return literal(value, UTCDateTime)


def nearest_rank(dialect: str, rows, keys: list[str], values: list[str], ps=PERCENTILES, extras=None):
    """Per group of `keys`: n, the `extras` aggregates ({label: aggregate over `rows`}) and, for each column in
    `values`, its p-th percentiles by the nearest-rank method, labelled `<column>_p<p>`.

    Nearest rank: sort the group's n values ascending; the p-th percentile is the value at (1-based) rank
    ceil(p·n/100). So p50 of [1, 2, 3, 4] is 2 and p90 of ten values is the 9th. `rows` is a subquery whose
    `values` columns hold no NULL. PostgreSQL uses the ordered-set aggregate percentile_disc (one sort per
    group and column, measured in bench/metrics.py); SQLite, which has none, ranks rows with window functions.
    """
    extras = extras or {}
    if dialect == "postgresql":
        return _ordered_set(rows, keys, values, ps, extras)
    return _windowed(rows, keys, values, ps, extras)


def _ordered_set(rows, keys: list[str], values: list[str], ps, extras: dict):
    """percentile_disc(f) takes the value at rank ceil(f·n) computed in floating point, where a product can land
    just above a whole number (0.7 × 10 = 7.000000000000001); f = p/100 − 1e-9 gives exactly ceil(p·n/100)
    for every n below 10^7 (p·n/100 is then a whole number or at least 0.01 above one). Values (seconds) are
    sorted as whole microseconds: PostgreSQL sorts bigint faster than double precision."""
    part = [rows.c[k] for k in keys]
    micros = literal_column("1000000.0", Float)  # a literal: p50 and p90 then share one sort of the same key
    sort_keys = {v: cast(func.round(rows.c[v] * micros), BigInteger) for v in values}
    picks = [(cast(func.percentile_disc(literal_column(repr(p / 100 - 1e-9))).within_group(sort_keys[v]), Float)
              / micros).label(f"{v}_p{p}") for v in values for p in ps]
    more = [aggregate.label(label) for label, aggregate in extras.items()]
    return select(*part, func.count().label("n"), *more, *picks).group_by(*part)


def _windowed(rows, keys: list[str], values: list[str], ps, extras: dict):
    """Rank each value in its group with row_number() and keep the row at rank (p·n + 99) // 100; the extras
    are computed over `rows` by group and joined on."""
    part = [rows.c[k] for k in keys]
    ranked = select(*part, func.count().over(partition_by=part).label("n"), *[rows.c[v].label(v) for v in values],
                    *[func.row_number().over(partition_by=part, order_by=rows.c[v]).label(f"rn_{v}")
                      for v in values]).subquery("ranked")
    picks = [func.max(case((ranked.c[f"rn_{v}"] == (p * ranked.c.n + 99) // 100, ranked.c[v]))).label(f"{v}_p{p}")
             for v in values for p in ps]
    ranks = select(*[ranked.c[k] for k in keys], func.max(ranked.c.n).label("n"), *picks).group_by(
        *[ranked.c[k] for k in keys]).subquery("ranks")
    if not extras:
        return select(ranks)
    more = select(*part, *[aggregate.label(label) for label, aggregate in extras.items()]).group_by(
        *part).subquery("extras")
    return select(ranks, *[more.c[label] for label in extras]).join(more, and_(*[more.c[k] == ranks.c[k]
                                                                                 for k in keys]))
