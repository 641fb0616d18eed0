/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_stream: capture decoding, IP fragment and TCP stream reassembly for
 * sdd-pcap-replay (see pcap_stream.h). No sockets, no clock: same file and
 * options, same plan.
 *
 * Two passes. The first reads every record, decodes it down to UDP/TCP and
 * keeps the selected datagrams and segments ("items", payload copied) in
 * capture order. Between the passes each TCP connection learns where its
 * stream starts and which byte ranges the capture holds at all. The second
 * pass walks the items again and turns them into events: datagrams as they
 * come, stream bytes as soon as they are in order, and a gap as soon as the
 * stream reaches bytes that no later packet carries.
 */
#include "pcap_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Larger records are refused even when the file states no snapshot length:
 * libpcap's own ceiling, so a corrupt length cannot ask for gigabytes. */
#define MAX_CAPLEN 262144u
#define MAX_IP_DATAGRAM 65535u

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

enum step { STEP_ERROR = -1, STEP_SKIP = 0, STEP_OK = 1 };

/* A selected UDP datagram or TCP segment, payload copied. */
struct item {
	bool is_segment;
	int64_t ts_ns;
	uint64_t packet;
	uint32_t conn;
	int64_t seq;     /* unwrapped sequence number of the segment */
	uint8_t flags;   /* TCP flags */
	uint8_t *data;
	size_t len;
};

struct ps_store {
	struct item *items;
	size_t n_items, cap_items;
};

/* [start, end) in stream offsets. */
struct range {
	int64_t start, end;
};

/* Received bytes waiting for the ones before them. */
struct piece {
	int64_t start, end;
	const uint8_t *data;
};

struct conn {
	/* first pass */
	bool has_last;
	uint32_t last_raw;
	int64_t last_seq;
	bool has_syn;
	uint32_t syn_raw;
	int64_t isn;
	size_t syn_len;
	bool has_min;
	int64_t min_seq; /* lowest sequence number of non-SYN data or FIN */
	bool reset;
	/* between passes */
	int64_t origin;  /* sequence number of stream offset 0 */
	int64_t end;     /* stream length: last data byte or FIN */
	struct range *cover;
	size_t n_cover, cap_cover, cover_idx;
	/* second pass */
	bool opened, ending, closed;
	int64_t next;
	struct piece *pending;
	size_t n_pending, cap_pending;
};

struct frag_set {
	struct ps_addr src, dst;
	uint32_t id;
	uint8_t proto;
	uint8_t *buf;
	uint8_t *have;   /* one flag a byte: fragments may overlap */
	size_t size, total, received;
	bool total_known;
};

struct ip_info {
	struct ps_addr src, dst;
	uint8_t proto;
	const uint8_t *payload;
	size_t len;     /* payload length the IP header claims */
	size_t avail;   /* payload bytes captured, <= len */
	bool fragment, more;
	uint32_t frag_id;
	size_t frag_off;
};

struct ctx {
	const char *path;
	const struct ps_options *opt;
	struct ps_error *err;
	struct ps_plan *plan;
	struct ps_store *store;
	uint64_t packet;   /* number of the record being decoded */
	int64_t ts_ns;
	bool cut;          /* the record is shorter than the packet on the wire */
	struct conn *conns;
	size_t cap_conns, cap_streams, cap_events;
	struct frag_set *frags;
	size_t n_frags, cap_frags;
	int64_t base_ns;
};

struct reader {
	FILE *fp;        /* classic pcap, read here */
	pcap_t *pcap;    /* pcapng, read by libpcap */
	bool big_endian, nano;
	uint32_t snaplen;
	int linktype;
	uint8_t *buf;
	size_t cap;
};

struct record {
	int64_t ts_ns;
	uint32_t caplen, len;
	const uint8_t *data;
};

/* ---- small helpers ---- */

static uint16_t rd16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	void **p = ptr;
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static enum step fail(struct ctx *c, enum ps_status st, const char *fmt, ...)
{
	struct ps_error *e = c->err;
	size_t size = sizeof e->msg;
	int n = c->packet ? snprintf(e->msg, size, "%s: packet %llu: ", c->path,
	                             (unsigned long long)c->packet)
	                  : snprintf(e->msg, size, "%s: ", c->path);
	if (n < 0)
		n = 0;
	if ((size_t)n < size) { /* else a very long path already filled it */
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	e->status = st;
	e->packet = c->packet;
	return STEP_ERROR;
}

static enum step nomem(struct ctx *c) { return fail(c, PS_ERR_NOMEM, "out of memory"); }

bool ps_addr_equal(const struct ps_addr *a, const struct ps_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

int ps_addr_parse(const char *text, struct ps_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(text);
	if (n >= sizeof buf)
		return -1;
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, text, n + 1);
	}
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *ps_addr_format(const struct ps_addr *addr, char *buf, size_t size)
{
	if (!inet_ntop(addr->family, addr->bytes, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

static void set_addr(struct ps_addr *a, int family, const uint8_t *bytes)
{
	memset(a, 0, sizeof *a);
	a->family = family;
	memcpy(a->bytes, bytes, family == AF_INET ? 4 : 16);
}

/* ---- reading records: classic pcap here, pcapng through libpcap ---- */

/* libpcap quietly shortens records whose captured length exceeds the file's
 * snapshot length; we want to refuse such a file, so classic pcap (what
 * tcpdump and the test suites write) is read here. */
static enum step open_classic(struct ctx *c, struct reader *r, const uint8_t *magic)
{
	uint8_t h[24];
	memcpy(h, magic, 4);
	size_t got = fread(h + 4, 1, 20, r->fp);
	if (got != 20)
		return fail(c, PS_ERR_TRUNCATED, "truncated file header (%zu of 24 bytes)", got + 4);
	uint32_t (*rd32)(const uint8_t *) = r->big_endian ? rd32be : rd32le;
	unsigned major = r->big_endian ? rd16be(h + 4) : (unsigned)(h[4] | h[5] << 8);
	if (major != 2)
		return fail(c, PS_ERR_FORMAT, "unsupported pcap version %u", major);
	r->snaplen = rd32(h + 16);
	r->linktype = (int)(rd32(h + 20) & 0xffff); /* upper bits: FCS information */
	return STEP_OK;
}

static enum step open_pcapng(struct ctx *c, struct reader *r)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	rewind(r->fp);
	r->pcap = pcap_fopen_offline_with_tstamp_precision(r->fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->pcap)
		return fail(c, PS_ERR_FORMAT, "%s", errbuf);
	r->fp = NULL; /* libpcap owns it now */
	r->linktype = pcap_datalink(r->pcap);
	return STEP_OK;
}

static enum step reader_open(struct ctx *c, struct reader *r)
{
	uint8_t m[4];
	memset(r, 0, sizeof *r);
	r->fp = fopen(c->path, "rb");
	if (!r->fp)
		return fail(c, PS_ERR_OPEN, "cannot open: %s", strerror(errno));
	size_t got = fread(m, 1, 4, r->fp);
	if (ferror(r->fp))
		return fail(c, PS_ERR_OPEN, "cannot read: %s", strerror(errno));
	if (got < 4)
		return fail(c, PS_ERR_TRUNCATED, "truncated file header (%zu of 24 bytes)", got);
	uint32_t le = rd32le(m), be = rd32be(m);
	if (le == 0xa1b2c3d4 || le == 0xa1b23c4d || be == 0xa1b2c3d4 || be == 0xa1b23c4d) {
		r->big_endian = be == 0xa1b2c3d4 || be == 0xa1b23c4d;
		r->nano = (r->big_endian ? be : le) == 0xa1b23c4d;
		return open_classic(c, r, m);
	}
	if (le == 0x0a0d0d0a)
		return open_pcapng(c, r);
	return fail(c, PS_ERR_FORMAT, "not a pcap or pcapng capture (bad magic 0x%08x)", be);
}

static void reader_close(struct reader *r)
{
	if (r->pcap)
		pcap_close(r->pcap);
	if (r->fp)
		fclose(r->fp);
	free(r->buf);
}

static enum step check_lengths(struct ctx *c, const struct reader *r, uint32_t caplen, uint32_t len)
{
	if (r->snaplen && caplen > r->snaplen)
		return fail(c, PS_ERR_MALFORMED, "captured length %u exceeds the snapshot length %u",
		            caplen, r->snaplen);
	if (caplen > MAX_CAPLEN)
		return fail(c, PS_ERR_MALFORMED, "captured length %u is implausible", caplen);
	if (caplen > len)
		return fail(c, PS_ERR_MALFORMED, "captured length %u exceeds the packet length %u",
		            caplen, len);
	return STEP_OK;
}

static enum step next_classic(struct ctx *c, struct reader *r, struct record *rec)
{
	uint8_t h[16];
	size_t got = fread(h, 1, sizeof h, r->fp);
	if (ferror(r->fp))
		return fail(c, PS_ERR_OPEN, "cannot read: %s", strerror(errno));
	if (got == 0)
		return STEP_SKIP;
	if (got < sizeof h)
		return fail(c, PS_ERR_TRUNCATED, "truncated record header (%zu of 16 bytes)", got);
	uint32_t (*rd32)(const uint8_t *) = r->big_endian ? rd32be : rd32le;
	rec->caplen = rd32(h + 8);
	rec->len = rd32(h + 12);
	if (check_lengths(c, r, rec->caplen, rec->len) != STEP_OK)
		return STEP_ERROR;
	if (!grow(&r->buf, &r->cap, rec->caplen ? rec->caplen : 1, 1))
		return nomem(c);
	got = fread(r->buf, 1, rec->caplen, r->fp);
	if (got < rec->caplen)
		return fail(c, PS_ERR_TRUNCATED, "truncated record (%zu of %u bytes)", got, rec->caplen);
	rec->ts_ns = (int64_t)rd32(h) * 1000000000 + (int64_t)rd32(h + 4) * (r->nano ? 1 : 1000);
	rec->data = r->buf;
	return STEP_OK;
}

static enum step next_pcapng(struct ctx *c, struct reader *r, struct record *rec)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return STEP_SKIP;
	if (rc != 1) {
		const char *msg = pcap_geterr(r->pcap);
		return fail(c, strstr(msg, "truncated") ? PS_ERR_TRUNCATED : PS_ERR_MALFORMED, "%s", msg);
	}
	if (check_lengths(c, r, h->caplen, h->len) != STEP_OK)
		return STEP_ERROR;
	rec->caplen = h->caplen;
	rec->len = h->len;
	rec->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec; /* nanoseconds, as asked */
	rec->data = data;
	return STEP_OK;
}

/* STEP_OK: a record; STEP_SKIP: end of file. */
static enum step reader_next(struct ctx *c, struct reader *r, struct record *rec)
{
	return r->pcap ? next_pcapng(c, r, rec) : next_classic(c, r, rec);
}

/* ---- link layer ---- */

struct l3 {
	const uint8_t *p;
	size_t n;
	int version; /* 4 or 6 as the link layer says, 0: look at the packet */
};

static enum step by_ethertype(struct ctx *c, uint16_t type, const uint8_t *p, size_t n, struct l3 *out)
{
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (n < 4)
			return fail(c, PS_ERR_TRUNCATED, "truncated VLAN tag");
		type = rd16be(p + 2);
		p += 4;
		n -= 4;
	}
	if (type != 0x0800 && type != 0x86dd)
		return STEP_SKIP;
	out->p = p;
	out->n = n;
	out->version = type == 0x0800 ? 4 : 6;
	return STEP_OK;
}

/* BSD loopback headers hold the sender's AF_ value, in its byte order for
 * DLT_NULL; IPv6 has a different value on each BSD. */
static enum step by_family(struct ctx *c, const uint8_t *p, size_t n, struct l3 *out)
{
	if (n < 4)
		return fail(c, PS_ERR_TRUNCATED, "truncated loopback header");
	uint32_t af = rd32le(p) > 0xffff ? rd32be(p) : rd32le(p);
	out->p = p + 4;
	out->n = n - 4;
	if (af == 2)
		out->version = 4;
	else if (af == 10 || af == 24 || af == 28 || af == 30)
		out->version = 6;
	else
		return STEP_SKIP;
	return STEP_OK;
}

static enum step link_decode(struct ctx *c, int linktype, const uint8_t *p, size_t n, struct l3 *out)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (n < 14)
			return fail(c, PS_ERR_TRUNCATED, "truncated Ethernet header (%zu of 14 bytes)", n);
		return by_ethertype(c, rd16be(p + 12), p + 14, n - 14, out);
	case LINKTYPE_LINUX_SLL:
		if (n < 16)
			return fail(c, PS_ERR_TRUNCATED, "truncated Linux cooked header (%zu of 16 bytes)", n);
		return by_ethertype(c, rd16be(p + 14), p + 16, n - 16, out);
	case LINKTYPE_LINUX_SLL2:
		if (n < 20)
			return fail(c, PS_ERR_TRUNCATED, "truncated Linux cooked v2 header (%zu of 20 bytes)", n);
		return by_ethertype(c, rd16be(p), p + 20, n - 20, out);
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		return by_family(c, p, n, out);
	case LINKTYPE_RAW:
	case DLT_RAW: /* what libpcap reports for LINKTYPE_RAW files */
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		out->p = p;
		out->n = n;
		out->version = linktype == LINKTYPE_IPV4 ? 4 : linktype == LINKTYPE_IPV6 ? 6 : 0;
		return STEP_OK;
	default:
		return fail(c, PS_ERR_FORMAT, "unsupported link type %d", linktype);
	}
}

/* ---- IPv4 / IPv6 ---- */

static enum step ipv4_decode(struct ctx *c, const struct l3 *l, struct ip_info *ip)
{
	const uint8_t *p = l->p;
	if (l->n < 20)
		return fail(c, PS_ERR_TRUNCATED, "truncated IPv4 header (%zu of 20 bytes)", l->n);
	size_t ihl = (size_t)(p[0] & 15) * 4;
	size_t total = rd16be(p + 2);
	if (total == 0) /* segmentation offload on the capturing host */
		total = l->n;
	if (ihl < 20 || total < ihl)
		return fail(c, PS_ERR_MALFORMED, "bad IPv4 header length %zu or total length %zu", ihl, total);
	if (ihl > l->n)
		return fail(c, PS_ERR_TRUNCATED, "truncated IPv4 options (%zu of %zu bytes)", l->n, ihl);
	set_addr(&ip->src, AF_INET, p + 12);
	set_addr(&ip->dst, AF_INET, p + 16);
	ip->proto = p[9];
	ip->payload = p + ihl;
	ip->len = total - ihl;
	ip->avail = (total < l->n ? total : l->n) - ihl;
	uint16_t frag = rd16be(p + 6);
	ip->more = frag & 0x2000;
	ip->frag_off = (size_t)(frag & 0x1fff) * 8;
	ip->fragment = ip->more || ip->frag_off;
	ip->frag_id = rd16be(p + 4);
	return STEP_OK;
}

static size_t ext_header_len(uint8_t type, const uint8_t *h)
{
	if (type == 44)
		return 8;
	if (type == 51) /* AH counts in 4-byte words */
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;
}

static bool is_ext_header(uint8_t type)
{
	/* hop-by-hop, routing, fragment, destination options, AH, mobility,
	 * host identity, shim6: all say their length the same way */
	return type == 0 || type == 43 || type == 44 || type == 60 || type == 51 ||
	       type == 135 || type == 139 || type == 140;
}

static void take_fragment_header(struct ip_info *ip, const uint8_t *h)
{
	uint16_t off = rd16be(h + 2);
	ip->frag_off = off & 0xfff8;
	ip->more = off & 1;
	ip->frag_id = rd32be(h + 4);
	ip->fragment = ip->frag_off || ip->more; /* else an atomic fragment */
}

/* Walks the extension headers up to the upper-layer protocol, or to a
 * fragment header: what follows it belongs to the reassembled datagram. */
static enum step ipv6_skip_ext(struct ctx *c, struct ip_info *ip)
{
	while (is_ext_header(ip->proto)) {
		if (ip->avail < 2 || ip->avail < ext_header_len(ip->proto, ip->payload)) {
			if (ip->avail < ip->len)
				return fail(c, PS_ERR_TRUNCATED, "truncated IPv6 extension header");
			return fail(c, PS_ERR_MALFORMED, "IPv6 extension header beyond the payload");
		}
		uint8_t type = ip->proto;
		size_t hlen = ext_header_len(type, ip->payload);
		if (type == 44)
			take_fragment_header(ip, ip->payload);
		ip->proto = ip->payload[0];
		ip->payload += hlen;
		ip->len -= hlen;
		ip->avail -= hlen;
		if (ip->fragment)
			break;
	}
	return STEP_OK;
}

static enum step ipv6_decode(struct ctx *c, const struct l3 *l, struct ip_info *ip)
{
	const uint8_t *p = l->p;
	if (l->n < 40)
		return fail(c, PS_ERR_TRUNCATED, "truncated IPv6 header (%zu of 40 bytes)", l->n);
	size_t len = rd16be(p + 4);
	if (len == 0) /* jumbogram or offload: the frame says how long */
		len = l->n - 40;
	set_addr(&ip->src, AF_INET6, p + 8);
	set_addr(&ip->dst, AF_INET6, p + 24);
	ip->proto = p[6];
	ip->payload = p + 40;
	ip->len = len;
	ip->avail = len < l->n - 40 ? len : l->n - 40;
	ip->fragment = false;
	return ipv6_skip_ext(c, ip);
}

static enum step ip_decode(struct ctx *c, const struct l3 *l, struct ip_info *ip)
{
	if (l->n == 0)
		return fail(c, PS_ERR_TRUNCATED, "empty IP packet");
	int version = l->p[0] >> 4;
	if (l->version && version != l->version)
		return fail(c, PS_ERR_MALFORMED, "IPv%d expected, version field says %d", l->version, version);
	if (version == 4)
		return ipv4_decode(c, l, ip);
	if (version == 6)
		return ipv6_decode(c, l, ip);
	return fail(c, PS_ERR_MALFORMED, "unknown IP version %d", version);
}

/* Fails unless the first `need` payload bytes were captured. */
static enum step need_payload(struct ctx *c, const struct ip_info *ip, size_t need, const char *what)
{
	if (ip->avail >= need)
		return STEP_OK;
	if (c->cut)
		return fail(c, PS_ERR_TRUNCATED, "%s cut by the capture (%zu of %zu bytes)", what,
		            ip->avail, need);
	return fail(c, PS_ERR_MALFORMED, "%s longer than the frame (%zu of %zu bytes)", what,
	            ip->avail, need);
}

/* ---- selection ---- */

static bool port_listed(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static bool source_selected(const struct ctx *c, const struct ip_info *ip)
{
	const struct ps_options *o = c->opt;
	return !o->match_src_set || ps_addr_equal(&o->match_src, &ip->src);
}

static bool ip_selected(const struct ctx *c, const struct ip_info *ip)
{
	const struct ps_options *o = c->opt;
	return source_selected(c, ip) && ((ip->proto == IPPROTO_UDP && o->n_udp_ports) ||
	                                  (ip->proto == IPPROTO_TCP && o->n_tcp_ports));
}

/* Fragments are kept until reassembly tells the protocol; an IPv6 one may
 * still have extension headers before it. */
static bool fragment_wanted(const struct ctx *c, const struct ip_info *ip)
{
	bool v6_ext = ip->src.family == AF_INET6 && is_ext_header(ip->proto);
	return source_selected(c, ip) && (ip_selected(c, ip) || v6_ext);
}

/* ---- items ---- */

static enum step add_item(struct ctx *c, const uint8_t *data, size_t len, struct item **out)
{
	struct ps_store *s = c->store;
	if (!grow(&s->items, &s->cap_items, s->n_items + 1, sizeof *s->items))
		return nomem(c);
	struct item *it = &s->items[s->n_items];
	memset(it, 0, sizeof *it);
	if (len) {
		it->data = malloc(len);
		if (!it->data)
			return nomem(c);
		memcpy(it->data, data, len);
	}
	it->len = len;
	it->ts_ns = c->ts_ns;
	it->packet = c->packet;
	s->n_items++;
	c->plan->stats.selected++;
	*out = it;
	return STEP_OK;
}

static enum step udp_decode(struct ctx *c, const struct ip_info *ip)
{
	if (ip->len < 8)
		return fail(c, PS_ERR_MALFORMED, "IP payload too short for a UDP header (%zu bytes)", ip->len);
	if (ip->avail < 8)
		return fail(c, PS_ERR_TRUNCATED, "truncated UDP header (%zu of 8 bytes)", ip->avail);
	size_t ulen = rd16be(ip->payload + 4);
	if (ulen < 8 || ulen > ip->len)
		return fail(c, PS_ERR_MALFORMED, "UDP length %zu does not fit the IP payload of %zu bytes",
		            ulen, ip->len);
	if (!port_listed(c->opt->udp_ports, c->opt->n_udp_ports, rd16be(ip->payload + 2)))
		return STEP_SKIP;
	if (need_payload(c, ip, ulen, "UDP datagram") != STEP_OK)
		return STEP_ERROR;
	struct item *it;
	if (add_item(c, ip->payload + 8, ulen - 8, &it) != STEP_OK)
		return STEP_ERROR;
	c->plan->stats.datagrams++;
	c->plan->stats.datagram_bytes += ulen - 8;
	return STEP_OK;
}

/* Sequence numbers wrap at 2^32; streams are followed on 64 bits by taking
 * each new number as the nearest one to the previous. */
static int64_t unwrap(struct conn *k, uint32_t raw)
{
	int64_t seq = raw;
	if (k->has_last) {
		uint32_t diff = raw - k->last_raw;
		seq = diff < 0x80000000u ? k->last_seq + diff : k->last_seq - (int64_t)(0x100000000 - diff);
	}
	k->has_last = true;
	k->last_raw = raw;
	k->last_seq = seq;
	return seq;
}

static bool same_tuple(const struct ps_stream *s, const struct ip_info *ip, uint16_t sport, uint16_t dport)
{
	return s->sport == sport && s->dport == dport && ps_addr_equal(&s->src, &ip->src) &&
	       ps_addr_equal(&s->dst, &ip->dst);
}

/* A connection continues until a SYN with another initial sequence number,
 * or any segment after a RST, starts a new one on the same 4-tuple. */
static bool continues(const struct conn *k, uint8_t flags, uint32_t seq)
{
	if (flags & TCP_SYN)
		return k->has_syn && k->syn_raw == seq;
	return !k->reset;
}

static enum step new_conn(struct ctx *c, const struct ip_info *ip, uint16_t sport, uint16_t dport)
{
	struct ps_plan *pl = c->plan;
	size_t n = pl->n_streams;
	if (!grow(&pl->streams, &c->cap_streams, n + 1, sizeof *pl->streams) ||
	    !grow(&c->conns, &c->cap_conns, n + 1, sizeof *c->conns))
		return nomem(c);
	memset(&c->conns[n], 0, sizeof c->conns[n]);
	struct ps_stream *s = &pl->streams[n];
	memset(s, 0, sizeof *s);
	s->src = ip->src;
	s->dst = ip->dst;
	s->sport = sport;
	s->dport = dport;
	s->first_packet = c->packet;
	s->syn_in_sequence = true;
	pl->n_streams++;
	pl->stats.tcp_streams++;
	return STEP_OK;
}

static enum step find_conn(struct ctx *c, const struct ip_info *ip, const uint8_t *tcp, uint32_t *index)
{
	uint16_t sport = rd16be(tcp), dport = rd16be(tcp + 2);
	uint32_t seq = rd32be(tcp + 4);
	for (size_t i = c->plan->n_streams; i-- > 0;) {
		if (!same_tuple(&c->plan->streams[i], ip, sport, dport))
			continue;
		if (continues(&c->conns[i], tcp[13], seq)) {
			*index = (uint32_t)i;
			return STEP_OK;
		}
		break;
	}
	if (new_conn(c, ip, sport, dport) != STEP_OK)
		return STEP_ERROR;
	*index = (uint32_t)(c->plan->n_streams - 1);
	return STEP_OK;
}

static void note_segment(struct conn *k, const struct item *it, uint32_t raw)
{
	if (it->flags & TCP_SYN) {
		if (!k->has_syn) {
			k->has_syn = true;
			k->syn_raw = raw;
			k->isn = it->seq;
			k->syn_len = it->len;
		}
	} else if (it->len || (it->flags & TCP_FIN)) {
		if (!k->has_min || it->seq < k->min_seq)
			k->min_seq = it->seq;
		k->has_min = true;
	}
	if (it->flags & TCP_RST)
		k->reset = true;
}

static enum step tcp_segment(struct ctx *c, const struct ip_info *ip, const uint8_t *tcp, size_t hlen)
{
	uint8_t flags = tcp[13];
	size_t len = ip->len - hlen;
	if (!len && !(flags & (TCP_SYN | TCP_FIN | TCP_RST)))
		return STEP_SKIP; /* a bare ACK carries nothing to replay */
	uint32_t index;
	if (find_conn(c, ip, tcp, &index) != STEP_OK)
		return STEP_ERROR;
	struct item *it;
	if (add_item(c, tcp + hlen, len, &it) != STEP_OK)
		return STEP_ERROR;
	struct conn *k = &c->conns[index];
	uint32_t raw = rd32be(tcp + 4);
	it->is_segment = true;
	it->conn = index;
	it->flags = flags;
	it->seq = unwrap(k, raw);
	if ((flags & TCP_SYN) && k->has_syn)
		it->seq = k->isn; /* a repeated SYN: same number, however far the stream got */
	note_segment(k, it, raw);
	return STEP_OK;
}

static enum step tcp_decode(struct ctx *c, const struct ip_info *ip)
{
	if (ip->len < 20)
		return fail(c, PS_ERR_MALFORMED, "IP payload too short for a TCP header (%zu bytes)", ip->len);
	if (ip->avail < 20)
		return fail(c, PS_ERR_TRUNCATED, "truncated TCP header (%zu of 20 bytes)", ip->avail);
	const uint8_t *tcp = ip->payload;
	size_t hlen = (size_t)(tcp[12] >> 4) * 4;
	if (hlen < 20 || hlen > ip->len)
		return fail(c, PS_ERR_MALFORMED, "bad TCP header length %zu", hlen);
	if (hlen > ip->avail)
		return fail(c, PS_ERR_TRUNCATED, "truncated TCP options (%zu of %zu bytes)", ip->avail, hlen);
	if (!port_listed(c->opt->tcp_ports, c->opt->n_tcp_ports, rd16be(tcp + 2)))
		return STEP_SKIP;
	if (need_payload(c, ip, ip->len, "TCP segment") != STEP_OK)
		return STEP_ERROR;
	return tcp_segment(c, ip, tcp, hlen);
}

static enum step l4_decode(struct ctx *c, const struct ip_info *ip)
{
	return ip->proto == IPPROTO_UDP ? udp_decode(c, ip) : tcp_decode(c, ip);
}

/* ---- IP fragments ---- */

static struct frag_set *frag_find(struct ctx *c, const struct ip_info *ip)
{
	for (size_t i = 0; i < c->n_frags; i++) {
		struct frag_set *f = &c->frags[i];
		if (f->id == ip->frag_id && f->proto == ip->proto && ps_addr_equal(&f->src, &ip->src) &&
		    ps_addr_equal(&f->dst, &ip->dst))
			return f;
	}
	if (!grow(&c->frags, &c->cap_frags, c->n_frags + 1, sizeof *c->frags))
		return NULL;
	struct frag_set *f = &c->frags[c->n_frags++];
	memset(f, 0, sizeof *f);
	f->src = ip->src;
	f->dst = ip->dst;
	f->id = ip->frag_id;
	f->proto = ip->proto;
	return f;
}

static void frag_drop(struct ctx *c, struct frag_set *f)
{
	free(f->buf);
	free(f->have);
	*f = c->frags[--c->n_frags];
}

static enum step frag_store(struct ctx *c, struct frag_set *f, const struct ip_info *ip)
{
	size_t end = ip->frag_off + ip->avail;
	if (end > f->size) {
		uint8_t *buf = realloc(f->buf, end), *have = realloc(f->have, end);
		if (buf)
			f->buf = buf;
		if (have)
			f->have = have;
		if (!buf || !have)
			return nomem(c);
		memset(f->have + f->size, 0, end - f->size);
		f->size = end;
	}
	for (size_t i = 0; i < ip->avail; i++) {
		size_t at = ip->frag_off + i;
		if (!f->have[at]) { /* the first copy of a byte wins, as for TCP */
			f->buf[at] = ip->payload[i];
			f->have[at] = 1;
			f->received++;
		}
	}
	return STEP_OK;
}

static enum step frag_check(struct ctx *c, struct frag_set *f, const struct ip_info *ip)
{
	size_t end = ip->frag_off + ip->avail;
	if (end > MAX_IP_DATAGRAM)
		return fail(c, PS_ERR_MALFORMED, "IP fragment ends at byte %zu, past 65535", end);
	if (!ip->more) {
		if (f->total_known && f->total != end)
			return fail(c, PS_ERR_MALFORMED, "IP fragments disagree on the datagram length");
		f->total = end;
		f->total_known = true;
	}
	if (f->total_known && (end > f->total || f->size > f->total))
		return fail(c, PS_ERR_MALFORMED, "IP fragment beyond the last fragment");
	return STEP_OK;
}

/* Keeps the fragment; once every byte is there, decodes the datagram as if
 * it had come whole in this packet. */
static enum step frag_add(struct ctx *c, const struct ip_info *ip)
{
	if (need_payload(c, ip, ip->len, "IP fragment") != STEP_OK)
		return STEP_ERROR;
	struct frag_set *f = frag_find(c, ip);
	if (!f)
		return nomem(c);
	if (frag_check(c, f, ip) != STEP_OK || frag_store(c, f, ip) != STEP_OK)
		return STEP_ERROR;
	if (!f->total_known || f->received < f->total)
		return STEP_OK;
	struct ip_info whole = *ip;
	whole.payload = f->buf;
	whole.len = whole.avail = f->total;
	whole.fragment = false;
	c->plan->stats.fragments_reassembled++;
	enum step st = whole.src.family == AF_INET6 ? ipv6_skip_ext(c, &whole) : STEP_OK;
	if (st == STEP_OK && whole.fragment)
		st = fail(c, PS_ERR_MALFORMED, "fragment header inside a reassembled datagram");
	if (st == STEP_OK && ip_selected(c, &whole))
		st = l4_decode(c, &whole);
	frag_drop(c, f);
	return st;
}

/* ---- first pass ---- */

static enum step decode_record(struct ctx *c, int linktype, const struct record *rec)
{
	struct l3 l;
	struct ip_info ip;
	enum step st = link_decode(c, linktype, rec->data, rec->caplen, &l);
	if (st == STEP_OK)
		st = ip_decode(c, &l, &ip);
	if (st != STEP_OK)
		return st;
	if (ip.fragment)
		return fragment_wanted(c, &ip) ? frag_add(c, &ip) : STEP_SKIP;
	return ip_selected(c, &ip) ? l4_decode(c, &ip) : STEP_SKIP;
}

static enum step read_capture(struct ctx *c)
{
	struct reader r;
	struct record rec = {0};
	enum step st = reader_open(c, &r);
	while (st == STEP_OK) {
		c->packet++;
		st = reader_next(c, &r, &rec);
		if (st != STEP_OK)
			break;
		c->plan->stats.packets++;
		c->ts_ns = rec.ts_ns;
		c->cut = rec.caplen < rec.len;
		st = decode_record(c, r.linktype, &rec);
		if (st == STEP_SKIP)
			st = STEP_OK;
	}
	reader_close(&r);
	c->packet = 0;
	return st == STEP_ERROR ? STEP_ERROR : STEP_OK;
}

/* ---- between the passes: where each stream starts, what it holds ---- */

/* Packet-crafting tools (the pmacct test suite's captures among them) put
 * payload in the SYN without giving the SYN its own sequence number; the
 * first data after such a SYN starts right at SYN.seq + its length. */
static void choose_origin(struct conn *k, struct ps_stream *s)
{
	if (!k->has_syn) {
		k->origin = k->has_min ? k->min_seq : k->last_seq;
		return;
	}
	s->syn_in_sequence = !(k->has_min && k->min_seq == k->isn + (int64_t)k->syn_len);
	k->origin = k->isn + (s->syn_in_sequence ? 1 : 0);
}

static int64_t seg_start(const struct ctx *c, const struct item *it)
{
	const struct conn *k = &c->conns[it->conn];
	bool syn_counts = (it->flags & TCP_SYN) && c->plan->streams[it->conn].syn_in_sequence;
	return it->seq + (syn_counts ? 1 : 0) - k->origin;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

static void merge_cover(struct conn *k)
{
	if (!k->n_cover)
		return;
	qsort(k->cover, k->n_cover, sizeof *k->cover, cmp_range);
	size_t out = 0;
	for (size_t i = 1; i < k->n_cover; i++) {
		if (k->cover[i].start <= k->cover[out].end) {
			if (k->cover[i].end > k->cover[out].end)
				k->cover[out].end = k->cover[i].end;
		} else {
			k->cover[++out] = k->cover[i];
		}
	}
	k->n_cover = out + 1;
}

static enum step add_cover(struct ctx *c, const struct item *it)
{
	struct conn *k = &c->conns[it->conn];
	int64_t start = seg_start(c, it), end = start + (int64_t)it->len;
	if ((it->flags & TCP_FIN) && end > k->end)
		k->end = end;
	if (start < 0)
		start = 0; /* before the stream: only ever dropped */
	if (end <= start)
		return STEP_OK;
	if (end > k->end)
		k->end = end;
	if (!grow(&k->cover, &k->cap_cover, k->n_cover + 1, sizeof *k->cover))
		return nomem(c);
	k->cover[k->n_cover++] = (struct range){start, end};
	return STEP_OK;
}

static enum step prepare_streams(struct ctx *c)
{
	for (size_t i = 0; i < c->plan->n_streams; i++)
		choose_origin(&c->conns[i], &c->plan->streams[i]);
	for (size_t i = 0; i < c->store->n_items; i++) {
		const struct item *it = &c->store->items[i];
		if (it->is_segment && add_cover(c, it) != STEP_OK)
			return STEP_ERROR;
	}
	for (size_t i = 0; i < c->plan->n_streams; i++)
		merge_cover(&c->conns[i]);
	return STEP_OK;
}

/* ---- second pass: events ---- */

static enum step emit(struct ctx *c, const struct item *it, enum ps_event_kind kind, int64_t offset,
                      size_t len, const uint8_t *data)
{
	struct ps_plan *pl = c->plan;
	if (!grow(&pl->events, &c->cap_events, pl->n_events + 1, sizeof *pl->events))
		return nomem(c);
	pl->events[pl->n_events++] = (struct ps_event){
		.kind = kind,
		.time_ns = it->ts_ns - c->base_ns,
		.packet = it->packet,
		.stream = it->conn,
		.offset = (uint64_t)offset,
		.len = len,
		.data = data,
	};
	return STEP_OK;
}

/* Stores the bytes of [start, end) that neither came before nor wait in
 * `pending`: the first copy of a byte wins. Returns how many were new, or
 * -1 when out of memory. */
static int64_t pending_insert(struct ctx *c, struct conn *k, int64_t start, int64_t end,
                              const uint8_t *data)
{
	int64_t pos = start > k->next ? start : k->next, added = 0;
	size_t i = 0;
	while (i < k->n_pending && k->pending[i].end <= pos)
		i++;
	while (pos < end) {
		if (i < k->n_pending && k->pending[i].start <= pos) {
			pos = k->pending[i++].end;
			continue;
		}
		int64_t stop = i < k->n_pending && k->pending[i].start < end ? k->pending[i].start : end;
		if (!grow(&k->pending, &k->cap_pending, k->n_pending + 1, sizeof *k->pending))
			return nomem(c);
		memmove(&k->pending[i + 1], &k->pending[i], (k->n_pending - i) * sizeof *k->pending);
		k->pending[i++] = (struct piece){pos, stop, data + (pos - start)};
		k->n_pending++;
		added += stop - pos;
		pos = stop;
	}
	return added;
}

/* Where the stream can go on from pos: pos itself if some packet carries
 * that byte, else the next byte one does (or the end): a gap. */
static int64_t next_covered(struct conn *k, int64_t pos)
{
	while (k->cover_idx < k->n_cover && k->cover[k->cover_idx].end <= pos)
		k->cover_idx++;
	if (pos >= k->end)
		return pos;
	if (k->cover_idx == k->n_cover)
		return k->end;
	const struct range *r = &k->cover[k->cover_idx];
	return r->start <= pos ? pos : r->start;
}

static enum step drain(struct ctx *c, struct conn *k, const struct item *it)
{
	struct ps_stats *st = &c->plan->stats;
	for (;;) {
		if (k->n_pending && k->pending[0].start == k->next) {
			struct piece p = k->pending[0];
			if (emit(c, it, PS_TCP_DATA, p.start, (size_t)(p.end - p.start), p.data) != STEP_OK)
				return STEP_ERROR;
			st->stream_bytes += (uint64_t)(p.end - p.start);
			memmove(&k->pending[0], &k->pending[1], --k->n_pending * sizeof *k->pending);
			k->next = p.end;
			continue;
		}
		int64_t to = next_covered(k, k->next);
		if (to == k->next)
			return STEP_OK;
		if (emit(c, it, PS_TCP_GAP, k->next, (size_t)(to - k->next), NULL) != STEP_OK)
			return STEP_ERROR;
		st->gaps++;
		st->gap_bytes += (uint64_t)(to - k->next);
		k->next = to;
	}
}

static enum step replay_segment(struct ctx *c, const struct item *it)
{
	struct conn *k = &c->conns[it->conn];
	if (!k->opened) {
		k->opened = true;
		if (emit(c, it, PS_TCP_OPEN, 0, 0, NULL) != STEP_OK)
			return STEP_ERROR;
	}
	int64_t start = seg_start(c, it);
	int64_t added = it->len ? pending_insert(c, k, start, start + (int64_t)it->len, it->data) : 0;
	if (added < 0)
		return STEP_ERROR;
	c->plan->stats.dup_bytes += it->len - (uint64_t)added;
	if (it->flags & (TCP_FIN | TCP_RST))
		k->ending = true;
	if (drain(c, k, it) != STEP_OK)
		return STEP_ERROR;
	if (k->ending && !k->closed && k->next >= k->end) {
		k->closed = true;
		return emit(c, it, PS_TCP_CLOSE, k->next, 0, NULL);
	}
	return STEP_OK;
}

static enum step replay_items(struct ctx *c)
{
	struct ps_store *s = c->store;
	if (s->n_items)
		c->base_ns = s->items[0].ts_ns;
	for (size_t i = 0; i < s->n_items; i++) {
		const struct item *it = &s->items[i];
		enum step st = it->is_segment ? replay_segment(c, it)
		                              : emit(c, it, PS_DATAGRAM, 0, it->len, it->data);
		if (st != STEP_OK)
			return st;
	}
	return STEP_OK;
}

/* ---- the plan ---- */

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; c->plan && i < c->plan->n_streams; i++) {
		free(c->conns[i].cover);
		free(c->conns[i].pending);
	}
	free(c->conns);
	while (c->n_frags)
		frag_drop(c, &c->frags[0]);
	free(c->frags);
}

void ps_plan_free(struct ps_plan *plan)
{
	if (!plan)
		return;
	if (plan->store) {
		for (size_t i = 0; i < plan->store->n_items; i++)
			free(plan->store->items[i].data);
		free(plan->store->items);
		free(plan->store);
	}
	free(plan->events);
	free(plan->streams);
	free(plan);
}

enum ps_status ps_plan_build(const char *path, const struct ps_options *opt, struct ps_plan **plan,
                             struct ps_error *err)
{
	struct ctx c = {.path = path, .opt = opt, .err = err};
	memset(err, 0, sizeof *err);
	*plan = NULL;
	c.plan = calloc(1, sizeof *c.plan);
	c.store = calloc(1, sizeof *c.store);
	enum step st = STEP_OK;
	if (!c.plan || !c.store)
		st = nomem(&c);
	else
		c.plan->store = c.store;
	if (st == STEP_OK)
		st = read_capture(&c);
	if (st == STEP_OK)
		st = prepare_streams(&c);
	if (st == STEP_OK)
		st = replay_items(&c);
	if (c.plan)
		c.plan->stats.fragments_incomplete = c.n_frags;
	ctx_free(&c);
	if (st != STEP_OK) {
		if (!c.plan)
			free(c.store);
		ps_plan_free(c.plan);
		return err->status;
	}
	*plan = c.plan;
	return PS_OK;
}
