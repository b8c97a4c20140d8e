from django.db import migrations

# What a company gets before an admin changes anything: the owner is reminded of the end and the notice
# deadline 90, 60, 30 and 7 days before and on the day, of a signing deadline and a review date nearer to it,
# and an unacknowledged reminder goes to the owner's manager after three business days.
DEFAULT_RULES = {
    "notice": [90, 60, 30, 7, 0],
    "end": [90, 60, 30, 7, 0],
    "signing": [7, 1, 0],
    "review": [30, 7, 0],
}


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    for kind, offsets in DEFAULT_RULES.items():
        if not ReminderRule.objects.filter(contract_type__isnull=True, contract__isnull=True, date_kind=kind).exists():
            ReminderRule.objects.create(date_kind=kind, offsets=offsets, recipient_roles=["owner"], escalate_after=3)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_reminders_and_channels")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
