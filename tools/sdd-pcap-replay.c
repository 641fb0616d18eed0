/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sdd-pcap-replay: replays a router capture to a collector over real sockets,
 * for the integration tests (it replaces the Python traffic reproducer of
 * pmacct's test suite). The selected UDP payloads go out as datagrams, each
 * TCP connection of the capture becomes a new connection carrying its
 * reassembled byte stream, all from one local address (the router's
 * stand-in) and at the capture's pace, scaled or as fast as possible.
 *
 * Decoding and reassembly live in pcap_stream.c; this file parses the
 * command line, keeps the clock and does the socket work.
 */
#include "pcap_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "sdd-pcap-replay"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct endpoint {
	struct ps_addr addr;
	uint16_t port;
	bool set;
};

struct args {
	const char *pcap;
	struct ps_addr source;
	bool source_set;
	struct ps_options opt;
	struct endpoint udp_to, tcp_to;
	double factor;  /* 0: as fast as possible */
	bool factor_set, fast;
	double hold;
	bool verbose;
};

struct replay {
	const struct args *args;
	const struct ps_plan *plan;
	struct timespec start;
	int udp_fd;
	int *tcp_fd;   /* one a capture stream, -1 when not open */
	uint64_t bytes_sent;
};

static const char usage_text[] =
	"usage: " PROG " --pcap FILE [--source ADDR] [--match-src ADDR]\n"
	"       [--udp-dport PORT]... [--udp-to ADDR:PORT]\n"
	"       [--tcp-dport PORT]... [--tcp-to ADDR:PORT]\n"
	"       [--time-factor F | --fast] [--hold SECONDS] [--verbose]\n"
	"ADDR:PORT is 127.0.0.1:9991 or [::1]:9991.\n";

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	exit(EXIT_USAGE);
}

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_RUNTIME);
}

/* ---- command line ---- */

static uint16_t parse_port(const char *text, const char *option)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v == 0 || v > 65535 || text[0] == '-')
		usage_error("%s: bad port '%s'", option, text);
	return (uint16_t)v;
}

static double parse_number(const char *text, const char *option, bool zero_ok)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < 0 || (v == 0 && !zero_ok))
		usage_error("%s: bad number '%s'", option, text);
	return v;
}

static struct ps_addr parse_addr(const char *text, const char *option)
{
	struct ps_addr a;
	if (ps_addr_parse(text, &a) != 0)
		usage_error("%s: '%s' is not a numeric IPv4 or IPv6 address", option, text);
	return a;
}

/* "192.0.2.1:9991" or "[2001:db8::1]:9991". */
static struct endpoint parse_endpoint(const char *text, const char *option)
{
	struct endpoint ep = {.set = true};
	const char *colon = strrchr(text, ':');
	bool bracketed = text[0] == '[';
	if (!colon || (bracketed && colon[-1] != ']') || (!bracketed && strchr(text, ':') != colon))
		usage_error("%s: '%s' is not ADDR:PORT (IPv6 in brackets)", option, text);
	char host[64];
	size_t n = (size_t)(colon - text);
	if (n >= sizeof host)
		usage_error("%s: '%s' is not ADDR:PORT", option, text);
	memcpy(host, text, n);
	host[n] = '\0';
	ep.addr = parse_addr(host, option);
	ep.port = parse_port(colon + 1, option);
	return ep;
}

static void add_port(uint16_t *ports, size_t *n, const char *text, const char *option)
{
	if (*n == PS_MAX_PORTS)
		usage_error("%s: at most %d ports", option, PS_MAX_PORTS);
	ports[(*n)++] = parse_port(text, option);
}

static void check_args(const struct args *a)
{
	if (!a->pcap)
		usage_error("--pcap is required");
	if (a->fast && a->factor_set)
		usage_error("--fast and --time-factor exclude each other");
	if (!a->opt.n_udp_ports && !a->opt.n_tcp_ports)
		usage_error("nothing to replay: give --udp-dport or --tcp-dport");
	if (!a->opt.n_udp_ports != !a->udp_to.set)
		usage_error("--udp-dport and --udp-to go together");
	if (!a->opt.n_tcp_ports != !a->tcp_to.set)
		usage_error("--tcp-dport and --tcp-to go together");
	const struct endpoint *to[] = {&a->udp_to, &a->tcp_to};
	for (size_t i = 0; i < 2; i++)
		if (a->source_set && to[i]->set && to[i]->addr.family != a->source.family)
			usage_error("--source and the collector address are not the same IP version");
}

static void parse_args(int argc, char **argv, struct args *a)
{
	enum { O_PCAP = 256, O_SOURCE, O_MATCH, O_UDP_DPORT, O_UDP_TO, O_TCP_DPORT, O_TCP_TO,
	       O_FACTOR, O_FAST, O_HOLD, O_VERBOSE, O_HELP };
	static const struct option longopts[] = {
		{"pcap", required_argument, NULL, O_PCAP},
		{"source", required_argument, NULL, O_SOURCE},
		{"match-src", required_argument, NULL, O_MATCH},
		{"udp-dport", required_argument, NULL, O_UDP_DPORT},
		{"udp-to", required_argument, NULL, O_UDP_TO},
		{"tcp-dport", required_argument, NULL, O_TCP_DPORT},
		{"tcp-to", required_argument, NULL, O_TCP_TO},
		{"time-factor", required_argument, NULL, O_FACTOR},
		{"fast", no_argument, NULL, O_FAST},
		{"hold", required_argument, NULL, O_HOLD},
		{"verbose", no_argument, NULL, O_VERBOSE},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof *a);
	a->factor = 1.0;
	opterr = 0;
	int o, idx = 0;
	while ((o = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		char name[32];
		snprintf(name, sizeof name, "--%s", longopts[idx].name);
		switch (o) {
		case O_PCAP: a->pcap = optarg; break;
		case O_SOURCE: a->source = parse_addr(optarg, name); a->source_set = true; break;
		case O_MATCH: a->opt.match_src = parse_addr(optarg, name); a->opt.match_src_set = true; break;
		case O_UDP_DPORT: add_port(a->opt.udp_ports, &a->opt.n_udp_ports, optarg, name); break;
		case O_UDP_TO: a->udp_to = parse_endpoint(optarg, name); break;
		case O_TCP_DPORT: add_port(a->opt.tcp_ports, &a->opt.n_tcp_ports, optarg, name); break;
		case O_TCP_TO: a->tcp_to = parse_endpoint(optarg, name); break;
		case O_FACTOR: a->factor = parse_number(optarg, name, false); a->factor_set = true; break;
		case O_FAST: a->fast = true; break;
		case O_HOLD: a->hold = parse_number(optarg, name, true); break;
		case O_VERBOSE: a->verbose = true; break;
		case O_HELP: fputs(usage_text, stdout); exit(0);
		default: usage_error("unknown option or missing value: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (a->fast)
		a->factor = 0;
	check_args(a);
}

/* ---- sockets ---- */

static socklen_t to_sockaddr(const struct ps_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof *s6;
}

static const char *endpoint_text(const struct endpoint *ep, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	ps_addr_format(&ep->addr, host, sizeof host);
	snprintf(buf, size, ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, ep->port);
	return buf;
}

/* A socket bound to --source (any port), so the collector sees the router's
 * stand-in address. */
static int open_socket(const struct args *a, int type, int family)
{
	int fd = socket(family, type, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (!a->source_set)
		return fd;
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(&a->source, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		char host[INET6_ADDRSTRLEN];
		die("cannot bind to --source %s: %s (is the address on an interface, and not tentative?)",
		    ps_addr_format(&a->source, host, sizeof host), strerror(errno));
	}
	return fd;
}

static void send_datagram(struct replay *r, const struct ps_event *ev)
{
	const struct endpoint *to = &r->args->udp_to;
	if (r->udp_fd < 0)
		r->udp_fd = open_socket(r->args, SOCK_DGRAM, to->addr.family);
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(&to->addr, to->port, &ss);
	if (sendto(r->udp_fd, ev->data, ev->len, 0, (struct sockaddr *)&ss, len) < 0) {
		char buf[80];
		die("packet %llu: sending a datagram of %zu bytes to %s: %s", (unsigned long long)ev->packet,
		    ev->len, endpoint_text(to, buf, sizeof buf), strerror(errno));
	}
	r->bytes_sent += ev->len;
	if (r->args->verbose)
		fprintf(stderr, PROG ": packet %llu: datagram of %zu bytes\n", (unsigned long long)ev->packet,
		        ev->len);
}

static const char *stream_text(const struct ps_plan *plan, uint32_t i, char *buf, size_t size)
{
	const struct ps_stream *s = &plan->streams[i];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	snprintf(buf, size, "TCP stream %u (%s port %u -> %s port %u)", i + 1,
	         ps_addr_format(&s->src, src, sizeof src), s->sport,
	         ps_addr_format(&s->dst, dst, sizeof dst), s->dport);
	return buf;
}

static void open_stream(struct replay *r, const struct ps_event *ev)
{
	const struct endpoint *to = &r->args->tcp_to;
	int fd = open_socket(r->args, SOCK_STREAM, to->addr.family);
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(&to->addr, to->port, &ss);
	char where[80], what[200];
	endpoint_text(to, where, sizeof where);
	stream_text(r->plan, ev->stream, what, sizeof what);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		if (errno == ECONNREFUSED)
			die("%s: connection to %s refused: is the collector listening?", what, where);
		die("%s: cannot connect to %s: %s", what, where, strerror(errno));
	}
	r->tcp_fd[ev->stream] = fd;
	if (r->args->verbose)
		fprintf(stderr, PROG ": packet %llu: %s connected to %s\n", (unsigned long long)ev->packet,
		        what, where);
}

static void write_stream(struct replay *r, const struct ps_event *ev)
{
	const uint8_t *p = ev->data;
	size_t left = ev->len;
	while (left) {
		ssize_t n = send(r->tcp_fd[ev->stream], p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			char what[200];
			die("%s: writing to the collector: %s", stream_text(r->plan, ev->stream, what, sizeof what),
			    strerror(errno));
		}
		p += n;
		left -= (size_t)n;
	}
	r->bytes_sent += ev->len;
	if (r->args->verbose)
		fprintf(stderr, PROG ": packet %llu: TCP stream %u: %zu bytes at offset %llu\n",
		        (unsigned long long)ev->packet, ev->stream + 1, ev->len,
		        (unsigned long long)ev->offset);
}

static void report_gap(const struct replay *r, const struct ps_event *ev)
{
	char what[200];
	stream_text(r->plan, ev->stream, what, sizeof what);
	if (r->args->verbose)
		fprintf(stderr, PROG ": %s: %s: %zu bytes missing at stream offset %llu (reached at packet %llu)\n",
		        r->args->pcap, what, ev->len, (unsigned long long)ev->offset,
		        (unsigned long long)ev->packet);
	else
		fprintf(stderr, PROG ": %s: %s: %zu bytes missing\n", r->args->pcap, what, ev->len);
}

static void close_stream(struct replay *r, const struct ps_event *ev)
{
	close(r->tcp_fd[ev->stream]);
	r->tcp_fd[ev->stream] = -1;
	if (r->args->verbose)
		fprintf(stderr, PROG ": packet %llu: TCP stream %u closed, as in the capture\n",
		        (unsigned long long)ev->packet, ev->stream + 1);
}

/* ---- timing ---- */

static void sleep_until(const struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

static struct timespec add_ns(struct timespec t, int64_t ns)
{
	t.tv_sec += (time_t)(ns / 1000000000);
	t.tv_nsec += (long)(ns % 1000000000);
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Capture time offsets scaled by --time-factor; timestamps that go back in
 * the capture do not make us wait. */
static void wait_for(const struct replay *r, const struct ps_event *ev)
{
	if (r->args->factor == 0 || ev->time_ns <= 0)
		return;
	double ns = (double)ev->time_ns * r->args->factor;
	struct timespec t = add_ns(r->start, ns > 9e18 ? (int64_t)9e18 : (int64_t)ns);
	sleep_until(&t);
}

/* ---- main ---- */

static void run(struct replay *r)
{
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	for (size_t i = 0; i < r->plan->n_events; i++) {
		const struct ps_event *ev = &r->plan->events[i];
		wait_for(r, ev);
		switch (ev->kind) {
		case PS_DATAGRAM: send_datagram(r, ev); break;
		case PS_TCP_OPEN: open_stream(r, ev); break;
		case PS_TCP_DATA: write_stream(r, ev); break;
		case PS_TCP_GAP: report_gap(r, ev); break;
		case PS_TCP_CLOSE: close_stream(r, ev); break;
		}
	}
}

static void summary(const struct replay *r)
{
	const struct ps_stats *s = &r->plan->stats;
	if (s->fragments_incomplete)
		fprintf(stderr, PROG ": %s: %llu IP datagrams dropped, fragments missing\n", r->args->pcap,
		        (unsigned long long)s->fragments_incomplete);
	if (!s->selected)
		fprintf(stderr, PROG ": %s: warning: no packet matched the selection\n", r->args->pcap);
	fprintf(stderr,
	        PROG ": %s: %llu packets read, %llu datagrams sent, %llu TCP streams, %llu bytes sent, "
	        "%llu retransmitted bytes dropped, %llu gap bytes\n",
	        r->args->pcap, (unsigned long long)s->packets, (unsigned long long)s->datagrams,
	        (unsigned long long)s->tcp_streams, (unsigned long long)r->bytes_sent,
	        (unsigned long long)s->dup_bytes, (unsigned long long)s->gap_bytes);
}

/* Streams still open at the end stay up for --hold seconds, so the
 * collector does not see the router leave before the test has looked. */
static void hold_and_close(struct replay *r)
{
	if (r->args->hold > 0) {
		if (r->args->verbose)
			fprintf(stderr, PROG ": holding the sessions for %g s\n", r->args->hold);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		struct timespec t = add_ns(now, (int64_t)(r->args->hold * 1e9));
		sleep_until(&t);
	}
	for (size_t i = 0; i < r->plan->n_streams; i++)
		if (r->tcp_fd[i] >= 0)
			close(r->tcp_fd[i]);
	if (r->udp_fd >= 0)
		close(r->udp_fd);
}

int main(int argc, char **argv)
{
	struct args args;
	parse_args(argc, argv, &args);
	struct ps_plan *plan;
	struct ps_error err;
	if (ps_plan_build(args.pcap, &args.opt, &plan, &err) != PS_OK)
		die("%s", err.msg);
	struct replay r = {.args = &args, .plan = plan, .udp_fd = -1};
	r.tcp_fd = malloc((plan->n_streams ? plan->n_streams : 1) * sizeof *r.tcp_fd);
	if (!r.tcp_fd)
		die("out of memory");
	for (size_t i = 0; i < plan->n_streams; i++)
		r.tcp_fd[i] = -1;
	run(&r);
	summary(&r);
	fflush(stderr);
	hold_and_close(&r);
	free(r.tcp_fd);
	ps_plan_free(plan);
	return 0;
}
