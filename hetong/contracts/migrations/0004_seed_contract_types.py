from django.db import migrations

TYPES = [
    ("XS", "销售合同", "Sales"),
    ("CG", "采购合同", "Purchase"),
    ("FW", "服务合同", "Service"),
    ("KJ", "框架协议", "Framework agreement"),
    ("BM", "保密协议", "Non-disclosure agreement"),
    ("ZL", "租赁合同", "Lease"),
]


def seed(apps, schema_editor):
    ContractType = apps.get_model("contracts", "ContractType")
    for code, name, name_en in TYPES:
        ContractType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_search_index")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
