"""The REST API, one module per audience: tokens and the signed-in user
(`accounts`), the client's calls (`client`), the
agent's requests (`agent`), the interpreter's sessions (`interpreter`), the
operator's scheduling (`office`), and the money views of clients and agents
(`money`: balance, ledger, statement). One view per action; each validates its
input with a nested serializer, then calls a service or a selector.

Objects are looked up only among what the user may see
(`calls_visible_to`, `sessions_visible_to`): a foreign call is a 404.
Calls and sessions are addressed by the call's public (random) id, never by
a database key; a session is "the call's live session".
"""
