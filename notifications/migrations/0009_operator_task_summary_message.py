# An operator task keeps its message and values, to be read in each operator's
# language (notifications/task_texts.py); older tasks keep their English text.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0008_operator_task_move_requested'),
    ]

    operations = [
        migrations.AddField(
            model_name='operatortask',
            name='summary_msgid',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.AddField(
            model_name='operatortask',
            name='summary_params',
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
    ]
