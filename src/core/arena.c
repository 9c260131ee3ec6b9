/* SPDX-License-Identifier: Apache-2.0 */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>

/* Blocks are chained; big requests get a block of their own. */
struct block {
    struct block *next;
    size_t size, used;
    _Alignas(64) unsigned char data[];
};

struct qv_arena {
    struct block *head;
};

#define BLOCK_SIZE ((size_t)64 * 1024)

struct qv_arena *qv_arena_create(void)
{
    return calloc(1, sizeof(struct qv_arena));
}

void *qv_arena_alloc(struct qv_arena *a, size_t size, size_t align)
{
    struct block *b = a->head;
    if (size == 0)
        size = 1;
    if (b) {
        size_t off = (b->used + align - 1) & ~(align - 1);
        if (off <= b->size && size <= b->size - off) {
            b->used = off + size;
            return b->data + off;
        }
    }
    size_t cap = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;
    if (cap > SIZE_MAX - sizeof(struct block))
        return NULL;
    struct block *nb = calloc(1, sizeof(struct block) + cap);
    if (!nb)
        return NULL;
    nb->size = cap;
    nb->used = size;
    if (cap == size && b) {
        /* a dedicated block goes behind the head so the head keeps its free space */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    return nb->data;
}

void qv_arena_free(struct qv_arena *a)
{
    if (!a)
        return;
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}
