"""Django admin sentences that TradeHub words again in Russian (see headings.py for the headings).

Django's Russian catalogue pastes the model's name into sentences written for a masculine noun in
the nominative ("Декларация «…» был успешно добавлен", "Добавить еще один лот"). The project's
catalogue (LOCALE_PATHS) takes precedence over Django's, so these msgids — exactly Django's — get
TradeHub's wording there: the name after a colon, where no case or gender has to agree
("Добавлено: декларация «…»."). Marked here with gettext_noop so that makemessages keeps them in
locale/*/LC_MESSAGES/django.po; Chinese keeps Django's sense in the same entries.
"""

from django.utils.translation import gettext_noop

DJANGO_SENTENCES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? '
        "All of the following related items will be deleted:"
    ),
)
