extension AudioFileReader {
    /// Whether ``frames`` is the file's exact length: true for every format but MP3, whose length may be an
    /// estimate (see the type's discussion). A file that ends before an exact length was cut short or damaged.
    public var lengthIsExact: Bool { !formatName.hasPrefix("MPEG") }
}
