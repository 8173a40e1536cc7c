"""What a claims service raises when a rule refuses the request. Views turn these into form errors."""


class ClaimsError(Exception):
    """A claims rule refused the request. Nothing has been written when it is raised."""


class InvalidTransition(ClaimsError):
    pass


class NotPermitted(ClaimsError):
    pass


class LimitExceeded(ClaimsError):
    pass


class OutsideWindow(ClaimsError):
    pass


class BadAmount(ClaimsError):
    pass


class NotEligible(ClaimsError):
    pass
