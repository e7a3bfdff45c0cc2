import CreditCore
import Foundation
import GatewayAPI
import Storage

/// What a watch checks with, fixed at creation and stored as JSON with it. There is no as-of day:
/// a watch is always re-checked as of the day it is re-checked.
struct WatchTerms: Codable, Sendable {
    var purpose: Components.Schemas.Purpose
    var policy: String
    var `operator`: String?
}

extension WatchRecord {
    var terms: WatchTerms {
        get throws { try CheckStore.decoder.decode(WatchTerms.self, from: termsJSON) }
    }

    /// The watch as the contract shows it.
    var view: Components.Schemas.Watch {
        get throws {
            let terms = try terms
            return Components.Schemas.Watch(
                watchId: id, status: .init(rawValue: status.rawValue) ?? .ended, recruitmentId: recruitmentID, purpose: terms.purpose,
                policy: terms.policy, _operator: terms.operator, candidate: .init(maskedId: maskedID, name: name), reference: reference,
                until: CalendarDay(dayNumber: until).description, endpointId: endpointID, decision: .init(rawValue: decision) ?? .review, checkId: checkID,
                recheckOn: recheckOn.map { CalendarDay(dayNumber: $0).description }, createdAt: createdAt, endedAt: endedAt)
        }
    }
}

/// An event as stored and delivered: the Standard Webhooks payload (`type`, `timestamp`, `data`);
/// the cursor is the store's, added when it is pulled.
struct WatchEventBody: Codable, Sendable {
    var type: String
    var timestamp: Date
    var data: Components.Schemas.Event.DataPayload

    static let decisionChanged = "watch.decision-changed"

    /// Canonical JSON (sorted keys, whole-second UTC times), as signed when it is pushed.
    func encoded() throws -> Data { try CheckStore.encoder.encode(self) }

    static func view(of event: WatchEvent) throws -> Components.Schemas.Event {
        let body = try CheckStore.decoder.decode(WatchEventBody.self, from: event.payload)
        return .init(cursor: event.cursor, _type: .init(rawValue: body.type) ?? .watch_decisionChanged, timestamp: body.timestamp,
                     data: body.data)
    }
}
