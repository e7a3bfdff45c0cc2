import Foundation
import GatewayAPI
import Storage

/// What a batch job checks with, fixed when the job is accepted (`asOf` resolved to a day then);
/// stored as JSON with the job.
struct BatchJobTerms: Codable, Sendable {
    var purpose: Components.Schemas.Purpose
    var policy: String
    var asOf: String
    var `operator`: String?
    /// Set for an upload to `POST /v1/watches`: each candidate answered is also watched.
    var watch: Watch?

    struct Watch: Codable, Sendable {
        /// The last day watched.
        var until: String
        var endpointId: String?
    }
}

extension BatchJobRecord {
    var terms: BatchJobTerms {
        get throws { try CheckStore.decoder.decode(BatchJobTerms.self, from: termsJSON) }
    }

    /// The job as the contract shows it.
    var view: Components.Schemas.BatchJob {
        .init(batchId: id, status: .init(rawValue: status.rawValue) ?? .failed, total: Int64(total), done: Int64(done),
              errors: Int64(counts.errors), clear: Int64(counts.clear), review: Int64(counts.review), ineligible: Int64(counts.ineligible),
              createdAt: createdAt, finishedAt: finishedAt, failure: failure, resultsDigest: resultsDigest)
    }
}
