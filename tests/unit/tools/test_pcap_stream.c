/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for pcap_stream (tools/pcap_stream.c): capture decoding, IP
 * fragment and TCP stream reassembly. Small synthetic captures are written
 * here (with libpcap's pcap_dump, or byte by byte for the broken and unusual
 * ones); the real router captures in ../shared/captures are checked against
 * figures taken with tshark, and skipped when they are not there (distcheck).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcap_stream.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_PSH 0x08

#define CLIENT4 "10.0.0.1"
#define SERVER4 "10.0.0.2"
#define BMP_PORT 1790
#define IPFIX_PORT 9991

/* ---- building frames ---- */

struct frame {
	uint8_t b[70000];
	size_t n;
};

static void put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof f->b);
	if (n) /* p may be NULL then */
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(f, b, 2);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void put_addr(struct frame *f, int family, const char *text)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(family, text, a), 1);
	put(f, a, family == AF_INET ? 4 : 16);
}

static void put_eth(struct frame *f, uint16_t ethertype)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	put(f, macs, sizeof macs);
	put16(f, ethertype);
}

/* frag: the IPv4 flags and fragment offset field. */
static void put_ipv4(struct frame *f, const char *src, const char *dst, uint8_t proto, size_t len,
                     uint16_t id, uint16_t frag)
{
	put16(f, 0x4500);
	put16(f, (uint16_t)(20 + len));
	put16(f, id);
	put16(f, frag);
	uint8_t ttl_proto[2] = {64, proto};
	put(f, ttl_proto, 2);
	put16(f, 0);
	put_addr(f, AF_INET, src);
	put_addr(f, AF_INET, dst);
}

static void put_ipv6(struct frame *f, const char *src, const char *dst, uint8_t next, size_t len)
{
	put32(f, 0x60000000);
	put16(f, (uint16_t)len);
	uint8_t nh[2] = {next, 64};
	put(f, nh, 2);
	put_addr(f, AF_INET6, src);
	put_addr(f, AF_INET6, dst);
}

static void put_udp(struct frame *f, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + len));
	put16(f, 0);
	put(f, data, len);
}

static void put_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                    const void *data, size_t len)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, 0);
	uint8_t off_flags[2] = {5 << 4, flags};
	put(f, off_flags, 2);
	put16(f, 65535);
	put32(f, 0);
	put(f, data, len);
}

/* Ethernet, IPv4, TCP from CLIENT4 port 40000 to SERVER4 port BMP_PORT. */
static struct frame *tcp4(uint32_t seq, uint8_t flags, const char *data)
{
	static struct frame f;
	size_t len = data ? strlen(data) : 0;
	f.n = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, CLIENT4, SERVER4, IPPROTO_TCP, 20 + len, 1, 0);
	put_tcp(&f, 40000, BMP_PORT, seq, flags, data, len);
	return &f;
}

static struct frame *udp4(const char *src, uint16_t dport, const char *data)
{
	static struct frame f;
	size_t len = strlen(data);
	f.n = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, src, SERVER4, IPPROTO_UDP, 8 + len, 1, 0);
	put_udp(&f, 50000, dport, data, len);
	return &f;
}

/* ---- writing captures ---- */

struct cap {
	char path[64];
	pcap_t *dead;
	pcap_dumper_t *dumper;
};

static void temp_path(char *path, size_t size)
{
	snprintf(path, size, "/tmp/test_pcap_stream-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void cap_open(struct cap *c, int dlt)
{
	temp_path(c->path, sizeof c->path);
	c->dead = pcap_open_dead(dlt, 65535);
	assert_non_null(c->dead);
	c->dumper = pcap_dump_open(c->dead, c->path);
	assert_non_null(c->dumper);
}

static void cap_add(struct cap *c, int64_t ts_us, const struct frame *f)
{
	struct pcap_pkthdr h = {0};
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)f->n;
	pcap_dump((u_char *)c->dumper, &h, f->b);
}

static void cap_close(struct cap *c)
{
	pcap_dump_close(c->dumper);
	pcap_close(c->dead);
}

static void write_file(char *path, size_t size, const void *data, size_t len)
{
	temp_path(path, size);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* ---- reading plans ---- */

static struct ps_options tcp_options(void)
{
	struct ps_options o = {0};
	o.tcp_ports[o.n_tcp_ports++] = BMP_PORT;
	return o;
}

static struct ps_options udp_options(void)
{
	struct ps_options o = {0};
	o.udp_ports[o.n_udp_ports++] = IPFIX_PORT;
	return o;
}

static struct ps_plan *build_ok(const char *path, const struct ps_options *o)
{
	struct ps_plan *plan;
	struct ps_error err;
	enum ps_status st = ps_plan_build(path, o, &plan, &err);
	if (st != PS_OK)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(st, PS_OK);
	return plan;
}

static struct ps_plan *build_cap(struct cap *c, const struct ps_options *o)
{
	cap_close(c);
	struct ps_plan *plan = build_ok(c->path, o);
	unlink(c->path);
	return plan;
}

static enum ps_status build_fails(const char *path, const struct ps_options *o, struct ps_error *err)
{
	struct ps_plan *plan = (struct ps_plan *)1;
	enum ps_status st = ps_plan_build(path, o, &plan, err);
	assert_int_not_equal(st, PS_OK);
	assert_null(plan);
	assert_non_null(strstr(err->msg, path));
	return st;
}

/* The stream's bytes as the replayer would write them, NUL-terminated. */
static char *stream_text(const struct ps_plan *plan, uint32_t stream)
{
	static char buf[70000];
	size_t n = 0;
	uint64_t offset = 0;
	for (size_t i = 0; i < plan->n_events; i++) {
		const struct ps_event *ev = &plan->events[i];
		if (ev->stream != stream || (ev->kind != PS_TCP_DATA && ev->kind != PS_TCP_GAP))
			continue;
		assert_int_equal(ev->offset, offset); /* in order, nothing twice */
		offset += ev->len;
		if (ev->kind == PS_TCP_DATA) {
			assert_true(n + ev->len < sizeof buf);
			memcpy(buf + n, ev->data, ev->len);
			n += ev->len;
		}
	}
	buf[n] = '\0';
	return buf;
}

static size_t count_kind(const struct ps_plan *plan, enum ps_event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->n_events; i++)
		n += plan->events[i].kind == kind;
	return n;
}

static const struct ps_event *nth_kind(const struct ps_plan *plan, enum ps_event_kind kind, size_t nth)
{
	for (size_t i = 0; i < plan->n_events; i++)
		if (plan->events[i].kind == kind && nth-- == 0)
			return &plan->events[i];
	fail_msg("no event %zu of kind %d", nth, kind);
	return NULL;
}

/* ---- TCP reassembly ---- */

static void test_tcp_in_order(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 5000000, tcp4(1000, TCP_SYN, NULL));
	cap_add(&c, 5001000, tcp4(1001, TCP_ACK | TCP_PSH, "hello "));
	cap_add(&c, 5002000, tcp4(1007, TCP_ACK, NULL)); /* bare ACK: nothing */
	cap_add(&c, 5003000, tcp4(1007, TCP_ACK | TCP_PSH, "world"));
	cap_add(&c, 5004000, tcp4(1012, TCP_ACK | TCP_FIN, NULL));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "hello world");
	assert_int_equal(p->n_streams, 1);
	assert_true(p->streams[0].syn_in_sequence);
	assert_int_equal(p->streams[0].sport, 40000);
	assert_int_equal(p->n_events, 4);
	assert_int_equal(p->events[0].kind, PS_TCP_OPEN);
	assert_int_equal(p->events[0].time_ns, 0);
	assert_int_equal(p->events[2].time_ns, 3000000);
	assert_int_equal(p->events[2].packet, 4);
	assert_int_equal(p->events[3].kind, PS_TCP_CLOSE);
	assert_int_equal(p->stats.packets, 5);
	assert_int_equal(p->stats.stream_bytes, 11);
	assert_int_equal(p->stats.dup_bytes, 0);
	assert_int_equal(p->stats.gap_bytes, 0);
	ps_plan_free(p);
}

static void test_tcp_retransmission(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, NULL));
	cap_add(&c, 1, tcp4(2, TCP_ACK, "AAAAA"));
	cap_add(&c, 2, tcp4(7, TCP_ACK, "BBBBB"));
	cap_add(&c, 3, tcp4(7, TCP_ACK, "BBBBB"));
	cap_add(&c, 4, tcp4(12, TCP_ACK, "CCCCC"));
	cap_add(&c, 5, tcp4(2, TCP_ACK, "AAAAA"));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "AAAAABBBBBCCCCC");
	assert_int_equal(count_kind(p, PS_TCP_DATA), 3);
	assert_int_equal(p->stats.dup_bytes, 10);
	assert_int_equal(p->stats.stream_bytes, 15);
	ps_plan_free(p);
}

/* Overlapping bytes are kept from the first copy captured. */
static void test_tcp_overlap(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, NULL));
	cap_add(&c, 1, tcp4(2, TCP_ACK, "abcdef"));
	cap_add(&c, 2, tcp4(6, TCP_ACK, "XXghij"));
	cap_add(&c, 3, tcp4(14, TCP_ACK, "mnop"));
	cap_add(&c, 4, tcp4(10, TCP_ACK, "YYklYY")); /* fills 10..13, overlaps both sides */
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "abcdefghijklmnop");
	assert_int_equal(p->stats.dup_bytes, 2 + 4);
	assert_int_equal(p->stats.gap_bytes, 0);
	ps_plan_free(p);
}

static void test_tcp_out_of_order(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 100, tcp4(1, TCP_SYN, NULL));
	cap_add(&c, 200, tcp4(2, TCP_ACK, "one,"));
	cap_add(&c, 300, tcp4(10, TCP_ACK, "three"));
	cap_add(&c, 400, tcp4(15, TCP_ACK, "!"));
	cap_add(&c, 500, tcp4(6, TCP_ACK, "two,"));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "one,two,three!");
	/* "three" and "!" wait for "two,", and go out when it arrives */
	const struct ps_event *late = nth_kind(p, PS_TCP_DATA, 2);
	assert_int_equal(late->offset, 8);
	assert_int_equal(late->time_ns, 400000);
	assert_int_equal(late->packet, 5);
	assert_int_equal(p->stats.dup_bytes, 0);
	ps_plan_free(p);
}

/* Missing bytes are skipped as soon as the stream reaches them. */
static void test_tcp_gap(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, NULL));
	cap_add(&c, 10, tcp4(2, TCP_ACK, "head-"));
	/* bytes 5..9 never captured */
	cap_add(&c, 20, tcp4(12, TCP_ACK, "more-"));
	cap_add(&c, 30, tcp4(17, TCP_ACK, "tail"));
	cap_add(&c, 40, tcp4(21, TCP_FIN | TCP_ACK, NULL));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "head-more-tail");
	const struct ps_event *gap = nth_kind(p, PS_TCP_GAP, 0);
	assert_int_equal(gap->offset, 5);
	assert_int_equal(gap->len, 5);
	assert_int_equal(gap->packet, 2); /* reached with "head-": no packet holds it */
	assert_int_equal(p->stats.gaps, 1);
	assert_int_equal(p->stats.gap_bytes, 5);
	assert_int_equal(p->events[p->n_events - 1].kind, PS_TCP_CLOSE);
	ps_plan_free(p);
}

/* A FIN past the last data: the end of the stream is missing. */
static void test_tcp_gap_before_fin(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, NULL));
	cap_add(&c, 10, tcp4(2, TCP_ACK, "data"));
	cap_add(&c, 20, tcp4(106, TCP_FIN | TCP_ACK, NULL));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "data");
	assert_int_equal(p->stats.gap_bytes, 100);
	assert_int_equal(nth_kind(p, PS_TCP_GAP, 0)->offset, 4);
	const struct ps_event *close = nth_kind(p, PS_TCP_CLOSE, 0);
	assert_int_equal(close->packet, 3);
	ps_plan_free(p);
}

/* As in the pmacct test suite's captures: payload in the SYN, and the SYN
 * takes no sequence number (next data at SYN.seq + length). */
static void test_tcp_crafted_syn_with_data(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, "first"));
	cap_add(&c, 1, tcp4(6, TCP_ACK | TCP_PSH, "second"));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "firstsecond");
	assert_false(p->streams[0].syn_in_sequence);
	assert_int_equal(p->stats.dup_bytes, 0);
	ps_plan_free(p);
}

/* RFC 793: data carried by a SYN starts one after its sequence number. */
static void test_tcp_rfc_syn_with_data(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(1, TCP_SYN, "first"));
	cap_add(&c, 1, tcp4(7, TCP_ACK | TCP_PSH, "second"));
	cap_add(&c, 2, tcp4(1, TCP_SYN, "first")); /* SYN repeated */
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "firstsecond");
	assert_true(p->streams[0].syn_in_sequence);
	assert_int_equal(p->n_streams, 1);
	assert_int_equal(p->stats.dup_bytes, 5);
	ps_plan_free(p);
}

static void test_tcp_sequence_wraps(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(0xfffffff9u, TCP_SYN, NULL));
	cap_add(&c, 1, tcp4(0xfffffffau, TCP_ACK, "0123"));
	cap_add(&c, 2, tcp4(0x00000002u, TCP_ACK, "89"));  /* after the wrap, early */
	cap_add(&c, 3, tcp4(0xfffffffeu, TCP_ACK, "4567")); /* crosses 2^32 */
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "0123456789");
	assert_int_equal(p->stats.gap_bytes, 0);
	ps_plan_free(p);
}

/* Capture started mid-connection: the stream starts at the lowest sequence
 * number captured, even if that segment comes later. */
static void test_tcp_mid_stream(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(5005, TCP_ACK, "world"));
	cap_add(&c, 1, tcp4(5000, TCP_ACK, "hello"));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_string_equal(stream_text(p, 0), "helloworld");
	assert_int_equal(nth_kind(p, PS_TCP_OPEN, 0)->packet, 1);
	assert_int_equal(count_kind(p, PS_TCP_CLOSE), 0);
	ps_plan_free(p);
}

/* The same 4-tuple used again after a new SYN is a new connection; the
 * server's direction is not replayed. */
static void test_tcp_connections(void **state)
{
	(void)state;
	struct frame back;
	back.n = 0;
	put_eth(&back, 0x0800);
	put_ipv4(&back, SERVER4, CLIENT4, IPPROTO_TCP, 20 + 4, 9, 0);
	put_tcp(&back, BMP_PORT, 40000, 77, TCP_ACK, "nope", 4);
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 0, tcp4(100, TCP_SYN, NULL));
	cap_add(&c, 1, tcp4(101, TCP_ACK, "first"));
	cap_add(&c, 2, &back);
	cap_add(&c, 3, tcp4(106, TCP_FIN | TCP_ACK, NULL));
	cap_add(&c, 4, tcp4(101, TCP_ACK, "first")); /* late copy: first connection */
	cap_add(&c, 5, tcp4(9000, TCP_SYN, NULL));
	cap_add(&c, 6, tcp4(9001, TCP_ACK, "second"));
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_int_equal(p->n_streams, 2);
	assert_int_equal(p->stats.tcp_streams, 2);
	assert_string_equal(stream_text(p, 0), "first");
	assert_string_equal(stream_text(p, 1), "second");
	assert_int_equal(p->stats.dup_bytes, 5);
	assert_int_equal(nth_kind(p, PS_TCP_OPEN, 1)->packet, 6);
	ps_plan_free(p);
}

/* ---- UDP, selection, link layers ---- */

static void test_udp_selection(void **state)
{
	(void)state;
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	cap_add(&c, 1000000, udp4("192.0.2.1", 53, "dns"));
	cap_add(&c, 2000000, udp4("192.0.2.1", IPFIX_PORT, "ipfix-1"));
	cap_add(&c, 2500000, udp4("192.0.2.9", IPFIX_PORT, "other router"));
	cap_add(&c, 3000000, udp4("192.0.2.1", 9992, "ipfix-2"));
	cap_add(&c, 3000000, tcp4(1, TCP_SYN, "not asked for"));
	struct ps_options o = udp_options();
	o.udp_ports[o.n_udp_ports++] = 9992;
	assert_int_equal(ps_addr_parse("192.0.2.1", &o.match_src), 0);
	o.match_src_set = true;
	struct ps_plan *p = build_cap(&c, &o);
	assert_int_equal(p->n_events, 2);
	assert_int_equal(p->events[0].kind, PS_DATAGRAM);
	assert_int_equal(p->events[0].len, 7);
	assert_memory_equal(p->events[0].data, "ipfix-1", 7);
	assert_int_equal(p->events[0].time_ns, 0);
	assert_memory_equal(p->events[1].data, "ipfix-2", 7);
	assert_int_equal(p->events[1].time_ns, 1000000000);
	assert_int_equal(p->stats.datagrams, 2);
	assert_int_equal(p->stats.datagram_bytes, 14);
	assert_int_equal(p->stats.packets, 5);
	assert_int_equal(p->stats.tcp_streams, 0);
	ps_plan_free(p);
}

/* A UDP datagram in three IPv4 fragments, captured out of order and one of
 * them twice; a second datagram never completed. */
static void test_ipv4_fragments(void **state)
{
	(void)state;
	static uint8_t payload[3000];
	static struct frame whole; /* the UDP datagram before fragmentation */
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7);
	whole.n = 0;
	put_udp(&whole, 50000, IPFIX_PORT, payload, sizeof payload);
	const size_t cut[4] = {0, 1480, 2960, whole.n};
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	const int order[4] = {1, 1, 2, 0};
	for (int k = 0; k < 4; k++) {
		int i = order[k];
		struct frame f = {.n = 0};
		uint16_t frag = (uint16_t)((i < 2 ? 0x2000 : 0) | cut[i] / 8);
		put_eth(&f, 0x0800);
		put_ipv4(&f, "192.0.2.1", SERVER4, IPPROTO_UDP, cut[i + 1] - cut[i], 4242, frag);
		put(&f, whole.b + cut[i], cut[i + 1] - cut[i]);
		cap_add(&c, k, &f);
	}
	struct frame lone = {.n = 0};
	put_eth(&lone, 0x0800);
	put_ipv4(&lone, "192.0.2.1", SERVER4, IPPROTO_UDP, 1480, 4243, 0x2000);
	put(&lone, whole.b, 1480);
	cap_add(&c, 4, &lone);
	struct ps_options o = udp_options();
	struct ps_plan *p = build_cap(&c, &o);
	assert_int_equal(p->n_events, 1);
	assert_int_equal(p->events[0].len, 3000);
	assert_memory_equal(p->events[0].data, payload, 3000);
	assert_int_equal(p->events[0].packet, 4);
	assert_int_equal(p->stats.fragments_reassembled, 1);
	assert_int_equal(p->stats.fragments_incomplete, 1);
	ps_plan_free(p);
}

/* IPv6: a hop-by-hop header before UDP, and a fragmented datagram whose
 * fragmentable part starts with a destination options header. */
static void test_ipv6_extensions_and_fragments(void **state)
{
	(void)state;
	const uint8_t hbh[8] = {IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0};
	struct cap c;
	cap_open(&c, DLT_EN10MB);
	struct frame f = {.n = 0};
	put_eth(&f, 0x86dd);
	put_ipv6(&f, "2001:db8::1", "2001:db8::2", 0, 8 + 8 + 5);
	put(&f, hbh, 8);
	put_udp(&f, 50000, IPFIX_PORT, "first", 5);
	cap_add(&c, 0, &f);
	struct frame inner = {.n = 0}; /* destination options + UDP */
	const uint8_t dst_opts[8] = {IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0};
	put(&inner, dst_opts, 8);
	put_udp(&inner, 50000, IPFIX_PORT, "fragmented datagram", 19);
	size_t half = 16;
	for (int i = 0; i < 2; i++) {
		size_t from = i ? half : 0, to = i ? inner.n : half;
		uint8_t fh[8] = {60, 0, 0, 0, 0, 0, 0x12, 0x34};
		uint16_t off = (uint16_t)(from | (i ? 0 : 1));
		fh[2] = (uint8_t)(off >> 8);
		fh[3] = (uint8_t)off;
		f.n = 0;
		put_eth(&f, 0x86dd);
		put_ipv6(&f, "2001:db8::1", "2001:db8::2", 44, 8 + to - from);
		put(&f, fh, 8);
		put(&f, inner.b + from, to - from);
		cap_add(&c, 1 + i, &f);
	}
	struct ps_options o = udp_options();
	assert_int_equal(ps_addr_parse("[2001:db8::1]", &o.match_src), 0);
	o.match_src_set = true;
	struct ps_plan *p = build_cap(&c, &o);
	assert_int_equal(p->n_events, 2);
	assert_int_equal(p->events[0].len, 5);
	assert_memory_equal(p->events[0].data, "first", 5);
	assert_int_equal(p->events[1].len, 19);
	assert_memory_equal(p->events[1].data, "fragmented datagram", 19);
	assert_int_equal(p->stats.fragments_reassembled, 1);
	ps_plan_free(p);
}

/* Link headers in front of the same IPv4 UDP datagram. */
static void frame_for(int dlt, struct frame *f)
{
	f->n = 0;
	switch (dlt) {
	case DLT_EN10MB: /* QinQ: 802.1ad outer tag, 802.1Q inner tag */
		put_eth(f, 0x88a8);
		put16(f, 100);
		put16(f, 0x8100);
		put16(f, 200);
		put16(f, 0x0800);
		break;
	case DLT_LINUX_SLL: {
		const uint8_t sll[14] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0};
		put(f, sll, sizeof sll);
		put16(f, 0x0800);
		break;
	}
	case DLT_LINUX_SLL2: {
		const uint8_t rest[18] = {0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1};
		put16(f, 0x0800);
		put(f, rest, sizeof rest);
		break;
	}
	case DLT_NULL: {
		const uint8_t af_inet_le[4] = {2, 0, 0, 0};
		put(f, af_inet_le, 4);
		break;
	}
	default: /* DLT_RAW: nothing */
		break;
	}
	put_ipv4(f, "192.0.2.1", SERVER4, IPPROTO_UDP, 8 + 4, 1, 0);
	put_udp(f, 50000, IPFIX_PORT, "data", 4);
	put16(f, 0); /* trailer, as Ethernet padding: IP's length rules */
}

static void test_link_types(void **state)
{
	(void)state;
	const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_RAW};
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		struct cap c;
		struct frame f;
		cap_open(&c, dlts[i]);
		frame_for(dlts[i], &f);
		cap_add(&c, 0, &f);
		struct ps_options o = udp_options();
		struct ps_plan *p = build_cap(&c, &o);
		assert_int_equal(p->stats.datagrams, 1);
		assert_int_equal(p->events[0].len, 4);
		assert_memory_equal(p->events[0].data, "data", 4);
		ps_plan_free(p);
	}
}

/* ---- file formats ---- */

static void put32le(struct frame *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(f, b, 4);
}

/* Big-endian, nanosecond pcap, written by hand. */
static void test_big_endian_nanoseconds(void **state)
{
	(void)state;
	struct frame file = {.n = 0};
	put32(&file, 0xa1b23c4d);
	put16(&file, 2);
	put16(&file, 4);
	put32(&file, 0);
	put32(&file, 0);
	put32(&file, 65535);
	put32(&file, 1);
	const uint32_t ns[2] = {5, 250000123};
	for (int i = 0; i < 2; i++) {
		struct frame *u = udp4("192.0.2.1", IPFIX_PORT, i ? "two" : "one");
		put32(&file, 7);
		put32(&file, ns[i]);
		put32(&file, (uint32_t)u->n);
		put32(&file, (uint32_t)u->n);
		put(&file, u->b, u->n);
	}
	char path[64];
	write_file(path, sizeof path, file.b, file.n);
	struct ps_options o = udp_options();
	struct ps_plan *p = build_ok(path, &o);
	unlink(path);
	assert_int_equal(p->n_events, 2);
	assert_memory_equal(p->events[1].data, "two", 3);
	assert_int_equal(p->events[1].time_ns, 250000118);
	ps_plan_free(p);
}

/* pcapng, read through libpcap: section, interface, one enhanced packet. */
static void test_pcapng(void **state)
{
	(void)state;
	struct frame *u = udp4("192.0.2.1", IPFIX_PORT, "from pcapng");
	size_t padded = (u->n + 3) & ~(size_t)3;
	struct frame file = {.n = 0};
	const uint32_t shb[7] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffff, 0xffffffff, 28};
	const uint32_t idb[5] = {1, 20, 1, 65535, 20};
	for (int i = 0; i < 7; i++) /* word 3: version 1.0 as two 16-bit halves */
		put32le(&file, shb[i]);
	for (int i = 0; i < 5; i++)
		put32le(&file, idb[i]);
	uint32_t epb_len = (uint32_t)(32 + padded);
	const uint32_t epb[7] = {6, epb_len, 0, 0, 1000, (uint32_t)u->n, (uint32_t)u->n};
	for (int i = 0; i < 7; i++)
		put32le(&file, epb[i]);
	put(&file, u->b, u->n);
	const uint8_t zeros[4] = {0};
	put(&file, zeros, padded - u->n);
	put32le(&file, epb_len);
	char path[64];
	write_file(path, sizeof path, file.b, file.n);
	struct ps_options o = udp_options();
	struct ps_plan *p = build_ok(path, &o);
	unlink(path);
	assert_int_equal(p->stats.packets, 1);
	assert_int_equal(p->n_events, 1);
	assert_memory_equal(p->events[0].data, "from pcapng", 11);
	ps_plan_free(p);
}

/* ---- broken captures ---- */

static void classic_header(struct frame *file, uint32_t snaplen)
{
	file->n = 0;
	put32le(file, 0xa1b2c3d4);
	put32le(file, 2 | 4 << 16);
	put32le(file, 0);
	put32le(file, 0);
	put32le(file, snaplen);
	put32le(file, 1);
}

static void classic_record(struct frame *file, uint32_t caplen, uint32_t len, const struct frame *f)
{
	put32le(file, 1);
	put32le(file, 0);
	put32le(file, caplen);
	put32le(file, len);
	put(file, f->b, f->n < caplen ? f->n : caplen);
}

static void expect_failure(const struct frame *file, enum ps_status status, uint64_t packet,
                           const char *words)
{
	char path[64];
	write_file(path, sizeof path, file->b, file->n);
	struct ps_options o = udp_options();
	struct ps_error err;
	assert_int_equal(build_fails(path, &o, &err), status);
	unlink(path);
	assert_int_equal(err.packet, packet);
	if (!strstr(err.msg, words))
		fail_msg("'%s' not in '%s'", words, err.msg);
	if (packet) {
		char where[32];
		snprintf(where, sizeof where, "packet %llu:", (unsigned long long)packet);
		assert_non_null(strstr(err.msg, where));
	}
}

static void test_truncated_file(void **state)
{
	(void)state;
	struct frame file;
	struct frame *u = udp4("192.0.2.1", IPFIX_PORT, "payload");
	classic_header(&file, 65535);
	classic_record(&file, (uint32_t)u->n, (uint32_t)u->n, u);
	classic_record(&file, (uint32_t)u->n, (uint32_t)u->n, u);
	file.n -= 10;
	expect_failure(&file, PS_ERR_TRUNCATED, 2, "truncated record");
	classic_header(&file, 65535);
	classic_record(&file, (uint32_t)u->n, (uint32_t)u->n, u);
	put32le(&file, 1); /* half a record header */
	expect_failure(&file, PS_ERR_TRUNCATED, 2, "truncated record header");
	classic_header(&file, 65535);
	file.n = 10;
	expect_failure(&file, PS_ERR_TRUNCATED, 0, "truncated file header");
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct frame file;
	classic_header(&file, 65535);
	file.b[0] = 'X';
	expect_failure(&file, PS_ERR_FORMAT, 0, "bad magic");
}

static void test_caplen_over_snaplen(void **state)
{
	(void)state;
	struct frame file;
	struct frame *u = udp4("192.0.2.1", IPFIX_PORT, "a datagram longer than the snaplen");
	classic_header(&file, 64);
	classic_record(&file, (uint32_t)u->n, (uint32_t)u->n, u);
	expect_failure(&file, PS_ERR_MALFORMED, 1, "exceeds the snapshot length 64");
	classic_header(&file, 65535);
	classic_record(&file, (uint32_t)u->n, 20, u);
	expect_failure(&file, PS_ERR_MALFORMED, 1, "exceeds the packet length");
}

static void test_truncated_headers(void **state)
{
	(void)state;
	struct frame file, *u = udp4("192.0.2.1", IPFIX_PORT, "payload");
	classic_header(&file, 65535);
	classic_record(&file, (uint32_t)u->n, (uint32_t)u->n, u);
	classic_record(&file, 14 + 20 + 4, (uint32_t)u->n, u);
	expect_failure(&file, PS_ERR_TRUNCATED, 2, "truncated UDP header");
	classic_header(&file, 65535);
	classic_record(&file, 14 + 12, (uint32_t)u->n, u);
	expect_failure(&file, PS_ERR_TRUNCATED, 1, "truncated IPv4 header");
	classic_header(&file, 65535);
	classic_record(&file, 14 + 28 + 3, (uint32_t)u->n, u);
	expect_failure(&file, PS_ERR_TRUNCATED, 1, "UDP datagram cut by the capture");
	/* IP says more than the frame holds, and the frame was not cut */
	classic_header(&file, 65535);
	classic_record(&file, (uint32_t)u->n - 2, (uint32_t)u->n - 2, u);
	expect_failure(&file, PS_ERR_MALFORMED, 1, "longer than the frame");
	struct frame *t = tcp4(1, TCP_ACK, "x");
	classic_header(&file, 65535);
	classic_record(&file, 14 + 20 + 10, (uint32_t)t->n, t);
	char path[64];
	write_file(path, sizeof path, file.b, file.n);
	struct ps_options o = tcp_options();
	struct ps_error err;
	assert_int_equal(build_fails(path, &o, &err), PS_ERR_TRUNCATED);
	unlink(path);
	assert_non_null(strstr(err.msg, "truncated TCP header"));
}

/* A cut packet nobody asked for is no reason to refuse the capture. */
static void test_truncated_unselected_packet(void **state)
{
	(void)state;
	struct frame file, *u = udp4("192.0.2.1", 53, "not replayed");
	classic_header(&file, 65535);
	classic_record(&file, 14 + 28 + 2, (uint32_t)u->n, u);
	char path[64];
	write_file(path, sizeof path, file.b, file.n);
	struct ps_options o = udp_options();
	struct ps_plan *p = build_ok(path, &o);
	unlink(path);
	assert_int_equal(p->stats.packets, 1);
	assert_int_equal(p->n_events, 0);
	ps_plan_free(p);
}

static void test_unreadable_file(void **state)
{
	(void)state;
	struct ps_options o = udp_options();
	struct ps_error err;
	assert_int_equal(build_fails("/nonexistent/capture.pcap", &o, &err), PS_ERR_OPEN);
	assert_int_equal(err.packet, 0);
}

static void test_addresses(void **state)
{
	(void)state;
	struct ps_addr a, b;
	char buf[64];
	assert_int_equal(ps_addr_parse("[fd25::101]", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(ps_addr_parse("fd25::101", &b), 0);
	assert_true(ps_addr_equal(&a, &b));
	assert_string_equal(ps_addr_format(&a, buf, sizeof buf), "fd25::101");
	assert_int_equal(ps_addr_parse("192.168.100.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_false(ps_addr_equal(&a, &b));
	assert_int_equal(ps_addr_parse("localhost", &a), -1);
	assert_int_equal(ps_addr_parse("[192.168.100.1", &a), -1);
}

/* ---- the real captures ---- */

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h;
}

#define FNV_START 0xcbf29ce484222325u

static const char *capture(const char *name)
{
	static char path[4096];
	const char *src = getenv("SDD_SRCDIR");
	snprintf(path, sizeof path, "%s/../shared/captures/%s", src ? src : ".", name);
	if (access(path, R_OK) != 0) {
		print_message("skipping: %s not found\n", path);
		return NULL;
	}
	return path;
}

/* Hash of what would be sent: datagram payloads, or one stream's bytes. */
static uint64_t hash_events(const struct ps_plan *p, enum ps_event_kind kind, uint64_t *bytes)
{
	uint64_t h = FNV_START;
	*bytes = 0;
	for (size_t i = 0; i < p->n_events; i++) {
		if (p->events[i].kind != kind)
			continue;
		h = fnv1a(h, p->events[i].data, p->events[i].len);
		*bytes += p->events[i].len;
	}
	return h;
}

/* The figures were taken with tshark 4.0 from the same file:
 *   tshark -r traffic-00.pcap -Y udp.dstport==9991 -T fields -e udp.payload
 *     -> 596 datagrams, 191416 payload bytes; FNV-1a 64 of the payloads
 *        concatenated in capture order: 0x70218df7673db955
 *   tshark -r traffic-00.pcap -Y tcp.dstport==1790 -T fields -e tcp.seq_raw
 *     -e tcp.len -e tcp.payload
 *     -> 23 segments, no SYN, contiguous sequence numbers, 27622 bytes
 *        (tshark -z follow,tcp,raw,0 agrees); FNV-1a 64 0x5559b607f9962400;
 *        the bytes split into exactly 176 BMP messages.
 *   frame 24, the first IPFIX datagram, is 1.022 s after frame 1 (BMP). */
static void test_capture_401(void **state)
{
	(void)state;
	const char *path = capture("401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources/traffic-00.pcap");
	if (!path)
		skip();
	struct ps_options o = udp_options();
	o.tcp_ports[o.n_tcp_ports++] = BMP_PORT;
	assert_int_equal(ps_addr_parse("2001:db8:90::1", &o.match_src), 0);
	o.match_src_set = true;
	struct ps_plan *p = build_ok(path, &o);
	uint64_t bytes;
	assert_int_equal(p->stats.packets, 619);
	assert_int_equal(p->stats.datagrams, 596);
	assert_int_equal(hash_events(p, PS_DATAGRAM, &bytes), 0x70218df7673db955u);
	assert_int_equal(bytes, 191416);
	assert_int_equal(p->stats.tcp_streams, 1);
	assert_int_equal(hash_events(p, PS_TCP_DATA, &bytes), 0x5559b607f9962400u);
	assert_int_equal(bytes, 27622);
	assert_int_equal(p->stats.stream_bytes, 27622);
	assert_int_equal(p->stats.dup_bytes, 0);
	assert_int_equal(p->stats.gap_bytes, 0);
	assert_int_equal(nth_kind(p, PS_DATAGRAM, 0)->time_ns, 1022000000);
	assert_int_equal(nth_kind(p, PS_DATAGRAM, 0)->packet, 24);
	ps_plan_free(p);
}

static size_t count_bmp_messages(const struct ps_plan *p)
{
	const uint8_t *b = (const uint8_t *)stream_text(p, 0); /* binary: use the length */
	size_t n = 0, at = 0, len = (size_t)p->stats.stream_bytes;
	while (at + 6 <= len && b[at] == 3) {
		at += (size_t)b[at + 1] << 24 | (size_t)b[at + 2] << 16 | (size_t)b[at + 3] << 8 | b[at + 4];
		n++;
	}
	return at == len ? n : 0;
}

/* tshark -r traffic-00.pcap -T fields -e tcp.flags.str -e tcp.seq_raw
 * -e tcp.len -e tcp.payload: 35 segments, the first a SYN at seq 1 with
 * 42 bytes, the next at seq 43: the SYN takes no sequence number. The 35
 * payloads concatenated are 43691 bytes, FNV-1a 64 0x8527d410ca267b66,
 * exactly 336 BMP messages. (tshark's own follow,tcp keeps RFC 793 and
 * loses a byte: 43690, which breaks the BMP framing.) */
static void test_capture_201(void **state)
{
	(void)state;
	const char *path = capture("201-BMP-CISCO-rd_instance/traffic-00.pcap");
	if (!path)
		skip();
	struct ps_options o = tcp_options();
	struct ps_plan *p = build_ok(path, &o);
	uint64_t bytes;
	assert_int_equal(p->stats.packets, 35);
	assert_int_equal(p->stats.tcp_streams, 1);
	assert_false(p->streams[0].syn_in_sequence);
	assert_int_equal(hash_events(p, PS_TCP_DATA, &bytes), 0x8527d410ca267b66u);
	assert_int_equal(bytes, 43691);
	assert_int_equal(p->stats.dup_bytes, 0);
	assert_int_equal(p->stats.gap_bytes, 0);
	assert_int_equal(count_bmp_messages(p), 336);
	ps_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_in_order),
		cmocka_unit_test(test_tcp_retransmission),
		cmocka_unit_test(test_tcp_overlap),
		cmocka_unit_test(test_tcp_out_of_order),
		cmocka_unit_test(test_tcp_gap),
		cmocka_unit_test(test_tcp_gap_before_fin),
		cmocka_unit_test(test_tcp_crafted_syn_with_data),
		cmocka_unit_test(test_tcp_rfc_syn_with_data),
		cmocka_unit_test(test_tcp_sequence_wraps),
		cmocka_unit_test(test_tcp_mid_stream),
		cmocka_unit_test(test_tcp_connections),
		cmocka_unit_test(test_udp_selection),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_extensions_and_fragments),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_big_endian_nanoseconds),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_caplen_over_snaplen),
		cmocka_unit_test(test_truncated_headers),
		cmocka_unit_test(test_truncated_unselected_packet),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_capture_401),
		cmocka_unit_test(test_capture_201),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
