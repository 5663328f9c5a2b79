"""URL map: the browser pages, the admin, and the REST API under /api/v1/."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from customers.urls import urlpatterns as customer_urlpatterns

from . import dossier, pwa, security_views, views
from .auth_views import LoginView

# The customers app's pages plus the dossier page, which composes every app built on
# customers and so lives up here (dealercrm/dossier.py): one namespace, the same addresses
# and names as ever (`customers:detail` is /customers/<pk>/).
customer_pages = (
    [*customer_urlpatterns, path("<int:pk>/", dossier.customer_detail, name="detail")],
    "customers",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("security/lockouts/", security_views.lockout_list, name="lockouts"),
    path("security/lockouts/<int:pk>/clear/", security_views.lockout_clear, name="lockout_clear"),
    path("customers/", include(customer_pages)),
    path("contacts/", include("contacts.urls")),
    path("service/", include("service.urls")),
    path("parts/", include("parts.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("dealercrm.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path(
        "api/docs/",
        # Swagger UI sets style attributes from its script; scripts stay 'self' only. A
        # person who is not signed in is sent to the login page, not shown a bare 401.
        login_required(
            csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
                SpectacularSwaggerSplitView.as_view(url_name="schema")
            )
        ),
        name="api-docs",
    ),
    # Last: any other /api/ path is a JSON 404 even under DEBUG, whose technical 404 page
    # would bypass handler404 (a path without its slash still gets APPEND_SLASH's redirect).
    re_path(r"^api/.*/$", views.api_not_found, name="api-not-found"),
]

handler400 = "dealercrm.views.bad_request"
handler403 = "dealercrm.views.permission_denied"
handler404 = "dealercrm.views.page_not_found"
handler500 = "dealercrm.views.server_error"
