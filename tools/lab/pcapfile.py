"""Read classic pcap files (stdlib only), as written by tcpdump.

Both byte orders and both timestamp resolutions (microsecond magic
0xa1b2c3d4, nanosecond magic 0xa1b23c4d). pcapng is not needed here: the lab
writes its captures with tcpdump -w, which produces classic pcap.
"""
import struct

MAGICS = {
    0xA1B2C3D4: 1e-6,   # microsecond timestamps
    0xA1B23C4D: 1e-9,   # nanosecond timestamps
}
LINKTYPE_ETHERNET = 1


class PcapError(Exception):
    pass


def _header(f, path):
    """-> (byte order, timestamp scale, link type) from the global header."""
    gh = f.read(24)
    if len(gh) < 24:
        raise PcapError("%s: file shorter than the 24-byte pcap header" % path)
    for order in ("<", ">"):
        magic = struct.unpack(order + "I", gh[:4])[0]
        if magic in MAGICS:
            linktype = struct.unpack(order + "I", gh[20:24])[0] & 0x0FFFFFFF
            return order, MAGICS[magic], linktype
    raise PcapError("%s: not a classic pcap file (magic %s)" % (path, gh[:4].hex()))


def linktype(path):
    """The file's link-layer header type (1 = Ethernet)."""
    with open(path, "rb") as f:
        return _header(f, path)[2]


def read(path):
    """Yield (index, timestamp_seconds, original_length, frame_bytes).

    Raises PcapError on a truncated record, naming its byte offset; the
    packets before it have been yielded already."""
    with open(path, "rb") as f:
        order, scale, _ = _header(f, path)
        rec = struct.Struct(order + "IIII")
        offset, index = 24, 0
        while True:
            h = f.read(16)
            if not h:
                return
            if len(h) < 16:
                raise PcapError("%s: truncated record header at byte %d" % (path, offset))
            sec, frac, incl, orig = rec.unpack(h)
            data = f.read(incl)
            if len(data) < incl:
                raise PcapError("%s: truncated packet data at byte %d" % (path, offset + 16))
            yield index, sec + frac * scale, orig, data
            offset += 16 + incl
            index += 1
