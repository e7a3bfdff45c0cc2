import ArchiveClient
import Attestation
import Foundation
import GatewayAPI
import OpenAPIRuntime

/// The operations the public listener serves too (`x-public: true`): what outsiders need to watch
/// the log and check a receipt, and nothing personal.
extension GatewayHandler {
    /// A read of public data: on the public listener anonymous and not audited (reading the log must
    /// not grow it); on the mutual-TLS listener any registered client, audited as every operation is.
    func publicRead<T>(_ operation: String, detail: String? = nil, _ body: () async throws -> T) async throws -> T {
        if PublicListener.isCurrent { return try await body() }
        return try await allow(nil, operation, detail: detail) { _ in try await body() }
    }

    package func listCheckpoints(_ input: Operations.ListCheckpoints.Input) async throws -> Operations.ListCheckpoints.Output {
        try await publicRead("listCheckpoints") {
            let (from, limit) = (input.query.from ?? 0, input.query.limit ?? 100)
            guard from >= 0, (1...1000).contains(limit) else {
                throw Problem.invalid(code: "range.invalid", "from is at least 0 and limit between 1 and 1000", pointer: "/limit")
            }
            // One more than asked tells whether there is a next page.
            let found = try await state.audit.store.checkpoints(from: Int(from), limit: limit + 1)
            let page = found.prefix(limit).map { Components.Schemas.CheckpointHistory.CheckpointsPayloadPayload(size: Int64($0.size), note: $0.note) }
            return .ok(.init(body: .json(.init(checkpoints: Array(page), next: found.count > limit ? Int64(found[limit].size) : nil))))
        }
    }

    package func getCosignedCheckpoint(_ input: Operations.GetCosignedCheckpoint.Input) async throws -> Operations.GetCosignedCheckpoint.Output {
        try await publicRead("getCosignedCheckpoint") {
            guard let cosigned = try await state.audit.store.latestCosigned() else {
                throw Problem.notFound(witnesses.isEmpty ? "this gateway submits its checkpoints to no witness" : "no witness has cosigned a checkpoint yet")
            }
            return .ok(.init(body: .plainText(HTTPBody(cosigned.note))))
        }
    }

    package func getWitnesses(_ input: Operations.GetWitnesses.Input) async throws -> Operations.GetWitnesses.Output {
        try await publicRead("getWitnesses") {
            .ok(.init(body: .json(.init(witnesses: witnesses.map { .init(name: $0.key.name, verifierKey: $0.key.verifierKey, url: $0.url.absoluteString) }))))
        }
    }

    package func getLogGrowth(_ input: Operations.GetLogGrowth.Input) async throws -> Operations.GetLogGrowth.Output {
        try await publicRead("getLogGrowth") {
            let points = input.query.points ?? 60
            guard (2...200).contains(points) else { throw Problem.invalid(code: "range.invalid", "points is between 2 and 200", pointer: "/points") }
            let size = try await state.audit.treeSize()
            var growth: [Components.Schemas.LogGrowth.PointsPayloadPayload] = []
            for point in LogGrowth.sizes(of: size, points: points) {
                guard let entry = try await state.audit.entries(from: point - 1, count: 1).first, let time = LogGrowth.time(of: entry.data) else { continue }
                growth.append(.init(size: Int64(point), time: time))
            }
            return .ok(.init(body: .json(.init(size: Int64(size), points: growth))))
        }
    }

    package func listImports(_ input: Operations.ListImports.Input) async throws -> Operations.ListImports.Output {
        try await publicRead("listImports") {
            let limit = input.query.limit ?? 100
            guard (1...1000).contains(limit), (input.query.before ?? 1) >= 1 else {
                throw Problem.invalid(code: "range.invalid", "before is at least 1 and limit between 1 and 1000", pointer: "/limit")
            }
            let found = try await archive.imports(before: input.query.before, limit: limit + 1)
            let page = found.prefix(limit).map(Components.Schemas.ImportSummary.init)
            return .ok(.init(body: .json(.init(imports: page, next: found.count > limit ? found[limit - 1].sequence : nil))))
        }
    }

    package func getPage(_ input: Operations.GetPage.Input) async throws -> Operations.GetPage.Output {
        try await publicRead("getPage") { .ok(.init(body: .html(HTTPBody(page.index)))) }
    }

    package func getPageFile(_ input: Operations.GetPageFile.Input) async throws -> Operations.GetPageFile.Output {
        try await publicRead("getPageFile", detail: "file=\(input.path.file)") {
            guard let file = page.files[input.path.file] else { throw Problem.notFound("the page has no file \(input.path.file)") }
            let body = HTTPBody(file.bytes)
            switch file.kind {
            case .script: return .ok(.init(body: .textJavascript(body)))
            case .style: return .ok(.init(body: .textCss(body)))
            case .image: return .ok(.init(body: .imageSvgXml(body)))
            }
        }
    }
}

/// The points of the log's growth chart.
enum LogGrowth {
    /// Up to `points` sizes from 1 to `size`, evenly spread, each once, the last `size` itself.
    static func sizes(of size: Int, points: Int) -> [Int] {
        guard size > 0 else { return [] }
        var sizes: [Int] = []
        for step in 0..<points {
            let point = max(1, Int((Double(size) * Double(step) / Double(points - 1)).rounded()))
            if sizes.last != point { sizes.append(point) }
        }
        return sizes
    }

    private struct Timed: Decodable { var time: String }

    /// When an entry was written (its `time`), or nil for bytes that are not an audit entry.
    static func time(of entry: [UInt8]) -> Date? {
        guard let timed = try? JSONDecoder().decode(Timed.self, from: Data(entry)) else { return nil }
        return try? Date(timed.time, strategy: AuditEntry.timeFormat)
    }
}

extension Components.Schemas.ImportSummary {
    init(_ summary: ImportSummary) {
        self.init(
            sequence: summary.sequence, kind: summary.kind, source: summary.source, contentHash: summary.contentHash,
            importedAt: summary.importedAt, accepted: Int64(summary.accepted), rejected: Int64(summary.rejected))
    }
}
