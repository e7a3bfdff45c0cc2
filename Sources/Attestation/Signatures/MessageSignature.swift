import RawStructuredFieldValues

/// The parameters of one signature (RFC 9421 §2.3), in the order they are serialised.
public struct SignatureParameters: Sendable, Hashable {
    public var created: Int64?
    public var expires: Int64?
    public var nonce: String?
    public var alg: String?
    public var keyID: String?
    public var tag: String?

    public init(created: Int64? = nil, expires: Int64? = nil, nonce: String? = nil, alg: String? = nil, keyID: String? = nil, tag: String? = nil) {
        self.created = created
        self.expires = expires
        self.nonce = nonce
        self.alg = alg
        self.keyID = keyID
        self.tag = tag
    }

    var serialized: String {
        var out = ""
        if let created { out += ";created=\(created)" }
        if let expires { out += ";expires=\(expires)" }
        if let nonce { out += ";nonce=\(StructuredField.quoted(nonce))" }
        if let alg { out += ";alg=\(StructuredField.quoted(alg))" }
        if let keyID { out += ";keyid=\(StructuredField.quoted(keyID))" }
        if let tag { out += ";tag=\(StructuredField.quoted(tag))" }
        return out
    }
}

/// RFC 9421 HTTP message signatures: the signature base, signing, and verification.
///
/// ```swift
/// let signer = MessageSigner(key: key, tag: "creditgate")
/// let fields = try signer.sign(message, covering: MessageSigner.responseComponents, created: now)
/// // fields.signatureInput: sig=("@status" "content-type" "content-digest" "@method";req "@path";req);created=...;keyid="...";alg="ed25519";tag="creditgate"
/// ```
public enum SignatureBase {
    /// The signature base (§2.5): one line per component, then `"@signature-params"`.
    /// `parameters` is the serialised parameter list (`;created=...;keyid="..."`), in the order
    /// the signature states them: a verifier must keep the sender's order.
    public static func make(
        _ message: MessageComponents, components: [ComponentID], parameters: String
    ) throws(AttestationError) -> (base: String, signatureParams: String) {
        var lines: [String] = []
        lines.reserveCapacity(components.count + 1)
        for (index, component) in components.enumerated() {
            guard !components[..<index].contains(component) else {
                throw AttestationError(.signatureMalformed, "component \(component) is covered twice")
            }
            let value = try message.value(of: component)
            // Bytes, not `String.contains(_:)`: Foundation's substring search bridges to NSString and
            // was a sixth of the cost of signing a response.
            guard !value.utf8.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
                throw AttestationError(.signatureMalformed, "component \(component) holds a line break")
            }
            lines.append("\(component.serialized): \(value)")
        }
        let params = "(" + components.map(\.serialized).joined(separator: " ") + ")" + parameters
        lines.append("\"@signature-params\": \(params)")
        return (lines.joined(separator: "\n"), params)
    }
}

/// Signs messages with one key.
public struct MessageSigner: Sendable {
    public let key: any SigningKey
    public let tag: String?
    /// The key's RFC 7638 thumbprint, computed once: every response is signed.
    public let keyID: String

    /// What the service covers on every response: status, type and digest of the answer, and
    /// the method and path of the request it answers.
    public static let responseComponents: [ComponentID] = [
        ComponentID("@status"), ComponentID("content-type"), ComponentID("content-digest"),
        ComponentID("@method", fromRequest: true), ComponentID("@path", fromRequest: true),
    ]

    public init(key: any SigningKey, tag: String?) {
        self.key = key
        self.tag = tag
        self.keyID = key.keyID
    }

    /// The `Signature-Input` and `Signature` field values for a message.
    public func sign(
        _ message: MessageComponents, covering components: [ComponentID], created: Int64, label: String = "sig"
    ) throws -> (signatureInput: String, signature: String) {
        let parameters = SignatureParameters(created: created, alg: key.algorithm.rawValue, keyID: keyID, tag: tag)
        return try sign(message, covering: components, parameters: parameters, label: label)
    }

    /// The same with explicit parameters (test vectors use their own).
    public func sign(
        _ message: MessageComponents, covering components: [ComponentID], parameters: SignatureParameters, label: String = "sig"
    ) throws -> (signatureInput: String, signature: String) {
        let (base, params) = try SignatureBase.make(message, components: components, parameters: parameters.serialized)
        let signature = try key.signature(for: Array(base.utf8))
        return ("\(label)=\(params)", "\(label)=:\(Base64.standard(signature)):")
    }
}

/// Several signatures on one message, each by its own key, labelled `sig`, `sig2`, … in order
/// (RFC 9421 §4.3): Ed25519 first, which every verifier knows, then SM2 when the switch is on.
/// Each covers the same components; each has its own `@signature-params` (its `alg` and `keyid`).
public struct MessageSigners: Sendable {
    public let signers: [MessageSigner]

    public init(_ signers: [MessageSigner]) {
        precondition(!signers.isEmpty, "a message is signed by at least one key")
        self.signers = signers
    }

    /// The first signer's key ID: the one a client that reads a single signature checks.
    public var keyID: String { signers[0].keyID }

    /// The `Signature-Input` and `Signature` field values carrying every signature.
    public func sign(
        _ message: MessageComponents, covering components: [ComponentID], created: Int64
    ) throws -> (signatureInput: String, signature: String) {
        var inputs: [String] = [], signatures: [String] = []
        for (index, signer) in signers.enumerated() {
            let (input, signature) = try signer.sign(message, covering: components, created: created, label: index == 0 ? "sig" : "sig\(index + 1)")
            inputs.append(input)
            signatures.append(signature)
        }
        return (inputs.joined(separator: ", "), signatures.joined(separator: ", "))
    }
}

/// What a verified signature said about itself.
public struct VerifiedSignature: Sendable, Hashable {
    public var label: String
    public var components: [ComponentID]
    public var parameters: SignatureParameters
    /// The algorithm of the key that verified it.
    public var algorithm: SignatureAlgorithm
}

/// Verifies signatures against keys found by `keyid`.
public struct MessageVerifier: Sendable {
    let keys: @Sendable (String) -> (any VerificationKey)?

    public init(keys: @escaping @Sendable (String) -> (any VerificationKey)?) {
        self.keys = keys
    }

    public init(keySet: JWKSet) {
        self.keys = { keySet.key(id: $0) }
    }

    /// Verifies the signature labelled `label` (or the only one), and requires that it covers
    /// `required` components and, when given, carries `tag`.
    public func verify(
        _ message: MessageComponents, signatureInput: String, signature: String, label: String? = nil,
        required: [ComponentID] = [], tag: String? = nil
    ) throws(AttestationError) -> VerifiedSignature {
        let inputs = try StructuredField.dictionary(signatureInput, field: "Signature-Input")
        let signatures = try StructuredField.dictionary(signature, field: "Signature")
        let chosen: String
        if let label {
            chosen = label
        } else {
            guard inputs.count == 1, let only = inputs.first?.0 else {
                throw AttestationError(.signatureMalformed, "name the signature label: there are \(inputs.count)")
            }
            chosen = only
        }
        guard case .innerList(let list)? = inputs[chosen] else {
            throw AttestationError(.signatureMissing, "no Signature-Input member \(chosen)")
        }
        guard case .item(let item)? = signatures[chosen], case .undecodedByteSequence(let encoded) = item.rfc9651BareItem,
              let signatureBytes = Base64.decodeStandard(encoded) else {
            throw AttestationError(.signatureMissing, "no Signature member \(chosen)")
        }
        var components: [ComponentID] = []
        for member in list.bareInnerList {
            guard case .string(let name) = member.rfc9651BareItem else {
                throw AttestationError(.signatureMalformed, "a covered component is not a string")
            }
            var fromRequest = false
            for (key, value) in member.rfc9651Parameters {
                guard key == "req", case .bool(true) = value else {
                    throw AttestationError(.signatureMalformed, "unsupported component parameter \(key)")
                }
                fromRequest = true
            }
            components.append(ComponentID(name, fromRequest: fromRequest))
        }
        var parameters = SignatureParameters()
        for (key, value) in list.rfc9651Parameters {
            switch (key, value) {
            case ("created", .integer(let v)): parameters.created = v
            case ("expires", .integer(let v)): parameters.expires = v
            case ("nonce", .string(let v)): parameters.nonce = v
            case ("alg", .string(let v)): parameters.alg = v
            case ("keyid", .string(let v)): parameters.keyID = v
            case ("tag", .string(let v)): parameters.tag = v
            default: throw AttestationError(.signatureMalformed, "unsupported signature parameter \(key)")
            }
        }
        for component in required where !components.contains(component) {
            throw AttestationError(.componentMissing, "the signature does not cover \(component)")
        }
        if let tag, parameters.tag != tag {
            throw AttestationError(.signatureInvalid, "the signature's tag is not \(tag)")
        }
        guard let keyID = parameters.keyID, let key = keys(keyID) else {
            throw AttestationError(.keyUnknown, "no published key \(parameters.keyID ?? "(none)")")
        }
        if let alg = parameters.alg, alg != key.algorithm.rawValue {
            throw AttestationError(.signatureInvalid, "the signature says \(alg) but the key is \(key.algorithm.rawValue)")
        }
        // Rebuilt in the sender's parameter order with RFC 9651's canonical serialisation.
        let (base, _) = try SignatureBase.make(
            message, components: components, parameters: StructuredField.serialize(parameters: list.rfc9651Parameters))
        guard key.isValidSignature(signatureBytes, for: Array(base.utf8)) else {
            throw AttestationError(.signatureInvalid, "the signature does not verify")
        }
        return VerifiedSignature(label: chosen, components: components, parameters: parameters, algorithm: key.algorithm)
    }

    /// Verifies every signature the message carries (a dual-signed response has `sig`, Ed25519,
    /// and `sig2`, SM2), each as ``verify(_:signatureInput:signature:label:required:tag:)`` does;
    /// fails on the first that does not verify, or when there is none.
    public func verifyAll(
        _ message: MessageComponents, signatureInput: String, signature: String, required: [ComponentID] = [], tag: String? = nil
    ) throws(AttestationError) -> [VerifiedSignature] {
        let labels = try StructuredField.dictionary(signatureInput, field: "Signature-Input").map(\.0)
        guard !labels.isEmpty else { throw AttestationError(.signatureMissing, "the message carries no signature") }
        var verified: [VerifiedSignature] = []
        for label in labels {
            do {
                verified.append(try verify(message, signatureInput: signatureInput, signature: signature, label: label, required: required, tag: tag))
            } catch {
                throw AttestationError(error.code, "signature \(label): \(error.reason)")
            }
        }
        return verified
    }
}
