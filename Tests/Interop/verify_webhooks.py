"""Verifies CreditGate's webhook deliveries independently (Tests/GatewayTests/WebhookTests.swift).

`v1` with the Standard Webhooks library (PyPI `standardwebhooks`) and the endpoint's secret, as any
receiver would; `v1a` (Ed25519 over `id.timestamp.body`) with the key published in the gateway's
JWKS, using `cryptography`. Argument: a JSON file {secret, jwks, requests: [{headers, body}]}.
"""
import base64
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main(path):
    artefact = json.load(open(path))
    hook = Webhook(artefact["secret"])
    keys = [Ed25519PublicKey.from_public_bytes(b64url(k["x"])) for k in artefact["jwks"]["keys"] if k.get("crv") == "Ed25519"]
    assert keys, "no Ed25519 key in the JWKS"
    for number, request in enumerate(artefact["requests"], 1):
        headers = request["headers"]
        body = base64.b64decode(request["body"])
        payload = hook.verify(body, headers)
        assert payload["type"] == "watch.decision-changed", payload
        signed = f'{headers["webhook-id"]}.{headers["webhook-timestamp"]}.'.encode() + body
        v1a = [part.split(",", 1)[1] for part in headers["webhook-signature"].split(" ") if part.startswith("v1a,")]
        assert v1a, f"request {number}: no v1a signature"
        verified = False
        for key in keys:
            try:
                key.verify(base64.b64decode(v1a[0]), signed)
                verified = True
            except Exception:
                pass
        assert verified, f"request {number}: the v1a signature does not verify with the JWKS"
    print(f"{len(artefact['requests'])} deliveries: v1 (standardwebhooks) and v1a (JWKS Ed25519) verified")


if __name__ == "__main__":
    main(sys.argv[1])
