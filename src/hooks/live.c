/* SPDX-License-Identifier: MIT */
/* live.c - live capture through an AF_PACKET socket (see live.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "hooks.h"
#include "live.h"
#include "../util/util.h"

#define LIVE_DLT_EN10MB 1
#define LIVE_VLAN_HLEN 4

struct hooks_live {
	int fd;
	int ifindex;
	uint32_t snaplen;
	char name[IF_NAMESIZE];
	uint8_t *buf; /* snaplen + room for a re-inserted VLAN tag */
};

int hooks_live_open(const char *ifname, uint32_t snaplen, struct hooks_live **out,
		    struct userbpf_error *err)
{
	struct sockaddr_ll sll;
	struct hooks_live *l;
	int one = 1, e;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return err_set(err, -ENOMEM, "hooks", -1, "out of memory");
	l->snaplen = snaplen ? snaplen : 262144;
	snprintf(l->name, sizeof(l->name), "%s", ifname);
	l->buf = malloc(l->snaplen + LIVE_VLAN_HLEN);
	l->ifindex = (int)if_nametoindex(ifname);
	if (!l->buf || !l->ifindex) {
		e = l->buf ? -ENODEV : -ENOMEM;
		free(l->buf);
		free(l);
		return err_set(err, e, "hooks", -1, "%s: %s", ifname,
			       e == -ENODEV ? "no such interface" : "out of memory");
	}
	l->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (l->fd < 0) {
		e = -errno;
		goto fail;
	}
	/* The kernel's per-packet auxiliary data carries the VLAN tag it stripped. */
	if (setsockopt(l->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		e = -errno;
		goto fail;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = l->ifindex;
	if (bind(l->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = -errno;
		goto fail;
	}
	*out = l;
	return 0;
fail:
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	free(l);
	return err_set(err, e, "hooks", -1, "%s: AF_PACKET capture: %s%s", ifname, strerror(-e),
		       e == -EPERM ? " (needs CAP_NET_RAW)" : "");
}

int hooks_live_linktype(const struct hooks_live *l)
{
	(void)l;
	return LIVE_DLT_EN10MB;
}

int hooks_live_next(struct hooks_live *l, int timeout_ms, struct pcapio_pkt *pkt,
		    struct __sk_buff *skb, struct userbpf_error *err)
{
	struct pollfd pfd = { l->fd, POLLIN, 0 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { l->buf, l->snaplen };
	struct msghdr msg;
	struct timeval tv;

	int rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return err_set(err, -errno, "hooks", -1, "%s: poll: %s", l->name, strerror(errno));
	if (rc == 0)
		return 0;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	/* MSG_TRUNC: the return value is the length on the wire even when the buffer is shorter. */
	ssize_t n = recvmsg(l->fd, &msg, MSG_TRUNC);
	if (n < 0)
		return err_set(err, -errno, "hooks", -1, "%s: recvmsg: %s", l->name, strerror(errno));
	uint32_t wire = (uint32_t)n, cap = wire < l->snaplen ? wire : l->snaplen;
	uint16_t vlan_tci = 0, vlan_tpid = 0;
	bool vlan = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (aux.tp_status & TP_STATUS_VLAN_VALID) {
			vlan = true;
			vlan_tci = aux.tp_vlan_tci;
			vlan_tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
										 : ETH_P_8021Q;
		}
	}
	/* Put a stripped tag back after the two MAC addresses, where it was on the wire. */
	if (vlan && cap >= 12) {
		memmove(l->buf + 12 + LIVE_VLAN_HLEN, l->buf + 12, cap - 12);
		l->buf[12] = (uint8_t)(vlan_tpid >> 8);
		l->buf[13] = (uint8_t)vlan_tpid;
		l->buf[14] = (uint8_t)(vlan_tci >> 8);
		l->buf[15] = (uint8_t)vlan_tci;
		cap += LIVE_VLAN_HLEN;
		wire += LIVE_VLAN_HLEN;
		if (cap > l->snaplen)
			cap = l->snaplen;
	}
	gettimeofday(&tv, NULL);
	pkt->data = l->buf;
	pkt->caplen = cap;
	pkt->len = wire;
	pkt->ts_sec = tv.tv_sec;
	pkt->ts_usec = tv.tv_usec;
	hooks_skb_init(skb, l->buf, cap, wire, LIVE_DLT_EN10MB);
	skb->pkt_type = from.sll_pkttype;
	skb->ifindex = (uint32_t)from.sll_ifindex;
	skb->ingress_ifindex = from.sll_pkttype == PACKET_OUTGOING ? 0 : (uint32_t)from.sll_ifindex;
	return 1;
}

void hooks_live_close(struct hooks_live *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l->buf);
	free(l);
}
