from django.db import migrations

# The owner is reminded of the next open obligation a week and a day before it falls due and on the day; an
# unacknowledged reminder goes to the owner's manager after three business days, as for the other key dates.
OFFSETS = [7, 1, 0]


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    if not ReminderRule.objects.filter(contract_type__isnull=True, contract__isnull=True, date_kind="obligation").exists():
        ReminderRule.objects.create(date_kind="obligation", offsets=OFFSETS, recipient_roles=["owner"], escalate_after=3)


class Migration(migrations.Migration):
    dependencies = [("obligations", "0001_obligations_and_evidence"), ("notifications", "0002_default_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
