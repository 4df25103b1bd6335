from django.urls import path

from invoices.bank import views

urlpatterns = [
    path("bank/", views.statement_upload, name="bank_statement_upload"),
    path("bank/<str:token>/", views.statement_preview, name="bank_statement"),
    path("bank/<str:token>/columns/", views.statement_columns, name="bank_statement_columns"),
    path("bank/<str:token>/confirm/", views.statement_confirm, name="bank_statement_confirm"),
]
