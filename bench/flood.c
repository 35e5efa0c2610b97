// SPDX-License-Identifier: Apache-2.0
// Sends N small UDP datagrams to 127.0.0.1:PORT with sendmmsg, as fast as it can, and prints the
// rate. With nothing listening on PORT each datagram becomes one NO_SOCKET kfree_skb drop.
// With SECONDS it stops after that long if COUNT is not reached first (bench/storm.sh: COUNT 0 is
// no limit).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: flood PORT COUNT [SECONDS]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	long count = atol(argv[2]);
	double seconds = argc == 4 ? atof(argv[3]) : 0;
	if (count <= 0)
		count = -1UL >> 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	char payload[16] = "netdrop-bench";
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof(payload)};
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long sent = 0;
	while (sent < count) {
		int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		int r = sendmmsg(fd, msgs, n, 0);
		if (r > 0)
			sent += r;
		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld datagrams in %.3f s: %.0f/s\n", sent, s, sent / s);
	return 0;
}
