import Foundation

/// What `stat` says of a file that changes when its content can have changed: device, inode, size, modification
/// time to the nanosecond. The streamer compares the stamp taken when it opened a file with one taken when the file
/// ended, to notice a file rewritten in place while it was read.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// The stamp of `path` (symbolic links followed), or nil when it cannot be examined.
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }

    /// Same device and inode: the same file, whatever its content now. A file replaced by a rename is another
    /// file, and the reader still reads the old one whole.
    func isSameFile(as other: FileStamp) -> Bool { device == other.device && inode == other.inode }
}
