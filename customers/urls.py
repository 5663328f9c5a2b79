from django.urls import path

from . import views
from .importing import views as importing
from .matching import views as matching

app_name = "customers"

# The dossier page itself (`detail`, <int:pk>/) composes every app built on customers, so it
# lives on the top floor (dealercrm/dossier.py); dealercrm/urls.py adds it to these, under
# the same namespace and address.

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("new/check/", views.customer_check, name="create_check"),
    path("<int:pk>/edit/", views.customer_update, name="update"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/<slug:section>/new/", views.row_create, name="row_create"),
    path("<int:pk>/<slug:section>/<int:row_pk>/edit/", views.row_update, name="row_update"),
    path("<int:pk>/<slug:section>/<int:row_pk>/delete/", views.row_delete, name="row_delete"),
    # The archivist's duplicate review queue and merges (issue 10).
    path("duplicates/", matching.duplicate_list, name="duplicate_list"),
    path("duplicates/refresh/", matching.duplicate_refresh, name="duplicate_refresh"),
    path(
        "duplicates/refresh/progress/",
        matching.duplicate_refresh_progress,
        name="duplicate_refresh_progress",
    ),
    path("duplicates/<int:pk>/", matching.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/merge/", matching.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", matching.duplicate_dismiss, name="duplicate_dismiss"),
    path("duplicates/<int:pk>/relate/", matching.duplicate_relate, name="duplicate_relate"),
    path("merges/", matching.merge_list, name="merge_list"),
    path("merges/<int:pk>/", matching.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", matching.merge_undo, name="merge_undo"),
    # Spreadsheet imports (issue 8): the archivist's alone.
    path("import/", importing.import_list, name="import_list"),
    path("import/<int:pk>/", importing.import_detail, name="import_detail"),
    path("import/<int:pk>/map/", importing.import_map, name="import_map"),
    path("import/<int:pk>/decide/", importing.import_decide, name="import_decide"),
    path("import/<int:pk>/commit/", importing.import_commit, name="import_commit"),
    path("import/<int:pk>/progress/", importing.import_progress, name="import_progress"),
]
