"""Signals other parts of the shop listen to (quotes, batch orders).

``approval_decided`` is sent with the ``ApprovalRequest`` as sender and ``approved`` (bool) once a
request was approved or rejected, inside the decider's transaction: a listener's writes commit or
roll back with the decision. Listeners filter on ``request.subject_type``.
"""

from blinker import Namespace

_signals = Namespace()

approval_decided = _signals.signal("approval-decided")
