from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_update, name="update"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/<slug:section>/new/", views.row_create, name="row_create"),
    path("<int:pk>/<slug:section>/<int:row_pk>/edit/", views.row_update, name="row_update"),
    path("<int:pk>/<slug:section>/<int:row_pk>/delete/", views.row_delete, name="row_delete"),
]
