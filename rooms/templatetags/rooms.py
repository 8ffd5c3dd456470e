"""`{% room_link session "client" as url %}`: a party's join link, where the pages show it.

Empty when there is nothing to join: not a video call, a dead session, video
rooms not set up here. The duty manager's link names the signed-in person.
"""

from django import template

from .. import janus, services
from ..links import room_path
from ..models import Party

register = template.Library()


@register.simple_tag
def room_link(session, party: str, person=None) -> str:
    if session is None or not janus.enabled() or not session.call.is_video:
        return ""
    if not session.is_live or party not in Party.values:
        return ""
    return room_path(services.room_link_token(session=session, party=party, person=person))
