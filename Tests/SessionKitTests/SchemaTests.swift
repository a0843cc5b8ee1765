import Foundation
import Testing

@testable import SessionKit

@Suite("Sessions/session.schema.json")
struct SchemaTests {
    static var schemaPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sessions/session.schema.json").path
    }

    func object(_ value: JSONValue?) -> JSONObject? {
        guard case .object(let object) = value?.kind else { return nil }
        return object
    }

    func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let elements) = value?.kind else { return [] }
        return elements.compactMap { element in
            if case .string(let text) = element.kind { return text }
            return nil
        }
    }

    @Test("the schema parses with Respite's own strict parser and matches the loader's keys")
    func schemaParses() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.schemaPath))
        let schema = try JSONParser().parse([UInt8](data))
        let root = try #require(object(schema))
        #expect(root["$schema"]?.value.kind == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(root["additionalProperties"]?.value.kind == .bool(false))
        let properties = try #require(object(root["properties"]?.value))
        #expect(Set(properties.keys) == Set(SessionLoader.Decoder.topLevelKeys))
        #expect(
            Set(strings(root["required"]?.value))
                == [
                    "format", "id", "title", "description", "language", "author", "version", "protocol", "safety",
                    "steps",
                ])
        let definitions = try #require(object(root["$defs"]?.value))
        for type in SessionLoader.Decoder.stepTypes {
            let step = try #require(object(definitions[type]?.value), "no $defs.\(type)")
            let keys = try #require(object(step["properties"]?.value)).keys
            let expected = SessionLoader.Decoder.stepKeys[type] ?? []
            let common =
                type == "block" || type == "repeat" ? ["type", "label", "only"] : SessionLoader.Decoder.commonStepKeys
            #expect(Set(keys) == Set(common + expected), "keys of $defs.\(type)")
            #expect(step["additionalProperties"]?.value.kind == .bool(false), "$defs.\(type)")
        }
    }
}
