/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TFLite reader on hostile input: truncation at every length, deterministic bit flips, offsets
 * outside the file or wrapping around, giant vectors, shared-reference blowups, overflowing
 * shapes and everything qvet refuses on purpose. Each must fail with QV_E_INPUT (naming the byte
 * for structure faults) and never crash, hang or read out of bounds (CI runs this under ASan and
 * UBSan). tests/fixtures/hostile/tflite_*.tflite keep a few of these as files for the CLI.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_cases.h"
#include "support.h"
#include "tflite_kit.h"

#define PATH "hostile.tflite"

/* Reads buf[0, size) from an exact-size copy, so ASan sees any read past the end. */
static enum qv_status read_copy(const uint8_t *buf, size_t size, struct qv_error *err,
                                struct qv_graph **ret_g)
{
    uint8_t *copy = malloc(size ? size : 1);
    ck_assert_ptr_nonnull(copy);
    if (size)
        memcpy(copy, buf, size);
    struct qv_graph *g = NULL;
    enum qv_status st = qv_tflite_read(copy, size, PATH, &g, err);
    free(copy);
    if (ret_g)
        *ret_g = g;
    else
        qv_graph_free(g);
    return st;
}

/* Expects QV_E_INPUT with the message containing needle, at `offset` (-2: any offset >= 0). */
static void expect_fail(const uint8_t *buf, size_t size, int64_t offset, const char *needle)
{
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    enum qv_status st = read_copy(buf, size, &err, &g);
    ck_assert_msg(st == QV_E_INPUT, "status %d (%s), expected input error with '%s'", st,
                  err.msg, needle);
    ck_assert_ptr_null(g);
    ck_assert_str_eq(err.path, PATH);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
    if (offset == -2)
        ck_assert_msg(err.offset >= 0 && (size_t)err.offset < (size ? size : 1) + 8,
                      "offset %lld for '%s'", (long long)err.offset, err.msg);
    else
        ck_assert_msg(err.offset == offset, "offset %lld, expected %lld (%s)",
                      (long long)err.offset, (long long)offset, err.msg);
}

static void expect_kit_fail(const struct kit_model *m, const char *needle)
{
    size_t size;
    uint8_t *buf = kit_build(m, &size);
    expect_fail(buf, size, -2, needle);
    free(buf);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Positions inside a kit model, found with qvet's own reader. */
struct where {
    struct qv_fb fb;
    struct qv_fb_table model, sg, tensor0;
    struct qv_fb_vec subgraphs, tensors;
};

static void locate(struct where *w, const uint8_t *buf, size_t size)
{
    ck_assert_int_eq(qv_fb_init(&w->fb, buf, size, "", NULL), QV_OK);
    ck_assert_int_eq(qv_fb_root(&w->fb, "TFL3", &w->model, NULL), QV_OK);
    ck_assert_int_eq(qv_fb_vector(&w->fb, &w->model, QV_TFL_MODEL_SUBGRAPHS, 4, &w->subgraphs,
                                  NULL), QV_OK);
    ck_assert_int_eq(qv_fb_vec_table(&w->fb, &w->subgraphs, 0, &w->sg, NULL), QV_OK);
    ck_assert_int_eq(qv_fb_vector(&w->fb, &w->sg, QV_TFL_SG_TENSORS, 4, &w->tensors, NULL),
                     QV_OK);
    ck_assert_int_eq(qv_fb_vec_table(&w->fb, &w->tensors, 0, &w->tensor0, NULL), QV_OK);
}

/* Models the fuzz-style tests mutate: kit models and converter fixtures. */
static uint8_t *source_model(int which, size_t *ret_size)
{
    struct kit_model m;
    static const char *const fixtures[] = { "tflite/cnn_small/model_int8.tflite",
                                            "tflite/mlp/model_f32.tflite",
                                            "tflite/branchy/model_int8_fio.tflite" };
    if (which == 0) {
        kit_add_const(&m);
        return kit_build(&m, ret_size);
    }
    if (which == 1) {
        kit_add_const(&m);
        m.b[1].data = NULL;
        m.b[1].ext = kit_const_data;
        m.b[1].ext_size = sizeof(kit_const_data);
        return kit_build(&m, ret_size);
    }
    uint8_t *buf = (uint8_t *)qvt_read_file(qvt_fixture(fixtures[which - 2]), ret_size);
    ck_assert_msg(buf != NULL, "missing fixture %s", fixtures[which - 2]);
    return buf;
}

#define N_SOURCES 5

/* ---- truncation and random damage ---------------------------------------------------------- */

START_TEST(truncated_at_every_length_fails_cleanly)
{
    size_t size;
    uint8_t *buf = source_model(_i, &size);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(read_copy(buf, size, &err, NULL), QV_OK);
    size_t step = size / 300 + 1;
    for (size_t len = 0; len < size; len += len < 400 ? 1 : step) {
        struct qv_error e = QV_ERROR_INIT;
        enum qv_status st = read_copy(buf, len, &e, NULL);
        ck_assert_msg(st == QV_E_INPUT, "source %d cut at %zu of %zu: status %d", _i, len, size,
                      st);
        ck_assert_str_eq(e.path, PATH);
        ck_assert_msg(e.offset >= 0 || e.node >= 0, "cut at %zu: no position (%s)", len, e.msg);
    }
    free(buf);
}
END_TEST

/* A deterministic generator (splitmix64): same damage on every run and machine. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

START_TEST(random_damage_fails_cleanly_or_reads_a_valid_model)
{
    size_t size;
    uint8_t *buf = source_model(_i, &size);
    uint8_t *copy = malloc(size);
    ck_assert_ptr_nonnull(copy);
    uint64_t seed = 0x5EED0000u + (uint64_t)_i;
    int ok = 0;
    for (int iter = 0; iter < 2500; iter++) {
        memcpy(copy, buf, size);
        int flips = 1 + (int)(next_rand(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            uint64_t r = next_rand(&seed);
            /* Mostly the first 512 bytes (the structure), sometimes anywhere. */
            size_t pos = (r & 3) ? (size_t)(r >> 8) % (size < 512 ? size : 512)
                                 : (size_t)(r >> 8) % size;
            switch ((r >> 2) & 3) {
            case 0: copy[pos] ^= (uint8_t)(1u << ((r >> 40) & 7)); break;
            case 1: copy[pos] = 0xFF; break;
            case 2: copy[pos] = 0; break;
            default: copy[pos] = (uint8_t)(r >> 48); break;
            }
        }
        struct qv_error err = QV_ERROR_INIT;
        struct qv_graph *g = NULL;
        enum qv_status st = read_copy(copy, size, &err, &g);
        ck_assert_msg(st == QV_OK || st == QV_E_INPUT, "iteration %d: status %d (%s)", iter, st,
                      err.msg);
        if (st != QV_OK)
            continue;
        /* Whatever was accepted is a valid graph: it writes and reads back, unless it holds
         * what qvet cannot run (a damaged opcode), which the writer refuses. */
        uint8_t *out = NULL;
        size_t n = 0;
        struct qv_graph *g2 = NULL;
        if (qv_graph_check_runnable(g, NULL) != QV_OK) {
            ck_assert_int_eq(qv_tflite_write(g, &out, &n, &err), QV_E_INPUT);
            ck_assert_ptr_null(out);
            qv_graph_free(g);
            continue;
        }
        ck_assert_int_eq(qv_tflite_write(g, &out, &n, &err), QV_OK);
        ck_assert_msg(qv_tflite_read(out, n, "rewritten", &g2, &err) == QV_OK,
                      "iteration %d: rewrite does not read back: %s", iter, err.msg);
        qv_graph_free(g2);
        qv_graph_free(g);
        free(out);
        ok++;
    }
    free(copy);
    free(buf);
}
END_TEST

/* ---- structure faults at known bytes --------------------------------------------------------- */

START_TEST(tiny_files_fail)
{
    static const uint8_t junk[8] = { 8, 0, 0, 0, 'T', 'F', 'L', '3' };
    for (size_t n = 0; n < 8; n++)
        expect_fail(junk, n, 0, "too short");
    expect_fail(junk, 8, 0, "outside the file");
}
END_TEST

START_TEST(root_and_vtable_offsets_outside_fail)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    uint8_t *buf = kit_build(&m, &size);
    struct where w;
    locate(&w, buf, size);

    put_u32(buf, 0xFFFFFFF0u);                 /* root offset */
    expect_fail(buf, size, 0, "outside the file");
    put_u32(buf, w.model.pos);
    memcpy(buf + 4, "TFL2", 4);                /* identifier */
    expect_fail(buf, size, 4, "not a TFLite model");
    memcpy(buf + 4, "TFL3", 4);

    uint8_t save[4];
    memcpy(save, buf + w.model.pos, 4);
    put_u32(buf + w.model.pos, 0x80000000u);   /* vtable soffset far below the file */
    expect_fail(buf, size, w.model.pos, "vtable offset");
    put_u32(buf + w.model.pos, (uint32_t)(0 - (w.model.pos + 64 + (uint32_t)size)));
    expect_fail(buf, size, w.model.pos, "vtable offset");
    memcpy(buf + w.model.pos, save, 4);

    buf[w.model.vt] = 3;                       /* odd vtable size */
    expect_fail(buf, size, w.model.vt, "vtable size");
    buf[w.model.vt] = 0xFE;
    buf[w.model.vt + 1] = 0xFF;                /* vtable runs past the end */
    expect_fail(buf, size, w.model.vt, "vtable size");
    free(buf);
}
END_TEST

START_TEST(field_offsets_outside_or_wrapping_fail)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    uint8_t *buf = kit_build(&m, &size);
    struct where w;
    locate(&w, buf, size);
    uint32_t field;
    ck_assert_int_eq(qv_fb_field(&w.fb, &w.model, QV_TFL_MODEL_SUBGRAPHS, 4, &field, NULL),
                     QV_OK);
    uint8_t save[4];
    memcpy(save, buf + field, 4);
    put_u32(buf + field, (uint32_t)size);      /* points one past the end */
    expect_fail(buf, size, field, "outside the file");
    /* In 32-bit arithmetic field + value would wrap to the model table itself: a loop. */
    put_u32(buf + field, (uint32_t)(0 - (field - w.model.pos)));
    expect_fail(buf, size, field, "outside the file");
    memcpy(buf + field, save, 4);

    /* A field whose vtable entry lies beyond its table. */
    uint8_t *fo = buf + w.model.vt + 4 + 2 * QV_TFL_MODEL_SUBGRAPHS;
    fo[0] = 0xF0;
    fo[1] = 0xFF;
    expect_fail(buf, size, w.model.vt + 4 + 2 * QV_TFL_MODEL_SUBGRAPHS, "outside its table");
    free(buf);
}
END_TEST

START_TEST(giant_vector_lengths_fail)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    uint8_t *buf = kit_build(&m, &size);
    struct where w;
    locate(&w, buf, size);
    uint32_t len_at = w.tensors.at;
    put_u32(buf + len_at, 0xFFFFFFFFu);
    expect_fail(buf, size, len_at, "runs past the end");
    put_u32(buf + len_at, 0x40000000u);        /* 4 * len wraps a 32-bit size to 0 */
    expect_fail(buf, size, len_at, "runs past the end");
    free(buf);
}
END_TEST

START_TEST(unterminated_string_fails)
{
    struct kit_model m;
    size_t size;
    kit_default(&m);
    m.t[0].name = "abcd";
    uint8_t *buf = kit_build(&m, &size);
    uint8_t *p = NULL;
    for (size_t i = 0; i + 5 <= size && !p; i++)
        if (memcmp(buf + i, "abcd", 5) == 0)
            p = buf + i;
    ck_assert_ptr_nonnull(p);
    p[4] = 'e';
    expect_fail(buf, size, (p - buf) - 4, "NUL-terminated");
    free(buf);
}
END_TEST

/* Many tensors sharing one table with a large quantization vector: work grows as N * M. */
START_TEST(shared_reference_blowup_is_bounded)
{
    enum { N = 20000, M = 20000 };
    struct qv_fbb b;
    uint8_t *buf = NULL;
    size_t size;
    float *scales = malloc(M * sizeof(float));
    uint32_t *refs = malloc(N * sizeof(uint32_t));
    ck_assert(scales && refs);
    for (int i = 0; i < M; i++)
        scales[i] = 1.0f;
    qv_fbb_init(&b);
    int64_t zp = 0;
    uint32_t sv = qv_fbb_vector(&b, scales, M, 4, 4);
    uint32_t zv = qv_fbb_vector(&b, &zp, 1, 8, 8);
    qv_fbb_start(&b);
    qv_fbb_add_ref(&b, QV_TFL_QUANT_SCALE, sv);
    qv_fbb_add_ref(&b, QV_TFL_QUANT_ZERO_POINT, zv);
    uint32_t q = qv_fbb_end(&b);
    int32_t dim = M;
    uint32_t shape = qv_fbb_vector(&b, &dim, 1, 4, 4);
    qv_fbb_start(&b);
    qv_fbb_add_ref(&b, QV_TFL_TENSOR_SHAPE, shape);
    qv_fbb_add_ref(&b, QV_TFL_TENSOR_QUANT, q);
    qv_fbb_add_u8(&b, QV_TFL_TENSOR_TYPE, QV_TFL_INT8, 0);
    uint32_t t = qv_fbb_end(&b);
    for (int i = 0; i < N; i++)
        refs[i] = t;
    uint32_t tv = qv_fbb_ref_vector(&b, refs, N);
    uint32_t empty = qv_fbb_vector(&b, NULL, 0, 4, 4);
    qv_fbb_start(&b);
    qv_fbb_add_ref(&b, QV_TFL_BUFFER_DATA, 0);
    uint32_t buf0 = qv_fbb_end(&b);
    uint32_t bufs = qv_fbb_ref_vector(&b, &buf0, 1);
    qv_fbb_start(&b);
    qv_fbb_add_ref(&b, QV_TFL_SG_TENSORS, tv);
    qv_fbb_add_ref(&b, QV_TFL_SG_OPERATORS, empty);
    uint32_t sg = qv_fbb_end(&b);
    uint32_t sgs = qv_fbb_ref_vector(&b, &sg, 1);
    qv_fbb_start(&b);
    qv_fbb_add_u32(&b, QV_TFL_MODEL_VERSION, 3, 0);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_SUBGRAPHS, sgs);
    qv_fbb_add_ref(&b, QV_TFL_MODEL_BUFFERS, bufs);
    uint32_t model = qv_fbb_end(&b);
    ck_assert_int_eq(qv_fbb_finish(&b, model, "TFL3", &buf, &size, NULL), QV_OK);
    qv_fbb_release(&b);
    expect_fail(buf, size, -2, "referenced too many times");
    free(buf);
    free(scales);
    free(refs);
}
END_TEST

START_TEST(overflowing_shapes_fail)
{
    struct kit_model m;
    kit_default(&m);
    m.t[0].rank = 3;
    m.t[0].dims[0] = m.t[0].dims[1] = m.t[0].dims[2] = INT32_MAX;
    expect_kit_fail(&m, "2^40");
    kit_default(&m);
    m.t[0].dims[2] = -5;
    expect_kit_fail(&m, "dimension 2 is -5");
    kit_default(&m);
    m.t[0].rank = 9;
    expect_kit_fail(&m, "rank 9");
}
END_TEST

/*
 * A fuzz finding: stored shapes within int32, but shape inference (finalize) widened an output to
 * 4879030332 elements along one dimension; the reader accepted it and the writer then refused it.
 * Every shape of an accepted model must fit TFLite's int32 dims.
 */
START_TEST(inferred_dims_beyond_int32_fail)
{
    const char *path = qvt_fixture("hostile/fuzz_dim_beyond_int32.tflite");
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_int_eq(qv_tflite_load(path, &g, &err), QV_E_INPUT);
    ck_assert_ptr_null(g);
    ck_assert_str_eq(err.path, path);
    ck_assert_msg(strstr(err.msg, "4879030332, beyond TFLite's int32"), "'%s'", err.msg);
}
END_TEST

/* ---- refused on purpose -------------------------------------------------------------------- */

/* Reads a kit model that must be accepted; returns the graph. */
static struct qv_graph *expect_kit_ok(const struct kit_model *m)
{
    size_t size;
    uint8_t *buf = kit_build(m, &size);
    struct qv_error err = QV_ERROR_INIT;
    struct qv_graph *g = NULL;
    ck_assert_msg(read_copy(buf, size, &err, &g) == QV_OK, "%s", err.msg);
    free(buf);
    ck_assert_str_eq(g->path, PATH);
    return g;
}

/* An operator qvet does not run is kept by name; eval then refuses the graph by that name. */
static void expect_kept(const struct kit_model *m, int32_t code, const char *name)
{
    struct qv_graph *g = expect_kit_ok(m);
    ck_assert_int_eq(g->n_nodes, 1);
    ck_assert_int_eq(g->nodes[0].op, QV_OP_UNSUPPORTED);
    ck_assert_int_eq(g->nodes[0].source_code, code);
    ck_assert_str_eq(g->nodes[0].source_name, name);
    ck_assert_int_eq(g->nodes[0].n_inputs, 1);
    ck_assert_int_eq(g->nodes[0].n_outputs, 1);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_E_INPUT);
    ck_assert_str_eq(err.path, PATH);
    ck_assert_msg(strstr(err.msg, name), "%s", err.msg);
    qv_graph_free(g);
}

START_TEST(unsupported_ops_are_kept_by_name)
{
    struct kit_model m;
    kit_default(&m);
    m.code[0] = 32;
    m.dep[0] = 32;
    m.custom[0] = "MyOp";
    expect_kept(&m, 32, "MyOp");
    m.custom[0] = "";
    expect_kept(&m, 32, "(unnamed)");
    kit_default(&m);
    m.code[0] = m.dep[0] = 80;
    expect_kept(&m, 80, "FAKE_QUANT");
    kit_default(&m);
    m.code[0] = 100000;
    expect_kept(&m, 100000, "builtin 100000");
    kit_default(&m);
    m.code[0] = m.dep[0] = 39;                 /* custom options on an unsupported op: ignored */
    m.op[0].custom_options = true;
    expect_kept(&m, 39, "TRANSPOSE");
    /* still refused: structure faults around them, and custom options on a builtin qvet runs */
    kit_default(&m);
    m.code[0] = m.dep[0] = 39;
    m.op[0].in[0] = 7;
    expect_kit_fail(&m, "operator 0 (TRANSPOSE) inputs: entry 0 names tensor 7");
    kit_default(&m);
    m.op[0].opcode_index = 5;
    expect_kit_fail(&m, "opcode_index 5 is out of range");
    kit_default(&m);
    m.op[0].custom_options = true;
    expect_kit_fail(&m, "custom options");
}
END_TEST

START_TEST(second_subgraph_in_use_is_refused)
{
    struct kit_model m;
    kit_default(&m);
    m.extra_subgraphs = 1;
    m.sig_subgraph = 1;
    expect_kit_fail(&m, "subgraph 1");
    kit_default(&m);
    m.version = 2;
    expect_kit_fail(&m, "schema version 2");
    /* control flow in subgraph 0 is kept, unrun, like any operator qvet does not support */
    kit_default(&m);
    m.extra_subgraphs = 2;
    m.code[0] = m.dep[0] = 119;
    expect_kept(&m, 119, "WHILE");
}
END_TEST

START_TEST(unsupported_tensors_are_named)
{
    struct kit_model m;
    kit_default(&m);
    m.t[0].type = 5; /* STRING */
    expect_kit_fail(&m, "tensor 0 ('x'): type STRING is not supported");
    kit_default(&m);
    m.t[1].type = 77;
    expect_kit_fail(&m, "tensor 1 ('y'): type 77 (unknown) is not supported");
    kit_default(&m);
    m.t[0].sig_rank = 4;
    memcpy(m.t[0].sig, (int32_t[]){ 1, -1, 2, 1 }, 4 * sizeof(int32_t));
    expect_kit_fail(&m, "dimension 1 is dynamic");
    kit_default(&m);
    m.t[0].sig_rank = 3;
    expect_kit_fail(&m, "shape_signature has 3 dims");
    kit_default(&m);
    m.t[0].is_variable = true;                 /* x, the graph input: refused at finalize */
    {
        size_t size;
        uint8_t *buf = kit_build(&m, &size);
        struct qv_error err = QV_ERROR_INIT;
        ck_assert_int_eq(read_copy(buf, size, &err, NULL), QV_E_INPUT);
        ck_assert_str_eq(err.path, PATH);
        ck_assert_str_eq(err.msg, "graph input 0 ('x') is a variable");
        free(buf);
    }
    kit_default(&m);
    m.t[1].is_variable = true;                 /* y, produced by the RELU */
    {
        size_t size;
        uint8_t *buf = kit_build(&m, &size);
        struct qv_error err = QV_ERROR_INIT;
        ck_assert_int_eq(read_copy(buf, size, &err, NULL), QV_E_INPUT);
        ck_assert_msg(strstr(err.msg, "output tensor 'y' is a variable"), "%s", err.msg);
        free(buf);
    }
    kit_default(&m);
    m.t[0].details_type = 1;
    expect_kit_fail(&m, "quantization details");
    kit_default(&m);
    m.t[0].type = QV_TFL_INT8;
    m.t[0].n_scale = m.t[0].n_zp = 1;
    m.t[0].scale[0] = 1.0f;
    m.t[0].zp[0] = (int64_t)1 << 40;
    expect_kit_fail(&m, "zero_point[0] = 1099511627776 is outside int8's range -128..127");
    m.t[0].zp[0] = 0;
    m.t[0].scale[0] = -1.0f;
    expect_kit_fail(&m, "scale[0]");
}
END_TEST

/*
 * Expects the model to be refused with `needle`, at the byte offset of the offending value:
 * the 8-byte zero point zp, or (zp == INT64_MIN) the 4-byte scale.
 */
static void expect_quant_fail(const struct kit_model *m, const char *needle, int64_t zp,
                              float scale)
{
    size_t size;
    uint8_t *buf = kit_build(m, &size);
    struct qv_error err = QV_ERROR_INIT;
    ck_assert_int_eq(read_copy(buf, size, &err, NULL), QV_E_INPUT);
    ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
    ck_assert_str_eq(err.path, PATH);
    size_t width = zp == INT64_MIN ? 4 : 8;
    ck_assert_msg(err.offset >= 0 && (size_t)err.offset + width <= size, "offset %lld",
                  (long long)err.offset);
    if (zp == INT64_MIN) {
        float v;
        memcpy(&v, buf + err.offset, 4);
        ck_assert_msg(memcmp(&v, &scale, 4) == 0, "byte %lld holds %g, not the scale %g",
                      (long long)err.offset, (double)v, (double)scale);
    } else {
        int64_t v;
        memcpy(&v, buf + err.offset, 8);
        ck_assert_msg(v == zp, "byte %lld holds %lld, not the zero point %lld",
                      (long long)err.offset, (long long)v, (long long)zp);
    }
    free(buf);
}

/* Hostile quantization parameters (issue 8 item 5): refused when read, naming value and byte. */
START_TEST(hostile_quant_parameters_are_refused)
{
    struct kit_model m;
    kit_default(&m);
    for (int k = 0; k < 2; k++) {
        m.t[k].type = QV_TFL_INT8;
        m.t[k].n_scale = m.t[k].n_zp = 1;
        m.t[k].scale[0] = 0.5f;
    }
    struct kit_model base = m;
    static const struct {
        int32_t tensor;
        int64_t zp;
        const char *needle;
    } zps[] = {
        { 0, 100000, "tensor 0 ('x'): zero_point[0] = 100000 is outside int8's range -128..127" },
        { 1, -2147483648LL, "tensor 1 ('y'): zero_point[0] = -2147483648 is outside int8's" },
        { 1, 128, "zero_point[0] = 128 is outside" },
        { 0, -129, "zero_point[0] = -129 is outside" },
        { 0, INT64_MAX, "zero_point[0] = 9223372036854775807 is outside" },
    };
    for (size_t i = 0; i < sizeof(zps) / sizeof(zps[0]); i++) {
        m = base;
        m.t[zps[i].tensor].zp[0] = zps[i].zp;
        expect_quant_fail(&m, zps[i].needle, zps[i].zp, 0);
    }
    static const struct {
        float scale;
        const char *needle;
    } scales[] = {
        { 3e38f, "tensor 0 ('x'): scale[0] = 3e+38 is too large for int8" },
        { 0.0f, "scale[0] = 0 is not a finite number > 0" },
        { -0.25f, "scale[0] = -0.25 is not a finite number > 0" },
        { INFINITY, "scale[0] = inf is not a finite number > 0" },
        { NAN, "is not a finite number > 0" },
        { 1e-40f, "scale[0] = 9.99995e-41 is denormal" },
    };
    for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
        m = base;
        m.t[0].scale[0] = scales[i].scale;
        expect_quant_fail(&m, scales[i].needle, INT64_MIN, scales[i].scale);
    }
    /* per-channel: the bad element is named and located */
    m = base;
    m.t[0].n_zp = 2;
    m.t[0].zp[1] = 300;
    m.t[0].n_scale = 2;
    m.t[0].scale[1] = 0.5f;
    m.t[0].qdim = 3;
    m.t[0].dims[3] = 2;
    m.t[1].dims[3] = 2;
    expect_quant_fail(&m, "zero_point[1] = 300", 300, 0);
    /* uint8 and int16 ranges */
    m = base;
    m.t[0].type = m.t[1].type = QV_TFL_UINT8;
    m.t[0].zp[0] = -1;
    expect_quant_fail(&m, "zero_point[0] = -1 is outside uint8's range 0..255", -1, 0);
    m = base;
    m.t[0].type = m.t[1].type = 7; /* INT16 */
    m.t[0].zp[0] = 40000;
    expect_quant_fail(&m, "zero_point[0] = 40000 is outside int16's range", 40000, 0);
    /* the edges are fine */
    m = base;
    m.t[0].zp[0] = -128;
    m.t[1].zp[0] = 127;
    m.t[0].scale[0] = 1.3e36f;
    m.t[1].scale[0] = FLT_MIN;
    struct qv_graph *g = expect_kit_ok(&m);
    qv_graph_free(g);
}
END_TEST

START_TEST(bad_buffers_are_named)
{
    struct kit_model m;
    kit_add_const(&m);
    m.b[1].size = 12;
    expect_kit_fail(&m, "tensor 2 ('c'): buffer 1 holds 12 bytes, float32 [1, 2, 2, 1] needs 16");
    kit_add_const(&m);
    m.t[2].buffer = 9;
    expect_kit_fail(&m, "buffer 9 is out of range");
    kit_add_const(&m);
    m.b[1].data = NULL;
    m.b[1].ext = kit_const_data;
    m.b[1].ext_size = sizeof(kit_const_data);
    m.b[1].ext_offset = 1u << 30;
    expect_kit_fail(&m, "past the end");
    m.b[1].ext_offset = UINT64_MAX - 4;
    expect_kit_fail(&m, "past the end");
}
END_TEST

START_TEST(bad_operator_fields_are_named)
{
    struct kit_model m;
    kit_default(&m);
    m.op[0].in[0] = 7;
    expect_kit_fail(&m, "entry 0 names tensor 7");
    kit_default(&m);
    m.op[0].in[0] = -1;  /* RELU's input is not optional */
    expect_kit_fail(&m, "entry 0 names tensor -1");
    kit_default(&m);
    m.out[0] = 2;
    expect_kit_fail(&m, "subgraph outputs");
    kit_default(&m);
    m.op[0].n_out = 2;
    m.op[0].out[1] = 0;
    expect_kit_fail(&m, "outputs");

    kit_add_const(&m);
    m.op[0].opt_type = 9; /* SoftmaxOptions on ADD */
    expect_kit_fail(&m, "union type 9, expected 11");
    kit_add_const(&m);
    m.op[0].n_fields = 1;
    m.op[0].f[0] = (struct kit_field){ 0, 'b', 4 }; /* TANH fused activation */
    expect_kit_fail(&m, "fused_activation_function = 4");

    kit_default(&m);
    m.code[0] = m.dep[0] = 3; /* CONV_2D */
    m.op[0].opt_type = 1;
    m.op[0].opt_table = true;
    m.op[0].n_fields = 1;
    m.op[0].f[0] = (struct kit_field){ 0, 'b', 7 };
    expect_kit_fail(&m, "padding = 7");
    m.op[0].f[0] = (struct kit_field){ 1, 'i', 0 };
    expect_kit_fail(&m, "stride_w = 0");
    m.op[0].opt_table = false; /* no Conv2DOptions: strides 0 as in TFLM */
    expect_kit_fail(&m, "the options table is missing");

    kit_default(&m);
    m.code[0] = m.dep[0] = 25; /* SOFTMAX, beta NaN */
    m.op[0].opt_type = 9;
    m.op[0].opt_table = true;
    m.op[0].n_fields = 1;
    m.op[0].f[0] = (struct kit_field){ 0, 'f', NAN };
    expect_kit_fail(&m, "beta is not finite");
}
END_TEST

/* ---- files kept for the CLI tests ------------------------------------------------------------ */

struct hostile_file {
    const char *name;
    const char *needle;
    bool kept;     /* read (an operator qvet does not run is kept), refused by the engines */
};

static const struct hostile_file hostile_files[] = {
    { "tflite_truncated.tflite", "malformed flatbuffer", false },
    { "tflite_bad_root.tflite", "outside the file", false },
    { "tflite_custom_op.tflite", "1 operator qvet cannot run: custom MyOp (x1)", true },
    { "tflite_unsupported_op.tflite", "1 operator qvet cannot run: FAKE_QUANT (x1)", true },
    { "tflite_two_subgraphs.tflite", "subgraph 1", false },
    { "tflite_giant_vector.tflite", "runs past the end", false },
    { "tflite_quant_zero_point.tflite",
      "tensor 0 ('x'): zero_point[0] = 100000 is outside int8's range -128..127", false },
    { "tflite_quant_scale.tflite", "tensor 1 ('y'): scale[0] = 3e+38 is too large for int8",
      false },
};

/* QVET_REGEN_HOSTILE=1 rewrites the files from the kit. */
static void regen_hostile(void)
{
    struct kit_model m;
    size_t size;
    uint8_t *buf;
    char rel[128];
    for (int i = 0; i < (int)(sizeof(hostile_files) / sizeof(hostile_files[0])); i++) {
        kit_default(&m);
        if (i >= 6) {
            for (int k = 0; k < 2; k++) {
                m.t[k].type = QV_TFL_INT8;
                m.t[k].n_scale = m.t[k].n_zp = 1;
                m.t[k].scale[0] = 0.5f;
            }
        }
        if (i == 6)
            m.t[0].zp[0] = 100000;
        if (i == 7)
            m.t[1].scale[0] = 3e38f;
        if (i == 2) {
            m.code[0] = m.dep[0] = 32;
            m.custom[0] = "MyOp";
        } else if (i == 3) {
            m.code[0] = m.dep[0] = 80;
        } else if (i == 4) {
            m.extra_subgraphs = 1;
            m.sig_subgraph = 1;
        }
        buf = kit_build(&m, &size);
        if (i == 0)
            size -= 20;
        if (i == 1)
            put_u32(buf, 0x7FFFFFF0u);
        if (i == 5) {
            struct where w;
            locate(&w, buf, size);
            put_u32(buf + w.tensors.at, 0xFFFFFFF0u);
        }
        snprintf(rel, sizeof(rel), "hostile/%s", hostile_files[i].name);
        qvt_write_file(qvt_fixture(rel), buf, size);
        free(buf);
    }
}

START_TEST(hostile_files_fail_with_offsets)
{
    if (getenv("QVET_REGEN_HOSTILE"))
        regen_hostile();
    for (size_t i = 0; i < sizeof(hostile_files) / sizeof(hostile_files[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "hostile/%s", hostile_files[i].name);
        const char *path = qvt_fixture(rel);
        struct qv_error err = QV_ERROR_INIT;
        struct qv_graph *g = NULL;
        if (hostile_files[i].kept) {
            ck_assert_msg(qv_tflite_load(path, &g, &err) == QV_OK, "%s: %s", path, err.msg);
            ck_assert_int_eq(qv_graph_check_runnable(g, &err), QV_E_INPUT);
            ck_assert_str_eq(err.path, path);
            ck_assert_str_eq(err.msg, hostile_files[i].needle);
            qv_graph_free(g);
            continue;
        }
        ck_assert_int_eq(qv_tflite_load(path, &g, &err), QV_E_INPUT);
        ck_assert_ptr_null(g);
        ck_assert_str_eq(err.path, path);
        ck_assert_int_ge(err.offset, 0);
        ck_assert_msg(strstr(err.msg, hostile_files[i].needle), "%s: '%s'", path, err.msg);
    }
}
END_TEST

/*
 * The fixtures8 set of hostile quantization parameters (tests/fixtures/hostile/quant, every int8
 * op): each is refused when read, naming the file, the tensor, the field and the value, at the
 * byte offset of that value. The prepare-time cases (a valid scale whose ratio to the others no
 * multiplier can represent) read fine here: the engines refuse them at prepare.
 */
START_TEST(hostile_quant_fixtures)
{
    int n;
    struct qvt_quant_case *cases = qvt_quant_cases(&n);
    int refused = 0, prepare = 0;
    for (int i = 0; i < n; i++) {
        const struct qvt_quant_case *c = &cases[i];
        char rel[512];
        snprintf(rel, sizeof(rel), "hostile/quant/%s", c->file);
        const char *path = qvt_fixture(rel);
        size_t size;
        uint8_t *buf = (uint8_t *)qvt_read_file(path, &size);
        ck_assert_msg(buf != NULL, "missing %s", path);
        struct qv_error err = QV_ERROR_INIT;
        struct qv_graph *g = NULL;
        enum qv_status st = qv_tflite_read(buf, size, path, &g, &err);
        if (c->prepare_time) {
            ck_assert_msg(st == QV_OK, "%s: %s", c->file, err.msg);
            qv_graph_free(g);
            free(buf);
            prepare++;
            continue;
        }
        ck_assert_msg(st == QV_E_INPUT, "%s: read, status %d", c->file, st);
        ck_assert_ptr_null(g);
        ck_assert_str_eq(err.path, path);
        ck_assert_msg(qvt_quant_message_ok(c, err.msg), "%s: '%s' does not name tensor %d '%s', "
                      "%s and %g", c->file, err.msg, c->tensor, c->name, c->field, c->value);
        /* the offset is the value's: 4-byte float scale or 8-byte int64 zero point */
        size_t width = c->is_scale ? 4 : 8;
        ck_assert_msg(err.offset >= 0 && (size_t)err.offset + width <= size, "%s: offset %lld",
                      c->file, (long long)err.offset);
        if (c->is_scale) {
            float v;
            memcpy(&v, buf + err.offset, 4);
            ck_assert_msg((isnan(v) && isnan(c->value)) || (double)v == c->value ||
                          fabs((double)v - c->value) <= 1e-6 * fabs(c->value),
                          "%s: byte %lld holds %g", c->file,
                          (long long)err.offset, (double)v);
        } else {
            int64_t v;
            memcpy(&v, buf + err.offset, 8);
            ck_assert_msg((double)v == c->value, "%s: byte %lld holds %lld", c->file,
                          (long long)err.offset, (long long)v);
        }
        free(buf);
        refused++;
    }
    ck_assert_int_ge(refused, 300);
    ck_assert_int_ge(prepare, 1);
    free(cases);
}
END_TEST

Suite *tflite_hostile_suite(void)
{
    Suite *s = suite_create("tflite_hostile");
    TCase *tc = tcase_create("damage");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, truncated_at_every_length_fails_cleanly, 0, N_SOURCES);
    tcase_add_loop_test(tc, random_damage_fails_cleanly_or_reads_a_valid_model, 0, N_SOURCES);
    suite_add_tcase(s, tc);
    tc = tcase_create("structure");
    tcase_add_test(tc, tiny_files_fail);
    tcase_add_test(tc, root_and_vtable_offsets_outside_fail);
    tcase_add_test(tc, field_offsets_outside_or_wrapping_fail);
    tcase_add_test(tc, giant_vector_lengths_fail);
    tcase_add_test(tc, unterminated_string_fails);
    tcase_add_test(tc, shared_reference_blowup_is_bounded);
    tcase_add_test(tc, overflowing_shapes_fail);
    tcase_add_test(tc, inferred_dims_beyond_int32_fail);
    suite_add_tcase(s, tc);
    tc = tcase_create("refused");
    tcase_add_test(tc, unsupported_ops_are_kept_by_name);
    tcase_add_test(tc, second_subgraph_in_use_is_refused);
    tcase_add_test(tc, unsupported_tensors_are_named);
    tcase_add_test(tc, hostile_quant_parameters_are_refused);
    tcase_add_test(tc, hostile_quant_fixtures);
    tcase_add_test(tc, bad_buffers_are_named);
    tcase_add_test(tc, bad_operator_fields_are_named);
    tcase_add_test(tc, hostile_files_fail_with_offsets);
    suite_add_tcase(s, tc);
    return s;
}

QV_TEST_MAIN(tflite_hostile)
