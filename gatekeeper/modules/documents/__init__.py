"""Documents in bulk and the document fonts: the ``gatekeeper documents`` commands."""
