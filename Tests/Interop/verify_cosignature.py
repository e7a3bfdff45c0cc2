"""An independent check of a cosigned checkpoint, written from the C2SP specs alone (signed-note,
tlog-checkpoint, tlog-cosignature v1) with PyPI's `cryptography`: nothing of CreditGate's code.

    python3 verify_cosignature.py NOTE_FILE JWKS_FILE WITNESS_VKEY

Checks the log's Ed25519 signature (key ID SHA-256(origin || "\\n" || 0x01 || key)[:4], a key of the
JWK Set) and the witness's cosignature (key ID with 0x04; payload key ID || u64 timestamp || sig over
"cosignature/v1\\ntime T\\n" || the note text). Exits 1 on any failure.
"""
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    note = open(sys.argv[1], encoding="utf-8").read()
    keys = json.load(open(sys.argv[2]))["keys"]
    witness_name, witness_id, witness_key = sys.argv[3].split("+", 2)
    text, _, signature_block = note.rpartition("\n\n")
    text += "\n"
    lines = text.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    assert str(size) == lines[1] and len(root) == 32, "not a checkpoint"
    signatures = []
    for line in signature_block.rstrip("\n").split("\n"):
        assert line.startswith("\u2014 "), "a signature line starts with an em dash"
        name, payload = line[2:].split(" ")
        signatures.append((name, base64.b64decode(payload)))

    log_ok = False
    for jwk in keys:
        if jwk.get("crv") != "Ed25519":
            continue
        raw = b64url(jwk["x"])
        key_id = hashlib.sha256(origin.encode() + b"\n" + b"\x01" + raw).digest()[:4]
        for name, payload in signatures:
            if name == origin and payload[:4] == key_id:
                Ed25519PublicKey.from_public_bytes(raw).verify(payload[4:], text.encode())
                log_ok = True
    if not log_ok:
        sys.exit("no log signature by a published key")
    print(f"log signature ok: {origin} size {size}")

    vkey = base64.b64decode(witness_key)
    assert vkey[0] == 0x04 and len(vkey) == 33, "an Ed25519 cosignature vkey"
    key_id = hashlib.sha256(witness_name.encode() + b"\n" + vkey).digest()[:4]
    assert key_id.hex() == witness_id, "the vkey's key ID"
    cosigned = False
    for name, payload in signatures:
        if name == witness_name and payload[:4] == key_id and len(payload) == 76:
            (timestamp,) = struct.unpack(">Q", payload[4:12])
            message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
            try:
                Ed25519PublicKey.from_public_bytes(vkey[1:]).verify(payload[12:], message)
            except InvalidSignature:
                sys.exit("the cosignature does not verify")
            print(f"cosignature ok: {witness_name} at {timestamp}")
            cosigned = True
    if not cosigned:
        sys.exit("no cosignature by the witness")


if __name__ == "__main__":
    main()
