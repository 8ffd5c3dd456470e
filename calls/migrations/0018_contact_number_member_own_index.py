# A member's own numbers by number: a confirmation asks whether the number
# given as the member's own is another member's (issue 25, item 7).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0017_client_lists_from_the_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contactnumber',
            index=models.Index(condition=models.Q(('role', 'member')), fields=['number'], name='contactnumber_member_own'),
        ),
    ]
