"""What every contracts service raises: the base of its refusals, and a lifecycle step refused (of a contract or
of an apportionment run)."""


class ContractError(Exception):
    """A change to a contract that its rules refuse; the message says why, in words a user can act on."""


class InvalidTransition(ContractError):
    pass
