"""The admin application with the TradeHub admin site (control tower as its landing page)."""

from django.contrib.admin.apps import AdminConfig


class TradeHubAdminConfig(AdminConfig):
    """`django.contrib.admin` whose default site is the TradeHub site."""

    default_site = "tradehub.workplace.site.TradeHubAdminSite"
