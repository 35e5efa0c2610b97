package io.netdrop.bpf.sys;

import com.sun.jna.Pointer;
import io.netdrop.bpf.BpfSyscallException;
import java.lang.ref.Reference;

/**
 * The bpf(2) syscall: command numbers, the {@code union bpf_attr} field offsets we use (checked
 * against {@code include/uapi/linux/bpf.h}), and the call itself.
 */
public final class Bpf {
  public static final int MAP_CREATE = 0;
  public static final int MAP_LOOKUP_ELEM = 1;
  public static final int MAP_UPDATE_ELEM = 2;
  public static final int MAP_DELETE_ELEM = 3;
  public static final int MAP_GET_NEXT_KEY = 4;
  public static final int PROG_LOAD = 5;
  public static final int PROG_TEST_RUN = 10;
  public static final int OBJ_GET_INFO_BY_FD = 15;
  public static final int BTF_LOAD = 18;
  public static final int MAP_LOOKUP_AND_DELETE_ELEM = 21;
  public static final int RAW_TRACEPOINT_OPEN = 17;
  public static final int MAP_DELETE_BATCH = 27;
  public static final int LINK_CREATE = 28;

  /** BPF_MAP_CREATE: up to and including map_ifindex/btf ids (kernel 5.x+ accepts the zero tail). */
  public static final class MapCreate {
    public static final int SIZE = 72;
    public static final int MAP_TYPE = 0;
    public static final int KEY_SIZE = 4;
    public static final int VALUE_SIZE = 8;
    public static final int MAX_ENTRIES = 12;
    public static final int MAP_FLAGS = 16;
    public static final int MAP_NAME = 28;

    private MapCreate() {}
  }

  /** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM and BPF_MAP_GET_NEXT_KEY. */
  public static final class MapElem {
    public static final int SIZE = 32;
    public static final int MAP_FD = 0;
    public static final int KEY = 8;
    public static final int VALUE_OR_NEXT_KEY = 16;
    public static final int FLAGS = 24;

    private MapElem() {}
  }

  /** BPF_PROG_LOAD, up to log_true_size (6.4+) so the kernel can report the log size it needed. */
  public static final class ProgLoad {
    public static final int SIZE = 144;
    public static final int PROG_TYPE = 0;
    public static final int INSN_CNT = 4;
    public static final int INSNS = 8;
    public static final int LICENSE = 16;
    public static final int LOG_LEVEL = 24;
    public static final int LOG_SIZE = 28;
    public static final int LOG_BUF = 32;
    public static final int PROG_FLAGS = 44;
    public static final int PROG_NAME = 48;
    public static final int EXPECTED_ATTACH_TYPE = 68;
    public static final int PROG_BTF_FD = 72;
    public static final int FUNC_INFO_REC_SIZE = 76;
    public static final int FUNC_INFO = 80;
    public static final int FUNC_INFO_CNT = 88;
    public static final int ATTACH_BTF_ID = 108;
    public static final int LOG_TRUE_SIZE = 140;

    private ProgLoad() {}
  }

  /** BPF_BTF_LOAD. */
  public static final class BtfLoad {
    public static final int SIZE = 32;
    public static final int BTF = 0;
    public static final int LOG_BUF = 8;
    public static final int BTF_SIZE = 16;
    public static final int LOG_SIZE = 20;
    public static final int LOG_LEVEL = 24;

    private BtfLoad() {}
  }

  /** BPF_PROG_TEST_RUN. */
  public static final class TestRun {
    public static final int SIZE = 80;
    public static final int PROG_FD = 0;
    public static final int RETVAL = 4;
    public static final int DATA_SIZE_IN = 8;
    public static final int DATA_IN = 16;
    public static final int REPEAT = 32;
    public static final int CTX_SIZE_IN = 40;
    public static final int CTX_IN = 48;

    private TestRun() {}
  }

  /** BPF_OBJ_GET_INFO_BY_FD and the {@code struct bpf_prog_info} fields we read. */
  public static final class ObjInfo {
    public static final int SIZE = 16;
    public static final int BPF_FD = 0;
    public static final int INFO_LEN = 4;
    public static final int INFO = 8;
    public static final int PROG_INFO_SIZE = 232;
    public static final int PROG_INFO_RUN_TIME_NS = 192;
    public static final int PROG_INFO_RUN_CNT = 200;

    private ObjInfo() {}
  }

  /** BPF_LINK_CREATE. */
  public static final class LinkCreate {
    public static final int SIZE = 32;
    public static final int PROG_FD = 0;
    public static final int TARGET_FD = 4;
    public static final int ATTACH_TYPE = 8;

    private LinkCreate() {}
  }

  /** The {@code batch} member of union bpf_attr (BPF_MAP_*_BATCH). */
  public static final class MapBatch {
    public static final int SIZE = 56;
    public static final int KEYS = 16;
    public static final int COUNT = 32;
    public static final int MAP_FD = 36;

    private MapBatch() {}
  }

  /** BPF_RAW_TRACEPOINT_OPEN. */
  public static final class RawTracepointOpen {
    public static final int SIZE = 16;
    public static final int NAME = 0;
    public static final int PROG_FD = 8;

    private RawTracepointOpen() {}
  }

  private static final int VERIFIER_ATTEMPTS = 5;
  private static final String[] COMMAND_NAMES = new String[29];

  static {
    COMMAND_NAMES[MAP_CREATE] = "BPF_MAP_CREATE";
    COMMAND_NAMES[MAP_LOOKUP_ELEM] = "BPF_MAP_LOOKUP_ELEM";
    COMMAND_NAMES[MAP_UPDATE_ELEM] = "BPF_MAP_UPDATE_ELEM";
    COMMAND_NAMES[MAP_DELETE_ELEM] = "BPF_MAP_DELETE_ELEM";
    COMMAND_NAMES[MAP_GET_NEXT_KEY] = "BPF_MAP_GET_NEXT_KEY";
    COMMAND_NAMES[PROG_LOAD] = "BPF_PROG_LOAD";
    COMMAND_NAMES[PROG_TEST_RUN] = "BPF_PROG_TEST_RUN";
    COMMAND_NAMES[OBJ_GET_INFO_BY_FD] = "BPF_OBJ_GET_INFO_BY_FD";
    COMMAND_NAMES[BTF_LOAD] = "BPF_BTF_LOAD";
    COMMAND_NAMES[MAP_LOOKUP_AND_DELETE_ELEM] = "BPF_MAP_LOOKUP_AND_DELETE_ELEM";
    COMMAND_NAMES[RAW_TRACEPOINT_OPEN] = "BPF_RAW_TRACEPOINT_OPEN";
    COMMAND_NAMES[MAP_DELETE_BATCH] = "BPF_MAP_DELETE_BATCH";
    COMMAND_NAMES[LINK_CREATE] = "BPF_LINK_CREATE";
  }

  private Bpf() {}

  /** The symbolic name of a bpf(2) command, e.g. {@code BPF_MAP_CREATE}. */
  public static String commandName(int cmd) {
    String name = cmd >= 0 && cmd < COMMAND_NAMES.length ? COMMAND_NAMES[cmd] : null;
    return name != null ? name : "BPF_CMD_" + cmd;
  }

  /** Runs bpf(cmd, attr, size); returns the non-negative result, or {@code -errno} on failure. */
  public static long invoke(int cmd, BpfAttr attr) {
    try {
      return DirectSyscall.call(
          Arch.current().bpfSyscall(), cmd, Pointer.nativeValue(attr.memory()), attr.size());
    } finally {
      // Buffers the attribute block points to must outlive the syscall.
      Reference.reachabilityFence(attr);
    }
  }

  /**
   * As {@link #invoke}, for the commands that run the verifier (BPF_PROG_LOAD, BPF_BTF_LOAD), which
   * the kernel abandons with EAGAIN when a signal is pending for the thread: asynchronous signals
   * are held back during the call ({@link DeferredSignals}), and EAGAIN is still retried a few times,
   * as libbpf does.
   */
  public static long invokeVerified(int cmd, BpfAttr attr) {
    long result = -Errno.EAGAIN;
    for (int attempt = 0; attempt < VERIFIER_ATTEMPTS && result == -Errno.EAGAIN; attempt++) {
      result = DeferredSignals.during(() -> invoke(cmd, attr));
    }
    return result;
  }

  /**
   * Runs bpf(cmd, attr, size) and returns its result; on failure throws {@link
   * BpfSyscallException} naming the command, {@code subject} (e.g. "map 'events'") and errno.
   */
  public static int call(int cmd, BpfAttr attr, String subject) {
    long result = invoke(cmd, attr);
    if (result < 0) {
      throw new BpfSyscallException(commandName(cmd), subject, (int) -result);
    }
    return (int) result;
  }
}
