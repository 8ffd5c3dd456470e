"""What accounts announces; other apps listen (accounts imports none of them).

`signed_out_everywhere(user_id)`: sent inside the transaction of "sign out
everywhere", so every other credential the person has (e.g. their calendar
feed's link, calendars/receivers.py) ends in that same transaction.
"""

from django.dispatch import Signal

signed_out_everywhere = Signal()
