import Testing

/// `--verbose`: diagnostics on standard error only when asked for, never on standard output.
@Suite struct VerboseTests {
    @Test func diagnosticsAppearOnStandardErrorOnlyWithVerbose() throws {
        let quiet = try Respite.run(["lint", "breathing-paced"])
        let verbose = try Respite.run(["lint", "breathing-paced", "--verbose"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(
            !quiet.stderr.contains("respite: info:") && !quiet.stderr.contains("respite: debug:"), "\(quiet.stderr)")
        #expect(verbose.stderr.contains("respite: debug: cache folder: "), "\(verbose.stderr)")
        #expect(verbose.stderr.contains("respite: info: prepared 'breathing-paced': "), "\(verbose.stderr)")
        #expect(verbose.stderr.contains("respite: info: programme loudness "), "\(verbose.stderr)")
        #expect(quiet.stdout == verbose.stdout, "diagnostics never reach standard output")
    }

    @Test(arguments: [["validate", "--quick", "breathing-paced"], ["devices"], ["timeline", "breathing-paced"]])
    func everySubcommandTakesVerbose(_ arguments: [String]) throws {
        let result = try Respite.run(arguments + ["--verbose"])
        #expect(!result.stderr.contains("Unknown option"), "\(result.stderr)")
        #expect(result.status != 64, "\(result.stderr)")
    }
}
