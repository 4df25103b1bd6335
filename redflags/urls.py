from django.urls import path

from redflags import views

urlpatterns = [
    path("clients/<int:client_pk>/incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/delete/", views.incident_delete, name="incident_delete"),
    path("incidents/<int:pk>/evidence/", views.incident_evidence, name="incident_evidence"),
    path("clients/<int:client_pk>/steps/new/", views.step_create, name="step_create"),
    path("steps/<int:pk>/edit/", views.step_edit, name="step_edit"),
    path("steps/<int:pk>/delete/", views.step_delete, name="step_delete"),
]
