import Configuration
import CreditCore
import Foundation
import SystemPackage

/// Everything `creditgate serve` needs to know, read from (highest priority first) the environment
/// (`CREDITGATE_SERVER_PORT=9443`), a JSON file (`{"server": {"port": 9443}}`), then defaults that
/// suit the development setup `creditgate demo` makes.
///
/// | key | default | |
/// |---|---|---|
/// | `server.host`, `server.port` | `127.0.0.1`, `8443` | where to listen |
/// | `tls.certificate`, `tls.key` | `certs/server.pem`, `certs/server-key.pem` | the server's certificate |
/// | `tls.ca` | `certs/ca.pem` | CA bundle client certificates must chain to |
/// | `tls.crl` | `certs/crl.pem` if present | revocation list, reloaded when it changes |
/// | `clients.registry` | `certs/clients.json` | certificate → client id and roles, reloaded when it changes |
/// | `state.directory` | `state` | signing keys, audit log, stored checks |
/// | `archive.path` | `state/archive.sqlite` | the embedded archive |
/// | `database.url` | none | `postgres://…`: keep the archive, audit log, answers and batch jobs in one PostgreSQL database shared with other gateways (README, "Several gateways") |
/// | `policy.default` | `civil-service-2026` | policy of checks that name none |
/// | `audit.origin` | `creditgate.local/audit` | the audit log's checkpoint origin |
/// | `audit.gather-ms` | 2; 0 (off) with `database.url` | how long an audit write may wait for the single checks already being judged, so one durable commit carries them too (README, "Audit entries per fsync") |
/// | `limits.body-bytes` | 16 MiB | largest request body |
/// | `limits.import-bytes` | 16 GiB | largest feed upload (streamed to disk) |
/// | `limits.batch-items` | 10000 | largest inline batch |
/// | `limits.job-items` | 1000000 | largest batch job |
/// | `rate.per-second`, `rate.burst` | 2000, 4000 | each client's token bucket |
/// | `limits.connections-per-client` | 128 | connections one client certificate may hold; more are closed at the handshake |
/// | `limits.min-upload-bytes-per-second` | 8192 | a request body slower than this, after its deadline, is cut off |
/// | `timeouts.idle-seconds` | 30 | a connection idle (or stalled mid-request) this long is closed |
/// | `timeouts.request-seconds` | 30 | a request must arrive whole within this, plus a second per `min-upload-bytes-per-second` bytes of body |
/// | `jobs.lease-seconds` | 30 | a batch job whose gateway stops renewing its lease this long is taken over |
/// | `public.port` | none (off) | the public listener (server TLS, no client certificate): keys, checkpoints, proofs, the archive's status, the verification page (README, "Public transparency"); `0` picks a free port |
/// | `public.host` | `server.host` | where the public listener listens |
/// | `public.rate-per-second`, `public.rate-burst` | 20, 200 | each client address's token bucket on the public listener |
/// | `witnesses` | none | witnesses the log's checkpoints are submitted to, each `"<URL> <verifier key>"` (a JSON array; comma-separated in `CREDITGATE_WITNESSES`) (README, "Witnesses") |
/// | `witness.ca` | `tls.ca` | the CA bundle witnesses' certificates chain to |
/// | `witness.interval-ms` | 1000 | how often the latest checkpoint is offered to each witness |
/// | `watch.interval-ms` | 1000 | how often the archive is asked for new imports and the watches for due re-checks (README, "Watches") |
/// | `watch.lease-seconds` | 30 | how long a gateway's turn at screening holds without renewal before another may take over |
/// | `webhooks.allow` | none | host names, addresses or networks (`10.0.0.0/8`) webhook endpoints may point at besides public addresses (README, "Webhooks") |
/// | `webhooks.interval-ms` | 1000 | how often the outbox is looked at for deliveries due (besides when events are queued here) |
/// | `webhooks.lease-seconds` | 60 | how long a delivery being sent is held by its gateway: a gateway that dies mid-delivery leaves it to another after this |
/// | `webhooks.retry-seconds` | 5, 300, 1800, 7200, 18000, 36000, 36000 | the delays before each attempt after the first (Standard Webhooks' schedule) |
/// | `signing.sm2` | false | sign every response and checkpoint with SM2 over SM3 too, beside Ed25519 (README, "National algorithms") |
package struct GatewayConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8443
    package var certificate = "certs/server.pem"
    package var privateKey = "certs/server-key.pem"
    package var caBundle = "certs/ca.pem"
    package var revocationList: String? = nil
    package var clientRegistry = "certs/clients.json"
    package var stateDirectory = "state"
    package var archivePath = "state/archive.sqlite"
    package var databaseURL: String? = nil
    package var defaultPolicy = "civil-service-2026"
    package var auditOrigin = "creditgate.local/audit"
    package var auditGatherMilliseconds = 2.0
    package var maxBodyBytes = 16 << 20
    package var maxImportBytes = 16 << 30
    package var maxBatchItems = 10_000
    package var maxJobItems = 1_000_000
    package var ratePerSecond = 2000.0
    package var rateBurst = 4000.0
    package var connectionsPerClient = 128
    package var minUploadBytesPerSecond = 8192
    package var idleTimeoutSeconds = 30
    package var requestTimeoutSeconds = 30.0
    package var jobLeaseSeconds = 30
    package var signsWithSM2 = false
    /// The public listener's port; `nil`: no public listener.
    package var publicPort: Int? = nil
    package var publicHost: String? = nil
    package var publicRatePerSecond = 20.0
    package var publicRateBurst = 200.0
    package var witnesses: [String] = []
    package var witnessCA: String? = nil
    package var witnessIntervalMilliseconds = 1000
    package var watchIntervalMilliseconds = 1000
    package var watchLeaseSeconds = 30
    package var webhookAllow: [String] = []
    package var webhookIntervalMilliseconds = 1000
    package var webhookLeaseSeconds = 60
    package var webhookRetrySeconds: [Double] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
    /// Today in China time: the default as-of day, the latest day a check may ask about, the day
    /// a credit repair is measured against. The server reads the wall clock; tests inject theirs.
    package var today: @Sendable () -> CalendarDay = { ChinaTime.today }

    package init() {}

    /// What one client may hold of the server (``ConnectionGuard``).
    var connectionPolicy: ConnectionPolicy {
        ConnectionPolicy(
            connectionsPerClient: connectionsPerClient, requestTime: .nanoseconds(Int64(requestTimeoutSeconds * 1e9)),
            minimumRate: minUploadBytesPerSecond)
    }

    /// Reads the environment and, when given, a JSON file.
    package static func load(file: String?) async throws -> GatewayConfiguration {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider().prefixKeys(with: "creditgate")]
        if let file { providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file))) }
        return GatewayConfiguration(ConfigReader(providers: providers))
    }

    package init(_ reader: ConfigReader) {
        let defaults = GatewayConfiguration()
        host = reader.string(forKey: "server.host", default: defaults.host)
        port = reader.int(forKey: "server.port", default: defaults.port)
        certificate = reader.string(forKey: "tls.certificate", default: defaults.certificate)
        privateKey = reader.string(forKey: "tls.key", default: defaults.privateKey)
        caBundle = reader.string(forKey: "tls.ca", default: defaults.caBundle)
        revocationList = reader.string(forKey: "tls.crl")
            ?? (FileManager.default.fileExists(atPath: "certs/crl.pem") && caBundle == defaults.caBundle ? "certs/crl.pem" : nil)
        clientRegistry = reader.string(forKey: "clients.registry", default: defaults.clientRegistry)
        stateDirectory = reader.string(forKey: "state.directory", default: defaults.stateDirectory)
        archivePath = reader.string(forKey: "archive.path", default: stateDirectory + "/archive.sqlite")
        databaseURL = reader.string(forKey: "database.url").flatMap { $0.isEmpty ? nil : $0 }
        defaultPolicy = reader.string(forKey: "policy.default", default: defaults.defaultPolicy)
        auditOrigin = reader.string(forKey: "audit.origin", default: defaults.auditOrigin)
        // Off on PostgreSQL: a write there is round trips to the server, and waiting before them
        // cost 9–16% of single checks (README, "Audit entries per fsync").
        auditGatherMilliseconds = reader.double(forKey: "audit.gather-ms", default: databaseURL == nil ? defaults.auditGatherMilliseconds : 0)
        maxBodyBytes = reader.int(forKey: "limits.body-bytes", default: defaults.maxBodyBytes)
        maxImportBytes = reader.int(forKey: "limits.import-bytes", default: defaults.maxImportBytes)
        maxBatchItems = reader.int(forKey: "limits.batch-items", default: defaults.maxBatchItems)
        maxJobItems = reader.int(forKey: "limits.job-items", default: defaults.maxJobItems)
        ratePerSecond = reader.double(forKey: "rate.per-second", default: defaults.ratePerSecond)
        rateBurst = reader.double(forKey: "rate.burst", default: defaults.rateBurst)
        connectionsPerClient = reader.int(forKey: "limits.connections-per-client", default: defaults.connectionsPerClient)
        minUploadBytesPerSecond = reader.int(forKey: "limits.min-upload-bytes-per-second", default: defaults.minUploadBytesPerSecond)
        idleTimeoutSeconds = reader.int(forKey: "timeouts.idle-seconds", default: defaults.idleTimeoutSeconds)
        requestTimeoutSeconds = reader.double(forKey: "timeouts.request-seconds", default: defaults.requestTimeoutSeconds)
        jobLeaseSeconds = reader.int(forKey: "jobs.lease-seconds", default: defaults.jobLeaseSeconds)
        signsWithSM2 = reader.bool(forKey: "signing.sm2", default: defaults.signsWithSM2)
        publicPort = reader.int(forKey: "public.port")
        publicHost = reader.string(forKey: "public.host")
        publicRatePerSecond = reader.double(forKey: "public.rate-per-second", default: defaults.publicRatePerSecond)
        publicRateBurst = reader.double(forKey: "public.rate-burst", default: defaults.publicRateBurst)
        witnesses = reader.stringArray(forKey: "witnesses", default: defaults.witnesses)
        witnessCA = reader.string(forKey: "witness.ca")
        witnessIntervalMilliseconds = reader.int(forKey: "witness.interval-ms", default: defaults.witnessIntervalMilliseconds)
        watchIntervalMilliseconds = reader.int(forKey: "watch.interval-ms", default: defaults.watchIntervalMilliseconds)
        watchLeaseSeconds = reader.int(forKey: "watch.lease-seconds", default: defaults.watchLeaseSeconds)
        webhookAllow = reader.stringArray(forKey: "webhooks.allow", default: defaults.webhookAllow)
        webhookIntervalMilliseconds = reader.int(forKey: "webhooks.interval-ms", default: defaults.webhookIntervalMilliseconds)
        webhookLeaseSeconds = reader.int(forKey: "webhooks.lease-seconds", default: defaults.webhookLeaseSeconds)
        webhookRetrySeconds = reader.doubleArray(forKey: "webhooks.retry-seconds", default: defaults.webhookRetrySeconds)
    }
}
