"""Review decisions (coding, trial screening, drafts): who decided what and when, audited.

The storage sits below the user interfaces so that the web pages, the CLI (``karte trial decide``)
and the screening report all read and write the same decisions: :mod:`.tables` (the table of
migration ``0002_service``), :mod:`.store` (:class:`ReviewStore`, :class:`ReviewKind`, the kinds).
"""

from karte.reviews.store import REVIEW_KINDS, Decision, ReviewKind, ReviewStore, review_kind

__all__ = ["REVIEW_KINDS", "Decision", "ReviewKind", "ReviewStore", "review_kind"]
