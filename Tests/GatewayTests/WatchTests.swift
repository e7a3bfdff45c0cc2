import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import Testing

/// Watches (监测预警) against a real gateway on each backend: made from real checks, re-checked
/// only when an import touches their people or time alone changes their evidence, each change an
/// event to pull and a new signed answer.
@Suite("Watches", .serialized)
struct WatchTests {
    typealias Calendar = IntegrityArchiveTests.Calendar
    static let today = "2026-12-03"

    /// The i-th watched person: an ID born 1980-01-01 in Beijing's Dongcheng district (far from the
    /// synthetic archive's people), a name of their own.
    static func person(_ index: Int) -> (name: String, id: String) {
        let body = "11010119800101" + String(format: "%03d", index)
        return ("候选\(index)", IntegrityArchiveTests.validID(body))
    }

    /// The masked form courts publish: 10 characters, `****`, the last 4.
    static func masked(_ id: String) -> String { String(id.prefix(10)) + "****" + String(id.suffix(4)) }

    static func listing(_ person: (name: String, id: String), card: String? = nil, caseNumber: Int, op: String = "add") -> String {
        let fields = op == "add"
            ? #""cardNum":"\#(card ?? person.id)","publishDate":"2026年11月20日","courtName":"长沙市岳麓区人民法院","disruptTypeName":"有履行能力而拒不履行生效法律文书确定义务""#
            : #""op":"\#(op)","opDate":"2026-12-01""#
        return #"{"iname":"\#(person.name)","caseCode":"(2026)湘0104执\#(caseNumber)号",\#(fields)}"#
    }

    func importFeed(_ gateway: TestGateway, _ lines: [String]) async throws {
        let imported = try await gateway.raw("archivist", "POST", "/v1/archive/imports", body: lines.joined(separator: "\n") + "\n",
                                             contentType: "application/x-ndjson")
        #expect(imported.status == 200 && imported.json["rejected"] as? Int == 0, "\(imported.text)")
    }

    func watch(_ gateway: TestGateway, _ people: [(name: String, id: String)], until: String = "2027-06-30")
        async throws -> Components.Schemas.WatchBatch {
        try await gateway.withClient("bureau") { client in
            try await client.createWatches(body: .json(.init(
                purpose: TestGateway.purpose, _operator: "hr.li", until: until,
                candidates: people.enumerated().map { .init(name: $1.name, idNumber: $1.id, reference: "row-\($0)") }))).created.body.json
        }
    }

    /// Pulls events after `cursor` until `count` have come (or a minute has passed).
    func events(_ gateway: TestGateway, after cursor: Int64 = 0, count: Int) async throws -> [Components.Schemas.Event] {
        var events: [Components.Schemas.Event] = []
        var cursor = cursor
        let deadline = ContinuousClock.now + .seconds(60)
        while events.count < count, ContinuousClock.now < deadline {
            let page = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init(after: cursor, wait: 5)).ok.body.json }
            events += page.events
            cursor = page.cursor
        }
        return events
    }

    @Test(arguments: TestGateway.Backend.allCases)
    func aDeltaImportMakesExactlyTheEventsOfThePeopleItTouched(on backend: TestGateway.Backend) async throws {
        let calendar = Calendar(Self.today)
        let gateway = try await TestGateway(on: backend) { configuration, _ in
            configuration.today = { calendar.today }
            configuration.watchIntervalMilliseconds = 100
        }
        let people = (0..<1000).map(Self.person)
        // Two of them listed before the watches start.
        try await importFeed(gateway, [Self.listing(people[0], caseNumber: 100), Self.listing(people[1], caseNumber: 101)])

        let made = try await watch(gateway, people)
        #expect(made.summary.total == 1000 && made.summary.errors == 0 && made.summary.ineligible == 2 && made.summary.clear == 998)
        let watches = made.items.map { $0.watch! }
        #expect(made.items.allSatisfy { $0.result?.checkId == $0.watch?.checkId && ($0.result?.audit.treeSize ?? 0) > 0 })
        let masked = try ResidentID(people[0].id, today: calendar.today).masked
        #expect(watches[0].decision == .ineligible && watches[0].candidate.maskedId == masked)
        #expect(watches.allSatisfy { $0.status == .active && $0.until == "2027-06-30" && $0.recruitmentId == "GK2026-0001" })

        // The delta: 10 watched people listed by full ID, 3 under masked IDs with their names, the two
        // listed earlier deleted; and what must not count: a masked ID consistent with a watched
        // person under another name, and someone nobody watches.
        let exact = (10..<20).map { Self.listing(people[$0], caseNumber: 200 + $0) }
        let probable = (20..<23).map { Self.listing(people[$0], card: Self.masked(people[$0].id), caseNumber: 300 + $0) }
        let deleted = [Self.listing(people[0], caseNumber: 100, op: "delete"), Self.listing(people[1], caseNumber: 101, op: "delete")]
        let noise = [Self.listing((name: "另一人", id: people[30].id), card: Self.masked(people[30].id), caseNumber: 400),
                     Self.listing((name: "路人", id: IntegrityArchiveTests.validID("11010119810101001")), caseNumber: 401)]
        try await importFeed(gateway, exact + probable + deleted + noise)

        let events = try await events(gateway, count: 15)
        #expect(events.count == 15)
        let byWatch = Dictionary(uniqueKeysWithValues: events.map { ($0.data.watchId, $0) })
        #expect(byWatch.count == 15 && events.allSatisfy { $0._type == .watch_decisionChanged && $0.data.cause == ._import })
        func changes(_ range: Range<Int>) -> Set<String> {
            Set(range.compactMap { byWatch[watches[$0].watchId].map { "\($0.data.previousDecision.rawValue)>\($0.data.decision.rawValue)" } })
        }
        #expect(changes(10..<20) == ["CLEAR>INELIGIBLE"] && (10..<20).allSatisfy { byWatch[watches[$0].watchId] != nil })
        #expect(changes(20..<23) == ["CLEAR>REVIEW"] && (20..<23).allSatisfy { byWatch[watches[$0].watchId] != nil })
        #expect(changes(0..<2) == ["INELIGIBLE>REVIEW"] && (0..<2).allSatisfy { byWatch[watches[$0].watchId] != nil })
        #expect(byWatch[watches[30].watchId] == nil)
        #expect(events.map(\.cursor) == events.map(\.cursor).sorted() && Set(events.map(\.data.eventId)).count == 15)

        // Each event names a new answer, stored, signed and audited; the watch now carries it.
        for event in events.prefix(3) {
            let stored = try await gateway.withClient("bureau") { try await $0.getCheck(path: .init(checkId: event.data.checkId)).ok.body.json }
            #expect(stored.result.decision == event.data.decision && stored.result.audit.treeSize > 0)
            let now = try await gateway.withClient("bureau") { try await $0.getWatch(path: .init(watchId: event.data.watchId)).ok.body.json }
            #expect(now.decision == event.data.decision && now.checkId == event.data.checkId)
        }
        // Nothing more comes; a replay from any cursor gives the same events.
        let later = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init(after: events.last!.cursor, wait: 1)).ok.body.json }
        #expect(later.events.isEmpty && later.cursor == events.last!.cursor)
        let replay = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init(after: events[4].cursor)).ok.body.json }
        #expect(replay.events.map(\.data.eventId) == events.dropFirst(5).map(\.data.eventId))
        let size = Int(try await gateway.raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text.split(separator: "\n")[1])!
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=\(size - 1000)&count=1000", contentType: nil).text
        #expect(entries.contains("watch.screen") && !entries.contains(people[10].id))
        try await gateway.stop()
    }

    @Test(arguments: TestGateway.Backend.allCases)
    func aSanctionEndingIsNoticedByTheSweepOnItsDay(on backend: TestGateway.Backend) async throws {
        let calendar = Calendar(Self.today)
        let gateway = try await TestGateway(on: backend) { configuration, _ in
            configuration.today = { calendar.today }
            configuration.watchIntervalMilliseconds = 100
        }
        let person = Self.person(7)
        // A warning decided 2026-06-10: in effect six months, to 2026-12-09.
        let recorded = try await gateway.raw("archivist", "POST", "/v1/archive/records", body: """
            {"recordId": "JW-2026-0610", "name": "\(person.name)", "idNumber": "\(person.id)", "category": "duty",
             "kind": "disciplinary-sanction", "sanction": "warning", "severity": "minor", "decidedOn": "2026-06-10",
             "issuer": "长沙市纪委监委", "documentNumber": "长纪〔2026〕7号"}
            """)
        #expect(recorded.status == 201, "\(recorded.text)")
        let made = try await watch(gateway, [person])
        let watch = try #require(made.items.first?.watch)
        #expect(watch.decision == .review && watch.recheckOn == "2026-12-10")

        // The day before the period ends nothing changes; on the day after its last day, the sweep
        // re-checks the watch: CLEAR, by time alone.
        calendar.set("2026-12-09")
        let quiet = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init(wait: 1)).ok.body.json }
        #expect(quiet.events.isEmpty)
        calendar.set("2026-12-10")
        let events = try await events(gateway, count: 1)
        #expect(events.count == 1)
        #expect(events.first?.data.watchId == watch.watchId && events.first?.data.cause == .time)
        #expect(events.first?.data.previousDecision == .review && events.first?.data.decision == .clear)
        let now = try await gateway.withClient("bureau") { try await $0.getWatch(path: .init(watchId: watch.watchId)).ok.body.json }
        #expect(now.decision == .clear && now.recheckOn == nil)
        try await gateway.stop()
    }

    @Test func watchesEndAndAreListedAndRefuseWhatTheyMust() async throws {
        let calendar = Calendar(Self.today)
        let gateway = try await TestGateway { configuration, _ in
            configuration.today = { calendar.today }
            configuration.watchIntervalMilliseconds = 100
        }
        let made = try await watch(gateway, [Self.person(1), Self.person(2)], until: "2026-12-31")
        let first = try #require(made.items.first?.watch)

        // Listed by recruitment (its client, or an auditor); ended by its client once.
        let listed = try await gateway.withClient("auditor") { try await $0.listWatches(query: .init(recruitmentId: "GK2026-0001")).ok.body.json }
        #expect(listed.watches.map(\.watchId) == made.items.compactMap(\.watch?.watchId).sorted())
        let refused = try await gateway.raw("auditor", "DELETE", "/v1/watches/\(first.watchId)", contentType: nil)
        #expect(refused.status == 403)
        let ended = try await gateway.withClient("bureau") { try await $0.deleteWatch(path: .init(watchId: first.watchId)).ok.body.json }
        #expect(ended.status == .ended && ended.candidate.name == nil && ended.endedAt != nil)
        let again = try await gateway.raw("bureau", "DELETE", "/v1/watches/\(first.watchId)", contentType: nil)
        #expect(again.status == 409 && again.json["code"] as? String == "watch.ended")

        // A watch ends by itself after its day.
        calendar.set("2027-01-01")
        let second = try #require(made.items.last?.watch?.watchId)
        var status = Components.Schemas.Watch.StatusPayload.active
        for _ in 0..<100 where status == .active {
            try await Task.sleep(for: .milliseconds(100))
            status = try await gateway.withClient("bureau") { try await $0.getWatch(path: .init(watchId: second)).ok.body.json }.status
        }
        #expect(status == .expired)

        // More than two years, a day past, an unknown watch.
        for until in ["2029-01-02", "2026-12-31", "2027-02-30"] {
            let response = try await gateway.raw("bureau", "POST", "/v1/watches", body: """
                {"purpose": {"code": "civil-service-exam", "recruitmentId": "GK2026-0001", "consentReference": "C-1"},
                 "until": "\(until)", "candidates": [{"name": "张三", "idNumber": "11010519491231002X"}]}
                """)
            #expect(response.status == 422 && response.json["code"] as? String == "watch.until" && response.json["pointer"] as? String == "/until",
                    "\(until): \(response.text)")
        }
        let unknown = try await gateway.raw("bureau", "GET", "/v1/watches/wch_00000000000000000000000000", contentType: nil)
        #expect(unknown.status == 404)
        try await gateway.stop()
    }
}

extension WatchTests {
    /// `credit watch add` from a CSV, an import, then `credit events`: the new answer fetched,
    /// verified and kept, its receipt verifying offline with `credit verify`.
    @Test func theCLIWatchesPullsEventsAndKeepsVerifiableReceipts() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.watchIntervalMilliseconds = 100 }
        let session = try CreditClientEndToEndTests.Session(gateway)
        let people = (80..<85).map(Self.person)
        let rows = ["编号,姓名,身份证号"] + people.enumerated().map { "R\($0),\($1.name),\($1.id)" } + ["B9,坏行,110105194912310021"]
        let input = session.folder.appendingPathComponent("candidates.csv")
        try Data(rows.joined(separator: "\r\n").utf8).write(to: input)
        let watches = session.folder.appendingPathComponent("watches.csv")
        let added = try await session.run(["watch", "add", input.path, "--until", "2027-06-30", "-o", watches.path])
        #expect(added.status == 12 && added.output.contains("5 watched"), "\(added.output)")
        let lines = try CreditClientEndToEndTests.csvLines(watches)
        #expect(lines.count == 7 && lines[0] == "line,reference,name,maskedId,watchId,decision,checkId,until,receipt,error")
        #expect(lines.dropFirst().filter { $0.contains(",wch_") && $0.contains(",CLEAR,") }.count == 5 && !lines.contains { $0.contains(people[0].id) })

        let listed = try await gateway.raw("archivist", "POST", "/v1/archive/imports", body: Self.listing(people[0], caseNumber: 900) + "\n",
                                           contentType: "application/x-ndjson")
        #expect(listed.status == 200)
        let events = session.folder.appendingPathComponent("events.csv")
        var eventLines: [String] = []
        for _ in 0..<60 where eventLines.count < 2 {
            let pulled = try await session.run(["events", "-o", events.path])
            #expect(pulled.status == 0, "\(pulled.output)")
            eventLines = try CreditClientEndToEndTests.csvLines(events)
            if eventLines.count < 2 { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(eventLines.count == 2 && eventLines[1].contains(",CLEAR,INELIGIBLE,import,chk_"), "\(eventLines)")
        let receipt = try #require(eventLines.last?.split(separator: ",").last.map(String.init))
        let verified = try await session.run(["verify", receipt])
        #expect(verified.status == 0, "\(verified.output)")
        // Run again: the cursor kept beside the file, nothing is added twice.
        _ = try await session.run(["events", "-o", events.path])
        #expect(try CreditClientEndToEndTests.csvLines(events).count == 2)

        let watchID = try #require(lines[1].split(separator: ",").first { $0.hasPrefix("wch_") }.map(String.init))
        let list = try await session.run(["watch", "list", "--recruitment", "GK2026-0001"])
        #expect(list.status == 0 && list.output.split(separator: "\n").count == 5 && list.output.contains(watchID), "\(list.output)")
        let removed = try await session.run(["watch", "remove", watchID])
        #expect(removed.status == 0 && removed.output.contains("\(watchID)\tended"), "\(removed.output)")
        try await gateway.stop()
    }
}

extension WatchTests {
    /// An NDJSON upload: a batch job whose answered lines are each watched, their results naming the watches.
    @Test func anUploadIsAJobThatWatchesEveryLineItAnswers() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.watchIntervalMilliseconds = 100 }
        let people = (120..<125).map(Self.person)
        let lines = people.enumerated().map { #"{"name":"\#($1.name)","idNumber":"\#($1.id)","reference":"U\#($0)"}"# }
            + [#"{"name":"坏行","idNumber":"110105194912310021"}"#]
        let body = lines.joined(separator: "\n") + "\n"
        let query = "purposeCode=civil-service-exam&recruitmentId=GK2026-0009&consentReference=C-1&until=2027-06-30"
        let missing = try await gateway.raw("bureau", "POST", "/v1/watches?purposeCode=civil-service-exam", body: body, contentType: "application/x-ndjson")
        #expect(missing.status == 422 && missing.json["code"] as? String == "watch.upload", "\(missing.text)")
        let accepted = try await gateway.raw("bureau", "POST", "/v1/watches?\(query)", body: body, contentType: "application/x-ndjson")
        #expect(accepted.status == 202, "\(accepted.text)")
        let batch = try #require(accepted.json["batchId"] as? String)
        for _ in 0..<100 {
            if try await gateway.raw("bureau", "GET", "/v1/batches/\(batch)", contentType: nil).json["status"] as? String == "finished" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let results = try await gateway.raw("bureau", "GET", "/v1/batches/\(batch)/results", contentType: nil).text.split(separator: "\n")
        let parsed = results.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let watchIDs = parsed.compactMap { $0["watchId"] as? String }
        #expect(parsed.count == 6 && watchIDs.count == 5 && parsed.last?["error"] != nil && Set(watchIDs).count == 5)
        #expect(watchIDs.allSatisfy { TimeOrderedID.isWellFormed($0, prefix: "wch_") })
        #expect(watchIDs == (0..<5).map { TimeOrderedID.derived("wch_", from: batch, index: $0) })
        let listed = try await gateway.withClient("bureau") { try await $0.listWatches(query: .init(recruitmentId: "GK2026-0009")).ok.body.json }
        #expect(Set(listed.watches.map(\.watchId)) == Set(watchIDs) && listed.watches.allSatisfy { $0.until == "2027-06-30" })

        // Watched like any other: a listing of the second person is their event.
        try await importFeed(gateway, [Self.listing(people[1], caseNumber: 1_000)])
        let events = try await events(gateway, count: 1)
        #expect(events.map(\.data.watchId) == [watchIDs[1]] && events.first?.data.reference == "U1")
        try await gateway.stop()
    }
}
