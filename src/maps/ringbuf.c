/* SPDX-License-Identifier: MIT */
/*
 * ringbuf.c - BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer byte ring with the
 * kernel's record format and rules. Each record is an 8-byte header (u32 length with
 * BPF_RINGBUF_BUSY_BIT while reserved and BPF_RINGBUF_DISCARD_BIT when discarded, u32 unused)
 * and the data, padded to 8 bytes. Producers reserve under a spin lock and commit without it;
 * the consumer reads records in order and stops at the first still-busy one, so records become
 * visible in reservation order. The data area is mapped twice back to back (one memfd, two
 * views), as the kernel maps it, so a record crossing the end is still contiguous.
 *
 * Notification: an eventfd the host can epoll. A commit signals it when the consumer has
 * caught up with that record (the kernel's adaptive wake-up), always with BPF_RB_FORCE_WAKEUP,
 * never with BPF_RB_NO_WAKEUP. Headers sit in memory a checked program may write, so the
 * consumer validates every length it reads.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps.h"

#define RB_HDR 8u

struct ringbuf {
	struct userbpf_map map;
	map_spin_t lock;   /* producers */
	uint64_t prod_pos; /* bytes ever reserved */
	uint64_t cons_pos; /* bytes ever consumed */
	uint64_t size;     /* max_entries */
	uint8_t *data;     /* 2 * size bytes: the ring twice */
	int efd;
	map_spin_t consumer; /* one consumer at a time */
};

static struct ringbuf *to_rb(struct userbpf_map *map)
{
	return (struct ringbuf *)map;
}

static struct userbpf_map *rb_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size = attr->max_entries;
	struct ringbuf *rb;
	uint8_t *area, *a, *b;
	int fd;

	if (attr->key_size || attr->value_size || attr->has_lock ||
	    (attr->flags & ~(uint32_t)BPF_F_NUMA_NODE) || size == 0 || (size & (size - 1)) ||
	    size % (uint64_t)page || size > (1ull << 32)) {
		MAP_ERR(err, -EINVAL, NULL,
			"ringbuf '%s': key_size and value_size must be 0, max_entries a power of 2 "
			"and a multiple of the page size (got %u, %u, %u)", attr->name, attr->key_size,
			attr->value_size, attr->max_entries);
		return NULL;
	}
	rb = calloc(1, sizeof(*rb));
	if (!rb) {
		MAP_ERR(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	rb->map = *attr;
	rb->size = size;
	rb->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fd = memfd_create("userbpf-ringbuf", MFD_CLOEXEC);
	area = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rb->efd < 0 || fd < 0 || area == MAP_FAILED || ftruncate(fd, (off_t)size) < 0)
		goto fail;
	a = mmap(area, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	b = mmap(area + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		goto fail;
	close(fd);
	rb->data = area;
	rb->map.arena = area;
	rb->map.arena_len = 2 * size;
	return &rb->map;
fail:
	MAP_ERR(err, -errno ? -errno : -ENOMEM, NULL, "ringbuf '%s': cannot map %llu bytes",
		attr->name, (unsigned long long)size);
	if (area != MAP_FAILED)
		munmap(area, 2 * size);
	if (fd >= 0)
		close(fd);
	if (rb->efd >= 0)
		close(rb->efd);
	free(rb);
	return NULL;
}

static void rb_free(struct userbpf_map *map)
{
	struct ringbuf *rb = to_rb(map);

	munmap(rb->data, 2 * rb->size);
	close(rb->efd);
	free(rb);
}

const struct map_ops map_ringbuf_ops = { .alloc = rb_alloc, .free = rb_free };

void *maps_ringbuf_reserve(struct userbpf_map *map, uint64_t size, uint64_t flags)
{
	struct ringbuf *rb = to_rb(map);
	uint64_t total, cons, prod;
	uint32_t len;
	uint8_t *hdr;

	if (flags || size > rb->size - RB_HDR || size >= BPF_RINGBUF_DISCARD_BIT)
		return NULL;
	total = MAP_ROUND8(size + RB_HDR);
	map_spin_lock(&rb->lock);
	cons = __atomic_load_n(&rb->cons_pos, __ATOMIC_ACQUIRE);
	prod = rb->prod_pos;
	if (prod - cons + total > rb->size) {
		map_spin_unlock(&rb->lock);
		return NULL;
	}
	hdr = rb->data + (prod & (rb->size - 1));
	len = (uint32_t)size | BPF_RINGBUF_BUSY_BIT;
	__atomic_store_n((uint32_t *)hdr, len, __ATOMIC_RELAXED);
	memset(hdr + 4, 0, 4);
	__atomic_store_n(&rb->prod_pos, prod + total, __ATOMIC_RELEASE);
	map_spin_unlock(&rb->lock);
	return hdr + RB_HDR;
}

struct userbpf_map *maps_ringbuf_of_map(struct userbpf_map *map, uint64_t data)
{
	struct ringbuf *rb = to_rb(map);
	uint64_t start = (uint64_t)(uintptr_t)rb->data;

	if (map->type != BPF_MAP_TYPE_RINGBUF || data < start + RB_HDR || data >= start + 2 * rb->size ||
	    data % 8)
		return NULL;
	return map;
}

void maps_ringbuf_commit(struct userbpf_map *map, void *data, uint64_t flags, bool discard)
{
	struct ringbuf *rb = to_rb(map);
	uint8_t *hdr = (uint8_t *)data - RB_HDR;
	uint32_t *lenp = (uint32_t *)hdr;
	uint32_t len = __atomic_load_n(lenp, __ATOMIC_RELAXED);
	uint64_t off = (uint64_t)(hdr - rb->data) & (rb->size - 1), cons;

	len &= ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	if (discard)
		len |= BPF_RINGBUF_DISCARD_BIT;
	__atomic_store_n(lenp, len, __ATOMIC_RELEASE);
	if (flags & BPF_RB_NO_WAKEUP)
		return;
	cons = __atomic_load_n(&rb->cons_pos, __ATOMIC_ACQUIRE) & (rb->size - 1);
	if ((flags & BPF_RB_FORCE_WAKEUP) || cons == off) {
		uint64_t one = 1;

		if (write(rb->efd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is saturated, the host is already notified. */
		}
	}
}

long maps_ringbuf_output(struct userbpf_map *map, const void *data, uint64_t size,
			 uint64_t flags)
{
	void *rec;

	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	rec = maps_ringbuf_reserve(map, size, 0);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	maps_ringbuf_commit(map, rec, flags, false);
	return 0;
}

uint64_t maps_ringbuf_query(struct userbpf_map *map, uint64_t flags)
{
	struct ringbuf *rb = to_rb(map);
	uint64_t cons = __atomic_load_n(&rb->cons_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(&rb->prod_pos, __ATOMIC_ACQUIRE);

	switch (flags) {
	case BPF_RB_AVAIL_DATA: return prod - cons;
	case BPF_RB_RING_SIZE: return rb->size;
	case BPF_RB_CONS_POS: return cons;
	case BPF_RB_PROD_POS: return prod;
	default: return 0;
	}
}

int userbpf_ringbuf_consume(struct userbpf_map *map, userbpf_ringbuf_sample_fn fn, void *ctx,
			    struct userbpf_error *err)
{
	struct ringbuf *rb = to_rb(map);
	uint64_t cons, prod;
	int n = 0, ret = 0;

	if (!map || map->type != BPF_MAP_TYPE_RINGBUF || !fn)
		return MAP_ERR(err, -EINVAL, map, "ringbuf_consume: not a ringbuf, or no callback");
	map_spin_lock(&rb->consumer);
	cons = __atomic_load_n(&rb->cons_pos, __ATOMIC_RELAXED);
	for (;;) {
		prod = __atomic_load_n(&rb->prod_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		uint8_t *hdr = rb->data + (cons & (rb->size - 1));
		uint32_t len = __atomic_load_n((uint32_t *)hdr, __ATOMIC_ACQUIRE);
		uint32_t size = len & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		uint64_t total = MAP_ROUND8((uint64_t)size + RB_HDR);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (total > prod - cons) {
			/* A program overwrote a header: stop here rather than read garbage. */
			ret = MAP_ERR(err, -EINVAL, map,
				      "ringbuf '%s': corrupt record header at position %llu",
				      map->name, (unsigned long long)cons);
			break;
		}
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			ret = fn(ctx, hdr + RB_HDR, size);
			n++;
		}
		cons += total;
		__atomic_store_n(&rb->cons_pos, cons, __ATOMIC_RELEASE);
		if (ret)
			break;
	}
	map_spin_unlock(&rb->consumer);
	return ret ? ret : n;
}

int userbpf_ringbuf_poll(struct userbpf_map *map, userbpf_ringbuf_sample_fn fn, void *ctx,
			 int timeout_ms, struct userbpf_error *err)
{
	struct ringbuf *rb = to_rb(map);
	struct pollfd pfd;
	uint64_t cnt;
	int n;

	if (!map || map->type != BPF_MAP_TYPE_RINGBUF || !fn)
		return MAP_ERR(err, -EINVAL, map, "ringbuf_poll: not a ringbuf, or no callback");
	/* Reset the notification first, so a commit after this point signals again. */
	if (read(rb->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
	n = userbpf_ringbuf_consume(map, fn, ctx, err);
	if (n != 0)
		return n;
	pfd.fd = rb->efd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return MAP_ERR(err, -errno, map, "ringbuf_poll: poll failed");
	if (read(rb->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: timed out */
	}
	return userbpf_ringbuf_consume(map, fn, ctx, err);
}

int userbpf_ringbuf_fd(const struct userbpf_map *map)
{
	if (!map || map->type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	return ((const struct ringbuf *)map)->efd;
}
