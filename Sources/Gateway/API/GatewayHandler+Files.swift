import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

/// One person's integrity file (一人一档): every listing and record of the person with every event
/// and its day, each item's standing as of a day under a policy, the categories summarised, the
/// repair requests, and the archive version read. The ID travels in the body; each read is an
/// audit entry saying who looked at whose file (a keyed hash) and why.
extension GatewayHandler {
    package func getPersonFile(_ input: Operations.GetPersonFile.Input) async throws -> Operations.GetPersonFile.Output {
        let caller = try await auditor.require(anyOf: [.archivist, .auditor], for: "getPersonFile", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("getPersonFile", caller: caller) {
            for (field, value) in [("code", body.purpose.code), ("reference", body.purpose.reference)]
            where value.allSatisfy(\.isWhitespace) {
                throw Problem.invalid(code: "purpose.missing", "purpose.\(field) must not be empty", pointer: "/purpose/\(field)")
            }
            let today = checks.today
            let (candidate, displayName) = try CheckQuestion.candidate(
                name: body.candidate.name, idNumber: body.candidate.idNumber, today: today, pointer: "/candidate")
            let policy = try CheckQuestion.Terms.policy(
                named: body.policy, purpose: body.purpose.code, policies: checks.policies, defaultPolicy: checks.defaultPolicy)
            let day = try CheckQuestion.Terms.day(body.asOf, today: today)
            let operatorName = try CheckQuestion.Terms.operatorName(body._operator)

            let lookup = try await archive.lookup([candidate], asOf: AsOf(day: day))
            let findings = lookup.findings[0]
            let listings = LookupRules.fileListings(candidate, listings: findings.listings).map { Components.Schemas.FileListing($0.history, match: $0.match, on: day) }
            let records = LookupRules.fileRecords(candidate, records: findings.records).compactMap { Components.Schemas.FileRecord($0, policy: policy, on: day) }
            let requests = try await repairs.requests(recordIDs: records.map(\.record.recordId))

            var entry = auditor.entry("getPersonFile", caller: caller, detail: "listings=\(listings.count) records=\(records.count)")
            entry.operator = operatorName
            entry.purpose = "\(body.purpose.code) \(body.purpose.reference)"
            entry.candidateHMAC = auditor.hasher.hmac(ofIDNumber: candidate.id.unmaskedValue)
            entry.policyVersion = "\(policy.name)@\(policy.version)"
            entry.archiveVersion = lookup.version.description
            let receipt = try await auditor.record([entry])[0]
            return .ok(.init(body: .json(.init(
                candidate: .init(maskedId: candidate.id.masked, name: displayName),
                purpose: .init(code: body.purpose.code, reference: body.purpose.reference), asOf: day.description,
                archive: .init(lookup.version), policy: .init(name: policy.name, version: policy.version),
                categories: Self.categories(records, taxonomy: archive.taxonomy), listings: listings, records: records,
                repairs: requests.map { .init($0, audit: nil) }, audit: .init(receipt)))))
        }
    }

    /// Records per category, and how many are in force, in the taxonomy's order.
    private static func categories(_ records: [Components.Schemas.FileRecord], taxonomy: Taxonomy) -> [Components.Schemas.FileCategory] {
        let order = taxonomy.categories.map(\.code)
        let grouped = Dictionary(grouping: records, by: \.record.category)
        return grouped.keys.sorted { (order.firstIndex(of: $0) ?? .max, $0) < (order.firstIndex(of: $1) ?? .max, $1) }.map { code in
            let items = grouped[code] ?? []
            return .init(category: code, label: taxonomy.category(for: code)?.label, records: items.count,
                         inForce: items.count { $0.status == .active })
        }
    }
}

extension Components.Schemas.FileListing {
    init(_ history: DefaulterHistory, match: MatchKind, on day: CalendarDay) {
        let state = history.state(asOf: day)
        let shown = state?.entry ?? history.events.last?.entry
        let status: StatusPayload = switch state?.status {
        case .active: .active
        case .deleted: .deleted
        case nil: history.events.contains { $0.effectiveOn <= day } ? .revoked : .notYet
        }
        self.init(
            caseNumber: shown?.caseNumber.normalised ?? "", court: shown?.court, publishedId: shown?.publishedID?.display,
            match: match == .exact ? .exact : .probable, status: status, listedOn: state?.listedOn.description,
            deletedOn: state?.deletedOn?.description,
            events: history.events.map {
                .init(eventId: "D\($0.eventID)", operation: .init(rawValue: $0.operation.rawValue) ?? .add,
                      effectiveOn: $0.effectiveOn.description, archiveSequence: $0.importSequence)
            })
    }
}

extension Components.Schemas.FileRecord {
    /// A record's entry in the file; `nil` for a history without fields (events of a record never added).
    init?(_ history: RecordHistory, policy: Policy, on day: CalendarDay) {
        let state = history.state(asOf: day)
        guard let record = state?.record ?? history.events.last(where: { $0.record != nil })?.record else { return nil }
        let status: StatusPayload = if let state {
            .init(rawValue: policy.status(of: state, on: day).rawValue) ?? .active
        } else {
            history.events.contains { $0.effectiveOn <= day } ? .revoked : .notYet
        }
        self.init(
            record: .init(record), status: status, effectEnd: policy.effectEnd(of: record)?.description,
            repairedOn: state?.repairedOn?.description, earliestRepairOn: CreditRepair.earliestDay(for: record).description,
            events: history.events.map {
                .init(eventId: "R\($0.eventID)", operation: .init(rawValue: $0.operation.rawValue) ?? .add,
                      effectiveOn: $0.effectiveOn.description, archiveSequence: $0.importSequence)
            })
    }
}
