"""Writes tests/fixtures/npz/: .npz datasets for the two-input int8 ADD fixture
(tests/fixtures/int8_ops/add_000, inputs 'x0' and 'x1', [1, 4, 4, 3] int8) and hostile archives.

numpy only (no TensorFlow). Deterministic: the good archives come from np.savez /
np.savez_compressed with fixed inputs; the hostile ones are byte edits of them, or zips built by
hand where numpy cannot produce the case (zip64 end records, sizes, encryption flags).

    .venv/bin/python reference/make_npz_fixtures.py
"""

import io
import os
import shutil
import struct
import zipfile
import zlib

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "tests", "fixtures", "npz")
ADD = os.path.join(REPO, "tests", "fixtures", "int8_ops", "add_000")


def savez(name, compressed=False, *args, **kwargs):
    path = os.path.join(OUT, name)
    (np.savez_compressed if compressed else np.savez)(path, *args, **kwargs)
    return path


def raw(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def npy_bytes(arr):
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def find_central(data, member):
    """Offset of member's central directory record."""
    pos = data.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack_from("<II", data, pos + 12)
    p = cd_off
    while p < cd_off + cd_size:
        nlen, elen, clen = struct.unpack_from("<HHH", data, p + 28)
        name = data[p + 46:p + 46 + nlen].decode()
        if name == member:
            return p
        p += 46 + nlen + elen + clen
    raise KeyError(member)


def local_data_offset(data, member):
    c = find_central(data, member)
    (lh,) = struct.unpack_from("<I", data, c + 42)
    nlen, elen = struct.unpack_from("<HH", data, lh + 26)
    return lh + 30 + nlen + elen


def hand_zip(members, zip64_eocd=False, patch=None):
    """A zip of (name, bytes, method) members; patch(central_records) may edit the records."""
    out = bytearray()
    central = []
    for name, payload, method in members:
        nb = name.encode()
        comp = payload if method == 0 else zlib.compress(payload, 9)[2:-4]
        crc = zlib.crc32(payload) & 0xFFFFFFFF
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(comp),
                           len(payload), len(nb), 0) + nb + comp
        central.append(dict(name=nb, method=method, crc=crc, csize=len(comp),
                            usize=len(payload), off=off, flags=0, extra=b""))
    if patch:
        patch(central)
    cd_off = len(out)
    for c in central:
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, c["flags"], c["method"], 0,
                           0x21, c["crc"], c["csize"], c["usize"], len(c["name"]),
                           len(c["extra"]), 0, 0, 0, 0, c["off"]) + c["name"] + c["extra"]
    cd_size = len(out) - cd_off
    n = len(central)
    if zip64_eocd:
        eocd64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_off)
        out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                           0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, 0)
    return bytes(out)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    x0 = np.load(os.path.join(ADD, "input_0.npy"))
    x1 = np.load(os.path.join(ADD, "input_1.npy"))

    # good: by name (either order), in order (positional arr_0/arr_1), deflated
    savez("named.npz", False, x0=x0, x1=x1)
    savez("named_reversed.npz", False, x1=x1, x0=x0)
    savez("positional.npz", False, x0, x1)
    savez("named_deflated.npz", True, x0=x0, x1=x1)
    # a zip64 end-of-central-directory record (what >65535 members or >4 GiB would need)
    raw("zip64_eocd.npz", hand_zip([("x0.npy", npy_bytes(x0), 0), ("x1.npy", npy_bytes(x1), 8)],
                                   zip64_eocd=True))

    # hostile multi-input data (exit 2 naming the file, the array and the position)
    savez("missing_input.npz", False, x0=x0)
    savez("extra_array.npz", False, x0, x1, x1)
    savez("wrong_count.npz", False, x0=x0, x1=x1[:2])
    savez("wrong_shape.npz", False, x0=x0, x1=x1.reshape(3, 4, 12))
    savez("wrong_dtype.npz", False, x0=x0, x1=x1.astype(np.complex64))
    savez("partly_named.npz", False, x0=x0, other=x1)

    # hostile archives
    good = open(os.path.join(OUT, "named.npz"), "rb").read()
    deflated = open(os.path.join(OUT, "named_deflated.npz"), "rb").read()
    raw("not_a_zip.npz", b"this is not a zip archive at all, just text\n" * 4)
    raw("truncated.npz", good[:len(good) // 2])
    raw("truncated_tail.npz", good[:-10])
    # bad CRC: one data byte of the stored member x1 changed
    b = bytearray(good)
    b[local_data_offset(good, "x1.npy") + 130] ^= 0x55
    raw("bad_crc.npz", bytes(b))
    # deflated member with corrupt compressed data
    b = bytearray(deflated)
    d = local_data_offset(deflated, "x1.npy")
    for k in range(6):
        b[d + 40 + k] ^= 0xA5
    raw("bad_deflate.npz", bytes(b))
    # sizes: a member claiming 2^40 bytes from 100 compressed, and a stored one whose sizes differ
    payload = npy_bytes(x0)

    def huge(c):
        c[0]["usize"] = 0xFFFFFFFF
        c[0]["extra"] = struct.pack("<HHQQ", 1, 16, 1 << 40, c[0]["csize"])
        c[0]["csize"] = 0xFFFFFFFF
    raw("huge_size.npz", hand_zip([("x0.npy", payload, 8)], patch=huge))

    def stored_mismatch(c):
        c[0]["usize"] += 1000
    raw("stored_sizes_differ.npz", hand_zip([("x0.npy", payload, 0)], patch=stored_mismatch))

    def zip64_missing(c):
        c[0]["usize"] = 0xFFFFFFFF
    raw("zip64_no_extra.npz", hand_zip([("x0.npy", payload, 0)], patch=zip64_missing))

    def past_end(c):
        c[0]["off"] = 10_000_000
    raw("offset_past_end.npz", hand_zip([("x0.npy", payload, 0)], patch=past_end))

    def encrypted(c):
        c[0]["flags"] = 1
    raw("encrypted.npz", hand_zip([("x0.npy", payload, 0)], patch=encrypted))
    raw("not_npy_member.npz", hand_zip([("x0.npy", payload, 0), ("readme.txt", b"hello\n", 0)]))
    raw("duplicate.npz", hand_zip([("x0.npy", payload, 0), ("x0.npy", payload, 0)]))
    raw("not_npy_content.npz", hand_zip([("x0.npy", b"not an npy array" * 4, 0)]))
    raw("empty.npz", hand_zip([]))
    raw("zip64_bad_locator.npz",
        hand_zip([("x0.npy", payload, 0)], zip64_eocd=True)[:-42] +
        struct.pack("<IIQI", 0x07064B50, 0, 1 << 50, 1) +
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    main()
