"""Document scans in the admin: staff upload, open and remove them; files are served only to
staff (permission checked) and to the owning partner through the API, never from a media URL;
uploads and removals are in the timeline; a released declaration's scans stay."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from declarations import services
from declarations.models import Declaration, Document
from declarations.states import TransitionNotAllowed
from tests.declarations.factories import create_declaration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def page(declaration, position=1):
    return reverse("admin:declarations_declaration_document", args=[declaration.pk, position])


def file_url(declaration, position=1):
    return reverse("admin:declarations_declaration_document_file", args=[declaration.pk, position])


def upload(client, declaration, position=1, content=PDF, name="phyto.pdf"):
    scan = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(page(declaration, position), {"upload": "1", "file": scan})


def test_staff_attach_and_open_a_certificate(staff_client, staff_user, partner):
    declaration = create_declaration(partner)
    response = upload(staff_client, declaration)
    assert response.status_code == 302
    opened = staff_client.get(file_url(declaration))
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == PDF
    assert opened["Content-Type"] == "application/pdf"
    assert opened["Content-Disposition"].startswith("inline")
    assert "no-store" in opened["Cache-Control"]
    event = declaration.events.get(type="document_file_attached")
    assert event.actor == staff_user.get_username() and event.payload["file"] == "phyto.pdf"
    change = staff_client.get(
        reverse("admin:declarations_declaration_change", args=[declaration.pk])
    ).content.decode()
    assert file_url(declaration) in change
    assert "/media/" not in change


def test_a_wrong_file_is_refused_on_the_page(staff_client, partner):
    declaration = create_declaration(partner)
    response = upload(staff_client, declaration, content=b"<html>", name="x.pdf")
    assert response.status_code == 200
    assert "not a PDF" in response.content.decode()
    assert not Document.objects.filter(declaration=declaration).exclude(file="").exists()


def test_files_are_never_served_from_media(staff_client, client, partner):
    declaration = create_declaration(partner)
    upload(staff_client, declaration)
    name = Document.objects.exclude(file="").get(declaration=declaration).file.name
    assert client.get(f"/media/{name}").status_code == 404
    assert staff_client.get(f"/media/{name}").status_code == 404


def test_only_staff_who_may_view_declarations_open_files(staff_client, client, partner):
    declaration = create_declaration(partner)
    upload(staff_client, declaration)
    assert client.get(file_url(declaration)).status_code == 302  # to the login page
    clerk: Any = UserFactory(is_staff=True)
    other = Client()
    other.force_login(clerk)
    assert other.get(file_url(declaration)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_declaration"))
    assert other.get(file_url(declaration)).status_code == 200
    # Viewing is not changing: no upload or removal without the change permission.
    assert other.get(page(declaration)).status_code == 403


def test_the_owner_downloads_it_through_the_api_and_another_partner_gets_404(
    staff_client, api, other_api, partner
):
    declaration = create_declaration(partner)
    upload(staff_client, declaration)
    url = f"/api/v1/declarations/{declaration.reference}/documents/1/file/"
    assert api.get(url).status_code == 200
    response = other_api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_removal_is_recorded_and_the_bytes_go(
    staff_client, staff_user, partner, django_capture_on_commit_callbacks
):
    declaration = create_declaration(partner)
    upload(staff_client, declaration)
    document = Document.objects.exclude(file="").get(declaration=declaration)
    storage, name = document.file.storage, document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(page(declaration), {"remove": "1", "reason": "Wrong scan"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert not document.file
    assert not storage.exists(name)
    event = declaration.events.get(type="document_file_removed")
    assert event.payload["reason"] == "Wrong scan" and event.actor == staff_user.get_username()
    assert staff_client.get(file_url(declaration)).status_code == 404


def test_a_released_declarations_files_cannot_be_removed(staff_client, partner):
    declaration = create_declaration(partner)
    upload(staff_client, declaration)
    declaration = services.submit(declaration, actor="t")
    services.record_customs_decision(declaration, type="released", actor="officer")
    assert Declaration.objects.get(pk=declaration.pk).status == "released"
    form = staff_client.get(page(declaration)).content.decode()
    assert 'name="remove"' not in form and 'name="upload"' not in form
    response = staff_client.post(page(declaration), {"remove": "1"}, follow=True)
    assert "can no longer be changed or removed" in response.content.decode()
    assert Document.objects.exclude(file="").filter(declaration=declaration).exists()
    assert not declaration.events.filter(type="document_file_removed").exists()
    with pytest.raises(TransitionNotAllowed):
        services.remove_document_file(declaration, position=1, actor="t")
