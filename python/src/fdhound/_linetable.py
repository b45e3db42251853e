"""CPython line tables decoded offline (a port of FDHoundCore's PythonLineTable): the source line of the
instruction at a byte offset, from the raw co_linetable bytes the shim copied. Formats: 3.10 pairs
(Objects/lnotab_notes.txt), 3.11+ location table (Objects/locations.md)."""

UNKNOWN_OFFSET = 0xFFFFFFFF


def line(table, first_line, python_version, offset):
    if offset == UNKNOWN_OFFSET or not table:
        return first_line
    if python_version >> 24 == 3 and (python_version >> 16) & 0xFF <= 10:
        return _line_310(table, first_line, offset)
    return _line_311(table, first_line, offset)


def _line_310(table, first_line, offset):
    current, end = first_line, 0
    for index in range(0, len(table) - 1, 2):
        start = end
        end += table[index]
        delta = table[index + 1] - 256 if table[index + 1] > 127 else table[index + 1]
        range_line = None
        if delta != -128:
            current += delta
            range_line = current
        if start <= offset < end:
            return range_line
    return None


def _line_311(table, first_line, offset):
    current, end, index = first_line, 0, 0
    size = len(table)

    def varint():
        nonlocal index
        value, shift = 0, 0
        while index < size:
            byte = table[index]
            index += 1
            value |= (byte & 63) << shift
            shift += 6
            if not byte & 64 or shift > 56:
                break
        return value

    def svarint():
        value = varint()
        return -(value >> 1) if value & 1 else value >> 1

    while index < size:
        first = table[index]
        index += 1
        if not first & 128:
            continue
        form = (first >> 3) & 15
        start = end
        end += ((first & 7) + 1) * 2
        range_line = current
        if form == 15:
            range_line = None
        elif form in (13, 14):
            current += svarint()
            range_line = current
        elif 10 <= form <= 12:
            current += form - 10
            range_line = current
        while index < size and not table[index] & 128:
            index += 1
        if start <= offset < end:
            return range_line
    return None
