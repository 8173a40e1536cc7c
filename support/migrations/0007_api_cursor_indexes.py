"""Composite indexes for the API's cursor pagination (issue 18): a page of one organisation's rows by id is a
range of the index, without sorting all of its rows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('support', '0006_ssd_import'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['responsible_authority', 'id'], name='assessment_authority_id'),
        ),
        migrations.AddIndex(
            model_name='supportrequest',
            index=models.Index(fields=['responsible_authority', 'id'], name='support_request_authority_id'),
        ),
    ]
