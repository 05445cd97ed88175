from __future__ import annotations

__all__ = ["ApiError", "not_implemented", "reject"]


class ApiError(Exception):
    """An error answer in turbopuffer's shape: ``{"status": "error", "error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def reject(message: str, status: int = 400) -> ApiError:
    """What turbopuffer's documentation says it rejects (bad values, shapes, limits)."""
    return ApiError(status, message)


def not_implemented(what: str) -> ApiError:
    """Documented API surface this stand-in does not model; a test relying on it fails
    loudly instead of passing against behaviour nobody checked."""
    return ApiError(400, f"{what} is not implemented by the turbopuffer stand-in")
