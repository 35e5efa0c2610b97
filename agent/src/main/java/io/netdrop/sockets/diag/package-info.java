/** Per-listener TCP accept-queue overflows, read from the kernel's own counters over sock_diag netlink. */
package io.netdrop.sockets.diag;
