/** A pure-Java eBPF loader: ELF, BTF and CO-RE in Java, syscalls through JNA. */
package io.netdrop.bpf;
