import FileAccess
import Foundation
import Testing

/// Where each kind of user folder is found, from the environment and the passwd entry.
@Suite struct UserDirectoriesTests {
    static let defaults: [(UserDirectories.Kind, String)] = [
        (.cache, "/home/ann/.cache/respite"), (.config, "/home/ann/.config/respite"),
        (.data, "/home/ann/.local/share/respite"), (.state, "/home/ann/.local/state/respite"),
    ]

    @Test(arguments: defaults)
    func anAbsoluteVariableWinsAndARelativeOneIsIgnored(_ kind: UserDirectories.Kind, _ underHome: String) {
        let none: () -> String? = {
            Issue.record("the passwd entry was asked for"); return nil
        }
        #expect(
            UserDirectories.respite(
                kind, environment: [kind.variable: "/srv/x", "HOME": "/home/ann"], passwordHome: none)
                == "/srv/x/respite")
        for relative in ["", "x", "./x"] {
            #expect(
                UserDirectories.respite(
                    kind, environment: [kind.variable: relative, "HOME": "/home/ann"], passwordHome: none)
                    == underHome)
        }
        #expect(UserDirectories.respite(kind, environment: ["HOME": "/home/ann/"], passwordHome: none) == underHome)
    }

    @Test func anotherKindsVariableIsNotUsed() {
        let environment = ["XDG_CACHE_HOME": "/srv/cache", "HOME": "/home/ann"]
        #expect(UserDirectories.respite(.config, environment: environment) == "/home/ann/.config/respite")
    }

    @Test(arguments: [[String: String](), ["HOME": ""], ["HOME": "relative"], ["XDG_STATE_HOME": "relative"]])
    func withoutAHomeThePasswdHomeIsUsedOnlyWhenItIsAFolder(_ environment: [String: String]) throws {
        let folder = NSTemporaryDirectory() + "respite-user-directories-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            UserDirectories.respite(.state, environment: environment, passwordHome: { folder })
                == folder + "/.local/state/respite")
        #expect(UserDirectories.respite(.state, environment: environment, passwordHome: { folder + "/gone" }) == nil)
        #expect(UserDirectories.respite(.state, environment: environment, passwordHome: { "relative" }) == nil)
        #expect(UserDirectories.respite(.state, environment: environment, passwordHome: { nil }) == nil)
    }

    @Test func thePasswdHomeIsThisAccounts() throws {
        let entry = try #require(getpwuid(geteuid()))
        #expect(UserDirectories.passwordHome() == String(cString: entry.pointee.pw_dir))
    }
}
