package io.netdrop.bpf.sys;

/** Kernel ABI numbers from {@code include/uapi/linux/bpf.h} that callers of the loader need. */
public final class BpfConstants {
  // enum bpf_map_type
  public static final int MAP_TYPE_HASH = 1;
  public static final int MAP_TYPE_ARRAY = 2;
  public static final int MAP_TYPE_PERCPU_HASH = 5;
  public static final int MAP_TYPE_PERCPU_ARRAY = 6;
  public static final int MAP_TYPE_LRU_HASH = 9;
  public static final int MAP_TYPE_LRU_PERCPU_HASH = 10;
  public static final int MAP_TYPE_PERCPU_CGROUP_STORAGE = 21;
  public static final int MAP_TYPE_RINGBUF = 27;

  // enum bpf_prog_type
  public static final int PROG_TYPE_SOCKET_FILTER = 1;
  public static final int PROG_TYPE_TRACEPOINT = 5;
  public static final int PROG_TYPE_CGROUP_SOCK = 9;
  public static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;
  public static final int PROG_TYPE_SOCK_OPS = 13;
  public static final int PROG_TYPE_TRACING = 26;
  /** Run only by BPF_PROG_TEST_RUN, in the calling thread; must be loaded sleepable (5.14+). */
  public static final int PROG_TYPE_SYSCALL = 31;

  // BPF_PROG_LOAD prog_flags
  /** BPF_F_SLEEPABLE: the program may sleep; BPF_PROG_TYPE_SYSCALL requires it. */
  public static final int BPF_F_SLEEPABLE = 1 << 4;

  // enum bpf_attach_type
  public static final int ATTACH_TYPE_NONE = 0;
  public static final int ATTACH_TYPE_CGROUP_INET_SOCK_CREATE = 2;
  public static final int ATTACH_TYPE_CGROUP_SOCK_OPS = 3;
  public static final int ATTACH_TYPE_CGROUP_INET4_POST_BIND = 12;
  public static final int ATTACH_TYPE_CGROUP_INET6_POST_BIND = 13;
  public static final int ATTACH_TYPE_TRACE_RAW_TP = 23;
  public static final int ATTACH_TYPE_CGROUP_INET4_GETPEERNAME = 29;
  public static final int ATTACH_TYPE_CGROUP_INET6_GETPEERNAME = 30;
  public static final int ATTACH_TYPE_PERF_EVENT = 41;

  // map_flags
  /** BPF_F_MMAPABLE: an array map whose values user space can mmap (5.5+). */
  public static final int BPF_F_MMAPABLE = 1 << 10;

  // BPF_MAP_UPDATE_ELEM flags
  public static final long BPF_ANY = 0;
  public static final long BPF_NOEXIST = 1;
  public static final long BPF_EXIST = 2;

  // bpf_ringbuf_output / bpf_ringbuf_submit flags
  public static final long BPF_RB_NO_WAKEUP = 1;
  public static final long BPF_RB_FORCE_WAKEUP = 2;

  // helper ids (enum bpf_func_id)
  public static final int FUNC_MAP_LOOKUP_ELEM = 1;
  public static final int FUNC_RINGBUF_OUTPUT = 130;

  /** BPF_OBJ_NAME_LEN: object names hold at most 15 characters plus NUL. */
  public static final int OBJ_NAME_LEN = 16;

  private BpfConstants() {}

  /** True for map types whose values the kernel stores (and copies) once per possible CPU. */
  public static boolean isPerCpuMap(int mapType) {
    return mapType == MAP_TYPE_PERCPU_HASH
        || mapType == MAP_TYPE_PERCPU_ARRAY
        || mapType == MAP_TYPE_LRU_PERCPU_HASH
        || mapType == MAP_TYPE_PERCPU_CGROUP_STORAGE;
  }
}
