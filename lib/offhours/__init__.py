"""Business hours for Splunk events, without Splunk: the engine behind ``ecrofhours``.

Pure Python on the standard library and pytz (Python 3.9-3.13). The search command
builds one :class:`Annotator` per search from its options and the app's profiles,
then asks it for the output fields of each event.
"""
from .annotator import OUTPUT_FIELDS, Annotator, open_profiles
from .options import OPTIONS, OptionError
from .profiles import ProfileError

__all__ = ["OPTIONS", "OUTPUT_FIELDS", "Annotator", "OptionError", "ProfileError", "open_profiles"]
