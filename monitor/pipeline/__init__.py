"""The flow of one source through every stage, in order.

    polls.Pipeline.check_feed   read the source (any kind) -> entries never seen ->
                                each through the entry stage -> record the poll
    entries.EntryStage.process  page -> extract -> match -> store (one transaction)
"""

from monitor.pipeline.entries import EntryStage, route
from monitor.pipeline.polls import Pipeline

__all__ = ["EntryStage", "Pipeline", "route"]
