from django.urls import path

from invoices import fee_views, overview_views, views
from invoices.statement_views import client_statement, client_statement_pdf, reminder_letter

urlpatterns = [
    # Across clients: every invoice, and the receivables and income report.
    path("invoices/", overview_views.invoice_list, name="invoice_list"),
    path("invoices/report/", overview_views.receivables_report, name="receivables_report"),
    path(
        "invoices/report.csv",
        overview_views.receivables_report_csv,
        name="receivables_report_csv",
    ),
    path("clients/<int:client_pk>/invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice_pk>/payments/new/", views.payment_create, name="payment_create"),
    # From the client page, where the payment form offers the client's open invoices.
    path(
        "clients/<int:client_pk>/payments/new/",
        views.client_payment_create,
        name="client_payment_create",
    ),
    path("payments/<int:pk>/edit/", views.payment_edit, name="payment_edit"),
    path("payments/<int:pk>/delete/", views.payment_delete, name="payment_delete"),
    path("fees/<int:pk>/waive/", fee_views.fee_waive_view, name="fee_waive"),
    path("fees/<int:pk>/paid/", fee_views.fee_paid_view, name="fee_paid"),
    path("fees/overdue/", fee_views.fees_backfill, name="fees_backfill"),
    path("payments/<int:pk>/receipt/", views.payment_receipt_send, name="payment_receipt_send"),
    path(
        "invoices/<int:pk>/autopay-failed/",
        views.invoice_autopay_failed,
        name="invoice_autopay_failed",
    ),
    path(
        "invoices/<int:pk>/autopay-failed/clear/",
        views.invoice_autopay_failed_cleared,
        name="invoice_autopay_failed_cleared",
    ),
]

# The statement of account, and a reminder stage as a formal letter.
urlpatterns += [
    path("clients/<int:client_pk>/statement/", client_statement, name="client_statement"),
    path(
        "clients/<int:client_pk>/statement.pdf", client_statement_pdf, name="client_statement_pdf"
    ),
    path(
        "invoices/<int:invoice_pk>/reminders/<str:stage>/letter.pdf",
        reminder_letter,
        name="reminder_letter_pdf",
    ),
]
