"""Clockify: the detailed report exported as CSV. Its dates follow the user's own date
format setting, which the file does not say: the preview asks when they could be either."""

from clients.imports.formats import Row, Tool, WorkRecord, description


def read(row: Row) -> WorkRecord | None:
    day = row.date("date")
    hours = row.hours("hours")
    billable = row.yes_no("billable")
    if hours is None or not day:
        return None
    text = description(row.text("project"), row.text("task"), row.text("description"))
    return WorkRecord(row.number, row.text("client"), day, hours, text or TOOL.label, billable)


TOOL = Tool(
    key="clockify",
    label="Clockify",
    kind="time",
    columns={
        "project": ("Project",),
        "client": ("Client",),
        "description": ("Description",),
        "task": ("Task",),
        "billable": ("Billable",),
        "date": ("Start Date",),
        "hours": ("Duration (decimal)",),
    },
    required=("client", "description", "billable", "date", "hours"),
    read=read,
)
