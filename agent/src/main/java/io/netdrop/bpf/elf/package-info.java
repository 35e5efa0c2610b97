/** Reads ELF64 BPF object files and turns them into loadable program and map descriptions. */
package io.netdrop.bpf.elf;
