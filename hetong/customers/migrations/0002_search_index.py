from django.db import migrations

from hetong.search.backend import install_index


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [install_index("customers_customer")]
