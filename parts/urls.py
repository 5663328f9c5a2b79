from django.urls import path

from . import views

app_name = "parts"

urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("customer/<int:pk>/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_update, name="order_update"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
]
