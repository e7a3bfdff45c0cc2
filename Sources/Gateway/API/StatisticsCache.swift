import ArchiveClient
import NIOConcurrencyHelpers

/// The archive's statistics, counted once per archive version.
///
/// Counting a 10M-listing archive's events takes a second or more, and the status is public (the
/// page asks for it on every load); only an import changes the counts, and every import is a new
/// version, which is one indexed row to read.
package final class StatisticsCache: Sendable {
    private let cached = NIOLockedValueBox<ArchiveStatistics?>(nil)

    package init() {}

    package func statistics(of archive: any ArchiveStore) async throws -> ArchiveStatistics {
        let version = try await archive.version()
        if let known = cached.withLockedValue({ $0 }), known.version == version { return known }
        let counted = try await archive.statistics()
        cached.withLockedValue { $0 = counted }
        return counted
    }
}
