#!/usr/bin/env python3
"""SM2 and SM3 interoperability of CreditGate with code we did not write: the PyPI `gmssl` package
and the `openssl` command line (OpenSSL 3, which needs the GM/T 0009 default user ID spelt out as
`distid:1234567812345678`).

    sm2_interop.py verify ARTEFACTS.json   # a live gateway's answer and checkpoint (NationalAlgorithmGatewayTests)
    sm2_interop.py sign OUT.json           # signatures made by gmssl and openssl, for the gateway's verifier

`verify` checks the SM2 key's RFC 7638 thumbprint, SM3 digests our code made (gmssl and
`openssl dgst -sm3`), the answer's `sig2` RFC 9421 signature (the signature base rebuilt here from
the covered components) and the checkpoint's SM2 signature line (gmssl and openssl each, and a
flipped bit fails both); then that verifiers which know only Ed25519 still accept the dual-signed
answer (http-message-signatures, label `sig`) and checkpoint (tlog-scales). It prints
"sm2 interop ok" when all pass. `sign` writes what gmssl and openssl signed and digested.
"""
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile

from gmssl import sm2, sm3

DEFAULT_ID = "1234567812345678"
# SubjectPublicKeyInfo of an SM2 key: id-ecPublicKey, curve sm2 (1.2.156.10197.1.301), then the point.
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
ORDER = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def der_integer(value):
    raw = value.to_bytes(32, "big").lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return b"\x02" + bytes([len(raw)]) + raw


def der_signature(rs):
    body = der_integer(int.from_bytes(rs[:32], "big")) + der_integer(int.from_bytes(rs[32:], "big"))
    return b"\x30" + bytes([len(body)]) + body


def rs_from_der(der):
    assert der[0] == 0x30
    at, values = 2, []
    for _ in range(2):
        assert der[at] == 0x02
        length = der[at + 1]
        values.append(int.from_bytes(der[at + 2:at + 2 + length], "big"))
        at += 2 + length
    return values[0].to_bytes(32, "big") + values[1].to_bytes(32, "big")


def pem(point):
    return "-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(SPKI_PREFIX + point).decode() + "-----END PUBLIC KEY-----\n"


def gmssl_verifies(point, message, rs):
    crypt = sm2.CryptSM2(private_key=None, public_key=point[1:].hex())
    return crypt.verify_with_sm3(rs.hex(), message)


def openssl_verifies(point, message, rs):
    with tempfile.TemporaryDirectory() as folder:
        paths = {name: os.path.join(folder, name) for name in ("key.pem", "message", "signature.der")}
        with open(paths["key.pem"], "w") as f:
            f.write(pem(point))
        with open(paths["message"], "wb") as f:
            f.write(message)
        with open(paths["signature.der"], "wb") as f:
            f.write(der_signature(rs))
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"], "-rawin", "-in", paths["message"],
             "-digest", "sm3", "-pkeyopt", "distid:" + DEFAULT_ID, "-sigfile", paths["signature.der"]],
            capture_output=True, text=True)
        return result.returncode == 0 and "Verified Successfully" in result.stdout


def openssl_sm3(message):
    return subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=message, check=True, capture_output=True).stdout.hex()


def both_verify(what, point, message, rs):
    if not gmssl_verifies(point, message, rs):
        sys.exit(f"gmssl: {what} does not verify")
    if not openssl_verifies(point, message, rs):
        sys.exit(f"openssl: {what} does not verify")
    flipped = bytearray(rs)
    flipped[7] ^= 0x01
    if gmssl_verifies(point, message, bytes(flipped)) or openssl_verifies(point, message, bytes(flipped)):
        sys.exit(f"{what} with a flipped bit still verifies")
    print(f"  {what}: gmssl and openssl verify it; a flipped bit fails both")


def members(field):
    """The members of an RFC 9651 dictionary whose values hold no commas (ours)."""
    out = {}
    for part in field.split(", "):
        name, _, value = part.partition("=")
        out[name] = value
    return out


def signature_base(response, params):
    headers = {name.lower(): value for name, value in response["headers"]}
    values = {
        '"@status"': str(response["status"]),
        '"content-type"': headers["content-type"],
        '"content-digest"': headers["content-digest"],
        '"@method";req': response["request"]["method"],
        '"@path";req': response["request"]["path"],
    }
    covered = params[1:params.index(")")].split(" ")
    lines = [f"{component}: {values[component]}" for component in covered]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def verify(path):
    with open(path) as f:
        artefacts = json.load(f)
    jwk = next(key for key in artefacts["jwks"]["keys"] if key.get("crv") == "SM2")
    point = b"\x04" + b64url(jwk["x"]) + b64url(jwk["y"])
    canonical = json.dumps({name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    if jwk["kid"] != thumbprint or "d" in jwk:
        sys.exit(f"the SM2 key's kid {jwk['kid']} is not its RFC 7638 thumbprint {thumbprint}, or it is private")
    print("  SM2 JWK: kid is the RFC 7638 thumbprint of crv, kty, x, y")

    response = artefacts["response"]
    body = base64.b64decode(response["body"])
    headers = {name.lower(): value for name, value in response["headers"]}
    for message_hex, digest in artefacts["sm3"]:
        message = bytes.fromhex(message_hex)
        if sm3.sm3_hash(list(message)) != digest or openssl_sm3(message) != digest:
            sys.exit(f"SM3 of {len(message)} bytes: ours {digest}, gmssl {sm3.sm3_hash(list(message))}, openssl {openssl_sm3(message)}")
    print(f"  SM3: gmssl and openssl make the digests ours made of {len(artefacts['sm3'])} messages")

    params = members(headers["signature-input"])["sig2"]
    if 'alg="sm2-sm3"' not in params or f'keyid="{jwk["kid"]}"' not in params:
        sys.exit("sig2 is not an sm2-sm3 signature by the published SM2 key")
    rs = base64.b64decode(members(headers["signature"])["sig2"].strip(":"))
    both_verify("the answer's sig2", point, signature_base(response, params), rs)

    # C2SP signed-note: the SM2 line is the one whose key ID is SHA-256(name, newline, 0xff, the
    # SM2-with-SM3 OID, the point)[:4].
    note = artefacts["checkpoint"]
    text, _, signatures = note.rpartition("\n\n")
    name = text.split("\n")[0]
    key_id = hashlib.sha256(name.encode() + b"\n\xff" + b"1.2.156.10197.1.501" + point).digest()[:4]
    lines = [line for line in signatures.split("\n") if line]
    payloads = [base64.b64decode(line.split(" ")[2]) for line in lines if line.split(" ")[1] == name]
    sm2_lines = [payload for payload in payloads if payload[:4] == key_id]
    if len(lines) != 2 or len(sm2_lines) != 1:
        sys.exit(f"the checkpoint should carry an Ed25519 line and an SM2 line with key ID {key_id.hex()}: {lines}")
    both_verify("the checkpoint's SM2 line", point, (text + "\n").encode(), sm2_lines[0][4:])
    ed25519_verifiers_still_accept(artefacts, response, body, note)
    print("sm2 interop ok")


def ed25519_verifiers_still_accept(artefacts, response, body, note):
    """Verifiers that know only Ed25519 accept the dual-signed answer and checkpoint."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
    from http_message_signatures.structures import CaseInsensitiveDict
    from tlog_scales.signing import Vkey
    from tlog_scales.tlog import Checkpoint

    okp = next(key for key in artefacts["jwks"]["keys"] if key.get("crv") == "Ed25519")

    class Resolver(HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id):
            return Ed25519PublicKey.from_public_bytes(b64url(okp["x"])) if key_id == okp["kid"] else None

    class Request:
        method = response["request"]["method"]
        url = response["request"]["url"]
        headers = CaseInsensitiveDict([])

    class Response:
        status_code = response["status"]
        headers = CaseInsensitiveDict(response["headers"])
        request = Request()

    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=Resolver())
    results = verifier.verify(Response(), max_age=None, expect_tag="creditgate", expect_label="sig", body=body,
                              require_components=['"@status"', '"content-type"', '"content-digest"', '"@method";req', '"@path";req'])
    if not results:
        sys.exit("http-message-signatures: the answer's Ed25519 signature does not verify beside sig2")
    Checkpoint.from_text(note).verify(Vkey.from_string(artefacts["ed25519_vkey"]))
    print("  Ed25519-only verifiers: http-message-signatures accepts sig beside sig2, "
          "tlog-scales the checkpoint beside its SM2 line")


def sign(path):
    messages = [b"", b"abc", "信用审查 message digest".encode(), secrets.token_bytes(1000)]
    out = []
    # gmssl: a random private key in [1, n-2]; its public point from gmssl's own scalar multiplication.
    private = secrets.randbelow(ORDER - 2) + 1
    crypt = sm2.CryptSM2(private_key=f"{private:064x}", public_key="")
    crypt.public_key = crypt._kg(private, crypt.ecc_table["g"])
    for message in messages:
        rs = bytes.fromhex(crypt.sign_with_sm3(message))
        out.append({"tool": "gmssl", "point": "04" + crypt.public_key, "message": message.hex(), "signature": rs.hex(),
                    "sm3": sm3.sm3_hash(list(message))})
    with tempfile.TemporaryDirectory() as folder:
        key, message_path, signature_path = (os.path.join(folder, name) for name in ("key.pem", "message", "signature.der"))
        subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", key], check=True, capture_output=True)
        spki = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
        assert spki.startswith(SPKI_PREFIX), "openssl's SM2 public key is not the SubjectPublicKeyInfo expected"
        for message in messages:
            with open(message_path, "wb") as f:
                f.write(message)
            subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", message_path, "-digest", "sm3",
                            "-pkeyopt", "distid:" + DEFAULT_ID, "-out", signature_path], check=True, capture_output=True)
            with open(signature_path, "rb") as f:
                rs = rs_from_der(f.read())
            out.append({"tool": "openssl", "point": spki[len(SPKI_PREFIX):].hex(), "message": message.hex(),
                        "signature": rs.hex(), "sm3": openssl_sm3(message)})
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"signed {len(out)} messages")


if __name__ == "__main__":
    {"verify": verify, "sign": sign}[sys.argv[1]](sys.argv[2])
