/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI between netdrop.bpf.c and the Java agent: every struct here is
 * mirrored byte for byte by a Java codec (io.netdrop.drops.DropEvent and the
 * map key classes), so change both sides together and bump ND_ABI_VERSION.
 */
#ifndef NETDROP_H
#define NETDROP_H

#define ND_ABI_VERSION 1

/* How a drop was tied to this JVM (nd_event.match). */
#define ND_MATCH_SOCKET 1 /* the skb carried one of our sockets */
#define ND_MATCH_TUPLE 2  /* no socket: the packet's 5-tuple is one of our connections */
#define ND_MATCH_PORT 3   /* no socket: the packet's local port is one of our bound ports */

/* Indexes of the per-CPU `stats` array. */
#define ND_STAT_MATCHED 0      /* drops that were ours (each also counted in `counts`) */
#define ND_STAT_EVENTS 1       /* events written to the ring buffer */
#define ND_STAT_RATE_LIMITED 2 /* events not sent because of the rate limit */
#define ND_STAT_RINGBUF_FULL 3 /* events not sent because the ring buffer was full */
#define ND_STAT_COUNTS_FULL 4  /* matches not counted per key because `counts` was full */
#define ND_STAT_TUPLES_LEARNED 5 /* connect() tuples learned in the kernel */
#define ND_STAT_EMPTY_PURGES 6 /* our empty skbs purged at close (see nd_config.empty_purge_reason) */
#define ND_STAT_TUPLES_AT_CONNECT 7 /* connect() tuples learned by nd_sock_ops */
#define ND_STAT_MAX 8

#define ND_ADDR_LEN 16

/* One dropped packet of ours, as written to the `events` ring buffer (88 bytes). */
struct nd_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 location;     /* kernel address that dropped the skb */
	__u64 sock_inode;   /* inode of our socket the drop belongs to */
	__u32 reason;       /* enum skb_drop_reason of the running kernel */
	__u32 netns;        /* network namespace inode */
	__u32 ifindex;      /* device the skb was on, 0 if none */
	__u32 skb_len;
	__u32 cpu;
	__u16 family;  /* AF_INET (2) / AF_INET6 (10), 0 if unparsed */
	__u8 protocol; /* IPPROTO_TCP (6) / IPPROTO_UDP (17) / other */
	__u8 match;    /* ND_MATCH_* */
	__u8 saddr[ND_ADDR_LEN]; /* packet source; IPv4 in the first 4 bytes */
	__u8 daddr[ND_ADDR_LEN]; /* packet destination */
	__u16 sport; /* host byte order */
	__u16 dport; /* host byte order */
	__u32 _pad;
};

/* Key of `counts`: drops per (socket, reason), counted exactly in the kernel. */
struct nd_count_key {
	__u64 sock_inode;
	__u32 reason;
	__u32 _pad;
};

/* Key of `ports`: a local port of ours, scoped by network namespace. */
struct nd_port_key {
	__u32 netns;
	__u16 port; /* host byte order */
	__u8 protocol;
	__u8 _pad;
};

/* Key of `tuples`: a connection of ours, seen from our side, scoped by network namespace. */
struct nd_tuple_key {
	__u32 netns;
	__u16 lport; /* host byte order */
	__u16 rport; /* host byte order */
	__u8 protocol;
	__u8 family;
	__u16 _pad;
	__u8 laddr[ND_ADDR_LEN];
	__u8 raddr[ND_ADDR_LEN];
};

/* The single entry of `config`, written by the agent before the programs are attached. */
struct nd_config {
	__u64 pidns_dev;       /* st_dev of /proc/self/ns/pid */
	__u64 pidns_ino;       /* st_ino of /proc/self/ns/pid */
	__u32 tgid;            /* this JVM's pid, as seen in its own pid namespace */
	__u32 events_per_sec;  /* ring-buffer events allowed per CPU per second */
	__u32 burst;           /* events allowed in a burst per CPU */
	__u32 wakeup_bytes;    /* wake the reader once this much data is waiting */
	/* SKB_DROP_REASON_QUEUE_PURGE on this kernel (0 if it has none). A socket closed before it read
	 * its peer's FIN has that empty skb purged with this reason on every such close: counted in
	 * ND_STAT_EMPTY_PURGES only, neither per socket nor as an event, as no data was lost. */
	__u32 empty_purge_reason;
	/* This JVM's pid outside every pid namespace (bpf_get_current_pid_tgid), 0 until the programs
	 * learn it from the first call of one of its threads: from then on any other process leaves
	 * the cgroup programs after one compare instead of a pid-namespace lookup. */
	__u32 host_tgid;
};

/* Slots of `creating`: a thread uses slot (tid % ND_CREATING_SLOTS); a power of two. */
#define ND_CREATING_SLOTS 4096

/* What the agent asks of its thread's slot in `creating` (field `armed`). */
#define ND_ARM_CREATE 1   /* register the next socket this thread creates (nd_sock_create) */
#define ND_ARM_DESCRIBE 2 /* register the socket of this thread's next getpeername() (nd_getpeername4/6) */

/* Value of `creating`: the agent writes tid, inode = 0 and then armed just before its thread
 * creates a socket (or, for an accepted socket, calls getpeername()); the program registers the
 * socket, writes its inode and clears armed. Whenever one of this thread's calls registers a port
 * or a tuple of ours (bind(), connect(), that getpeername()), the program also leaves the socket's
 * endpoints here (ep_*), so the agent needs no getsockname()/getpeername() and no map write. */
struct nd_creating {
	__u32 tid;    /* thread id in the JVM's pid namespace */
	__u32 armed;  /* 0, ND_ARM_CREATE or ND_ARM_DESCRIBE */
	__u64 inode;
	__u64 ep_inode;  /* the socket whose endpoints follow; 0 when none */
	__u16 ep_family; /* AF_INET or AF_INET6 (IPv4-mapped IPv6 is given as AF_INET) */
	__u16 ep_lport;  /* host byte order */
	__u16 ep_rport;  /* host byte order; 0: bound, no peer (the kernel registered the port) */
	__u16 _pad;
	__u8 ep_laddr[ND_ADDR_LEN]; /* network byte order; IPv4 in the first 4 bytes */
	__u8 ep_raddr[ND_ADDR_LEN]; /* when ep_rport != 0 the kernel registered this tuple */
};

/* Entries of `releasing`, the batch nd_release works through in one run; a power of two. */
#define ND_RELEASE_SLOTS 4096

/* What an entry of `releasing` removes (field `kind`). */
#define ND_RELEASE_TUPLE 1 /* key.tuple from `tuples` */
#define ND_RELEASE_PORT 2  /* key.port from `ports` */

/* One kernel entry of a closed socket, past its grace period: nd_release removes it only while it
 * still maps to `inode` (a newer socket may have taken the same tuple or port meanwhile). The agent
 * writes these into the mmapped `releasing` array (64 bytes each). */
struct nd_release {
	__u64 inode;
	__u32 kind; /* ND_RELEASE_TUPLE, ND_RELEASE_PORT; anything else is skipped */
	__u32 _pad;
	union {
		struct nd_tuple_key tuple;
		struct nd_port_key port;
	} key;
};

/* The context nd_release is run with (BPF_PROG_TEST_RUN ctx_in): entries 0..count-1 of
 * `releasing` are processed. Its return value is the number of entries removed. */
struct nd_release_args {
	__u32 count;
	__u32 _pad;
};

/* Per-CPU token bucket for the event rate limit. */
struct nd_limiter {
	__u64 last_ns;
	__u64 tokens;
};

#endif /* NETDROP_H */
