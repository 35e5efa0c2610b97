/** Internal: JNA bindings for bpf(2), perf_event_open(2), mmap and epoll, and the kernel's attribute layouts. */
package io.netdrop.bpf.sys;
