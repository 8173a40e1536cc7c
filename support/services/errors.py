"""The refusals of a support service. Nothing has been written when one is raised; views show its message."""


class SupportError(Exception):
    """A step the process refuses. Nothing has been written when it is raised."""


class InvalidTransition(SupportError):
    pass


class SelfApproval(SupportError):
    pass


class NotPermitted(SupportError):
    pass
