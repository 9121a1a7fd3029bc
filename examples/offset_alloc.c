/* SPDX-License-Identifier: MIT */
/* The offset allocation race of the reference offset store (Task 017),
 * written as an ordinary program with pthread_mutex_t and stdatomic.h: the
 * block offset comes from a relaxed load of entry_count and the fetch_add
 * comes last, so two writers can compute the same offset and overwrite each
 * other's block. Fixed partner: offset_alloc_fixed.c. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define HEADER 64
#define ENTRY 16
#define PUTS 20
#define WRITERS 2

static unsigned char file[HEADER + ENTRY * PUTS * WRITERS];
static atomic_uint entry_count;
static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned id, offset;
} index_entries[PUTS * WRITERS];
static unsigned n_index;

static void put(unsigned id)
{
	unsigned offset = HEADER + atomic_load_explicit(&entry_count, memory_order_relaxed) * ENTRY;

	for (unsigned i = 0; i < ENTRY; i++)
		file[offset + i] = (unsigned char)id;
	pthread_mutex_lock(&index_lock);
	index_entries[n_index].id = id;
	index_entries[n_index].offset = offset;
	n_index++;
	pthread_mutex_unlock(&index_lock);
	atomic_fetch_add_explicit(&entry_count, 1, memory_order_relaxed);
}

static void *writer(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < PUTS; i++)
		put(1 + w * PUTS + i);
	return NULL;
}

int main(void)
{
	pthread_t t[WRITERS];
	int bad = 0;

	for (uintptr_t w = 0; w < WRITERS; w++)
		pthread_create(&t[w], NULL, writer, (void *)w);
	for (int w = 0; w < WRITERS; w++)
		pthread_join(t[w], NULL);
	for (unsigned i = 0; i < n_index; i++) {
		unsigned off = index_entries[i].offset;

		if (file[off] != (unsigned char)index_entries[i].id) {
			printf("id %u at offset %u reads back as id %u\n", index_entries[i].id, off,
			       file[off]);
			bad = 1;
		}
	}
	return bad;
}
