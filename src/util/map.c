/* SPDX-License-Identifier: GPL-2.0-or-later */
/* map.c: open addressing with linear probing; see map.h. */
#include <stdlib.h>
#include <string.h>

#include "util/map.h"

typedef struct slot {
    uint64_t hash;              /* 0: empty */
    uint32_t key_off;
    uint16_t key_len;
    int32_t value;
} slot;

struct sdd_map {
    slot *slots;
    size_t cap;                 /* power of two */
    size_t count;
    unsigned char *arena;
    size_t arena_len, arena_cap;
};

/* FNV-1a, then a final mix so that similar keys spread over the table. */
static uint64_t hash_key(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

sdd_map *sdd__map_new(void)
{
    sdd_map *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void sdd__map_free(sdd_map *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->arena);
    free(m);
}

size_t sdd__map_count(const sdd_map *m)
{
    return m->count;
}

static slot *find(const sdd_map *m, const void *key, size_t len, uint64_t h)
{
    size_t i = h & (m->cap - 1);

    for (;;) {
        slot *s = &m->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash == h && s->key_len == len && memcmp(m->arena + s->key_off, key, len) == 0)
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

int32_t sdd__map_get(const sdd_map *m, const void *key, size_t len)
{
    const slot *s = find(m, key, len, hash_key(key, len));
    return s->hash ? s->value : -1;
}

static int grow(sdd_map *m)
{
    slot *old = m->slots;
    size_t old_cap = m->cap;

    m->slots = calloc(old_cap * 2, sizeof(*m->slots));
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].hash) {
            size_t j = old[i].hash & (m->cap - 1);
            while (m->slots[j].hash)
                j = (j + 1) & (m->cap - 1);
            m->slots[j] = old[i];
        }
    }
    free(old);
    return 0;
}

static int arena_add(sdd_map *m, const void *key, size_t len, uint32_t *off)
{
    if (m->arena_len + len > UINT32_MAX)
        return -1;
    if (m->arena_len + len > m->arena_cap) {
        size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
        unsigned char *grown;
        while (cap < m->arena_len + len)
            cap *= 2;
        grown = realloc(m->arena, cap);
        if (!grown)
            return -1;
        m->arena = grown;
        m->arena_cap = cap;
    }
    memcpy(m->arena + m->arena_len, key, len);
    *off = (uint32_t)m->arena_len;
    m->arena_len += len;
    return 0;
}

int sdd__map_put(sdd_map *m, const void *key, size_t len, int32_t value)
{
    uint64_t h = hash_key(key, len);
    slot *s;

    if (len > UINT16_MAX)
        return -1;
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) < 0)
        return -1;
    s = find(m, key, len, h);
    if (!s->hash) {
        if (arena_add(m, key, len, &s->key_off) < 0)
            return -1;
        s->hash = h;
        s->key_len = (uint16_t)len;
        m->count++;
    }
    s->value = value;
    return 0;
}
