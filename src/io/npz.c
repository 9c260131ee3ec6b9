/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .npz archives: a zip file of .npy members, as np.savez (members stored) and np.savez_compressed
 * (members deflated) write them. Each member is read as a stream, so an archive larger than
 * memory works; deflate goes through zlib.
 *
 * Zip layout (PKWARE APPNOTE 6.3): local headers each followed by a member's data, then the
 * central directory (one record per member: method, CRC-32, sizes, local header offset), then
 * the end-of-central-directory record (EOCD), found by its signature in the last 64 KiB + 22
 * bytes. Zip64 (numpy always asks for it) adds a zip64 EOCD and locator before the EOCD and an
 * extra field (id 1) holding the 64-bit sizes and offset whose 32-bit fields read 0xFFFFFFFF.
 *
 * Everything the directory claims is checked against the file before use: offsets and sizes
 * within the file, members that do not overlap the directory, a stored member's two sizes
 * equal, a deflated member's size within what deflate can produce from its compressed size,
 * names ending in ".npy", no duplicates, no encryption, the local header's signature and name.
 * The CRC-32 and the size of a member are checked when its last byte has been read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "io/io_internal.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define EOCD_SIZE 22
#define LOCATOR64_SIZE 20
#define EOCD64_SIZE 56
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
#define MAX_COMMENT 65535
#define MAX_MEMBERS 4096
#define MAX_NAME 255
#define METHOD_STORED 0
#define METHOD_DEFLATE 8
/* deflate's best ratio is 1032:1 (258-byte matches in 2 bits each, roughly): more is a lie */
#define MAX_DEFLATE_RATIO 1100
#define CHUNK 65536

struct member {
    char name[MAX_NAME + 1];       /* as stored, with ".npy" */
    uint16_t method;
    uint32_t crc;
    int64_t csize, usize;
    int64_t local;                 /* offset of the local header */
    int64_t data;                  /* offset of the data (after the local header) */
};

struct qv_npz {
    char path[1024];
    int64_t file_size;
    int32_t n;
    struct member *m;
};

struct qv_npz_stream {
    FILE *fp;
    char path[1024];
    struct member m;
    int64_t produced;              /* bytes handed out */
    int64_t consumed;              /* compressed bytes read from the file */
    uint32_t crc;
    bool done;                     /* size and CRC checked */
    bool ended;                    /* the deflate stream's end was seen */
    bool z_ready;
    z_stream z;
    unsigned char in[CHUNK];
};

static uint16_t le16(const unsigned char *b)
{
    return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t le64(const unsigned char *b)
{
    return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

/* Reads exactly n bytes at offset off; a short read is a truncation error naming `what`. */
static enum qv_status read_at(FILE *fp, const char *path, int64_t off, void *buf, size_t n,
                              const char *what, struct qv_error *err)
{
    if (fseeko(fp, (off_t)off, SEEK_SET) != 0)
        return qv_fail_at(err, QV_E_IO, path, off, "cannot seek in '%s': %s", path,
                          QV_STRERROR(errno));
    size_t got = fread(buf, 1, n, fp);
    if (got < n) {
        if (ferror(fp))
            return qv_fail_at(err, QV_E_IO, path, off, "cannot read '%s': %s", path,
                              QV_STRERROR(errno));
        return qv_fail_at(err, QV_E_INPUT, path, off + (int64_t)got, "truncated .npz: the file "
                          "ends inside the %s", what);
    }
    return QV_OK;
}

/* The EOCD's offset: the last signature whose comment length reaches the end of the file. */
static enum qv_status find_eocd(FILE *fp, const char *path, int64_t size, int64_t *ret_off,
                                struct qv_error *err)
{
    if (size < EOCD_SIZE)
        return qv_fail_at(err, QV_E_INPUT, path, 0, "not an .npz (zip) archive: %lld bytes is "
                          "too short for one", (long long)size);
    int64_t span = size < EOCD_SIZE + MAX_COMMENT ? size : EOCD_SIZE + MAX_COMMENT;
    unsigned char *tail = malloc((size_t)span);
    if (!tail)
        return qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", path);
    enum qv_status st = read_at(fp, path, size - span, tail, (size_t)span, "end record", err);
    for (int64_t i = span - EOCD_SIZE; st == QV_OK && i >= 0; i--) {
        if (le32(tail + i) == SIG_EOCD && i + EOCD_SIZE + le16(tail + i + 20) == span) {
            *ret_off = size - span + i;
            free(tail);
            return QV_OK;
        }
    }
    free(tail);
    if (st != QV_OK)
        return st;
    unsigned char magic[4] = { 0 };
    (void)read_at(fp, path, 0, magic, 4, "magic", NULL);
    if (memcmp(magic, "\x93NUMPY", 4) == 0)
        return qv_fail_at(err, QV_E_INPUT, path, 0, "not an .npz (zip) archive: this is an .npy "
                          "file (name it .npy)");
    if (memcmp(magic, "PK\x03\x04", 4) == 0)
        return qv_fail_at(err, QV_E_INPUT, path, size, "truncated .npz: it starts as a zip "
                          "archive but has no end of central directory record");
    return qv_fail_at(err, QV_E_INPUT, path, size, "not an .npz (zip) archive: no end of "
                      "central directory record");
}

struct directory {
    int64_t entries, offset, size;
};

static enum qv_status read_eocd(FILE *fp, const char *path, int64_t size, int64_t eocd,
                                struct directory *d, struct qv_error *err)
{
    unsigned char b[EOCD64_SIZE];
    enum qv_status st = read_at(fp, path, eocd, b, EOCD_SIZE, "end record", err);
    if (st != QV_OK)
        return st;
    if (le16(b + 4) != 0 || le16(b + 6) != 0 || le16(b + 8) != le16(b + 10))
        return qv_fail_at(err, QV_E_INPUT, path, eocd + 4, "multi-disk zip archives are not "
                          "supported");
    d->entries = le16(b + 10);
    d->size = le32(b + 12);
    d->offset = le32(b + 16);
    bool zip64 = d->entries == 0xFFFF || d->size == 0xFFFFFFFF || d->offset == 0xFFFFFFFF;
    int64_t loc = eocd - LOCATOR64_SIZE;
    unsigned char l[LOCATOR64_SIZE];
    if (loc >= 0 && (st = read_at(fp, path, loc, l, LOCATOR64_SIZE, "zip64 locator", err)))
        return st;
    if (loc >= 0 && le32(l) == SIG_LOCATOR64) {
        int64_t off64 = (int64_t)(le64(l + 8) & INT64_MAX);
        if (le32(l + 4) != 0 || le32(l + 16) > 1)
            return qv_fail_at(err, QV_E_INPUT, path, loc + 4, "multi-disk zip archives are not "
                              "supported");
        if (off64 > loc - EOCD64_SIZE)
            return qv_fail_at(err, QV_E_INPUT, path, loc + 8, "zip64 end record offset %lld is "
                              "outside the file", (long long)off64);
        if ((st = read_at(fp, path, off64, b, EOCD64_SIZE, "zip64 end record", err)))
            return st;
        if (le32(b) != SIG_EOCD64)
            return qv_fail_at(err, QV_E_INPUT, path, off64, "bad zip64 end record signature");
        uint64_t n64 = le64(b + 32), size64 = le64(b + 40), off = le64(b + 48);
        if (le32(b + 16) != 0 || le32(b + 20) != 0 || le64(b + 24) != n64)
            return qv_fail_at(err, QV_E_INPUT, path, off64 + 16, "multi-disk zip archives are "
                              "not supported");
        if (n64 > MAX_MEMBERS || size64 > (uint64_t)size || off > (uint64_t)size)
            return qv_fail_at(err, QV_E_INPUT, path, off64 + 32, "zip64 end record claims %llu "
                              "members, a %llu-byte directory at byte %llu (the file has %lld "
                              "bytes)", (unsigned long long)n64, (unsigned long long)size64,
                              (unsigned long long)off, (long long)size);
        d->entries = (int64_t)n64;
        d->size = (int64_t)size64;
        d->offset = (int64_t)off;
        eocd = off64;
    } else if (zip64) {
        return qv_fail_at(err, QV_E_INPUT, path, eocd, "the end record needs a zip64 record, "
                          "and there is none");
    }
    if (d->entries > MAX_MEMBERS)
        return qv_fail_at(err, QV_E_INPUT, path, eocd + 10, "%lld members: qvet reads at most %d",
                          (long long)d->entries, MAX_MEMBERS);
    if (d->offset + d->size > eocd)
        return qv_fail_at(err, QV_E_INPUT, path, eocd, "the central directory (%lld bytes at "
                          "byte %lld) runs past its end record at byte %lld", (long long)d->size,
                          (long long)d->offset, (long long)eocd);
    return QV_OK;
}

/* The zip64 extra field of a central record: the 64-bit values the 32-bit fields defer to. */
static enum qv_status zip64_extra(const unsigned char *ex, size_t len, struct member *m,
                                  bool need_u, bool need_c, bool need_off, const char *path,
                                  int64_t at, struct qv_error *err)
{
    for (size_t i = 0; i + 4 <= len;) {
        uint16_t id = le16(ex + i), n = le16(ex + i + 2);
        if (i + 4 + n > len)
            return qv_fail_at(err, QV_E_INPUT, path, at + (int64_t)i, "member '%s': extra field "
                              "runs past its record", m->name);
        if (id == 1) {
            size_t k = i + 4, end = i + 4 + n;
            uint64_t v[3] = { 0 };
            bool need[3] = { need_u, need_c, need_off };
            for (int f = 0; f < 3; f++) {
                if (!need[f])
                    continue;
                if (k + 8 > end)
                    return qv_fail_at(err, QV_E_INPUT, path, at + (int64_t)k, "member '%s': "
                                      "zip64 extra field is too short", m->name);
                v[f] = le64(ex + k);
                k += 8;
            }
            if (v[0] > (uint64_t)INT64_MAX / 2 || v[1] > (uint64_t)INT64_MAX / 2 ||
                v[2] > (uint64_t)INT64_MAX / 2)
                return qv_fail_at(err, QV_E_INPUT, path, at + (int64_t)i, "member '%s': zip64 "
                                  "size or offset beyond 2^62", m->name);
            if (need_u)
                m->usize = (int64_t)v[0];
            if (need_c)
                m->csize = (int64_t)v[1];
            if (need_off)
                m->local = (int64_t)v[2];
            return QV_OK;
        }
        i += 4 + (size_t)n;
    }
    if (need_u || need_c || need_off)
        return qv_fail_at(err, QV_E_INPUT, path, at, "member '%s': sizes or offset read "
                          "0xFFFFFFFF but there is no zip64 extra field", m->name);
    return QV_OK;
}

/* One central directory record at dir[pos..]; fills m and advances *pos. */
static enum qv_status central_record(const struct qv_npz *z, const unsigned char *dir,
                                     int64_t dir_off, int64_t dir_size, int64_t *pos,
                                     struct member *m, struct qv_error *err)
{
    const char *path = z->path;
    int64_t at = dir_off + *pos;
    if (*pos + CENTRAL_SIZE > dir_size)
        return qv_fail_at(err, QV_E_INPUT, path, at, "central directory ends inside a record");
    const unsigned char *r = dir + *pos;
    if (le32(r) != SIG_CENTRAL)
        return qv_fail_at(err, QV_E_INPUT, path, at, "bad central directory record signature");
    uint16_t flags = le16(r + 8), nlen = le16(r + 28), elen = le16(r + 30), clen = le16(r + 32);
    if (*pos + CENTRAL_SIZE + nlen + elen + clen > dir_size)
        return qv_fail_at(err, QV_E_INPUT, path, at, "central directory record runs past the "
                          "directory");
    if (nlen == 0 || nlen > MAX_NAME || memchr(r + CENTRAL_SIZE, 0, nlen))
        return qv_fail_at(err, QV_E_INPUT, path, at + 28, "member name of %u bytes is not a "
                          "name", nlen);
    memcpy(m->name, r + CENTRAL_SIZE, nlen);
    m->name[nlen] = '\0';
    if (flags & 0x41)
        return qv_fail_at(err, QV_E_INPUT, path, at + 8, "member '%s' is encrypted", m->name);
    m->method = le16(r + 10);
    m->crc = le32(r + 16);
    m->csize = le32(r + 20);
    m->usize = le32(r + 24);
    m->local = le32(r + 42);
    enum qv_status st = zip64_extra(r + CENTRAL_SIZE + nlen, elen, m, m->usize == 0xFFFFFFFF,
                                    m->csize == 0xFFFFFFFF, m->local == 0xFFFFFFFF, path,
                                    at + CENTRAL_SIZE + nlen, err);
    if (st != QV_OK)
        return st;
    *pos += CENTRAL_SIZE + nlen + elen + clen;
    size_t len = strlen(m->name);
    if (len < 5 || strcmp(m->name + len - 4, ".npy") != 0)
        return qv_fail_at(err, QV_E_INPUT, path, at + CENTRAL_SIZE, "member '%s' is not an .npy "
                          "array (an .npz holds only .npy members)", m->name);
    if (m->method != METHOD_STORED && m->method != METHOD_DEFLATE)
        return qv_fail_at(err, QV_E_INPUT, path, at + 10, "member '%s': compression method %u "
                          "is not supported (stored 0 and deflate 8 are)", m->name, m->method);
    if (m->method == METHOD_STORED && m->csize != m->usize)
        return qv_fail_at(err, QV_E_INPUT, path, at + 20, "member '%s' is stored but its sizes "
                          "differ (%lld and %lld bytes)", m->name, (long long)m->csize,
                          (long long)m->usize);
    if (m->method == METHOD_DEFLATE && m->usize / MAX_DEFLATE_RATIO > m->csize + 64)
        return qv_fail_at(err, QV_E_INPUT, path, at + 20, "member '%s' claims %lld bytes from "
                          "%lld compressed: more than deflate can give", m->name,
                          (long long)m->usize, (long long)m->csize);
    if (m->local < 0 || m->local + LOCAL_SIZE > dir_off)
        return qv_fail_at(err, QV_E_INPUT, path, at + 42, "member '%s': local header offset %lld "
                          "is not before the directory", m->name, (long long)m->local);
    return QV_OK;
}

/* Checks the local header of m and finds its data. */
static enum qv_status local_header(struct qv_npz *z, FILE *fp, int64_t dir_off, struct member *m,
                                   struct qv_error *err)
{
    unsigned char h[LOCAL_SIZE + MAX_NAME];
    enum qv_status st = read_at(fp, z->path, m->local, h, LOCAL_SIZE, "local header", err);
    if (st != QV_OK)
        return st;
    if (le32(h) != SIG_LOCAL)
        return qv_fail_at(err, QV_E_INPUT, z->path, m->local, "member '%s': bad local header "
                          "signature", m->name);
    uint16_t nlen = le16(h + 26), elen = le16(h + 28);
    size_t want = strlen(m->name);
    if (nlen != want || (st = read_at(fp, z->path, m->local + LOCAL_SIZE, h, nlen, "local header",
                                      err)) != QV_OK || memcmp(h, m->name, nlen) != 0) {
        if (st != QV_OK)
            return st;
        return qv_fail_at(err, QV_E_INPUT, z->path, m->local + LOCAL_SIZE, "member '%s': the "
                          "local header names another member", m->name);
    }
    m->data = m->local + LOCAL_SIZE + nlen + elen;
    if (m->data > dir_off || m->csize > dir_off - m->data)
        return qv_fail_at(err, QV_E_INPUT, z->path, m->local, "member '%s': %lld bytes of data "
                          "at byte %lld run into the central directory at byte %lld", m->name,
                          (long long)m->csize, (long long)m->data, (long long)dir_off);
    return QV_OK;
}

enum qv_status qv_npz_open(const char *path, struct qv_npz **ret_npz, struct qv_error *err)
{
    enum qv_status st;
    struct stat sb;
    unsigned char *dir = NULL;
    FILE *fp = NULL;
    if (strlen(path) >= sizeof(((struct qv_npz *)0)->path))
        return qv_fail_at(err, QV_E_IO, path, -1, "path is too long");
    struct qv_npz *z = calloc(1, sizeof(*z));
    if (!z)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", path);
    snprintf(z->path, sizeof(z->path), "%s", path);
    fp = fopen(path, "rb");
    if (!fp) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "cannot open '%s': %s", path, QV_STRERROR(errno));
        goto fail;
    }
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = qv_fail_at(err, QV_E_IO, path, -1, "'%s' is not a regular file", path);
        goto fail;
    }
    z->file_size = (int64_t)sb.st_size;
    int64_t eocd = 0;
    struct directory d = { 0, 0, 0 };
    if ((st = find_eocd(fp, path, z->file_size, &eocd, err)) != QV_OK ||
        (st = read_eocd(fp, path, z->file_size, eocd, &d, err)) != QV_OK)
        goto fail;
    if (d.entries == 0) {
        st = qv_fail_at(err, QV_E_INPUT, path, eocd, "the archive holds no arrays");
        goto fail;
    }
    dir = malloc((size_t)d.size + 1);
    z->m = calloc((size_t)d.entries, sizeof(*z->m));
    if (!dir || !z->m) {
        st = qv_fail(err, QV_E_NOMEM, "out of memory reading '%s'", path);
        goto fail;
    }
    if ((st = read_at(fp, path, d.offset, dir, (size_t)d.size, "central directory", err)))
        goto fail;
    int64_t pos = 0;
    for (int64_t i = 0; i < d.entries; i++) {
        struct member *m = &z->m[i];
        if ((st = central_record(z, dir, d.offset, d.size, &pos, m, err)) != QV_OK ||
            (st = local_header(z, fp, d.offset, m, err)) != QV_OK)
            goto fail;
        for (int64_t j = 0; j < i; j++) {
            if (strcmp(z->m[j].name, m->name) == 0) {
                st = qv_fail_at(err, QV_E_INPUT, path, m->local, "member '%s' appears twice",
                                m->name);
                goto fail;
            }
        }
        z->n++;
    }
    free(dir);
    fclose(fp);
    *ret_npz = z;
    return QV_OK;
fail:
    free(dir);
    if (fp)
        fclose(fp);
    qv_npz_close(z);
    return st;
}

int32_t qv_npz_count(const struct qv_npz *z)
{
    return z->n;
}

const char *qv_npz_name(const struct qv_npz *z, int32_t i)
{
    return z->m[i].name;
}

const char *qv_npz_path(const struct qv_npz *z)
{
    return z->path;
}

enum qv_status qv_npz_open_array(const struct qv_npz *z, int32_t i, struct qv_npy **ret_npy,
                                 struct qv_error *err)
{
    if (i < 0 || i >= z->n)
        return qv_fail(err, QV_E_USAGE, "qv_npz_open_array: member %d of %d", i, z->n);
    struct qv_npz_stream *zs = calloc(1, sizeof(*zs));
    if (!zs)
        return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", z->path);
    zs->m = z->m[i];
    snprintf(zs->path, sizeof(zs->path), "%s", z->path);
    zs->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    zs->fp = fopen(z->path, "rb");
    if (!zs->fp || fseeko(zs->fp, (off_t)zs->m.data, SEEK_SET) != 0) {
        enum qv_status st = qv_fail_at(err, QV_E_IO, z->path, -1, "cannot open '%s': %s",
                                       z->path, QV_STRERROR(errno));
        qv_npz_stream_close(zs);
        return st;
    }
    if (zs->m.method == METHOD_DEFLATE) {
        if (inflateInit2(&zs->z, -MAX_WBITS) != Z_OK) {
            qv_npz_stream_close(zs);
            return qv_fail(err, QV_E_NOMEM, "out of memory opening '%s'", z->path);
        }
        zs->z_ready = true;
    }
    /* the stream now belongs to the reader, also on failure */
    return qv_npy_open_stream(z->path, zs->m.name, zs, zs->m.usize, ret_npy, err);
}

void qv_npz_close(struct qv_npz *z)
{
    if (!z)
        return;
    free(z->m);
    free(z);
}

/* ---- member streams ----------------------------------------------------------------------- */

static enum qv_status sfail(const struct qv_npz_stream *zs, struct qv_error *err, const char *what)
{
    return qv_fail_at(err, QV_E_INPUT, zs->path, zs->m.local, "member '%s': %s", zs->m.name,
                      what);
}

/* At the member's end: its size and CRC-32 must be the directory's. */
static enum qv_status finish(struct qv_npz_stream *zs, struct qv_error *err)
{
    char msg[160];
    zs->done = true;
    if (zs->produced != zs->m.usize) {
        snprintf(msg, sizeof(msg), "holds %lld bytes, the directory says %lld",
                 (long long)zs->produced, (long long)zs->m.usize);
        return sfail(zs, err, msg);
    }
    if (zs->crc != zs->m.crc) {
        snprintf(msg, sizeof(msg), "CRC-32 is %08x, the directory says %08x (the archive is "
                 "corrupt)", zs->crc, zs->m.crc);
        return sfail(zs, err, msg);
    }
    return QV_OK;
}

static enum qv_status read_stored(struct qv_npz_stream *zs, unsigned char *buf, size_t n,
                                  size_t *ret_got, struct qv_error *err)
{
    int64_t left = zs->m.usize - zs->produced;
    size_t want = (int64_t)n < left ? n : (size_t)left;
    size_t got = want ? fread(buf, 1, want, zs->fp) : 0;
    if (got < want) {
        if (ferror(zs->fp))
            return qv_fail_at(err, QV_E_IO, zs->path, zs->m.data + zs->produced,
                              "cannot read '%s': %s", zs->path, QV_STRERROR(errno));
        return qv_fail_at(err, QV_E_INPUT, zs->path, zs->m.data + zs->produced + (int64_t)got,
                          "truncated .npz: member '%s' ends early", zs->m.name);
    }
    zs->crc = (uint32_t)crc32(zs->crc, buf, (uInt)got);
    zs->produced += (int64_t)got;
    zs->consumed += (int64_t)got;
    *ret_got = got;
    return QV_OK;
}

/* More compressed input when zlib has used what it had; false at the member's end. */
static enum qv_status refill(struct qv_npz_stream *zs, struct qv_error *err)
{
    if (zs->z.avail_in != 0 || zs->consumed >= zs->m.csize)
        return QV_OK;
    int64_t left = zs->m.csize - zs->consumed;
    size_t want = left < CHUNK ? (size_t)left : CHUNK;
    size_t r = fread(zs->in, 1, want, zs->fp);
    if (r < want && ferror(zs->fp))
        return qv_fail_at(err, QV_E_IO, zs->path, zs->m.data + zs->consumed,
                          "cannot read '%s': %s", zs->path, QV_STRERROR(errno));
    if (r < want)
        return qv_fail_at(err, QV_E_INPUT, zs->path, zs->m.data + zs->consumed + (int64_t)r,
                          "truncated .npz: member '%s' ends early", zs->m.name);
    zs->z.next_in = zs->in;
    zs->z.avail_in = (uInt)r;
    zs->consumed += (int64_t)r;
    return QV_OK;
}

/* One inflate step into out[0..room); *ret_made bytes produced. */
static enum qv_status inflate_step(struct qv_npz_stream *zs, unsigned char *out, size_t room,
                                   size_t *ret_made, struct qv_error *err)
{
    enum qv_status st = refill(zs, err);
    if (st != QV_OK)
        return st;
    zs->z.next_out = out;
    zs->z.avail_out = (uInt)(room > (size_t)CHUNK * 16 ? (size_t)CHUNK * 16 : room);
    uInt before = zs->z.avail_out;
    int rc = inflate(&zs->z, Z_NO_FLUSH);
    size_t made = before - zs->z.avail_out;
    if (rc == Z_STREAM_END) {
        zs->ended = true;
        if (zs->z.avail_in != 0 || zs->consumed != zs->m.csize)
            return sfail(zs, err, "compressed data continues after the deflate stream");
    } else if (rc == Z_MEM_ERROR) {
        return qv_fail(err, QV_E_NOMEM, "out of memory inflating '%s'", zs->path);
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && made == 0)) {
        return sfail(zs, err, "corrupt deflate data");
    } else if (made == 0 && zs->z.avail_in == 0 && zs->consumed >= zs->m.csize) {
        return sfail(zs, err, "deflate data ends before the member does (truncated)");
    }
    *ret_made = made;
    return QV_OK;
}

static enum qv_status read_deflated(struct qv_npz_stream *zs, unsigned char *buf, size_t n,
                                    size_t *ret_got, struct qv_error *err)
{
    enum qv_status st;
    size_t got = 0;
    while (got < n && zs->produced < zs->m.usize && !zs->ended) {
        size_t room = n - got, made = 0;
        if ((int64_t)room > zs->m.usize - zs->produced)
            room = (size_t)(zs->m.usize - zs->produced);
        if ((st = inflate_step(zs, buf + got, room, &made, err)) != QV_OK)
            return st;
        zs->crc = (uint32_t)crc32(zs->crc, buf + got, (uInt)made);
        zs->produced += (int64_t)made;
        got += made;
    }
    /* All the promised bytes: the deflate stream must end right there, with no byte more. */
    while (zs->produced == zs->m.usize && !zs->ended) {
        unsigned char probe;
        size_t made = 0;
        if ((st = inflate_step(zs, &probe, 1, &made, err)) != QV_OK)
            return st;
        if (made)
            return sfail(zs, err, "inflates to more bytes than the directory says");
    }
    *ret_got = got;
    return QV_OK;
}

enum qv_status qv_npz_stream_read(struct qv_npz_stream *zs, void *buf, size_t n, size_t *ret_got,
                                  struct qv_error *err)
{
    enum qv_status st;
    size_t got = 0;
    if (!zs->done) {
        st = zs->m.method == METHOD_STORED ? read_stored(zs, buf, n, &got, err)
                                           : read_deflated(zs, buf, n, &got, err);
        if (st != QV_OK)
            return st;
        if (got < n || zs->produced == zs->m.usize || zs->ended) {
            if ((st = finish(zs, err)) != QV_OK)
                return st;
        }
    }
    *ret_got = got;
    return QV_OK;
}

int64_t qv_npz_stream_file_offset(const struct qv_npz_stream *zs, int64_t pos)
{
    return zs->m.method == METHOD_STORED ? zs->m.data + pos : -1;
}

void qv_npz_stream_close(struct qv_npz_stream *zs)
{
    if (!zs)
        return;
    if (zs->z_ready)
        inflateEnd(&zs->z);
    if (zs->fp)
        fclose(zs->fp);
    free(zs);
}
