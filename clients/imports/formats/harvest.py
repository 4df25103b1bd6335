"""Harvest: the time report exported as CSV."""

from clients.imports.formats import Row, Tool, WorkRecord, description


def read(row: Row) -> WorkRecord | None:
    day = row.date("date")
    hours = row.hours("hours")
    billable = row.yes_no("billable")
    if hours is None or not day:
        return None
    text = description(row.text("project"), row.text("task"), row.text("notes"))
    return WorkRecord(row.number, row.text("client"), day, hours, text or TOOL.label, billable)


TOOL = Tool(
    key="harvest",
    label="Harvest",
    kind="time",
    columns={
        "date": ("Date",),
        "client": ("Client",),
        "project": ("Project",),
        "task": ("Task",),
        "notes": ("Notes",),
        "hours": ("Hours",),
        "billable": ("Billable?",),
    },
    required=("date", "client", "project", "task", "notes", "hours", "billable"),
    read=read,
)
