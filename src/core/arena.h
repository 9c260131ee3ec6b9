/* SPDX-License-Identifier: Apache-2.0 */
/* Bump allocator for graph-lifetime data (names, constants, quantization arrays). */
#ifndef QV_CORE_ARENA_H
#define QV_CORE_ARENA_H

#include <stddef.h>

struct qv_arena;

struct qv_arena *qv_arena_create(void);
/* Zeroed memory aligned to `align` (a power of two <= 16); NULL when out of memory. */
void *qv_arena_alloc(struct qv_arena *a, size_t size, size_t align);
void qv_arena_free(struct qv_arena *a);

#endif
