package io.netdrop.bpf;

import com.sun.jna.Memory;
import io.netdrop.bpf.sys.Bpf;
import io.netdrop.bpf.sys.BpfAttr;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.Errno;
import io.netdrop.bpf.sys.KernelFd;
import io.netdrop.bpf.sys.ObjectNames;
import java.nio.charset.StandardCharsets;

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

    long result =
        Bpf.invoke(
            Bpf.PROG_LOAD,
            loadAttr(progType, expectedAttachType, attachBtfId, insns, licenseMem, kernelName));
    if (result >= 0) {
      return new BpfProgram((int) result, name, expectedAttachType);
    }
    int firstErrno = (int) -result;

    int logSize = INITIAL_LOG_SIZE;
    while (true) {
      Memory log = new Memory(logSize);
      log.setByte(0, (byte) 0);
      BpfAttr attr = loadAttr(progType, expectedAttachType, attachBtfId, insns, licenseMem, kernelName);
      attr.putInt(Bpf.ProgLoad.LOG_LEVEL, LOG_LEVEL_VERIFIER)
          .putInt(Bpf.ProgLoad.LOG_SIZE, logSize)
          .putPointer(Bpf.ProgLoad.LOG_BUF, log);
      result = Bpf.invoke(Bpf.PROG_LOAD, attr);
      if (result >= 0) {
        // Passed on the second try (e.g. a transient ENOMEM/EAGAIN): keep it.
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
      int progType, int expectedAttachType, int attachBtfId, Memory insns, Memory license,
      String kernelName) {
    BpfAttr attr = new BpfAttr(Bpf.ProgLoad.SIZE);
    attr.putInt(Bpf.ProgLoad.PROG_TYPE, progType)
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
    int fdNum = fd.acquire();
    try {
      BpfAttr attr = new BpfAttr(Bpf.TestRun.SIZE);
      attr.putInt(Bpf.TestRun.PROG_FD, fdNum)
          .putInt(Bpf.TestRun.DATA_SIZE_IN, length)
          .putPointer(Bpf.TestRun.DATA_IN, data)
          .putInt(Bpf.TestRun.REPEAT, repeat);
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
