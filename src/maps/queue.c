/* SPDX-License-Identifier: MIT */
/*
 * queue.c - queue (FIFO) and stack (LIFO): keyless maps of max_entries values, accessed by
 * push (update), pop (lookup_and_delete) and peek (lookup). As in the kernel: push on a full
 * map is -E2BIG unless flags is BPF_EXIST, which drops the oldest value to make room; pop or
 * peek on an empty map is -ENOENT. Values are copied in and out under one spin lock; programs
 * never get a pointer into the storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

struct queue {
	struct userbpf_map map;
	map_spin_t lock;
	uint32_t head;  /* oldest value */
	uint32_t count;
	uint8_t *slots; /* max_entries values, a ring */
};

static struct queue *to_queue(struct userbpf_map *map)
{
	return (struct queue *)map;
}

static struct userbpf_map *queue_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	uint32_t allowed = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |
			   BPF_F_WRONLY_PROG;
	struct queue *q;
	uint64_t bytes = (uint64_t)attr->max_entries * attr->value_size;

	if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0 ||
	    (attr->flags & ~allowed) || attr->has_lock) {
		MAP_ERR(err, -EINVAL, NULL,
			"%s '%s': key_size must be 0, value_size and max_entries non-zero "
			"(got %u, %u, %u, flags 0x%x)",
			attr->type == BPF_MAP_TYPE_QUEUE ? "queue" : "stack", attr->name,
			attr->key_size, attr->value_size, attr->max_entries, attr->flags);
		return NULL;
	}
	if (bytes > (1ull << 32)) {
		MAP_ERR(err, -E2BIG, NULL, "queue/stack '%s': %llu bytes is too large", attr->name,
			(unsigned long long)bytes);
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q || !(q->slots = malloc((size_t)bytes))) {
		free(q);
		MAP_ERR(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	q->map = *attr;
	return &q->map;
}

static void queue_free(struct userbpf_map *map)
{
	free(to_queue(map)->slots);
	free(map);
}

static uint8_t *queue_slot(struct queue *q, uint32_t nth)
{
	return q->slots + (size_t)((q->head + nth) % q->map.max_entries) * q->map.value_size;
}

static int queue_push(struct userbpf_map *map, const void *value, uint64_t flags)
{
	struct queue *q = to_queue(map);

	if (flags != BPF_ANY && flags != BPF_EXIST)
		return -EINVAL;
	map_spin_lock(&q->lock);
	if (q->count == map->max_entries) {
		if (flags != BPF_EXIST) {
			map_spin_unlock(&q->lock);
			return -E2BIG;
		}
		/* Drop the oldest value. */
		q->head = (q->head + 1) % map->max_entries;
		q->count--;
	}
	memcpy(queue_slot(q, q->count), value, map->value_size);
	q->count++;
	map_spin_unlock(&q->lock);
	return 0;
}

/* Copy out the next value (queue: oldest, stack: newest) and remove it if pop. */
static int queue_take(struct userbpf_map *map, void *value, bool pop)
{
	struct queue *q = to_queue(map);
	bool fifo = map->type == BPF_MAP_TYPE_QUEUE;

	map_spin_lock(&q->lock);
	if (!q->count) {
		map_spin_unlock(&q->lock);
		return -ENOENT;
	}
	memcpy(value, queue_slot(q, fifo ? 0 : q->count - 1), map->value_size);
	if (pop) {
		if (fifo)
			q->head = (q->head + 1) % map->max_entries;
		q->count--;
	}
	map_spin_unlock(&q->lock);
	return 0;
}

static int queue_pop(struct userbpf_map *map, void *value)
{
	return queue_take(map, value, true);
}

static int queue_peek(struct userbpf_map *map, void *value)
{
	return queue_take(map, value, false);
}

const struct map_ops map_queue_ops = {
	.alloc = queue_alloc, .free = queue_free,
	.push = queue_push, .pop = queue_pop, .peek = queue_peek,
};
const struct map_ops map_stack_ops = {
	.alloc = queue_alloc, .free = queue_free,
	.push = queue_push, .pop = queue_pop, .peek = queue_peek,
};
