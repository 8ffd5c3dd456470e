"""One HTTP try of one webhook: sign it (Standard Webhooks), POST it, read the answer.

Signing is the `standardwebhooks` package's: `webhook-id` (the delivery's
message id, the same on every try), `webhook-timestamp` (this try's time, in
seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
`id.timestamp.body` under the endpoint's current secret).

Sending is httpcore's (the connection layer of httpx, by the same people),
used directly because it lets us give it the socket backend that checks
every address it connects to (webhooks/guard.py). It never follows a
redirect (a 3xx is a failed try, like any answer but 2xx), waits at most
WEBHOOKS_TIMEOUT_SECONDS for each step (connect, send, each read), and reads
at most the first kilobyte of an answer, within the same time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

import httpcore
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from .guard import AddressRefused, GuardedBackend

USER_AGENT = "interpreted-calls-webhooks/1"
EXCERPT = 200
READ_AT_MOST = 1024

# Receivers sometimes echo what they got: nothing that looks like an email
# address or a phone number goes into our log.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_DIGITS = re.compile(r"\+?\d[\d ()-]{5,}\d")


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(*, secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def scrub(text: str) -> str:
    """An excerpt of an answer fit for our log: short, one line, no addresses or numbers."""
    text = " ".join(text.split())[:EXCERPT]
    return _DIGITS.sub("[number]", _EMAIL.sub("[email]", text))


def _pool() -> httpcore.ConnectionPool:
    return httpcore.ConnectionPool(
        network_backend=GuardedBackend(), retries=0, max_connections=1, keepalive_expiry=0
    )


def post(*, url: str, secret: str, message_id: str, at: datetime, body: str) -> Answer:
    """POST `body` to `url`, signed; never raises for what the other side does."""
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    headers = {
        **signed_headers(secret=secret, message_id=message_id, at=at, body=body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        with (
            _pool() as pool,
            pool.stream(
                "POST",
                url,
                headers=headers,
                content=body.encode(),
                extensions={
                    "timeout": {
                        "connect": timeout,
                        "read": timeout,
                        "write": timeout,
                        "pool": timeout,
                    }
                },
            ) as response,
        ):
            status = response.status
            chunks, size = [], 0
            for chunk in response.iter_stream():
                chunks.append(chunk)
                size += len(chunk)
                if size >= READ_AT_MOST or time.monotonic() - started > timeout:
                    break
            excerpt = scrub(b"".join(chunks)[:READ_AT_MOST].decode("utf-8", "replace"))
    except AddressRefused as exc:
        error = str(exc)
    except httpcore.TimeoutException:
        error = "timeout"
    except (httpcore.ConnectError, httpcore.NetworkError) as exc:
        error = scrub(f"could not connect: {exc}")[:EXCERPT] if str(exc) else "could not connect"
    except (httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpcore.LocalProtocolError):
        error = "bad answer"
    except OSError as exc:  # TLS errors surface as ConnectError; anything else of the socket's
        error = f"network error ({type(exc).__name__})"
    return Answer(
        status_code=status,
        error=error,
        excerpt=excerpt,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
