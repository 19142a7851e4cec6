"""The one error of `reconcile`: input it cannot use (exit code 2), said in one line."""


class ReconcileError(ValueError):
    """Bad input: unreadable or unknown files, options that do not fit, no Stage 2 to compare with."""


class OtherDataset(ReconcileError):
    """The files are an ISO export of another dataset: skipped when other files of the path are the one asked for."""
