"""The command's standard input and output, as splunkd holds them.

splunkd may close either pipe at any time (a cancelled search, a finished ``head``). That
is no error of the search: the command stops with one line in search.log, not a traceback.
"""


class SplunkdGone(Exception):
    """splunkd closed a pipe to the command: nothing more can reach the search, so stop."""


class SplunkdInput:
    """The command's binary standard input, noting a read cut short by its end: splunkd went
    away inside a chunk (a whole chunk ends with its last byte, never short of it)."""

    def __init__(self, stream):
        self._stream = stream
        self.cut = False

    def read(self, size=-1):
        data = self._stream.read(size)
        self.cut = self.cut or 0 < size != len(data)
        return data

    def readline(self):
        line = self._stream.readline()
        self.cut = self.cut or (line != b"" and not line.endswith(b"\n"))
        return line


class SplunkdOutput:
    """The command's raw standard output. Unbuffered, so that once splunkd has closed it no
    data is left for Python to fail flushing at exit; later writes are dropped."""

    def __init__(self, raw):
        self._raw = raw
        self.closed_by_splunkd = False

    def write(self, data):
        if self.closed_by_splunkd:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[self._raw.write(view):]
        except BrokenPipeError:
            self.closed_by_splunkd = True
            raise SplunkdGone("splunkd closed the command's output") from None

    def flush(self):
        """Nothing is buffered."""
