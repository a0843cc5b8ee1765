import Glibc

/// A Unix socket's address (`sockaddr_un`), made once from a path, and the calls that take one: what the control
/// socket, `respite ctl`, sd_notify and the sound-server probe share.
struct UnixSocketAddress {
    private var storage = sockaddr_un()
    /// The bytes of `storage` that count: the family and the path (for an abstract name, up to its last byte).
    private let length: socklen_t

    /// The longest path a socket may have, in bytes (one less than `sun_path`, for its NUL): 107 on Linux.
    static let maximumPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// The address of `path`; with `abstract`, a leading `@` names a socket in the abstract namespace (as
    /// `$NOTIFY_SOCKET` may). Nil when the path is longer than ``maximumPathBytes``.
    init?(path: String, abstract: Bool = false) {
        var bytes = Array(path.utf8)
        guard bytes.count <= Self.maximumPathBytes else { return nil }
        let isAbstract = abstract && bytes.first == UInt8(ascii: "@")
        if isAbstract { bytes[0] = 0 }  // an abstract socket's name starts with a NUL
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        length =
            isAbstract
            ? socklen_t(MemoryLayout<sa_family_t>.size + bytes.count) : socklen_t(MemoryLayout<sockaddr_un>.size)
    }

    /// `connect(2)` to this address: 0, or -1 with `errno` set.
    func connect(_ descriptor: Int32) -> Int32 {
        withAddress { Glibc.connect(descriptor, $0, $1) }
    }

    /// `bind(2)` to this address: 0, or -1 with `errno` set.
    func bind(_ descriptor: Int32) -> Int32 {
        withAddress { Glibc.bind(descriptor, $0, $1) }
    }

    /// `sendto(2)` of `bytes` to this address, without SIGPIPE: the bytes sent, or -1 with `errno` set.
    func send(_ bytes: [UInt8], on descriptor: Int32) -> Int {
        withAddress { address, length in
            bytes.withUnsafeBytes {
                Glibc.sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
    }

    private func withAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
