package io.netdrop.sockets;

/**
 * The pid namespace of this JVM as {@code bpf_get_ns_current_pid_tgid()} wants it: device and inode
 * of {@code /proc/self/ns/pid} (as {@code stat(2)} reports them), and the JVM's pid inside it.
 */
public record PidNamespace(long dev, long ino, int pid) {}
