import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

extension GatewayHandler {
    package func getArchiveStatus(_ input: Operations.GetArchiveStatus.Input) async throws -> Operations.GetArchiveStatus.Output {
        let statistics = try await publicRead("getArchiveStatus") { try await statisticsCache.statistics(of: archive) }
        let last: Components.Schemas.ImportSummary? = statistics.lastImport.map(Components.Schemas.ImportSummary.init)
        let status = Components.Schemas.ArchiveStatus(
            archive: Components.Schemas.ArchiveVersion(statistics.version), defaulterEvents: Int64(statistics.defaulterEvents),
            defaulterEntries: Int64(statistics.defaulterEntries), maskedEvents: Int64(statistics.maskedEvents),
            recordEvents: Int64(statistics.recordEvents), records: Int64(statistics.records), imports: Int64(statistics.imports),
            lastImport: last)
        return .ok(.init(body: .json(status)))
    }
}

extension GatewayHandler {
    package func createImport(_ input: Operations.CreateImport.Input) async throws -> Operations.CreateImport.Output {
        let caller = try await auditor.require(.archivist, for: "createImport", caller: Caller.current)
        let body: HTTPBody
        switch input.body {
        case .applicationXNdjson(let stream), .csv(let stream), .binary(let stream): body = stream
        }
        return try await refusing("createImport", caller: caller) {
            if let source = input.query.source, source.unicodeScalars.count > 200 || source.allSatisfy(\.isWhitespace) {
                throw Problem.invalid(code: "source.invalid", "source has 1 to 200 characters, not all spaces", pointer: "/source")
            }
            let kind = input.query.kind ?? .defaulters
            let options = ImportOptions(
                strict: input.query.strict ?? false, format: input.query.format.flatMap { FeedFormat(rawValue: $0.rawValue) },
                sourceName: input.query.source ?? "upload by \(caller.client.id)")
            let (file, lines) = try await uploads.receive(body)
            defer { try? FileManager.default.removeItem(at: file) }
            guard lines > 0 else {
                throw Problem.invalid(code: "import.empty", "the body has no lines that are not blank: there is no feed to import", pointer: "")
            }
            let report: ImportReport
            do {
                report = try await archive.importFeed(kind == .records ? .records : .defaulters, from: file, options: options)
                screening.notify()
            } catch let refused as StrictImportError {
                throw Problem(.unprocessableContent, code: "import.strict", title: "The feed was refused; the archive is unchanged",
                              detail: "\(refused.issue)")
            } catch let unreadable as FeedError {
                // Not a feed at all (binary, an unknown encoding, no header): nothing was imported.
                throw Problem(.unprocessableContent, code: "import.unreadable", title: "The body is not a feed; the archive is unchanged",
                              detail: unreadable.reason)
            }
            _ = try await auditor.record([auditor.entry(
                "createImport", caller: caller,
                detail: "kind=\(kind.rawValue) version=\(report.version) accepted=\(report.accepted) rejected=\(report.rejected) repeated=\(report.alreadyImported)")])
            metrics.imported(kind: kind.rawValue, report: report)
            return .ok(.init(body: .json(.init(
                kind: kind == .records ? .records : .defaulters, archive: .init(report.version), format: report.format,
                encoding: report.encoding, accepted: Int64(report.accepted), rejected: Int64(report.rejected),
                issues: report.issues.map { .init(line: $0.line, field: $0.field, code: $0.code, reason: $0.reason) },
                alreadyImported: report.alreadyImported, seconds: report.seconds))))
        }
    }
}
