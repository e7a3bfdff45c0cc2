@testable import CreditClient
import Foundation
import Testing
import TestSupport

@Suite("Settings: flags, then environment, then the config file")
struct SettingsTests {
    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws {
        let folder = TemporaryFiles.url("credit-settings")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("config.json")
        try Data(#"{"server":"https://file:1","ca":"ca.pem","operator":"file.op","policy":"file-policy"}"#.utf8).write(to: file)
        let settings = try Settings.resolve(
            flags: Settings(server: "https://flag:1"), configFlag: file.path,
            environment: ["CREDIT_SERVER": "https://env:1", "CREDIT_OPERATOR": "env.op"])
        #expect(settings.server == "https://flag:1")
        #expect(settings.operator == "env.op")
        #expect(settings.policy == "file-policy")
        // A relative path in the file is taken from the file's folder.
        #expect(settings.ca == folder.appendingPathComponent("ca.pem").standardizedFileURL.path)
    }

    @Test func theConfigFileFollowsHomeAndXDGConfigHome() {
        func path(_ environment: [String: String]) -> String { Settings.configFile(flag: nil, environment: environment).path }
        #expect(path(["HOME": "/tmp/someone"]) == "/tmp/someone/.config/credit/config.json")
        #expect(path(["HOME": "/tmp/someone", "XDG_CONFIG_HOME": "/srv/config"]) == "/srv/config/credit/config.json")
        // Empty or relative: ignored, as the XDG specification says.
        #expect(path(["HOME": "/tmp/someone", "XDG_CONFIG_HOME": ""]) == "/tmp/someone/.config/credit/config.json")
        #expect(path(["HOME": "/tmp/someone", "XDG_CONFIG_HOME": "config"]) == "/tmp/someone/.config/credit/config.json")
        #expect(path(["HOME": "/tmp/someone", "CREDIT_CONFIG": "/etc/credit.json"]) == "/etc/credit.json")
        #expect(Settings.configFile(flag: "/x/c.json", environment: ["CREDIT_CONFIG": "/etc/credit.json"]).path == "/x/c.json")
    }

    @Test func aMissingSettingNamesItsFlagAndVariable() {
        let error = #expect(throws: UsageError.self) { try Settings().require(\.consentReference, flag: "consent") }
        #expect(error?.description.contains("--consent") == true)
        #expect(error?.description.contains("CREDIT_CONSENT") == true)
    }

    @Test func labelsFollowTheLocaleUnlessForced() {
        #expect(Labels.choose(nil, environment: ["LANG": "zh_CN.UTF-8"]).clearCount == Labels.chinese.clearCount)
        #expect(Labels.choose(nil, environment: ["LANG": "en_US.UTF-8"]).clearCount == Labels.english.clearCount)
        #expect(Labels.choose("en", environment: ["LANG": "zh_CN.UTF-8"]).clearCount == Labels.english.clearCount)
        #expect(Labels.choose(nil, environment: ["LC_ALL": "zh_TW", "LANG": "en"]).clearCount == Labels.chinese.clearCount)
    }

    @Test func tablesAlignChineseText() {
        #expect(Terminal.width("张三") == 4)
        let table = Terminal.table(["a", "b"], [["张三", "x"], ["ab", "y"]])
        let lines = table.split(separator: "\n")
        #expect(lines[2] == "张三  x" && lines[3] == "ab    y")
    }
}
