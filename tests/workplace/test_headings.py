"""Admin headings read naturally in Russian and Chinese: the model's name as the verb's object
(accusative in Russian), TradeHub's wording for Django's pasted-together sentences."""

import re
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from tests.factories import PartnerFactory
from tradehub.workplace.headings import ACCUSATIVE, HeadingsMixin

pytestmark = pytest.mark.django_db


def test_every_model_in_the_admin_has_its_object_form_and_the_mixin():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered - set(ACCUSATIVE) == set(), "add the model's accusative to headings.py"
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, HeadingsMixin)


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no heading"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("language", "title", "add"),
    [
        ("ru", "Выберите партнёра для изменения", "Добавить партнёра"),
        ("zh-hans", "选择要修改的合作方", "添加合作方"),
        ("en", "Select partner to change", "Add partner"),
    ],
)
def test_list_heading_and_add_button(admin_client, language, title, add):
    html = admin_client.get(
        reverse("admin:partners_partner_changelist"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert _h1(html) == title
    assert re.search(r'class="addlink">\s*' + add + r"\s*</a>", html)


def test_add_and_change_pages_in_russian(admin_client):
    add = admin_client.get(
        reverse("admin:partners_partner_add"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert _h1(add) == "Добавить партнёра"
    assert "&rsaquo; Добавить партнёра" in add  # the breadcrumb
    partner: Any = PartnerFactory()
    change = admin_client.get(
        reverse("admin:partners_partner_change", args=[partner.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert _h1(change) == "Изменить партнёра"


def test_every_list_in_russian_names_the_model_in_the_accusative(admin_client):
    """No list heading keeps Django's nominative ("Выберите отправка для изменения")."""
    for model in admin.site._registry:
        meta = model._meta
        html = admin_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        assert html.status_code == 200, meta.label
        with translation.override("ru"):
            expected = str(ACCUSATIVE[meta.label])
        heading = _h1(html.content.decode())
        assert heading.startswith("Выберите ") and expected in heading, (meta.label, heading)


def test_saved_message_in_russian_does_not_agree_a_gender(admin_client):
    """Django's "… был успешно изменен" after a feminine name; TradeHub's reads "Сохранено: …"."""
    partner: Any = PartnerFactory(name="Alatau Fresh")
    with translation.override("ru"):
        from django.utils.translation import gettext

        message = gettext("The {name} “{obj}” was changed successfully.").format(
            name="партнёр", obj=partner
        )
    assert message == "Сохранено: партнёр «Alatau Fresh»."
