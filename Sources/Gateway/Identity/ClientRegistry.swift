import Foundation

/// Who the gateway's callers are: a configuration file that maps a certificate identity (its
/// SHA-256 fingerprint, or its subject, or a DNS name it carries) to a client id and roles.
///
/// ```json
/// { "clients": [
///   { "id": "bureau-hunan", "roles": ["bureau"], "fingerprints": ["3f1c…"] },
///   { "id": "audit-office", "roles": ["auditor"], "subjects": ["CN=audit.example.gov.cn,O=Audit Office"] }
/// ] }
/// ```
///
/// A fingerprint names one certificate, so it is the safe default; a subject or DNS name keeps a
/// client known across certificate renewals, and relies on the CA to issue that name only to it.
package struct ClientRegistry: Sendable {
    package struct Client: Codable, Sendable, Hashable {
        package var id: String
        package var roles: Set<Role>
        package var fingerprints: [String]?
        package var subjects: [String]?
        package var dnsNames: [String]?

        package init(id: String, roles: Set<Role>, fingerprints: [String]? = nil, subjects: [String]? = nil, dnsNames: [String]? = nil) {
            self.id = id
            self.roles = roles
            self.fingerprints = fingerprints
            self.subjects = subjects
            self.dnsNames = dnsNames
        }

        package func may(_ role: Role) -> Bool { roles.contains(role) || roles.contains(.admin) }
    }

    package struct File: Codable, Sendable {
        package var clients: [Client]
    }

    package struct Invalid: Error, CustomStringConvertible {
        package var description: String
    }

    private var byFingerprint: [String: Client] = [:]
    private var bySubject: [String: Client] = [:]
    private var byDNSName: [String: Client] = [:]

    package init(_ file: File) throws {
        var ids = Set<String>()
        for client in file.clients {
            guard !client.id.isEmpty, ids.insert(client.id).inserted else { throw Invalid(description: "client id \"\(client.id)\" is empty or repeated") }
            guard !client.roles.isEmpty else { throw Invalid(description: "client \(client.id) has no roles") }
            for text in client.fingerprints ?? [] {
                guard let fingerprint = PeerIdentity.normalisedFingerprint(text) else {
                    throw Invalid(description: "client \(client.id): \"\(text)\" is not a SHA-256 fingerprint")
                }
                guard byFingerprint.updateValue(client, forKey: fingerprint) == nil else { throw Invalid(description: "fingerprint \(fingerprint) is listed twice") }
            }
            for subject in client.subjects ?? [] {
                guard bySubject.updateValue(client, forKey: subject) == nil else { throw Invalid(description: "subject \(subject) is listed twice") }
            }
            for name in client.dnsNames ?? [] {
                guard byDNSName.updateValue(client, forKey: name.lowercased()) == nil else { throw Invalid(description: "DNS name \(name) is listed twice") }
            }
        }
    }

    package static func load(from url: URL) throws -> ClientRegistry {
        try ClientRegistry(JSONDecoder().decode(File.self, from: Data(contentsOf: url)))
    }

    /// The registered client a certificate belongs to; the fingerprint wins over names.
    package func client(for peer: PeerIdentity) -> Client? {
        if let client = byFingerprint[peer.fingerprint] { return client }
        if let client = bySubject[peer.subject] { return client }
        return peer.dnsNames.lazy.compactMap { byDNSName[$0.lowercased()] }.first
    }
}
