"""The scorecard's words (core.wording). It has no state machine: its targets and definitions are plain data with
history, and its jobs are core's BackgroundJob rows. The measures' own words live beside them in `rules`."""


def register() -> None:
    """Nothing to register: kept so that every app names its vocabulary in the same place."""
