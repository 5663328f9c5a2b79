from django.urls import path

from . import views

app_name = "service"

urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("customer/<int:pk>/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_update, name="record_update"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("machines/<int:pk>/readings/", views.machine_readings, name="machine_readings"),
    path("readings/<int:pk>/delete/", views.reading_delete, name="reading_delete"),
    path("maintenance/", views.maintenance_due, name="maintenance_due"),
]
