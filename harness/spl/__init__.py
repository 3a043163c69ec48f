"""A strict evaluator of the SPL that this app's detections (and Splunk's upstream ones) use.

No Splunk runs here, so the demo and the tests execute each saved search's own SPL, after
macro expansion, with exactly the commands and functions it needs and Splunk's semantics for
them; anything else raises :class:`SplError`, it is never skipped. The ``ecrofhours`` command
is the real one (``bin/ecrofhours.py``) over the Search Command Protocol v2 driver.

Modules: ``syntax`` (pipes, quotes, tokens), ``macros`` (``macros.conf``, expansion), ``values``
(field values, numbers, order, zones), ``searchexpr`` (search terms), ``evalexpr`` (``eval`` and
``where``), ``commands``, ``pipeline`` (:class:`Evaluator`), ``app`` (:class:`App`: an installed
copy of the app), ``deployment`` (:class:`Deployment`: a search head and search peers, each with
its own copy of the app, for searches that must reach every indexer) and ``escu`` (the upstream
detections, for comparison).

Events enter as Splunk presents them after search-time JSON extraction: flattened, dotted field
names (``userIdentity.arn``), text values, lists for multivalue fields, ``_time`` in epoch seconds.
"""

from .app import App, splunk_python
from .deployment import Deployment, Server
from .macros import MacroLibrary
from .pipeline import Evaluator
from .syntax import SplError

__all__ = ["App", "Deployment", "Evaluator", "MacroLibrary", "Server", "SplError", "splunk_python"]
