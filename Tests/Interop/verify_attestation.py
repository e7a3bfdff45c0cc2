#!/usr/bin/env python3
"""Independent verification of CreditGate attestation artefacts with third-party libraries.

Reads the JSON file written by AttestationTests/InteropTests and checks, with code we did not
write: the JWKS and its RFC 7638 thumbprints (joserfc), the RFC 9421 response signature and its
RFC 9530 Content-Digest (http-message-signatures), the C2SP signed checkpoints and the RFC 9162
inclusion and consistency proofs (tlog-scales). Exits 0 only if everything verifies, and 1 as
soon as a deliberately tampered copy would also have passed.
"""
import base64
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
from http_message_signatures.structures import CaseInsensitiveDict
from joserfc.jwk import KeySet
from tlog_scales.signing import Vkey
from tlog_scales.tlog import Checkpoint, ConsistencyProof, InclusionProof


def b64(text):
    return base64.b64decode(text)


class Request:
    def __init__(self, spec):
        self.method = spec["method"]
        self.url = spec["url"]
        self.headers = CaseInsensitiveDict(spec["headers"])


class Response:
    def __init__(self, spec, request):
        self.status_code = spec["status"]
        self.headers = CaseInsensitiveDict(spec["headers"])
        self.request = request


def main(path):
    artefacts = json.load(open(path))

    # JWKS: every key's kid is its RFC 7638 thumbprint, and no private part is published.
    key_set = KeySet.import_key_set(artefacts["jwks"])
    public_keys = {}
    for key in key_set.keys:
        assert key.thumbprint() == key.kid, f"kid {key.kid} is not the thumbprint {key.thumbprint()}"
        assert not key.is_private, "a private key was published"
        public_keys[key.kid] = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key.as_dict()["x"] + "=="))

    class Resolver(HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id):
            return public_keys.get(key_id)

    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=Resolver())
    response = artefacts["response"]
    message = Response(response, Request(response["request"]))
    body = b64(response["body"])
    results = verifier.verify(
        message, max_age=None, expect_tag="creditgate", body=body,
        require_components=['"@status"', '"content-type"', '"content-digest"', '"@method";req', '"@path";req'])
    assert results, "the response signature did not verify"
    tampered = Response(response, Request(response["request"]))
    try:
        verifier.verify(tampered, max_age=None, expect_tag="creditgate", body=body + b" ")
        raise AssertionError("a tampered body verified")
    except AssertionError:
        raise
    except Exception:
        pass

    # Checkpoints, signed notes and proofs.
    vkey = Vkey.from_string(artefacts["vkey"])
    old = Checkpoint.from_text(artefacts["checkpoint_old"])
    new = Checkpoint.from_text(artefacts["checkpoint_new"])
    old.verify(vkey)
    new.verify(vkey)
    inclusion = artefacts["inclusion"]
    InclusionProof(inclusion["index"], inclusion["size"], [b64(h) for h in inclusion["proof"]]).check(b64(inclusion["leaf_hash"]), new.root_hash)
    consistency = artefacts["consistency"]
    assert consistency["old"] == old.size and consistency["new"] == new.size
    ConsistencyProof(old.size, new.size, [b64(h) for h in consistency["proof"]]).check(old.root_hash, new.root_hash)
    print("interop ok: JWKS thumbprints, RFC 9421 signature, RFC 9530 digest, C2SP checkpoints, RFC 9162 proofs")


if __name__ == "__main__":
    main(sys.argv[1])
