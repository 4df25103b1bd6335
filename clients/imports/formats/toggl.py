"""Toggl Track: the detailed report exported as CSV (one row per time entry)."""

from clients.imports.formats import Row, Tool, WorkRecord, description


def read(row: Row) -> WorkRecord | None:
    day = row.date("date")
    hours = row.hours("duration")
    billable = row.yes_no("billable")
    if hours is None or not day:
        return None
    text = description(row.text("project"), row.text("task"), row.text("description"))
    return WorkRecord(row.number, row.text("client"), day, hours, text or TOOL.label, billable)


TOOL = Tool(
    key="toggl",
    label="Toggl Track",
    kind="time",
    columns={
        "client": ("Client",),
        "project": ("Project",),
        "task": ("Task",),
        "description": ("Description",),
        "billable": ("Billable",),
        "date": ("Start date",),
        "start": ("Start time",),
        "duration": ("Duration",),
    },
    required=("client", "description", "billable", "date", "start", "duration"),
    read=read,
)
