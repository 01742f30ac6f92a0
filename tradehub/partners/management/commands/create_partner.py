"""Create a partner and print one new API key on the last line of the output."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tradehub.errors import Invalid
from tradehub.partners.choices import PartnerKind
from tradehub.partners.models import Partner
from tradehub.partners.services import create_partner, issue_api_key


class Command(BaseCommand):
    help = "Create a partner organisation (or reuse one by name) and print a new API key last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--kind", choices=PartnerKind.values, default=PartnerKind.FORWARDER)
        parser.add_argument(
            "--gateway",
            action="store_true",
            help="allowed to post customs messages for any partner",
        )
        parser.add_argument("--key-name", default="default")
        parser.add_argument(
            "--alert-email",
            metavar="ADDRESS",
            help="subscribe this contact address to every alert of the partner",
        )
        parser.add_argument(
            "--alert-language",
            default=None,
            metavar="LANG",
            help="language of those alert emails: en, ru or zh-hans (default: LANGUAGE_CODE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("The partner name must not be empty.")
        partner = Partner.objects.filter(name=name).first()
        if partner is None:
            kind = PartnerKind.GATEWAY if options["gateway"] else options["kind"]
            partner = create_partner(name, kind=kind, is_gateway=options["gateway"])
            self.stdout.write(f"Created partner {partner.name} ({partner.reference}).")
        else:
            self.stdout.write(f"Partner {partner.name} ({partner.reference}) already exists.")
            if options["gateway"] and not partner.is_gateway:
                raise CommandError(
                    "That partner exists and is not a gateway; change it in the admin."
                )
        if options["alert_email"]:
            from django.core.exceptions import ValidationError
            from django.core.validators import validate_email

            from tradehub.notifications.services import subscribe_alert_email

            try:
                validate_email(options["alert_email"])
            except ValidationError as exc:
                raise CommandError(f"--alert-email: {exc.messages[0]}") from exc
            try:
                subscription = subscribe_alert_email(
                    options["alert_email"], partner=partner, language=options["alert_language"]
                )
            except Invalid as exc:
                raise CommandError(f"--alert-language: {exc}") from exc
            self.stdout.write(f"Alert emails for {partner.name} go to {subscription.email}.")
        _, key = issue_api_key(partner, options["key_name"])
        self.stdout.write("API key (shown once, store it now):")
        self.stdout.write(key)
