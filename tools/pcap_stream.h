/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_stream: turns a router capture into a replay plan, with no sockets.
 *
 * Reads a pcap (our own strict reader) or pcapng (libpcap) file, decodes the
 * link layer (Ethernet with 802.1Q/QinQ tags, Linux cooked SLL/SLL2, raw IP,
 * BSD null/loopback), IPv4/IPv6 (options and extension headers skipped),
 * reassembles IP fragments, keeps the UDP datagrams and TCP segments that the
 * selection asks for, and reassembles each TCP connection (client to server)
 * into its ordered byte stream. The result is a list of events in capture
 * order, each with its capture time relative to the first selected packet:
 * what sdd-pcap-replay sends, and what the unit tests look at.
 *
 * The whole capture is decoded before anything is sent, so a malformed file is
 * refused before a single byte reaches the collector, and gaps are known when
 * the stream reaches them (no waiting for bytes that never come).
 */
#ifndef SDD_PCAP_STREAM_H
#define SDD_PCAP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_MAX_PORTS 16

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6, bytes in network
 * order (4 or 16 used). */
struct ps_addr {
	int family;
	uint8_t bytes[16];
};

/* Which packets to keep. A packet is kept if its source matches (when
 * match_src_set) and its UDP or TCP destination port is listed. */
struct ps_options {
	bool match_src_set;
	struct ps_addr match_src;
	size_t n_udp_ports;
	uint16_t udp_ports[PS_MAX_PORTS];
	size_t n_tcp_ports;
	uint16_t tcp_ports[PS_MAX_PORTS];
};

enum ps_event_kind {
	PS_DATAGRAM,   /* one UDP payload to send */
	PS_TCP_OPEN,   /* the connection appears in the capture */
	PS_TCP_DATA,   /* the next in-order bytes of the stream */
	PS_TCP_GAP,    /* bytes missing from the capture, skipped */
	PS_TCP_CLOSE   /* FIN or RST reached, every byte before it handled */
};

struct ps_event {
	enum ps_event_kind kind;
	int64_t time_ns;     /* capture time minus that of the first selected packet */
	uint64_t packet;     /* 1-based number of the packet that made it happen */
	uint32_t stream;     /* TCP events: index into ps_plan.streams */
	uint64_t offset;     /* DATA and GAP: position in the stream */
	size_t len;          /* DATAGRAM, DATA: bytes at data; GAP: bytes missing */
	const uint8_t *data; /* owned by the plan */
};

/* One TCP connection of the capture, as seen from its client. */
struct ps_stream {
	struct ps_addr src, dst;
	uint16_t sport, dport;
	uint64_t first_packet;
	bool syn_in_sequence; /* false: the capture does not count SYN in the
	                       * sequence space (crafted captures do this) */
};

struct ps_stats {
	uint64_t packets;          /* records in the file */
	uint64_t selected;         /* packets that fed a datagram or a stream */
	uint64_t datagrams;
	uint64_t datagram_bytes;
	uint64_t tcp_streams;
	uint64_t stream_bytes;     /* in-order bytes delivered, all streams */
	uint64_t dup_bytes;        /* retransmitted or overlapping bytes dropped */
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t fragments_reassembled; /* datagrams rebuilt from fragments */
	uint64_t fragments_incomplete;  /* fragment sets never completed */
};

struct ps_plan {
	struct ps_event *events;
	size_t n_events;
	struct ps_stream *streams;
	size_t n_streams;
	struct ps_stats stats;
	struct ps_store *store; /* memory behind the events' data */
};

enum ps_status {
	PS_OK = 0,
	PS_ERR_OPEN,       /* file cannot be opened or read */
	PS_ERR_FORMAT,     /* not a capture file, or an unsupported link type */
	PS_ERR_TRUNCATED,  /* file or packet cut short */
	PS_ERR_MALFORMED,  /* lengths or fields that cannot be right */
	PS_ERR_NOMEM
};

struct ps_error {
	enum ps_status status;
	uint64_t packet;     /* 0 when the error is not about one packet */
	char msg[512];       /* "FILE: packet N: what is wrong" */
};

/* Decodes the capture at path into *plan (freed with ps_plan_free). On error
 * returns the status, fills *err and leaves *plan NULL. */
enum ps_status ps_plan_build(const char *path, const struct ps_options *opt,
                             struct ps_plan **plan, struct ps_error *err);
void ps_plan_free(struct ps_plan *plan);

/* Parses a numeric IPv4 or IPv6 address (IPv6 may be in brackets).
 * Returns 0, or -1 if it is not one. */
int ps_addr_parse(const char *text, struct ps_addr *out);
/* Writes the address as text ("192.0.2.1", "2001:db8::1") into buf. */
const char *ps_addr_format(const struct ps_addr *addr, char *buf, size_t size);
bool ps_addr_equal(const struct ps_addr *a, const struct ps_addr *b);

#endif
