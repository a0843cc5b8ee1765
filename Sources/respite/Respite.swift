import ArgumentParser

@main
struct Respite: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Plays guided relaxation sessions.")
}
