/** BTF and BTF.ext parsing, CO-RE relocation against the running kernel, and BTF-defined maps. */
package io.netdrop.bpf.btf;
