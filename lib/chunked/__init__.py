"""The commands' side of splunkd's chunked protocol (Search Command Protocol v2).

The ``offhours`` engine takes values and returns values; this package is everything between
it and splunkd: the pipes (:mod:`chunked.pipes`), the chunk's CSV wire format
(:mod:`chunked.wire`) and, in one module, every private name of splunklib the commands use,
behind a guard for the splunk-sdk versions they are proven on (:mod:`chunked.sdk`).
"""
