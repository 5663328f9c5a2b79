"""The Chinese catalogue: each sense of an ambiguous word has its own translation, and the
catalogue check refuses a bare ambiguous msgid."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.utils import timezone, translation

from contacts.models import Reminder
from tests.factories import CustomerFactory, MachineFactory, SubmissionFactory

ROOT = Path(__file__).resolve().parents[2]


def _check_catalog():
    spec = importlib.util.spec_from_file_location("check_catalog", ROOT / "locale/check_catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def test_check_refuses_an_ambiguous_word_without_context(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(HEADER + 'msgid "File"\nmsgstr "归档"\n', encoding="utf-8")
    problems, _notes, _n = _check_catalog().check(po)
    assert any("'File'" in p and "context" in p for p in problems), problems


def test_check_accepts_the_word_with_a_context(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        HEADER + 'msgctxt "button: file the report"\nmsgid "File"\nmsgstr "归档"\n',
        encoding="utf-8",
    )
    problems, _notes, _n = _check_catalog().check(po)
    assert not any("context" in p for p in problems), problems


@pytest.mark.django_db
def test_each_sense_has_its_word(client, archivist, manager, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        client.force_login(archivist)
        imports = client.get("/customers/import/").content.decode()
        upload_label = imports.split('data-testid="import-upload"')[1].split("</form>")[0]
        assert "文件" in upload_label
        assert "归档" not in upload_label
        customer = CustomerFactory()
        MachineFactory(customer=customer)
        dossier = client.get(f"/customers/{customer.pk}/").content.decode()
        assert '<a href="#service">售后服务' in dossier
        SubmissionFactory(customer=CustomerFactory(manager=manager))
        inbox = client.get("/contacts/inbox/").content.decode()
        assert ">归档</a>" in inbox
        Reminder.objects.create(
            kind=Reminder.Kind.GOLD_CONTACT,
            customer=customer,
            manager=customer.manager,
            period=timezone.localdate().replace(day=1),
        )
        reminders = client.get("/contacts/reminders/").content.decode()
        assert "提醒类型" in reminders
        assert "客户类型" not in reminders
        duplicates = client.get("/customers/duplicates/").content.decode()
        assert "候选类型" in duplicates


@pytest.mark.django_db
def test_error_pages_speak_chinese(client, archivist, settings):
    from django.test import Client
    from django.urls import path

    settings.LANGUAGE_CODE = "zh-hans"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(archivist)
    missing = client.get("/customers/999999/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()

    def boom(request):
        raise RuntimeError("boom")

    urlconf = type("urls", (), {"urlpatterns": [path("boom/", boom)]})
    settings.ROOT_URLCONF = urlconf
    failing = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    broken = failing.get("/boom/")
    assert broken.status_code == 500
    assert "系统内部出错" in broken.content.decode()
