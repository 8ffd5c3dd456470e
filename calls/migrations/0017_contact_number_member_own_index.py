# A member's own numbers by number: a confirmation asks whether the number
# given as the member's own is another member's (issue 25, item 7).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0016_call_languages_pin_only_a_pair'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contactnumber',
            index=models.Index(condition=models.Q(('role', 'member')), fields=['number'], name='contactnumber_member_own'),
        ),
    ]
