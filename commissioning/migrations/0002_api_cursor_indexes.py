"""Composite indexes for the API's cursor pagination (issue 18): a page of one organisation's rows by id is a
range of the index, without sorting all of its rows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commissioning', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(fields=['sent_to', 'id'], name='referral_provider_id'),
        ),
    ]
