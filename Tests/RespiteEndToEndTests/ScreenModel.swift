import SessionKit

/// What a patient's terminal shows, rebuilt from the bytes a program wrote: enough of a VT100 for the player
/// (printing with automatic wrap, CR, LF, cursor up, erase below and to the end of the line, save and restore the
/// cursor; colours and cursor visibility are read and ignored), with a scrollback, and resizing the way most
/// terminals do it (VTE, Konsole, kitty, iTerm2, tmux): lines the terminal wrapped itself are re-flowed to the new
/// width, the cursor staying with its text.
struct ScreenModel {
    /// A resize of the terminal after `offset` bytes of output.
    struct Resize {
        var offset: Int
        var columns: Int
        var rows: Int
    }

    private struct Row {
        /// One cell per column; a wide character's second column holds "".
        var cells: [String] = []
        /// The terminal wrapped this row into the next (the text goes on there).
        var wrapped = false
        var text: String { cells.joined() }
    }

    private(set) var columns: Int
    private(set) var rows: Int
    /// Scrollback, then the screen: the last `rows` rows.
    private var lines: [Row]
    private var cursorRow = 0
    /// `columns` while a wrap is pending (a character was written into the last column).
    private var cursorColumn = 0
    private var saved: (Int, Int) = (0, 0)

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        lines = Array(repeating: Row(), count: rows)
    }

    private var top: Int { max(0, lines.count - rows) }

    /// The rows on screen, top to bottom, without trailing blanks.
    var screen: [String] {
        lines[top...].map { String($0.text.reversed().drop { $0 == " " }.reversed()) }
    }

    /// Every row ever shown and still in the scrollback or on screen, top to bottom.
    var history: [String] {
        lines.map { String($0.text.reversed().drop { $0 == " " }.reversed()) }
    }

    /// The screen as it was each time a panel was about to be redrawn (at each ESC[?25l), then as it is at the end.
    private(set) var frames: [[String]] = []

    /// Processes `bytes`, resizing where `resizes` say.
    mutating func feed(_ bytes: [UInt8], resizes: [Resize] = []) {
        var start = 0
        for resize in resizes.sorted(by: { $0.offset < $1.offset }) where resize.offset <= bytes.count {
            feed(text: String(decoding: bytes[start..<resize.offset], as: UTF8.self))
            self.resize(columns: resize.columns, rows: resize.rows)
            start = resize.offset
        }
        feed(text: String(decoding: bytes[start...], as: UTF8.self))
        frames.append(screen)
    }

    private mutating func feed(text: String) {
        var scalars = Array(text.unicodeScalars)[...]
        var printable = ""
        func flush(_ model: inout ScreenModel) {
            for character in printable { model.put(character) }
            printable = ""
        }
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            switch scalar {
            case "\u{1B}":
                flush(&self)
                guard let next = scalars.first else { return }
                scalars = scalars.dropFirst()
                if next == "7" { saved = (cursorRow, cursorColumn) }
                if next == "8" { (cursorRow, cursorColumn) = saved }
                guard next == "[" else { continue }
                var parameters = ""
                while let byte = scalars.first, !(0x40...0x7E).contains(byte.value) {
                    parameters.unicodeScalars.append(byte)
                    scalars = scalars.dropFirst()
                }
                guard let final = scalars.first else { return }
                scalars = scalars.dropFirst()
                control(final, parameters)
            case "\r":
                flush(&self)
                cursorColumn = 0
            case "\n":
                flush(&self)
                lineFeed()
            case "\u{08}":
                flush(&self)
                cursorColumn = max(0, min(cursorColumn, columns - 1) - 1)
            default:
                if scalar.value >= 0x20 { printable.unicodeScalars.append(scalar) }
            }
        }
        flush(&self)
    }

    private mutating func control(_ final: Unicode.Scalar, _ parameters: String) {
        let count = max(1, Int(parameters) ?? 1)
        switch final {
        case "F":
            cursorRow = max(top, cursorRow - count)
            cursorColumn = 0
        case "A":
            cursorRow = max(top, cursorRow - count)
            cursorColumn = min(cursorColumn, columns - 1)
        case "J" where parameters.isEmpty || parameters == "0":
            clearLine(from: cursorColumn)
            for index in (cursorRow + 1)..<lines.count { lines[index] = Row() }
        case "K" where parameters.isEmpty || parameters == "0":
            clearLine(from: cursorColumn)
        case "l" where parameters == "?25":
            frames.append(screen)
        default:
            break  // colours, cursor shown
        }
    }

    private mutating func clearLine(from column: Int) {
        if lines[cursorRow].cells.count > column { lines[cursorRow].cells.removeSubrange(column...) }
        lines[cursorRow].wrapped = false
    }

    private mutating func lineFeed() {
        cursorRow += 1
        if cursorRow == lines.count { lines.append(Row()) }
        cursorColumn = min(cursorColumn, columns)
    }

    private mutating func put(_ character: Character) {
        let width = DisplayText.columns(of: character)
        guard width > 0 else { return }
        if cursorColumn + width > columns {
            lines[cursorRow].wrapped = true
            lineFeed()
            cursorColumn = 0
        }
        var row = lines[cursorRow]
        while row.cells.count < cursorColumn + width { row.cells.append(" ") }
        row.cells[cursorColumn] = String(character)
        if width == 2 { row.cells[cursorColumn + 1] = "" }
        lines[cursorRow] = row
        cursorColumn += width
    }

    /// Re-flows every line the terminal wrapped itself to `columns`, keeping the cursor with its text.
    mutating func resize(columns newColumns: Int, rows newRows: Int) {
        // The logical lines, and where the cursor is in them.
        var logical: [[String]] = []
        var cursor = (line: 0, cell: 0)
        var current: [String] = []
        for (index, row) in lines.enumerated() {
            if index == cursorRow { cursor = (logical.count, current.count + min(cursorColumn, columns)) }
            current +=
                row.wrapped ? row.cells + Array(repeating: " ", count: max(0, columns - row.cells.count)) : row.cells
            if !row.wrapped {
                logical.append(current)
                current = []
            }
        }
        if !current.isEmpty { logical.append(current) }
        var rebuilt: [Row] = []
        var newCursor = (0, 0)
        for (index, line) in logical.enumerated() {
            var row = Row()
            var cell = 0
            if index == cursor.line && cursor.cell == 0 { newCursor = (rebuilt.count, 0) }
            while cell < line.count {
                let width = cell + 1 < line.count && line[cell + 1] == "" ? 2 : 1
                if row.cells.count + width > newColumns {
                    row.wrapped = true
                    rebuilt.append(row)
                    row = Row()
                }
                row.cells += line[cell..<(cell + width)]
                cell += width
                if index == cursor.line && cell == cursor.cell { newCursor = (rebuilt.count, row.cells.count) }
            }
            if index == cursor.line && cursor.cell > line.count {
                newCursor = (rebuilt.count, min(newColumns, row.cells.count + cursor.cell - line.count))
            }
            rebuilt.append(row)
        }
        // Blank rows below the cursor go first when the screen gets shorter.
        while rebuilt.count > newCursor.0 + 1, rebuilt.last?.cells.isEmpty == true { rebuilt.removeLast() }
        while rebuilt.count < newRows { rebuilt.append(Row()) }
        lines = rebuilt
        (cursorRow, cursorColumn) = newCursor
        columns = newColumns
        rows = newRows
    }
}
