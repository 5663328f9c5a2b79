"""Permission matrix entries of the duplicate review queue and merges: the archivist's alone
(seed 000: "every change is made by the archivist"). The decorator and the API policy ask
the role first, so every other role gets 403 whatever the pair; anonymous users go to the
login page (browser) or get 401 (API)."""

from __future__ import annotations

from typing import Any

from customers.importing import services as imports
from customers.matching import services
from tests.factories import CustomerFactory, DuplicateCandidateFactory
from tests.permissions import ARCHIVIST_ONLY, obj, statuses

API_ARCHIVIST_ONLY = statuses(403, anonymous=401, archivist=200)
POST_ONLY = statuses(403, anonymous=302, archivist=405)


def _archivist(code: int, table: dict[str, int]) -> dict[str, int]:
    return {**table, "archivist": code}


MATRIX: dict[str, Any] = {
    # who is already in the archive, while the archivist types a new customer (issue 17)
    "customers:create_check": {
        "GET": (lambda ctx: "/customers/new/check/?name=刘文才", None, ARCHIVIST_ONLY)
    },
    # her "look for duplicates now" button and its progress (issue 17)
    "customers:duplicate_refresh": {
        "GET": (lambda ctx: "/customers/duplicates/refresh/", None, POST_ONLY),
        "POST": (lambda ctx: "/customers/duplicates/refresh/", {}, _archivist(302, ARCHIVIST_ONLY)),
    },
    "customers:duplicate_refresh_progress": {
        "GET": (lambda ctx: "/customers/duplicates/refresh/progress/", None, ARCHIVIST_ONLY)
    },
    "customers:duplicate_list": {
        "GET": (lambda ctx: "/customers/duplicates/", None, ARCHIVIST_ONLY)
    },
    "customers:duplicate_detail": {
        "GET": (obj("customers:duplicate_detail", "duplicate"), None, ARCHIVIST_ONLY)
    },
    "customers:duplicate_merge": {
        "GET": (obj("customers:duplicate_merge", "duplicate"), None, POST_ONLY),
        # merged, then redirected to the merge record
        "POST": (
            obj("customers:duplicate_merge", "duplicate"),
            lambda ctx: {"survivor": ctx["duplicate"].low_id},
            _archivist(302, ARCHIVIST_ONLY),
        ),
    },
    "customers:duplicate_dismiss": {
        "GET": (obj("customers:duplicate_dismiss", "duplicate"), None, POST_ONLY),
        "POST": (
            obj("customers:duplicate_dismiss", "duplicate"),
            {"note": "不是同一人"},
            _archivist(302, ARCHIVIST_ONLY),
        ),
    },
    "customers:duplicate_relate": {
        "GET": (obj("customers:duplicate_relate", "duplicate"), None, POST_ONLY),
        "POST": (
            obj("customers:duplicate_relate", "duplicate"),
            {"note": "兄弟"},
            _archivist(302, ARCHIVIST_ONLY),
        ),
    },
    "customers:merge_list": {"GET": (lambda ctx: "/customers/merges/", None, ARCHIVIST_ONLY)},
    "customers:merge_detail": {
        "GET": (obj("customers:merge_detail", "merge"), None, ARCHIVIST_ONLY)
    },
    "customers:merge_undo": {
        "GET": (obj("customers:merge_undo", "merge"), None, POST_ONLY),
        "POST": (obj("customers:merge_undo", "merge"), {}, _archivist(302, ARCHIVIST_ONLY)),
    },
    "duplicate-list": {"GET": (lambda ctx: "/api/v1/duplicates/", None, API_ARCHIVIST_ONLY)},
    "duplicate-detail": {"GET": (obj("duplicate-detail", "duplicate"), None, API_ARCHIVIST_ONLY)},
    "duplicate-dismiss": {
        "POST": (obj("duplicate-dismiss", "duplicate"), {"note": "不是"}, API_ARCHIVIST_ONLY)
    },
    "duplicate-relate": {"POST": (obj("duplicate-relate", "duplicate"), {}, API_ARCHIVIST_ONLY)},
    "merge-list": {
        "GET": (lambda ctx: "/api/v1/merges/", None, API_ARCHIVIST_ONLY),
        "POST": (
            lambda ctx: "/api/v1/merges/",
            lambda ctx: {"survivor": ctx["duplicate"].low_id, "loser": ctx["duplicate"].high_id},
            _archivist(201, API_ARCHIVIST_ONLY),
        ),
    },
    "merge-detail": {"GET": (obj("merge-detail", "merge"), None, API_ARCHIVIST_ONLY)},
    "merge-undo": {"POST": (obj("merge-undo", "merge"), {}, API_ARCHIVIST_ONLY)},
    # Spreadsheet imports (issue 8): the archivist's alone, like the review queue.
    "customers:import_list": {
        "GET": (lambda ctx: "/customers/import/", None, ARCHIVIST_ONLY),
        # no file: the form comes back with its error, nothing stored
        "POST": (lambda ctx: "/customers/import/", {}, ARCHIVIST_ONLY),
    },
    "customers:import_detail": {
        "GET": (obj("customers:import_detail", "import_checked"), None, ARCHIVIST_ONLY)
    },
    "customers:import_progress": {
        "GET": (obj("customers:import_progress", "import_checked"), None, ARCHIVIST_ONLY)
    },
    "customers:import_map": {
        "GET": (obj("customers:import_map", "import_mapping"), None, POST_ONLY),
        # nothing chosen: no name column, the form says so (200), nothing checked
        "POST": (obj("customers:import_map", "import_mapping"), {}, ARCHIVIST_ONLY),
    },
    "customers:import_decide": {
        "GET": (obj("customers:import_decide", "import_checked"), None, POST_ONLY),
        "POST": (
            obj("customers:import_decide", "import_checked"),
            {},
            _archivist(302, ARCHIVIST_ONLY),
        ),
    },
    "customers:import_commit": {
        "GET": (obj("customers:import_commit", "import_checked"), None, POST_ONLY),
        "POST": (
            obj("customers:import_commit", "import_checked"),
            {},
            _archivist(302, ARCHIVIST_ONLY),
        ),
    },
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    """An open pair of the manager's customers, and a done merge of another pair."""
    manager = ctx["manager"]
    ctx["duplicate"] = DuplicateCandidateFactory(
        low=CustomerFactory(name="刘文才", manager=manager),
        high=CustomerFactory(name="刘文财", manager=manager),
    )
    survivor = CustomerFactory(name="张庆华", manager=manager)
    loser = CustomerFactory(name="张庆华", manager=manager)
    ctx["merge"] = services.customer_merge(actor=ctx["archivist"], survivor=survivor, loser=loser)
    # An import waiting for its columns, and one checked and waiting for decisions.
    archivist = ctx["archivist"]
    content = "姓名,电话\n孙悟空,13912345678\n".encode()
    ctx["import_mapping"] = imports.import_upload(
        actor=archivist, file_name="a.csv", content=content
    )
    checked = imports.import_upload(actor=archivist, file_name="b.csv", content=content)
    ctx["import_checked"] = imports.import_map(
        actor=archivist, batch=checked, mapping=checked.mapping
    )
