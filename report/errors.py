"""The error hierarchy: every failure the user can act on is a ReportError."""


class ReportError(Exception):
    """A failure with a message meant for the user; the CLI prints it without a traceback."""

    exit_code = 1


class DataError(ReportError):
    """The data file (or a file it names) is invalid. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(ReportError):
    """The command line asks for something that cannot be done as asked."""

    exit_code = 2


class RenderError(ReportError):
    """The HTML or PDF could not be produced (WeasyPrint or matplotlib failed)."""


class DeliveryError(ReportError):
    """An edition could not be delivered."""
