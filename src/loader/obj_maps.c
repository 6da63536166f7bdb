/* SPDX-License-Identifier: MIT */
/*
 * obj_maps.c - the loader's only contact with the map API (src/maps): creating the maps an
 * object declares (inner-map templates first, names cut to the kernel's 15 characters),
 * writing global data and freezing .rodata, filling prog_array and map-in-map slots once the
 * programs exist.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "loader"

static struct userbpf_map *create_one(const struct userbpf_object_map *m,
				      struct userbpf_map *inner, struct userbpf_error *err)
{
	char name[USERBPF_MAP_NAME_MAX];
	USERBPF_OPTS(userbpf_map_opts, o, .map_flags = m->map_flags, .numa_node = m->numa_node,
		     .name = name, .inner_map = inner, .map_extra = m->map_extra);

	snprintf(name, sizeof(name), "%.15s", m->name);
	return userbpf_map_create(m->type, m->key_size, m->value_size, m->max_entries, &o, err);
}

/* Say which map failed, keeping the map layer's reason. */
static int map_error(const struct userbpf_object_map *m, struct userbpf_error *err, int code)
{
	if (err) {
		char msg[USERBPF_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "map '%.40s': %.200s", m->name, err->message);
		memcpy(err->message, msg, sizeof(msg));
		err->component = C;
		return err->code;
	}
	return code;
}

int obj_maps_create(struct userbpf_object *obj, struct userbpf_error *err)
{
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		struct userbpf_object_map *m = obj->maps[i];
		struct userbpf_map *inner = NULL;

		if (m->inner) {
			m->inner->map = create_one(m->inner, NULL, err);
			if (!m->inner->map)
				return map_error(m, err, -EINVAL);
			inner = m->inner->map;
		}
		m->map = create_one(m, inner, err);
		if (!m->map)
			return map_error(m, err, -EINVAL);
		if (m->kind == OBJ_MAP_DATA && m->init) {
			size_t size = 0;
			void *area = userbpf_map_value_area(m->map, &size);

			if (!area || size < m->value_size)
				return err_set(err, -EINVAL, C, -1,
					       "map '%s': no value area for global data", m->name);
			memcpy(area, m->init, m->value_size);
		}
		if (m->readonly && userbpf_map_freeze(m->map, err) < 0)
			return map_error(m, err, -EINVAL);
	}
	return 0;
}

void obj_maps_destroy(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		struct userbpf_object_map *m = obj->maps[i];

		userbpf_map_free(m->map);
		m->map = NULL;
		if (m->inner) {
			userbpf_map_free(m->inner->map);
			m->inner->map = NULL;
		}
	}
}

int obj_maps_fill_slots(struct userbpf_object *obj, struct userbpf_error *err)
{
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		struct userbpf_object_map *m = obj->maps[i];

		for (uint32_t s = 0; s < m->nslots; s++) {
			const struct obj_slot *sl = &m->slots[s];
			int ret;

			if (sl->prog >= 0) {
				struct userbpf_prog *p = obj->progs[sl->prog].prog;

				if (!p)
					continue; /* not loaded (autoload off): the slot stays empty */
				ret = userbpf_map_update_prog(m->map, &sl->key, p, BPF_ANY, err);
			} else {
				ret = userbpf_map_update_map(m->map, &sl->key,
							     obj->maps[sl->inner]->map, BPF_ANY, err);
			}
			if (ret < 0)
				return map_error(m, err, ret);
		}
	}
	return 0;
}

void obj_maps_clear_slots(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		struct userbpf_object_map *m = obj->maps[i];

		if (!m->map || m->type != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		for (uint32_t s = 0; s < m->nslots; s++)
			userbpf_map_delete(m->map, &m->slots[s].key, NULL);
	}
}

struct userbpf_map **obj_maps_array(struct userbpf_object *obj, struct userbpf_error *err)
{
	struct userbpf_map **a = calloc(obj->nmaps ? obj->nmaps : 1, sizeof(*a));

	if (!a) {
		err_set(err, -ENOMEM, C, -1, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < obj->nmaps; i++)
		a[i] = obj->maps[i]->map;
	return a;
}
