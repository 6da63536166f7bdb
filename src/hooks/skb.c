/* SPDX-License-Identifier: MIT */
/* skb.c - the socket-filter context (struct __sk_buff) for a captured packet. */
#include <arpa/inet.h>
#include <string.h>

#include "hooks.h"

/* Link types by their DLT_* numbers (pcap/dlt.h), without pulling libpcap in here. */
#define HOOKS_DLT_EN10MB 1
#define HOOKS_DLT_RAW 12
#define HOOKS_DLT_RAW_LINUX 14
#define HOOKS_LINKTYPE_RAW 101
#define HOOKS_LINKTYPE_IPV4 228
#define HOOKS_LINKTYPE_IPV6 229

void hooks_skb_init(struct __sk_buff *skb, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen, int linktype)
{
	uint16_t proto = 0;

	memset(skb, 0, sizeof(*skb));
	skb->len = wirelen;
	skb->pkt_type = 0; /* PACKET_HOST */
	switch (linktype) {
	case HOOKS_DLT_EN10MB:
		if (caplen >= 14)
			proto = (uint16_t)(data[12] << 8 | data[13]);
		break;
	case HOOKS_DLT_RAW:
	case HOOKS_DLT_RAW_LINUX:
	case HOOKS_LINKTYPE_RAW:
	case HOOKS_LINKTYPE_IPV4:
	case HOOKS_LINKTYPE_IPV6:
		if (caplen >= 1)
			proto = (data[0] >> 4) == 6 ? 0x86dd : (data[0] >> 4) == 4 ? 0x0800 : 0;
		break;
	default:
		break;
	}
	skb->protocol = htons(proto);
}
