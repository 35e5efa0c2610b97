// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netdrop: report the kernel's packet drops (skb:kfree_skb) that belong to
 * the sockets of one JVM, with the reason the running kernel gave.
 *
 * Filtering happens here, so nothing crosses to user space for drops that
 * are not ours:
 *   - a drop that carries a socket (rx_sk on 6.11+, else skb->sk) is ours
 *     when that socket's inode is in `sockets`;
 *   - a drop without a socket (NO_SOCKET and friends) is ours when the
 *     packet's tuple is one of our connections (`tuples`) or its local port
 *     one of our bound ports (`ports`), both scoped by network namespace.
 * A TCP connect() to a closed port on this host has its SYN dropped inside
 * connect(), before user space can know the ephemeral port, so the tuple of
 * each of our SYN_SENT sockets is learned on net:net_dev_queue, which fires
 * in the connecting thread after the port is chosen and before loopback
 * delivers the SYN.
 *
 * Kernel types are declared locally with preserve_access_index: the Java
 * loader relocates every field access against the running kernel's BTF.
 */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "netdrop.h"

/* Linux 6.2+ kfunc: a typed, fault-safe view of kernel memory, so packet headers are read with
 * plain loads instead of a bpf_probe_read_kernel call (about 14 ns per drop here). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* uapi constants, spelled out so the object builds without kernel headers. */
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1 };
enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };
enum { BPF_RB_AVAIL_DATA = 0 };
enum { TCP_SYN_SENT = 2, TCP_TIME_WAIT = 6, TCP_NEW_SYN_RECV = 12 };
struct bpf_pidns_info {
	__u32 pid;
	__u32 tgid;
};
/* uapi context of cgroup/sock_create programs (not relocated: the verifier maps it). */
struct bpf_sock {
	__u32 bound_dev_if;
	__u32 family;
	__u32 type;
	__u32 protocol;
	__u32 mark;
	__u32 priority;
	__u32 src_ip4;
	__u32 src_ip6[4];
	__u32 src_port; /* host byte order */
};
/* uapi context of sockops programs: only `op` and `sk` are read (offsets 0 and 184). */
struct bpf_sock_ops {
	__u32 op;
	__u32 _unread[45];
	struct bpf_sock *sk;
};
#define BPF_SOCK_OPS_TCP_CONNECT_CB 3
/* uapi context of cgroup/getpeername4|6 programs: only `protocol` and `sk` are read. */
struct bpf_sock_addr {
	__u32 user_family;
	__u32 user_ip4;
	__u32 user_ip6[4];
	__u32 user_port;
	__u32 family;
	__u32 type;
	__u32 protocol;
	__u32 msg_src_ip4;
	__u32 msg_src_ip6[4];
	struct bpf_sock *sk; /* offset 64 */
};
#define BPF_F_MMAPABLE (1U << 10)
#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define LOOPBACK_IFINDEX 1 /* lo is always ifindex 1 in its namespace */
#define NO_HEADER 0xffff   /* (u16)~0U: header offset not set */

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct ns_common {
	unsigned int inum;
};
struct net {
	struct ns_common ns;
};
typedef struct {
	struct net *net;
} possible_net_t;
struct net_device {
	int ifindex;
	possible_net_t nd_net;
};
struct inode {
	unsigned long i_ino;
};
struct file {
	struct inode *f_inode;
};
struct socket {
	struct file *file;
};
/* What sock_alloc() allocates: the socket and its inode side by side (the inode exists before the
 * socket has a file, which is when cgroup/sock_create runs). */
struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
};
struct in6_addr {
	__u8 u6_addr8[16];
};
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};
struct sock {
	struct sock_common __sk_common;
	struct socket *sk_socket;
};
struct sk_buff {
	struct sock *sk;
	struct net_device *dev;
	unsigned int len;
	__be16 protocol;
	__u16 transport_header;
	__u16 network_header;
	unsigned char *head;
};
/* Header types, read through bpf_rdonly_cast on the hot path (only non-bitfield members). */
struct iphdr {
	__u8 tos;
};
struct udphdr {
	__be16 source;
	__be16 dest;
};
enum skb_drop_reason {
	SKB_NOT_DROPPED_YET = 0,
	SKB_CONSUMED = 1,
};
struct trace_entry {
	unsigned short type;
};
/* Context of the classic tracepoints, used when tp_btf cannot attach. */
struct trace_event_raw_kfree_skb {
	struct trace_entry ent;
	void *skbaddr;
	void *location;
	void *rx_sk; /* 6.11+, "net: add rx_sk to trace_kfree_skb" */
	enum skb_drop_reason reason;
};
struct trace_event_raw_net_dev_template {
	struct trace_entry ent;
	void *skbaddr;
};
#pragma clang attribute pop

/* Inodes of this JVM's sockets; value unused. Filled by the agent, and here for connect()ing sockets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u32);
} sockets SEC(".maps");

/* Local ports of our bound sockets (listeners, UDP servers) -> socket inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nd_port_key);
	__type(value, __u64);
} ports SEC(".maps");

/* Our connections, also after close (grace period) -> socket inode. LRU: the kernel adds to it too. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nd_tuple_key);
	__type(value, __u64);
} tuples SEC(".maps");

/* One bit per port that appears in `ports` or `tuples`: a socketless drop that
 * touches none of them leaves after one array read, without hashing. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} port_hint SEC(".maps");

/* Exact drop counts per (socket, reason). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nd_count_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ND_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nd_limiter);
} limiter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nd_config);
} config SEC(".maps");

/* Per-thread hand-over between the agent's socket-creation hooks and nd_sock_create; the agent maps
 * it into its memory, so arming a slot and reading the inode back cost no system call. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ND_CREATING_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct nd_creating);
} creating SEC(".maps");

/* A batch of closed sockets' tuples and ports for nd_release; mapped into the agent, which writes
 * the batch without a system call and then runs nd_release once over it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ND_RELEASE_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct nd_release);
} releasing SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");


struct nd_ipv4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

struct nd_ipv6 {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * Field reads. The tp_btf programs get typed kernel pointers and read them
 * directly (the verifier turns these into fault-safe loads); the classic
 * tracepoint programs get plain addresses and must use bpf_probe_read_kernel.
 * `trusted` is a compile-time constant in every caller, so one branch remains.
 */
#define READ(trusted, ptr, field) ((trusted) ? (ptr)->field : BPF_CORE_READ(ptr, field))

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		*v += 1;
}

static __always_inline __u32 sock_netns(struct sock *sk, const bool trusted)
{
	struct net *net = READ(trusted, sk, __sk_common.skc_net.net);
	return net ? READ(trusted, net, ns.inum) : 0;
}

static __always_inline __u64 sock_inode(struct sock *sk, const bool trusted)
{
	/* NULL after close(): an orphaned socket has no file. */
	struct socket *sock = READ(trusted, sk, sk_socket);
	if (!sock)
		return 0;
	struct file *file = READ(trusted, sock, file);
	if (!file)
		return 0;
	struct inode *inode = READ(trusted, file, f_inode);
	return inode ? READ(trusted, inode, i_ino) : 0;
}

static __always_inline bool port_hinted(__u16 port)
{
	__u32 idx = port >> 6;
	__u64 *word = bpf_map_lookup_elem(&port_hint, &idx);
	return word && (*word & (1ULL << (port & 63)));
}

static __always_inline void hint_port(__u16 port)
{
	__u32 idx = port >> 6;
	__u64 *word = bpf_map_lookup_elem(&port_hint, &idx);
	if (word)
		__sync_fetch_and_or(word, 1ULL << (port & 63));
}

/* Whether the current thread belongs to this JVM (pid namespace aware: the JVM may run in a
 * container); its thread id in that namespace goes to *tid. Where the cgroup programs sit on the
 * root cgroup every process of the host comes through here on its socket calls: once the JVM's
 * global tgid is known, the others leave after one compare (docs/performance.md, "The host's share"). */
static __always_inline bool own_thread(__u32 *tid)
{
	__u32 zero = 0;
	struct nd_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct bpf_pidns_info ns = {};
	if (!cfg || !cfg->tgid)
		return false;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (cfg->host_tgid && cfg->host_tgid != tgid)
		return false;
	if (bpf_get_ns_current_pid_tgid(cfg->pidns_dev, cfg->pidns_ino, &ns, sizeof(ns)) || ns.tgid != cfg->tgid)
		return false;
	cfg->host_tgid = tgid; /* a process keeps its tgid: every writer writes the same value */
	*tid = ns.pid;
	return true;
}

/* True for a thread of any process but this JVM, once its global tgid is known: a cheap first exit. */
static __always_inline bool other_process(void)
{
	__u32 zero = 0;
	struct nd_config *cfg = bpf_map_lookup_elem(&config, &zero);
	return cfg && cfg->host_tgid && cfg->host_tgid != (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* The network header and, when it directly follows, the transport ports: one read covers both. */
union nd_headers {
	struct {
		struct nd_ipv4 ip;
		__be16 ports[2];
	} v4;
	struct {
		struct nd_ipv6 ip;
		__be16 ports[2];
	} v6;
	__u8 first;
};

/* A packet as parsed from its headers; addresses stay in `h` until someone needs them. */
struct nd_packet {
	union nd_headers h;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 protocol;
	__u8 parsed;
};

/* Parses with as few helper calls as possible: this runs for every socketless drop of the host. */
static __always_inline void parse_packet(struct sk_buff *skb, struct nd_packet *p, const bool trusted)
{
	unsigned char *head = READ(trusted, skb, head);
	__u16 nh = READ(trusted, skb, network_header);
	union nd_headers *h = &p->h;
	__be16 *ports;
	__u16 l4, direct;

	if (!head || nh == NO_HEADER)
		return;
	if (bpf_probe_read_kernel(h, sizeof(*h), head + nh))
		return;
	/* skb->protocol is not yet set on some output paths; the IP version nibble always is. */
	if ((h->first >> 4) == 4) {
		p->family = AF_INET;
		p->protocol = h->v4.ip.protocol;
		if (h->v4.ip.frag_off & bpf_htons(0x1fff))
			goto done; /* a later fragment carries no ports */
		l4 = (h->v4.ip.ver_ihl & 0x0f) * 4;
		direct = sizeof(struct nd_ipv4);
		ports = h->v4.ports;
	} else if ((h->first >> 4) == 6) {
		__u16 th = READ(trusted, skb, transport_header);
		p->family = AF_INET6;
		p->protocol = h->v6.ip.nexthdr;
		/* Extension headers: trust the transport offset the stack has set. */
		l4 = (th != NO_HEADER && th > nh) ? th - nh : sizeof(struct nd_ipv6);
		direct = sizeof(struct nd_ipv6);
		ports = h->v6.ports;
	} else {
		return;
	}
	if (p->protocol == IPPROTO_TCP || p->protocol == IPPROTO_UDP) {
		__be16 pp[2];
		if (l4 != direct) { /* IPv4 options or IPv6 extension headers */
			if (bpf_probe_read_kernel(pp, sizeof(pp), head + nh + l4))
				goto done;
			ports = pp;
		}
		p->sport = bpf_ntohs(ports[0]);
		p->dport = bpf_ntohs(ports[1]);
	}
done:
	p->parsed = 1;
}

/* The packet's 16-byte source and destination addresses (IPv4 in the first 4 bytes). */
static __always_inline void packet_addresses(const struct nd_packet *p, __u8 *saddr, __u8 *daddr)
{
	if (p->family == AF_INET6) {
		__builtin_memcpy(saddr, p->h.v6.ip.saddr, ND_ADDR_LEN);
		__builtin_memcpy(daddr, p->h.v6.ip.daddr, ND_ADDR_LEN);
		return;
	}
	__builtin_memset(saddr, 0, ND_ADDR_LEN);
	__builtin_memset(daddr, 0, ND_ADDR_LEN);
	if (p->family == AF_INET) {
		__builtin_memcpy(saddr, &p->h.v4.ip.saddr, 4);
		__builtin_memcpy(daddr, &p->h.v4.ip.daddr, 4);
	}
}

static __always_inline void tuple_key(struct nd_tuple_key *k, __u32 netns, const struct nd_packet *p, bool local_is_dst)
{
	k->netns = netns;
	k->protocol = p->protocol;
	k->family = p->family;
	if (local_is_dst) {
		k->lport = p->dport;
		k->rport = p->sport;
		packet_addresses(p, k->raddr, k->laddr);
	} else {
		k->lport = p->sport;
		k->rport = p->dport;
		packet_addresses(p, k->laddr, k->raddr);
	}
}

/* Our socket inode for a packet that carries no socket, or 0. */
static __always_inline __u64 match_socketless(const struct nd_packet *p, __u32 netns, __u32 ifindex, __u8 *how)
{
	struct nd_tuple_key tk = {};
	struct nd_port_key pk = {};
	__u64 *inode;
	bool dst = port_hinted(p->dport), src = port_hinted(p->sport);

	if (!dst && !src)
		return 0;
	if (dst) { /* arriving for one of ours */
		tuple_key(&tk, netns, p, true);
		inode = bpf_map_lookup_elem(&tuples, &tk);
		if (inode) {
			*how = ND_MATCH_TUPLE;
			return *inode;
		}
		pk.netns = netns;
		pk.port = p->dport;
		pk.protocol = p->protocol;
		inode = bpf_map_lookup_elem(&ports, &pk);
		if (inode) {
			*how = ND_MATCH_PORT;
			return *inode;
		}
	}
	if (src) { /* sent by one of ours, dropped on this host */
		tuple_key(&tk, netns, p, false);
		inode = bpf_map_lookup_elem(&tuples, &tk);
		if (inode) {
			*how = ND_MATCH_TUPLE;
			return *inode;
		}
		/* A bound port as source only proves the packet is ours if it never left the host. */
		if (ifindex == LOOPBACK_IFINDEX) {
			pk.netns = netns;
			pk.port = p->sport;
			pk.protocol = p->protocol;
			inode = bpf_map_lookup_elem(&ports, &pk);
			if (inode) {
				*how = ND_MATCH_PORT;
				return *inode;
			}
		}
	}
	return 0;
}

/*
 * The hot path for drops that are not ours: an IPv4 packet whose ports none of our sockets use.
 * Three typed loads (no helper call). Protocol and fragment are not checked here: for a packet
 * without ports the two bytes read are arbitrary, and a false hint only costs the full parse,
 * which decides. Returns true when the full parse must decide.
 */
static __always_inline bool ipv4_ports_hinted(struct sk_buff *skb)
{
	unsigned char *head = skb->head;
	__u16 nh = skb->network_header;

	if (!head || nh == NO_HEADER)
		return true;
	__u8 ver_ihl = *(__u8 *)bpf_rdonly_cast(head + nh, bpf_core_type_id_kernel(struct iphdr));
	if ((ver_ihl >> 4) != 4)
		return true;
	struct udphdr *ports =
		bpf_rdonly_cast(head + nh + (ver_ihl & 0x0f) * 4, bpf_core_type_id_kernel(struct udphdr));
	return port_hinted(bpf_ntohs(ports->dest)) || port_hinted(bpf_ntohs(ports->source));
}

static __always_inline void count_drop(__u64 inode, __u32 reason)
{
	struct nd_count_key key = {.sock_inode = inode, .reason = reason};
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	stat_inc(ND_STAT_MATCHED);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	__u64 one = 1;
	if (!bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST))
		return;
	n = bpf_map_lookup_elem(&counts, &key); /* another CPU created it first */
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		stat_inc(ND_STAT_COUNTS_FULL);
}

static __always_inline bool take_token(const struct nd_config *cfg)
{
	__u32 zero = 0;
	struct nd_limiter *l;

	if (!cfg || !cfg->events_per_sec)
		return true;
	l = bpf_map_lookup_elem(&limiter, &zero);
	if (!l)
		return false;
	__u64 now = bpf_ktime_get_ns();
	__u64 refill = (now - l->last_ns) * cfg->events_per_sec / 1000000000ULL;
	if (refill) {
		__u64 tokens = l->tokens + refill;
		l->tokens = tokens > cfg->burst ? cfg->burst : tokens;
		l->last_ns = now;
	}
	if (!l->tokens)
		return false;
	l->tokens--;
	return true;
}

static __always_inline int handle_drop(struct sk_buff *skb, __u64 location, __u32 reason, struct sock *sk,
				       const bool trusted)
{
	struct nd_packet p; /* not zeroed: this is the hot path; parse_packet sets what is read */
	__u64 inode = 0;
	__u32 netns = 0, ifindex = 0;
	__u8 how = 0;

	if (reason == SKB_NOT_DROPPED_YET)
		return 0;
	/* 6.2+ frees consumed skbs through consume_skb, but older kernels report them here. */
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return 0;

	if (!sk)
		sk = READ(trusted, skb, sk);
	if (sk) {
		unsigned char state = READ(trusted, sk, __sk_common.skc_state);
		/* Request and time-wait socks are smaller than struct sock: only sock_common is valid. */
		if (state != TCP_NEW_SYN_RECV && state != TCP_TIME_WAIT)
			inode = sock_inode(sk, trusted);
		if (inode) {
			if (!bpf_map_lookup_elem(&sockets, &inode))
				return 0; /* another process's socket */
			how = ND_MATCH_SOCKET;
			netns = sock_netns(sk, trusted);
		}
	}

	if (!how) {
		/* No live socket of ours (none, or closed, or a request/time-wait sock): match by tuple. */
		if (trusted && !ipv4_ports_hinted(skb))
			return 0; /* an IPv4 packet on ports none of our sockets use: the common case */
	}
	p.parsed = 0;
	p.family = 0;
	p.protocol = 0;
	p.sport = 0;
	p.dport = 0;
	struct net_device *dev = READ(trusted, skb, dev);
	if (!how) {
		parse_packet(skb, &p, trusted);
		if (!p.parsed || (!port_hinted(p.dport) && !port_hinted(p.sport)))
			return 0; /* the common case for drops that are not ours: leave early */
		if (sk)
			netns = sock_netns(sk, trusted);
		else if (dev) {
			struct net *net = READ(trusted, dev, nd_net.net);
			netns = net ? READ(trusted, net, ns.inum) : 0;
		}
		if (!netns)
			return 0;
		if (dev)
			ifindex = READ(trusted, dev, ifindex);
		inode = match_socketless(&p, netns, ifindex, &how);
		if (!inode)
			return 0;
	} else {
		if (dev)
			ifindex = READ(trusted, dev, ifindex);
		parse_packet(skb, &p, trusted);
	}

	__u32 zero = 0;
	struct nd_config *cfg = bpf_map_lookup_elem(&config, &zero);
	if (cfg && reason == cfg->empty_purge_reason && reason && !READ(trusted, skb, len)) {
		stat_inc(ND_STAT_EMPTY_PURGES);
		return 0;
	}
	count_drop(inode, reason);

	if (!take_token(cfg)) {
		stat_inc(ND_STAT_RATE_LIMITED);
		return 0;
	}
	struct nd_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(ND_STAT_RINGBUF_FULL);
		return 0;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->location = location;
	e->sock_inode = inode;
	e->reason = reason;
	e->netns = netns;
	e->ifindex = ifindex;
	e->skb_len = READ(trusted, skb, len);
	e->cpu = bpf_get_smp_processor_id();
	e->family = p.family;
	e->protocol = p.protocol;
	e->match = how;
	packet_addresses(&p, e->saddr, e->daddr);
	e->sport = p.sport;
	e->dport = p.dport;
	e->_pad = 0;

	/* Waking the reader costs microseconds per event: only when enough is waiting (it also polls). */
	__u64 wakeup = cfg && cfg->wakeup_bytes ? cfg->wakeup_bytes : 1;
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + sizeof(*e) >= wakeup ? BPF_RB_FORCE_WAKEUP
											   : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	stat_inc(ND_STAT_EVENTS);
	return 0;
}

/* The slot of the calling thread of this JVM in `creating`, or NULL for any other thread. */
static __always_inline struct nd_creating *own_slot(void)
{
	__u32 tid;
	if (!own_thread(&tid))
		return 0;
	__u32 idx = tid & (ND_CREATING_SLOTS - 1);
	struct nd_creating *slot = bpf_map_lookup_elem(&creating, &idx);
	return slot && slot->tid == tid ? slot : 0;
}

static __always_inline bool is_v4_mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;
	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* The tuple of a TCP socket as the drop path looks it up: from our side, IPv4-mapped IPv6 as IPv4. */
static __always_inline void sock_tuple(struct sock *sk, const bool trusted, struct nd_tuple_key *k)
{
	k->netns = sock_netns(sk, trusted);
	k->protocol = IPPROTO_TCP;
	k->family = READ(trusted, sk, __sk_common.skc_family);
	k->lport = READ(trusted, sk, __sk_common.skc_num);
	k->rport = bpf_ntohs(READ(trusted, sk, __sk_common.skc_dport));
	if (k->family == AF_INET6) {
		BPF_CORE_READ_INTO(&k->raddr, sk, __sk_common.skc_v6_daddr);
		if (is_v4_mapped(k->raddr)) {
			/* Java sockets are dual-stack: an IPv6 socket talking to ::ffff:a.b.c.d sends IPv4 packets. */
			k->family = AF_INET;
			__builtin_memset(k->raddr, 0, ND_ADDR_LEN);
		} else {
			BPF_CORE_READ_INTO(&k->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		}
	}
	if (k->family == AF_INET) {
		__be32 l = READ(trusted, sk, __sk_common.skc_rcv_saddr);
		__be32 r = READ(trusted, sk, __sk_common.skc_daddr);
		__builtin_memcpy(k->laddr, &l, 4);
		__builtin_memcpy(k->raddr, &r, 4);
	}
}

/* Leaves the endpoints of socket `inode`, just registered, in the calling thread's slot. */
static __always_inline void hand_back(struct nd_creating *slot, __u64 inode, const struct nd_tuple_key *k)
{
	slot->ep_family = k->family;
	slot->ep_lport = k->lport;
	slot->ep_rport = k->rport;
	__builtin_memcpy(slot->ep_laddr, k->laddr, ND_ADDR_LEN);
	__builtin_memcpy(slot->ep_raddr, k->raddr, ND_ADDR_LEN);
	slot->ep_inode = inode; /* last: the agent checks it first */
}

/* Remember the tuple of one of our connecting sockets as its SYN leaves (see top of file). When
 * the connecting thread is ours, its slot gets the endpoints: the agent then reads no address. */
static __always_inline int learn_connect_sock(struct sock *sk, const bool trusted, const __u32 learned_stat)
{
	if (READ(trusted, sk, __sk_common.skc_state) != TCP_SYN_SENT)
		return 0;

	__u64 inode = sock_inode(sk, trusted);
	if (!inode)
		return 0;
	if (!bpf_map_lookup_elem(&sockets, &inode)) {
		/* Not registered yet: ours if connect() runs in a thread of this JVM. */
		__u32 tid;
		if (!own_thread(&tid))
			return 0;
		__u32 one = 1;
		bpf_map_update_elem(&sockets, &inode, &one, BPF_NOEXIST);
	}

	struct nd_tuple_key k = {};
	sock_tuple(sk, trusted, &k);
	if (bpf_map_update_elem(&tuples, &k, &inode, BPF_NOEXIST))
		return 0; /* an older socket's tuple, still in its grace period: the agent replaces it */
	hint_port(k.lport);
	stat_inc(learned_stat);
	struct nd_creating *slot = own_slot();
	if (slot)
		hand_back(slot, inode, &k);
	return 0;
}

static __always_inline int learn_connect(struct sk_buff *skb, const bool trusted)
{
	struct sock *sk = READ(trusted, skb, sk);
	return sk ? learn_connect_sock(sk, trusted, ND_STAT_TUPLES_LEARNED) : 0;
}

/* Kernels 6.11+: tp_btf args are (skb, location, reason, rx_sk). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(nd_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
	return handle_drop(skb, (__u64)location, reason, rx_sk, true);
}

/* Kernels 5.17 to 6.10: no rx_sk argument. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(nd_kfree_skb_norx, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return handle_drop(skb, (__u64)location, reason, 0, true);
}

/* Fallback through tracefs when tp_btf cannot attach. */
SEC("tracepoint/skb/kfree_skb")
int nd_kfree_skb_tp(struct trace_event_raw_kfree_skb *ctx)
{
	struct sock *rx_sk = 0;
	if (bpf_core_field_exists(ctx->rx_sk))
		rx_sk = ctx->rx_sk;
	return handle_drop(ctx->skbaddr, (__u64)ctx->location, ctx->reason, rx_sk, false);
}

/* The inode of the socket behind a cgroup socket program's context; it exists from sock_alloc()
 * on, before the socket has a file. */
static __always_inline __u64 ctx_inode(struct bpf_sock *ctx, struct sock **skp)
{
	struct sock *sk = bpf_rdonly_cast(ctx, bpf_core_type_id_kernel(struct sock));
	struct socket *sock = sk->sk_socket;
	*skp = sk;
	if (!sock)
		return 0;
	struct socket_alloc *sa = bpf_rdonly_cast((void *)sock - bpf_core_field_offset(struct socket_alloc, socket),
						  bpf_core_type_id_kernel(struct socket_alloc));
	return sa->vfs_inode.i_ino;
}

/*
 * Registers a socket in `sockets` while socket() runs, before any packet can reach it, when the
 * creating thread of this JVM armed its `creating` slot (the agent does so in the Java methods that
 * create sockets). Only armed creations count, so sockets that native code creates (the resolver's
 * DNS sockets, for one) are never registered here and cannot pile up in the map. Attached to the
 * JVM's cgroup, like the bind hooks below; they only observe: every path returns 1 (allow).
 */
SEC("cgroup/sock_create")
int nd_sock_create(struct bpf_sock *ctx)
{
	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return 1;
	struct nd_creating *slot = own_slot();
	if (!slot || slot->armed != ND_ARM_CREATE)
		return 1;
	struct sock *sk;
	__u64 inode = ctx_inode(ctx, &sk);
	__u32 one = 1;
	/* A full map leaves the slot armed: the agent then registers the socket itself and says why. */
	if (!inode || bpf_map_update_elem(&sockets, &inode, &one, BPF_ANY))
		return 1;
	slot->inode = inode;
	slot->armed = 0;
	return 1;
}

/*
 * bind() of one of our sockets: its local port becomes ours in `ports` (a TCP socket bound
 * without a peer counts as a listener until it connects, as in the agent). The binding thread's
 * slot learns which socket and port, so the agent does not write them again.
 */
static __always_inline int register_bound_port(struct bpf_sock *ctx, const int family)
{
	if (other_process())
		return 1;
	__u16 port = ctx->src_port;
	__u8 protocol = ctx->protocol;
	if (!port || (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP))
		return 1;
	struct sock *sk;
	__u64 inode = ctx_inode(ctx, &sk);
	if (!inode || !bpf_map_lookup_elem(&sockets, &inode))
		return 1;
	struct nd_port_key k = {.netns = sock_netns(sk, true), .port = port, .protocol = protocol};
	if (!k.netns)
		return 1;
	hint_port(port);
	if (bpf_map_update_elem(&ports, &k, &inode, BPF_ANY))
		return 1;
	struct nd_creating *slot = own_slot();
	if (slot) {
		/* Each program reads only its own family's address: the verifier refuses the other. */
		struct nd_tuple_key t = {.family = family, .lport = port};
		if (family == AF_INET) {
			__u32 v4 = ctx->src_ip4;
			__builtin_memcpy(t.laddr, &v4, 4);
		} else {
			__u32 v6[4] = {ctx->src_ip6[0], ctx->src_ip6[1], ctx->src_ip6[2], ctx->src_ip6[3]};
			__builtin_memcpy(t.laddr, v6, ND_ADDR_LEN);
		}
		hand_back(slot, inode, &t);
	}
	return 1;
}

SEC("cgroup/post_bind4")
int nd_post_bind4(struct bpf_sock *ctx)
{
	return register_bound_port(ctx, AF_INET);
}

SEC("cgroup/post_bind6")
int nd_post_bind6(struct bpf_sock *ctx)
{
	return register_bound_port(ctx, AF_INET6);
}

/*
 * The connect tracker without a per-packet cost: tcp_connect() calls the JVM cgroup's sock_ops
 * programs once per active open, after the source port is chosen and before the SYN is built. When
 * this program is attached (and proved to work), the agent detaches nd_net_dev_queue, which runs
 * for every packet the host transmits.
 */
SEC("sockops")
int nd_sock_ops(struct bpf_sock_ops *ctx)
{
	if (ctx->op != BPF_SOCK_OPS_TCP_CONNECT_CB || other_process())
		return 1;
	struct bpf_sock *bsk = ctx->sk;
	if (!bsk)
		return 1;
	struct sock *sk = bpf_rdonly_cast(bsk, bpf_core_type_id_kernel(struct sock));
	learn_connect_sock(sk, true, ND_STAT_TUPLES_AT_CONNECT);
	return 1;
}

/*
 * An accepted socket is not created by socket(): the kernel makes it in the listener's softirq and
 * gives it a file only inside accept(), where no cgroup hook runs. So the agent, right after
 * accept() returns, arms its slot with ND_ARM_DESCRIBE and calls getpeername() once; this program
 * runs inside that call, on the socket itself: it registers the inode in `sockets` and the
 * connection's tuple in `tuples`, and leaves both in the slot. One system call instead of fstat,
 * getsockname, getpeername and two map writes. Any other getpeername() returns after the slot check.
 */
static __always_inline int describe_accepted(struct bpf_sock_addr *ctx)
{
	struct nd_creating *slot = own_slot();
	if (!slot || slot->armed != ND_ARM_DESCRIBE || ctx->protocol != IPPROTO_TCP)
		return 1;
	struct bpf_sock *bsk = ctx->sk;
	if (!bsk)
		return 1;
	struct sock *sk;
	__u64 inode = ctx_inode(bsk, &sk);
	__u32 one = 1;
	if (!inode || bpf_map_update_elem(&sockets, &inode, &one, BPF_ANY))
		return 1;
	struct nd_tuple_key k = {};
	sock_tuple(sk, true, &k);
	if (!k.netns || !k.rport || bpf_map_update_elem(&tuples, &k, &inode, BPF_ANY)) {
		bpf_map_delete_elem(&sockets, &inode);
		return 1; /* the agent registers it itself */
	}
	hint_port(k.lport);
	hand_back(slot, inode, &k);
	slot->inode = inode;
	slot->armed = 0;
	return 1;
}

SEC("cgroup/getpeername4")
int nd_getpeername4(struct bpf_sock_addr *ctx)
{
	return describe_accepted(ctx);
}

SEC("cgroup/getpeername6")
int nd_getpeername6(struct bpf_sock_addr *ctx)
{
	return describe_accepted(ctx);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(nd_net_dev_queue, struct sk_buff *skb)
{
	return learn_connect(skb, true);
}

SEC("tracepoint/net/net_dev_queue")
int nd_net_dev_queue_tp(struct trace_event_raw_net_dev_template *ctx)
{
	return learn_connect(ctx->skbaddr, false);
}

/* Removes entry `index` of `releasing` from its map if it still belongs to its socket; a bpf_loop
 * callback (the loader links it into nd_release). */
static long release_one(__u64 index, void *ctx)
{
	__u32 *removed = ctx;
	__u32 idx = index;
	struct nd_release *r = bpf_map_lookup_elem(&releasing, &idx);
	if (!r)
		return 1;
	void *map;
	if (r->kind == ND_RELEASE_TUPLE)
		map = &tuples;
	else if (r->kind == ND_RELEASE_PORT)
		map = &ports;
	else
		return 0;
	/* Both maps hold the owning socket's inode. Between this lookup and the delete only a program on
	 * another CPU could give the key to a newer socket: nanoseconds, where the agent's lookup and
	 * delete from user space were two system calls apart. */
	__u64 *owner = bpf_map_lookup_elem(map, &r->key);
	if (owner && *owner == r->inode && !bpf_map_delete_elem(map, &r->key))
		(*removed)++;
	return 0;
}

/*
 * Releases a batch of closed sockets' kernel entries in one system call: the agent writes the
 * batch into `releasing` and runs this with BPF_PROG_TEST_RUN once per tick, instead of a
 * lookup-and-delete system call per closed connection. BPF_PROG_TYPE_SYSCALL (5.14+), loaded
 * sleepable as that type must be; bpf_loop (5.17+) keeps the verifier's work independent of the
 * batch size. A kernel that refuses it leaves the agent on the per-connection path.
 */
SEC("syscall")
int nd_release(struct nd_release_args *args)
{
	__u32 removed = 0;
	__u32 count = args->count;
	if (count > ND_RELEASE_SLOTS)
		count = ND_RELEASE_SLOTS;
	bpf_loop(count, release_one, &removed, 0);
	return removed;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
