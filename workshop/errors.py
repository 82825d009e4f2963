"""Domain errors raised by services.

Every boundary (HTTP view, Socket.IO handler, CLI command) maps these to a
status code, an error acknowledgement or an exit message. Their message is
meant for a person: it is shown as it is.
"""


class DomainError(Exception):
    """Base for errors a person can read; `code` is a stable machine name."""

    code = "error"
    status = 400

    def __init__(self, message: str):
        # A lazy translation (`lazy_gettext`) becomes text here: acks and pages need a str.
        message = str(message)
        super().__init__(message)
        self.message = message

    def to_ack(self) -> dict:
        return {"ok": False, "error": self.code, "message": self.message}


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class RateLimited(DomainError):
    """Too many messages in a short time: temporary, the client should retry after
    `retry_after` seconds (phones do so by themselves, nothing typed is lost)."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def to_ack(self) -> dict:
        return {**super().to_ack(), "retry_after": self.retry_after}
