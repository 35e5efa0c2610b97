package io.netdrop.bpf;

import com.sun.jna.Memory;
import io.netdrop.bpf.sys.Bpf;
import io.netdrop.bpf.sys.BpfAttr;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.Errno;
import io.netdrop.bpf.sys.KernelFd;
import io.netdrop.bpf.sys.ObjectNames;
import io.netdrop.bpf.btf.FunctionBtf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * A BPF program loaded into the kernel and owned by this JVM (not pinned). Attach it with {@link
 * BpfLink}; it is unloaded once closed and detached. Thread-safe; after {@link #close()} every
 * operation throws {@link BpfException}.
 */
public final class BpfProgram implements AutoCloseable {
  /** BPF_COMPLEXITY_LIMIT_INSNS: the kernel never accepts more instructions than this. */
  private static final int MAX_INSNS = 1_000_000;

  private static final int LOG_LEVEL_VERIFIER = 1;
  private static final int INITIAL_LOG_SIZE = 1 << 20;
  private static final int MAX_LOG_SIZE = 16 << 20;

  /** Run statistics; the kernel only counts while {@code kernel.bpf_stats_enabled} is 1. */
  public record ProgramStats(long runTimeNs, long runCount) {
    /** Mean nanoseconds per run, or 0 if the program has not run. */
    public double averageNs() {
      return runCount == 0 ? 0 : (double) runTimeNs / runCount;
    }
  }

  private final KernelFd fd;
  private final String name;
  private final String subject;
  private final int expectedAttachType;

  private BpfProgram(int fd, String name, int expectedAttachType) {
    this.subject = "program '" + name + "'";
    this.fd = new KernelFd(fd, subject);
    this.name = name;
    this.expectedAttachType = expectedAttachType;
  }

  /**
   * Loads a program with BPF_PROG_LOAD. {@code instructions} are raw 8-byte {@code struct
   * bpf_insn}s in native byte order with map references already resolved to fds. {@code
   * expectedAttachType} and {@code attachBtfId} may be 0 when the program type needs none; a
   * {@code tp_btf} program needs {@link BpfConstants#ATTACH_TYPE_TRACE_RAW_TP} and the vmlinux BTF
   * id of typedef {@code btf_trace_<event>}. The license string is passed through (GPL-only
   * helpers need a GPL-compatible one).
   *
   * <p>The first attempt runs without a verifier log; if it fails the load is repeated with
   * log_level 1 and a buffer growing up to 16 MiB, and a rejection throws {@link
   * VerifierException} with the log. Other failures throw {@link BpfSyscallException}.
   */
  public static BpfProgram load(
      String name,
      int progType,
      int expectedAttachType,
      byte[] instructions,
      String license,
      int attachBtfId) {
    return load(name, progType, expectedAttachType, 0, instructions, license, attachBtfId, null);
  }

  /**
   * The functions of a program with callbacks, for the func_info the verifier then requires: the
   * program's own name first (at slot 0), then each callback's name and first slot.
   */
  record Functions(List<String> names, int[] starts) {}

  static BpfProgram load(
      String name,
      int progType,
      int expectedAttachType,
      int progFlags,
      byte[] instructions,
      String license,
      int attachBtfId,
      Functions functions) {
    if (name == null || name.isEmpty()) {
      throw new BpfException("program name must not be empty");
    }
    String subject = "program '" + name + "'";
    if (instructions == null || instructions.length == 0 || instructions.length % 8 != 0) {
      throw new BpfException(
          subject + ": instructions must be a non-empty multiple of 8 bytes, got "
              + (instructions == null ? "null" : instructions.length + " bytes"));
    }
    if (instructions.length / 8 > MAX_INSNS) {
      throw new BpfException(
          subject + " has " + instructions.length / 8 + " instructions, the kernel limit is " + MAX_INSNS);
    }
    if (license == null || license.isEmpty() || license.indexOf('\0') >= 0) {
      throw new BpfException(subject + ": license must be a non-empty string without NUL");
    }
    Memory insns = BpfAttr.nativeCopy(instructions, instructions.length);
    Memory licenseMem = BpfAttr.nativeString(license);
    String kernelName = ObjectNames.kernelName(name);
    try (KernelFd btf = functions == null ? null : loadFunctionBtf(subject, functions)) {
      Memory funcInfo = functions == null ? null : funcInfo(functions);
      Supplier<BpfAttr> attrs =
          () -> {
            BpfAttr attr =
                loadAttr(progType, expectedAttachType, progFlags, attachBtfId, insns, licenseMem, kernelName);
            if (btf != null) {
              attr.putInt(Bpf.ProgLoad.PROG_BTF_FD, btf.get())
                  .putInt(Bpf.ProgLoad.FUNC_INFO_REC_SIZE, FUNC_INFO_SIZE)
                  .putPointer(Bpf.ProgLoad.FUNC_INFO, funcInfo)
                  .putInt(Bpf.ProgLoad.FUNC_INFO_CNT, functions.names().size());
            }
            return attr;
          };
      return load(name, subject, expectedAttachType, attrs);
    }
  }

  /** struct bpf_func_info: {insn_off, type_id} per function. */
  private static final int FUNC_INFO_SIZE = 8;

  private static Memory funcInfo(Functions functions) {
    Memory m = new Memory((long) FUNC_INFO_SIZE * functions.names().size());
    for (int i = 0; i < functions.names().size(); i++) {
      m.setInt((long) i * FUNC_INFO_SIZE, functions.starts()[i]);
      m.setInt((long) i * FUNC_INFO_SIZE + 4, FunctionBtf.funcTypeId(i));
    }
    return m;
  }

  /** Loads {@link FunctionBtf} for {@code functions} into the kernel; the program keeps its own reference. */
  private static KernelFd loadFunctionBtf(String subject, Functions functions) {
    byte[] blob = FunctionBtf.of(functions.names());
    Memory data = BpfAttr.nativeCopy(blob, blob.length);
    Memory log = new Memory(64 * 1024);
    log.setByte(0, (byte) 0);
    BpfAttr attr = new BpfAttr(Bpf.BtfLoad.SIZE);
    attr.putPointer(Bpf.BtfLoad.BTF, data)
        .putInt(Bpf.BtfLoad.BTF_SIZE, blob.length)
        .putPointer(Bpf.BtfLoad.LOG_BUF, log)
        .putInt(Bpf.BtfLoad.LOG_SIZE, (int) log.size())
        .putInt(Bpf.BtfLoad.LOG_LEVEL, LOG_LEVEL_VERIFIER);
    long fd = Bpf.invokeVerified(Bpf.BTF_LOAD, attr);
    if (fd < 0) {
      String text = readLog(log, (int) log.size()).strip();
      throw new BpfSyscallException(
          "BPF_BTF_LOAD", subject + "'s function BTF" + (text.isEmpty() ? "" : " (" + text + ")"),
          (int) -fd);
    }
    return new KernelFd((int) fd, subject + "'s function BTF");
  }

  private static BpfProgram load(
      String name, String subject, int expectedAttachType, Supplier<BpfAttr> attrs) {
    long result = Bpf.invokeVerified(Bpf.PROG_LOAD, attrs.get());
    if (result >= 0) {
      return new BpfProgram((int) result, name, expectedAttachType);
    }
    int firstErrno = (int) -result;

    int logSize = INITIAL_LOG_SIZE;
    while (true) {
      Memory log = new Memory(logSize);
      log.setByte(0, (byte) 0);
      BpfAttr attr = attrs.get();
      attr.putInt(Bpf.ProgLoad.LOG_LEVEL, LOG_LEVEL_VERIFIER)
          .putInt(Bpf.ProgLoad.LOG_SIZE, logSize)
          .putPointer(Bpf.ProgLoad.LOG_BUF, log);
      result = Bpf.invokeVerified(Bpf.PROG_LOAD, attr);
      if (result >= 0) {
        // Passed on the second try (e.g. a transient ENOMEM): keep it.
        return new BpfProgram((int) result, name, expectedAttachType);
      }
      int errno = (int) -result;
      if (errno == Errno.ENOSPC && logSize < MAX_LOG_SIZE) {
        // Kernels from 6.4 report the size the full log needs; older ones just fill the buffer.
        int needed = attr.getInt(Bpf.ProgLoad.LOG_TRUE_SIZE);
        logSize = (int) Math.min(MAX_LOG_SIZE, Math.max((long) logSize * 4, needed + 1L));
        continue;
      }
      String text = readLog(log, logSize);
      if (text.isBlank()) {
        throw new BpfSyscallException("BPF_PROG_LOAD", subject, firstErrno);
      }
      throw new VerifierException(name, errno, text);
    }
  }

  private static BpfAttr loadAttr(
      int progType, int expectedAttachType, int progFlags, int attachBtfId, Memory insns,
      Memory license, String kernelName) {
    BpfAttr attr = new BpfAttr(Bpf.ProgLoad.SIZE);
    attr.putInt(Bpf.ProgLoad.PROG_TYPE, progType)
        .putInt(Bpf.ProgLoad.PROG_FLAGS, progFlags)
        .putInt(Bpf.ProgLoad.INSN_CNT, (int) (insns.size() / 8))
        .putPointer(Bpf.ProgLoad.INSNS, insns)
        .putPointer(Bpf.ProgLoad.LICENSE, license)
        .putName(Bpf.ProgLoad.PROG_NAME, BpfConstants.OBJ_NAME_LEN, kernelName)
        .putInt(Bpf.ProgLoad.EXPECTED_ATTACH_TYPE, expectedAttachType)
        .putInt(Bpf.ProgLoad.ATTACH_BTF_ID, attachBtfId);
    return attr;
  }

  private static String readLog(Memory log, int size) {
    byte[] bytes = log.getByteArray(0, size);
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  /** The program's file descriptor; throws if closed. */
  public int fd() {
    return fd.get();
  }

  /** The attach type the program was loaded for (0 if its type needs none). */
  public int expectedAttachType() {
    return expectedAttachType;
  }

  public String name() {
    return name;
  }

  /**
   * Runs the program {@code repeat} times (0 means once) on {@code dataIn} with
   * BPF_PROG_TEST_RUN and returns its return value. Only some program types support this (e.g.
   * socket filters, which need at least 14 bytes of packet data).
   */
  public int testRun(byte[] dataIn, int repeat) {
    if (repeat < 0) {
      throw new BpfException(subject + ": repeat must not be negative, got " + repeat);
    }
    int length = dataIn == null ? 0 : dataIn.length;
    Memory data = length == 0 ? null : BpfAttr.nativeCopy(dataIn, length);
    BpfAttr attr = new BpfAttr(Bpf.TestRun.SIZE);
    attr.putInt(Bpf.TestRun.DATA_SIZE_IN, length)
        .putPointer(Bpf.TestRun.DATA_IN, data)
        .putInt(Bpf.TestRun.REPEAT, repeat);
    return testRun(attr);
  }

  /**
   * Runs a {@link BpfConstants#PROG_TYPE_SYSCALL} program once, in this thread, with
   * BPF_PROG_TEST_RUN: {@code context} is its context (at most 65,535 bytes); what the program
   * wrote there is copied back into {@code context}. Returns the program's return value.
   *
   * @throws BpfSyscallException if the kernel refuses the run (EINVAL for another program type)
   */
  public int run(byte[] context) {
    if (context == null || context.length == 0 || context.length > 0xffff) {
      throw new BpfException(
          subject + ": context must be 1 to 65535 bytes, got "
              + (context == null ? "null" : context.length + " bytes"));
    }
    Memory ctx = BpfAttr.nativeCopy(context, context.length);
    BpfAttr attr = new BpfAttr(Bpf.TestRun.SIZE);
    attr.putInt(Bpf.TestRun.CTX_SIZE_IN, context.length).putPointer(Bpf.TestRun.CTX_IN, ctx);
    int result = testRun(attr);
    ctx.read(0, context, 0, context.length);
    return result;
  }

  /** BPF_PROG_TEST_RUN of this program with {@code attr}'s other fields; the program's return value. */
  private int testRun(BpfAttr attr) {
    int fdNum = fd.acquire();
    try {
      attr.putInt(Bpf.TestRun.PROG_FD, fdNum);
      Bpf.call(Bpf.PROG_TEST_RUN, attr, subject);
      return attr.getInt(Bpf.TestRun.RETVAL);
    } finally {
      fd.release();
    }
  }

  /**
   * Cumulative run time and run count from BPF_OBJ_GET_INFO_BY_FD. Both stay 0 unless {@code
   * kernel.bpf_stats_enabled} was 1 while the program ran; kernels before 5.1 lack them entirely
   * and throw {@link BpfException}.
   */
  public ProgramStats stats() {
    Memory info = new Memory(Bpf.ObjInfo.PROG_INFO_SIZE);
    info.clear();
    int fdNum = fd.acquire();
    BpfAttr attr = new BpfAttr(Bpf.ObjInfo.SIZE);
    try {
      attr.putInt(Bpf.ObjInfo.BPF_FD, fdNum)
          .putInt(Bpf.ObjInfo.INFO_LEN, Bpf.ObjInfo.PROG_INFO_SIZE)
          .putPointer(Bpf.ObjInfo.INFO, info);
      Bpf.call(Bpf.OBJ_GET_INFO_BY_FD, attr, subject);
    } finally {
      fd.release();
    }
    int returned = attr.getInt(Bpf.ObjInfo.INFO_LEN);
    if (returned < Bpf.ObjInfo.PROG_INFO_RUN_CNT + 8) {
      throw new BpfException(
          "kernel reports no run statistics for " + subject + " (bpf_prog_info is " + returned + " bytes)");
    }
    return new ProgramStats(
        info.getLong(Bpf.ObjInfo.PROG_INFO_RUN_TIME_NS), info.getLong(Bpf.ObjInfo.PROG_INFO_RUN_CNT));
  }

  /** Closes this program's descriptor; idempotent. Attached links keep the program running. */
  @Override
  public void close() {
    fd.close();
  }

  /** True once {@link #close()} has been called. */
  public boolean isClosed() {
    return fd.isClosed();
  }

  /** Acquires the descriptor for a call that uses it; pair with {@link #releaseFd()}. */
  int acquireFd() {
    return fd.acquire();
  }

  void releaseFd() {
    fd.release();
  }
}
