/*
 * Socket calls in a loop, for bench/other-process-cost.sh and bench/host-share.sh: what a process
 * that is not the JVM pays for each call while netdrop's programs are attached.
 *
 *   socket-loop [ops per round, default 200000] [rounds, default 3] [mode, default socket]
 *
 * Modes (one op each):
 *   socket       socket(AF_INET6, SOCK_STREAM) + close()            nd_sock_create
 *   bind         socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close()
 *                                                                   nd_sock_create, nd_post_bind4
 *   connect      a TCP connection to a loopback listener of this process: socket, connect, accept,
 *                close both (the client with SO_LINGER 0, so no TIME_WAIT piles up)
 *                                                                   nd_sock_create, nd_sock_ops
 *   getpeername  getpeername() on a connected TCP socket                nd_getpeername4
 *   udp          sendto() + recv() of 64 bytes over loopback UDP     nd_net_dev_queue (per packet)
 *
 * Prints one line per round: "<wall ns per op> <cpu ns per op>", the CPU time being this
 * process's user + system time (getrusage), which the other load of a shared machine disturbs
 * less than the wall clock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	exit(1);
}

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int bound_socket(int type, struct sockaddr_in *a)
{
	int fd = socket(AF_INET, type, 0);
	socklen_t len = sizeof(*a);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) || getsockname(fd, (struct sockaddr *)a, &len))
		fail("socket/bind");
	return fd;
}

static int listener = -1, peer = -1, udp_a = -1, udp_b = -1;
static struct sockaddr_in listen_addr, udp_b_addr;

static void setup(const char *mode)
{
	if (!strcmp(mode, "connect") || !strcmp(mode, "getpeername")) {
		listen_addr = loopback();
		listener = bound_socket(SOCK_STREAM, &listen_addr);
		if (listen(listener, 1024))
			fail("listen");
	}
	if (!strcmp(mode, "getpeername")) {
		peer = socket(AF_INET, SOCK_STREAM, 0);
		if (peer < 0 || connect(peer, (struct sockaddr *)&listen_addr, sizeof(listen_addr)))
			fail("connect");
	}
	if (!strcmp(mode, "udp")) {
		struct sockaddr_in a = loopback();
		udp_b_addr = loopback();
		udp_a = bound_socket(SOCK_DGRAM, &a);
		udp_b = bound_socket(SOCK_DGRAM, &udp_b_addr);
	}
}

static void op(const char *mode)
{
	switch (mode[0]) {
	case 's': { /* socket */
		int fd = socket(AF_INET6, SOCK_STREAM, 0);
		if (fd < 0)
			fail("socket");
		close(fd);
		break;
	}
	case 'b': { /* bind */
		struct sockaddr_in a = loopback();
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
			fail("bind");
		close(fd);
		break;
	}
	case 'c': { /* connect */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)))
			fail("connect");
		int acc = accept(listener, NULL, NULL);
		if (acc < 0)
			fail("accept");
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
		close(acc);
		break;
	}
	case 'g': { /* getpeername */
		struct sockaddr_in a;
		socklen_t len = sizeof(a);
		if (getpeername(peer, (struct sockaddr *)&a, &len))
			fail("getpeername");
		break;
	}
	case 'u': { /* udp */
		char buf[64] = {0};
		if (sendto(udp_a, buf, sizeof(buf), 0, (struct sockaddr *)&udp_b_addr, sizeof(udp_b_addr)) != sizeof(buf) ||
		    recv(udp_b, buf, sizeof(buf), 0) != sizeof(buf))
			fail("udp");
		break;
	}
	}
}

static double cpu_ns(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e9 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e3;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	const char *mode = argc > 3 ? argv[3] : "socket";
	if (strcmp(mode, "socket") && strcmp(mode, "bind") && strcmp(mode, "connect") && strcmp(mode, "getpeername") &&
	    strcmp(mode, "udp")) {
		fprintf(stderr, "socket-loop: unknown mode '%s' (socket, bind, connect, getpeername, udp)\n", mode);
		return 2;
	}
	setup(mode);
	for (int i = 0; i < n / 10; i++) /* warm-up */
		op(mode);
	for (int r = 0; r < rounds; r++) {
		struct timespec a, b;
		double c0 = cpu_ns();
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++)
			op(mode);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double c1 = cpu_ns();
		printf("%.0f %.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n, (c1 - c0) / n);
		fflush(stdout);
	}
	return 0;
}
