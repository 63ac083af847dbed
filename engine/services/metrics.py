"""Exporting a metrics table as CSV: every export is written to the audit log."""

from engine import audit, metrics
from engine.metrics.tables import table_rows, to_csv
from engine.services._common import actor


def export_csv(platform, *, actor_id: int, table: str, **filters) -> tuple[str, str]:
    """(file name, CSV text) of one metrics table for the given filters (IPCU); logged as metrics.export."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        metrics.require_ipcu(user)
        found = metrics.parse_filters(**filters)
        metrics.check_filters(uow.session, found)
        columns, rows = table_rows(uow.session, table, found)
        audit.append(uow.session, actor=user.username, action="metrics.export", object_type="metrics",
                     object_id=table, detail={"filters": found.as_dict(), "rows": len(rows)})
        uow.commit()
        stamp = found.now.strftime("%Y%m%d")
        return f"bharatpol-{found.process}-{table}-{stamp}.csv", to_csv(columns, rows)
