from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("submit/", views.submission_create, name="submit"),
    path("submissions/", views.submission_list, name="submission_list"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
    path("submissions/<int:pk>/reject/", views.submission_reject, name="submission_reject"),
    path("inbox/", views.inbox, name="inbox"),
    path("customer/<int:pk>/", views.customer_logs, name="customer_logs"),
    path("customer/<int:pk>/new/", views.contact_log_create, name="log_create"),
    path("logs/<int:pk>/edit/", views.contact_log_update, name="log_update"),
    path("logs/<int:pk>/delete/", views.contact_log_delete, name="log_delete"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/<int:pk>/", views.monthly_detail, name="monthly_detail"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("compliance/", views.compliance, name="compliance"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
]
