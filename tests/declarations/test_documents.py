"""Document scans: uploaded per document (multipart), type and size checked, downloadable."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from declarations import services
from declarations.models import Document
from tests.declarations.factories import create_declaration

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(reference, position):
    return f"/api/v1/declarations/{reference}/documents/{position}/file/"


def test_documents_are_numbered_in_the_detail(api, partner):
    declaration = create_declaration(partner)
    body = api.get(f"/api/v1/declarations/{declaration.reference}/").json()
    assert [d["sequence"] for d in body["documents"]] == [1, 2, 3]


def test_upload_a_pdf_then_download_it(api, partner):
    declaration = create_declaration(partner)
    upload = SimpleUploadedFile("phyto.pdf", PDF, content_type="application/pdf")
    response = api.put(url(declaration.reference, 1), {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["file"] == "phyto.pdf" and response.json()["sequence"] == 1
    document = Document.objects.get(declaration=declaration, type="phytosanitary_certificate")
    assert document.file.name.startswith(f"declarations/{declaration.reference}/")
    download = api.get(url(declaration.reference, 1))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert declaration.events.filter(type="document_file_attached").exists()


def test_upload_that_is_not_really_a_pdf_is_400_and_stores_nothing(api, partner):
    declaration = create_declaration(partner)
    fake = SimpleUploadedFile("phyto.pdf", b"<html>hi</html>", content_type="application/pdf")
    response = api.put(url(declaration.reference, 1), {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/file"]
    assert not Document.objects.get(declaration=declaration, type="phytosanitary_certificate").file


def test_executable_is_refused(api, partner):
    declaration = create_declaration(partner)
    exe = SimpleUploadedFile("phyto.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert (
        api.put(url(declaration.reference, 1), {"file": exe}, format="multipart").status_code == 400
    )


def test_unknown_document_or_other_partner_is_404(api, other_api, partner):
    declaration = create_declaration(partner)
    upload = SimpleUploadedFile("a.pdf", PDF)
    assert (
        api.put(url(declaration.reference, 9), {"file": upload}, format="multipart").status_code
        == 404
    )
    upload = SimpleUploadedFile("a.pdf", PDF)
    assert (
        other_api.put(
            url(declaration.reference, 1), {"file": upload}, format="multipart"
        ).status_code
        == 404
    )
    assert api.get(url(declaration.reference, 2)).status_code == 404  # no file yet


def test_upload_after_release_is_409(api, partner):
    declaration = services.submit(create_declaration(partner), actor="t")
    services.record_customs_decision(declaration, type="released", actor="officer")
    upload = SimpleUploadedFile("a.pdf", PDF)
    assert (
        api.put(url(declaration.reference, 1), {"file": upload}, format="multipart").status_code
        == 409
    )
