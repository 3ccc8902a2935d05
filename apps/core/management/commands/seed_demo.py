"""Load the demo data (idempotent) and print the demo logins. Never with DEBUG off."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEFAULT_DEMO_PASSWORD = "miz-khedmat-1405"


class Command(BaseCommand):
    help = "Load demo data for a development portal and print the demo logins (DEMO_PASSWORD sets the password)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is never loaded with DEBUG off.")
        from apps.catalog.demo import seed_catalog_demo
        from apps.orgs.demo import DEMO_LOGINS, seed_org_demo

        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            org = seed_org_demo(password=password)
            services = seed_catalog_demo(org)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins (password for all: %s):" % password))
        for username in DEMO_LOGINS:
            staff = org.staff[username]
            self.stdout.write(f"  {username:<11} {staff.full_name} — {staff.post} — {staff.unit}")
        self.stdout.write(f"{len(services)} demo sub-services are published at {settings.SITE_URL}/services/")
        self.stdout.write(f"Open {settings.SITE_URL}/accounts/login/")
