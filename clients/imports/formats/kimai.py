"""Kimai: the timesheet export as CSV. `Billable` is left out by older versions, whose
entries were all billable."""

from clients.imports.formats import Row, Tool, WorkRecord, description


def read(row: Row) -> WorkRecord | None:
    day = row.date("date")
    hours = row.hours("duration")
    billable = row.yes_no("billable")
    if hours is None or not day:
        return None
    text = description(row.text("project"), row.text("activity"), row.text("description"))
    return WorkRecord(row.number, row.text("client"), day, hours, text or TOOL.label, billable)


TOOL = Tool(
    key="kimai",
    label="Kimai",
    kind="time",
    columns={
        "date": ("Date",),
        "start": ("From",),
        "end": ("To",),
        "duration": ("Duration",),
        "client": ("Customer",),
        "project": ("Project",),
        "activity": ("Activity",),
        "description": ("Description",),
        "billable": ("Billable",),
    },
    required=("date", "start", "end", "duration", "client", "project", "activity"),
    read=read,
)
