extension SessionLoader.Decoder {
    /// The session's named blocks, as written.
    struct Blocks {
        /// Names in the order they were written.
        var order: [String] = []
        var steps: [String: [RawStep]] = [:]
    }

    /// A `block` step's reference to a block, found while walking the steps.
    struct BlockUse {
        var name: String
        var path: JSONPath
        var location: JSONLocation
    }

    mutating func decodeBlocks(_ top: Node, pace: Double) -> Blocks {
        var blocks = Blocks()
        guard let value = field(top, "blocks", required: false),
            let node = node(value, path: top.path("blocks"), what: "'blocks'")
        else { return blocks }
        for member in node.object.members {
            let path = node.path(member.key)
            if member.key.trimmingSpaces().isEmpty {
                report(
                    "a block needs a name", suggestion: "name it, e.g. \"arms\"", path: path, at: member.keyLocation)
            }
            guard case .array(let elements) = member.value.kind else {
                typeMismatch(member.value, path: path, expected: "a list of steps in [ ]")
                continue
            }
            if elements.isEmpty {
                report(
                    "the block '\(member.key)' has no steps", suggestion: "add steps, or remove the block",
                    path: path, at: member.value.location)
            }
            blocks.order.append(member.key)
            blocks.steps[member.key] = decodeSteps(elements, path: path, pace: pace)
        }
        return blocks
    }

    /// Every `block` step in `steps`, in the order written (nested repeats included, other
    /// blocks' contents not).
    static func uses(in steps: [RawStep]) -> [BlockUse] {
        var found: [BlockUse] = []
        for step in steps {
            switch step {
            case .step: break
            case .repeating(_, let inner, _, _): found += uses(in: inner)
            case .block(let name, _, _, let path, let location, _):
                found.append(BlockUse(name: name, path: path, location: location))
            }
        }
        return found
    }

    /// Reports uses of undefined blocks and cycles between blocks; true when there are none.
    mutating func checkBlockUses(_ steps: [RawStep], blocks: Blocks) -> Bool {
        var sound = true
        let allUses = Self.uses(in: steps) + blocks.order.flatMap { Self.uses(in: blocks.steps[$0] ?? []) }
        for use in allUses where blocks.steps[use.name] == nil {
            sound = false
            let listing =
                blocks.order.isEmpty
                ? "this session defines no blocks; add it under \"blocks\""
                : "blocks in this session: \(blocks.order.joined(separator: ", "))"
            report(
                "there is no block named '\(use.name)'",
                suggestion: Suggestions.nearest(to: use.name, in: blocks.order).map { "did you mean '\($0)'?" }
                    ?? listing,
                path: use.path, at: use.location)
        }
        // Depth-first search over "block uses block"; a use that reaches a block still on the
        // stack closes a cycle.
        var finished: Set<String> = []
        var reported: Set<[String]> = []
        for start in blocks.order where !finished.contains(start) {
            var stack: [(name: String, uses: [BlockUse], next: Int)] = [
                (start, Self.uses(in: blocks.steps[start] ?? []), 0)
            ]
            while var top = stack.popLast() {
                guard top.next < top.uses.count else {
                    finished.insert(top.name)
                    continue
                }
                let use = top.uses[top.next]
                top.next += 1
                stack.append(top)
                guard blocks.steps[use.name] != nil, !finished.contains(use.name) else { continue }
                if let position = stack.firstIndex(where: { $0.name == use.name }) {
                    let cycle = stack[position...].map(\.name)
                    let key = cycle.sorted()
                    sound = false
                    if reported.insert(key).inserted {
                        let chain = (cycle + [use.name]).map { "'\($0)'" }.joined(separator: " → ")
                        let message =
                            cycle.count == 1
                            ? "the block '\(use.name)' uses itself"
                            : "the block '\(use.name)' uses itself through other blocks: \(chain)"
                        report(
                            message, suggestion: "a block can't contain itself, directly or through other blocks",
                            path: use.path, at: use.location)
                    }
                    continue
                }
                stack.append((use.name, Self.uses(in: blocks.steps[use.name] ?? []), 0))
            }
        }
        return sound
    }

    /// The PMR groups the session plays: those in `steps` and in the blocks they use.
    func reachableGroups(_ steps: [RawStep], blocks: Blocks) -> [String] {
        var groups: [String] = []
        var visited: Set<String> = []
        func walk(_ list: [RawStep]) {
            for step in list {
                switch step {
                case .step(let step):
                    if case .pmr(let pmr) = step.kind, !groups.contains(pmr.group) { groups.append(pmr.group) }
                case .repeating(_, let inner, _, _):
                    walk(inner)
                case .block(let name, _, _, _, _, _):
                    if visited.insert(name).inserted, let inner = blocks.steps[name] { walk(inner) }
                }
            }
        }
        walk(steps)
        return groups
    }

    /// Expands blocks and repeats into the steps that play, or `nil` (reported) when blocks are
    /// missing or cyclic, or when there would be more than ``SessionLoader/maximumExpandedSteps``.
    mutating func expandAll(_ steps: [RawStep], blocks: Blocks, at location: JSONLocation) -> [Step]? {
        guard checkBlockUses(steps, blocks: blocks) else { return nil }
        let limit = SessionLoader.maximumExpandedSteps
        var memo: [String: Int] = [:]
        // Counted first, saturating, so that `repeat` 100 inside `repeat` 100 … costs nothing.
        func count(_ list: [RawStep]) -> Int {
            var total = 0
            for step in list {
                let one: Int
                switch step {
                case .step: one = 1
                case .repeating(let times, let inner, _, _):
                    one = times.multipliedReportingOverflow(by: count(inner)).partialValue
                case .block(let name, let times, _, _, _, _):
                    let inner: Int
                    if let known = memo[name] {
                        inner = known
                    } else {
                        inner = count(blocks.steps[name] ?? [])
                        memo[name] = inner
                    }
                    one = times.multipliedReportingOverflow(by: inner).partialValue
                }
                total = min(limit + 1, total + min(limit + 1, max(0, one)))
            }
            return total
        }
        guard count(steps) <= limit else {
            report(
                "the steps add up to more than \(limit) once blocks and repeats are expanded",
                suggestion: "use fewer repeats; a session can have at most \(limit) steps",
                path: JSONPath.root.appending("steps"), at: location)
            return nil
        }
        var expanded: [Step] = []
        // A group's `only` applies to every step in it, on top of the steps' own (both must hold).
        func merged(_ inner: [String: [String]], _ outer: [String: [String]]) -> [String: [String]] {
            inner.merging(outer) { own, group in own.filter(group.contains) }
        }
        var neverPlays: Set<String> = []
        func expand(_ list: [RawStep], label: String?, only: [String: [String]]) {
            for step in list {
                switch step {
                case .step(var step):
                    if step.label == nil { step.label = label }
                    step.only = merged(step.only, only)
                    if let key = step.only.first(where: { $0.value.isEmpty })?.key, !neverPlays.contains(step.path) {
                        // A block or repeat for some options around a step for others.
                        neverPlays.insert(step.path)
                        report(
                            "this step can never play: its 'only' and that of the block or repeat around it share no "
                                + "option of '\(key)'",
                            suggestion: "give them an option in common, or remove the step",
                            pathText: step.path, at: JSONLocation(line: step.line, column: step.column))
                    }
                    expanded.append(step)
                case .repeating(let times, let inner, let ownLabel, let own):
                    for _ in 0..<times { expand(inner, label: ownLabel ?? label, only: merged(own, only)) }
                case .block(let name, let times, let ownLabel, _, _, let own):
                    for _ in 0..<times {
                        expand(blocks.steps[name] ?? [], label: ownLabel ?? label, only: merged(own, only))
                    }
                }
            }
        }
        expand(steps, label: nil, only: [:])
        return expanded
    }
}
