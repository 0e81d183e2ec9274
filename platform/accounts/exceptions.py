"""The error the account rules raise; `accounts.actions` and `accounts.membership` share it."""


class AccountRuleError(ValueError):
    """A request the account rules refuse; the message is written for the subscriber, and `field`
    names the form field it belongs to (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
