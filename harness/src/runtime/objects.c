/* SPDX-License-Identifier: MIT */
/* Model state of sync objects in a side table keyed by address (objects.h).
 *
 * The index is open addressing with linear probing over (address, object,
 * generation) slots. Clearing bumps the generation: slots of an older one
 * read as deleted, are reused by inserts, and are dropped at the next
 * rehash, so a new run starts in O(1) whatever the last one created. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "objects.h"

#define CHUNK_OBJECTS 64

void rh_objects_init(rh_objects *t)
{
	memset(t, 0, sizeof(*t));
	t->gen = 1;
}

void rh_objects_fini(rh_objects *t)
{
	for (size_t i = 0; i < t->n_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	rh_objects_init(t);
}

RH_UNINSTRUMENTED void rh_objects_clear(rh_objects *t)
{
	t->n_objects = 0;
	t->last = NULL;
	if (++t->gen == 0) {
		/* Wrapped after 2^32 runs: old slots could read as current. */
		if (t->slots != NULL)
			memset(t->slots, 0, t->cap * sizeof(*t->slots));
		t->used = 0;
		t->gen = 1;
	}
}

size_t rh_objects_count(const rh_objects *t)
{
	return t->n_objects;
}

RH_UNINSTRUMENTED static inline size_t home(const void *addr, size_t mask)
{
	return (size_t)(((uintptr_t)addr >> 3) * 0x9e3779b97f4a7c15ull >> 17) & mask;
}

RH_UNINSTRUMENTED rh_object *rh_object_find(rh_objects *t, const void *addr)
{
	size_t mask = t->cap - 1;

	if (t->last != NULL && t->last->addr == addr)
		return t->last;
	if (t->cap == 0)
		return NULL;
	for (size_t i = home(addr, mask);; i = (i + 1) & mask) {
		const struct rh_object_slot *s = &t->slots[i];

		if (s->gen == 0)
			return NULL;
		if (s->gen == t->gen && s->addr == addr)
			return t->last = s->obj;
	}
}

/* Twice the size (or the first), with only this generation's slots. */
RH_UNINSTRUMENTED static void rehash(rh_objects *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct rh_object_slot *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		rh_die("out of memory for the model state of %zu objects", t->n_objects);
	t->used = 0;
	for (size_t j = 0; j < t->cap; j++) {
		const struct rh_object_slot *s = &t->slots[j];
		size_t i;

		if (s->gen != t->gen)
			continue;
		for (i = home(s->addr, cap - 1); slots[i].gen != 0; i = (i + 1) & (cap - 1))
			;
		slots[i] = *s;
		t->used++;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

/* A fresh object from the chunks; objects of earlier runs are reused. */
RH_UNINSTRUMENTED static rh_object *new_object(rh_objects *t)
{
	size_t chunk = t->n_objects / CHUNK_OBJECTS;

	if (chunk == t->n_chunks) {
		if (t->n_chunks == t->cap_chunks)
			t->chunks = rh_grow(t->chunks, &t->cap_chunks, sizeof(*t->chunks), 16,
					    "the model state's chunks");
		t->chunks[t->n_chunks] = malloc(CHUNK_OBJECTS * sizeof(rh_object));
		if (t->chunks[t->n_chunks] == NULL)
			rh_die("out of memory for the model state of %zu objects", t->n_objects);
		t->n_chunks++;
	}
	return &t->chunks[chunk][t->n_objects++ % CHUNK_OBJECTS];
}

RH_UNINSTRUMENTED static void fresh(rh_object *o, const void *addr, rh_obj_kind kind, unsigned flags)
{
	*o = (rh_object){.addr = addr, .kind = kind, .flags = flags};
}

/* Out of line: the first use of an object in a run. */
RH_UNINSTRUMENTED static rh_object *insert(rh_objects *t, const void *addr, rh_obj_kind kind, unsigned flags)
{
	size_t mask, i, stale = SIZE_MAX;
	rh_object *o;

	if ((t->used + 1) * 2 > t->cap)
		rehash(t);
	mask = t->cap - 1;
	for (i = home(addr, mask); t->slots[i].gen != 0; i = (i + 1) & mask)
		if (t->slots[i].gen != t->gen && stale == SIZE_MAX)
			stale = i;
	if (stale != SIZE_MAX)
		i = stale;
	else
		t->used++;
	o = new_object(t);
	fresh(o, addr, kind, flags);
	t->slots[i] = (struct rh_object_slot){.addr = addr, .obj = o, .gen = t->gen};
	return t->last = o;
}

RH_UNINSTRUMENTED rh_object *rh_object_get(rh_objects *t, const void *addr, rh_obj_kind kind,
					   unsigned flags)
{
	rh_object *o = rh_object_find(t, addr);

	if (RH_LIKELY(o != NULL && o->kind == kind))
		return o;
	if (o != NULL) {
		fresh(o, addr, kind, flags);
		return o;
	}
	return insert(t, addr, kind, flags);
}

RH_UNINSTRUMENTED void rh_object_forget(rh_objects *t, const void *addr)
{
	rh_object *o = rh_object_find(t, addr);

	if (o != NULL)
		o->kind = RH_OBJ_NONE;
}
