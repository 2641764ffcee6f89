# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One item's state while the engine applies its action, with one ``finish()`` (s3transfer's TransferCoordinator is the model).

Every change of an item goes through its ``Work``: the steps set ``current`` (the file as last seen) with
``seen``, mark a change with ``changed_as``, and end it with ``finish`` (success) or ``fail``. ``finish`` runs
exactly once, whatever raised and however often it is called: it records the outcome, runs the clean-ups
registered with ``add_cleanup`` (the token lock: the holder's note, then the release), each even when an earlier
one raised, and then tells the scheduler the item is done (``on_done``). The result is built from it at the end.
"""

import threading

UPLOADED, LINKED, UNCHANGED, DELETED, FAILED = "uploaded", "linked", "unchanged", "deleted", "failed"


class Work:  # pylint: disable=too-many-instance-attributes
    """An action being applied (``action.spec`` None: a file ``exclusive`` removes)."""

    def __init__(self, action, on_done=None):
        self.action = action
        self.current = action.current  # metadata of the file as last seen (None: no file)
        self.related_item_id = action.related_item_id
        self.changed = False
        self.outcome = UNCHANGED
        self.error = None
        self.warnings = []
        self.token_lock = None  # the client token's host-local lock (locks.TokenLock), while the item holds it
        self.client_token = None  # the token the upload used, when not the spec's (a next generation after a deletion)
        self.refused_put = None  # why a PUT was refused and taken for "completed meanwhile" (for the wait's timeout message)
        self.finished = False
        self._cleanups = []
        self._on_done = on_done
        self._lock = threading.Lock()

    @property
    def spec(self):
        return self.action.spec

    @property
    def label(self):
        return self.spec.label if self.spec is not None else ""

    def seen(self, metadata):
        """The file as read (or made) last."""
        self.current = metadata

    def changed_as(self, outcome):
        """This run changed the item (uploaded, linked, deleted); a link after an upload stays an upload."""
        self.changed = True
        if self.outcome == UNCHANGED:
            self.outcome = outcome

    def add_cleanup(self, what, cleanup):
        """Run ``cleanup(work)`` when the item finishes, whatever its outcome (latest registered first); ``what`` names it in a warning."""
        self._cleanups.append((what, cleanup))

    def fail(self, error):
        """Finish with an error (an AttachedFileError whose message names the item)."""
        return self.finish(error)

    def finish(self, error=None):
        """Finish once: record the outcome, run the clean-ups, tell the scheduler. Returns False when already finished."""
        with self._lock:
            if self.finished:
                return False
            self.finished = True
        try:
            if error is not None:
                self.error, self.outcome = error, FAILED
            for what, cleanup in reversed(self._cleanups):
                try:
                    cleanup(self)
                except Exception as e:  # pylint: disable=broad-except
                    self.warnings.append(f"{self.label + ': ' if self.label else ''}{what} failed: {e.__class__.__name__}: {e}")
            self._cleanups = []
        finally:
            if self._on_done is not None:
                self._on_done()
        return True
