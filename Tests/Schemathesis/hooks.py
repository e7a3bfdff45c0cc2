"""schemathesis hooks for CreditGate's contract (SCHEMATHESIS_HOOKS=hooks, with this folder on PYTHONPATH).

The batch and import uploads are NDJSON or CSV declared as binary strings; schemathesis has no
serializer of its own for those media types, so without these it cannot send them at all.
"""
import schemathesis


def _bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if value is None:
        return b""
    return str(value).encode("utf-8")


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    return _bytes(value)


@schemathesis.serializer("text/csv")
def csv(ctx, value):
    return _bytes(value)
