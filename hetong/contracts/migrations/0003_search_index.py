from django.db import migrations

from hetong.search.backend import install_index


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_relations")]
    operations = [install_index("contracts_contract")]
