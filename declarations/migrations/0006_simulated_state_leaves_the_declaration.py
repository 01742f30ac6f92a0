"""The simulated authority's release time is its own state now (gateways/simulated, which copies
it into its cases before this runs): the core keeps no gateway state on the declaration."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("declarations", "0005_transits")]

    operations = [
        migrations.RemoveIndex(model_name="declaration", name="declaration_release_due_idx"),
        migrations.RemoveField(model_name="declaration", name="simulated_release_due_at"),
    ]
