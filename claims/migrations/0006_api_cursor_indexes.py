"""Composite indexes for the API's cursor pagination (issue 18): a page of one organisation's rows by id is a
range of the index, without sorting all of its rows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0005_fund_so_far_at_approval'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='asfapplication',
            index=models.Index(fields=['responsible_authority', 'id'], name='claims_app_authority_id'),
        ),
    ]
