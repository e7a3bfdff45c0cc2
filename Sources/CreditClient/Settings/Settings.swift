import Foundation

/// What the client needs to reach the gateway and to fill in a check, each setting taken from the
/// first place that has it: a command-line flag, then the environment (`CREDIT_SERVER`, …), then
/// the config file (`--config`, `$CREDIT_CONFIG`, or `~/.config/credit/config.json`).
///
/// Relative paths in the config file are relative to the file's folder, so a config written next
/// to the certificates keeps working wherever the client is started.
package struct Settings: Codable, Sendable, Equatable {
    package var server: String?
    package var ca: String?
    package var certificate: String?
    package var key: String?
    package var purpose: String?
    package var recruitmentId: String?
    package var consentReference: String?
    package var policy: String?
    package var `operator`: String?
    package var receipts: String?
    package var language: String?
    /// Verifier keys of the witnesses `credit verify --witnesses N` trusts, separated by spaces.
    package var witnessKeys: String?

    package init(
        server: String? = nil, ca: String? = nil, certificate: String? = nil, key: String? = nil, purpose: String? = nil,
        recruitmentId: String? = nil, consentReference: String? = nil, policy: String? = nil, operator: String? = nil,
        receipts: String? = nil, language: String? = nil
    ) {
        self.server = server
        self.ca = ca
        self.certificate = certificate
        self.key = key
        self.purpose = purpose
        self.recruitmentId = recruitmentId
        self.consentReference = consentReference
        self.policy = policy
        self.operator = `operator`
        self.receipts = receipts
        self.language = language
    }

    /// Each setting, with its environment variable; one list serves merging, the environment and help.
    package static var fields: [(keyPath: WritableKeyPath<Settings, String?>, environment: String, isPath: Bool)] { [
        (\.server, "CREDIT_SERVER", false),
        (\.ca, "CREDIT_CA", true),
        (\.certificate, "CREDIT_CERT", true),
        (\.key, "CREDIT_KEY", true),
        (\.purpose, "CREDIT_PURPOSE", false),
        (\.recruitmentId, "CREDIT_RECRUITMENT_ID", false),
        (\.consentReference, "CREDIT_CONSENT", false),
        (\.policy, "CREDIT_POLICY", false),
        (\.operator, "CREDIT_OPERATOR", false),
        (\.receipts, "CREDIT_RECEIPTS", true),
        (\.language, "CREDIT_LANG", false),
        (\.witnessKeys, "CREDIT_WITNESS_KEYS", false),
    ] }

    /// The settings the environment gives.
    package init(environment: [String: String]) {
        self.init()
        for field in Self.fields {
            if let value = environment[field.environment], !value.isEmpty { self[keyPath: field.keyPath] = value }
        }
    }

    /// These settings, with the gaps filled from `other`.
    package func filled(from other: Settings) -> Settings {
        var merged = self
        for field in Self.fields where merged[keyPath: field.keyPath] == nil {
            merged[keyPath: field.keyPath] = other[keyPath: field.keyPath]
        }
        return merged
    }

    /// The config file's settings; relative paths are taken from the file's folder. No file: empty.
    package static func load(file: URL) throws -> Settings {
        guard FileManager.default.fileExists(atPath: file.path) else { return Settings() }
        var settings: Settings
        do {
            settings = try JSONDecoder().decode(Settings.self, from: Data(contentsOf: file))
        } catch {
            throw UsageError("the config file \(file.path) is not readable: \(error.localizedDescription)")
        }
        let folder = file.deletingLastPathComponent()
        for field in fields where field.isPath {
            if let path = settings[keyPath: field.keyPath], !path.hasPrefix("/") {
                settings[keyPath: field.keyPath] = folder.appendingPathComponent(path).standardizedFileURL.path
            }
        }
        return settings
    }

    /// Where the config file is: `--config`, else `$CREDIT_CONFIG`, else `$XDG_CONFIG_HOME/credit/config.json`
    /// (`$HOME/.config/credit/config.json`). As the XDG specification says, an `XDG_CONFIG_HOME`
    /// that is empty or relative is ignored; `$HOME` is honoured as every command-line tool does
    /// (Foundation's `homeDirectoryForCurrentUser`, the account's entry, is only the last resort).
    package static func configFile(flag: String?, environment: [String: String]) -> URL {
        if let path = flag ?? environment["CREDIT_CONFIG"] { return URL(fileURLWithPath: path) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? home.appendingPathComponent(".config")
        return base.appendingPathComponent("credit/config.json")
    }

    /// Flags first, then the environment, then the config file.
    package static func resolve(flags: Settings, configFlag: String?, environment: [String: String]) throws -> Settings {
        let file = configFile(flag: configFlag, environment: environment)
        return flags.filled(from: Settings(environment: environment)).filled(from: try load(file: file))
    }

    /// The folder receipts (and the key set, and the last checkpoint seen) are kept in.
    package var receiptsFolder: URL { URL(fileURLWithPath: receipts ?? "receipts", isDirectory: true) }

    /// A required setting, or a usage error naming the flag and the variable that give it.
    package func require(_ keyPath: KeyPath<Settings, String?>, flag: String) throws -> String {
        if let value = self[keyPath: keyPath], !value.isEmpty { return value }
        let variable = Self.fields.first { $0.keyPath == keyPath }?.environment ?? ""
        throw UsageError("no \(flag) given: pass --\(flag), set \(variable), or write it in the config file (credit config init)")
    }
}

/// A mistake in how the client was called: exit code ``ExitStatus/usage``.
package struct UsageError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
