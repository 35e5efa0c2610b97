package io.netdrop.bpf;

import io.netdrop.bpf.sys.Bpf;
import io.netdrop.bpf.sys.BpfAttr;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.bpf.sys.KernelFd;
import io.netdrop.bpf.sys.Libc;
import io.netdrop.bpf.sys.PerfEvents;

/**
 * A program attached to a kernel hook. The attachment lasts until {@link #close()} (idempotent)
 * or until the JVM exits; nothing is pinned. Closing the {@link BpfProgram} does not detach it.
 */
public final class BpfLink implements AutoCloseable {
  private final KernelFd linkFd; // BPF link or raw tracepoint fd; null for a legacy perf attach
  private final KernelFd perfFd; // perf event of a classic tracepoint; null for tp_btf
  private final String description;

  private BpfLink(KernelFd linkFd, KernelFd perfFd, String description) {
    this.linkFd = linkFd;
    this.perfFd = perfFd;
    this.description = description;
  }

  /**
   * Attaches a {@code tp_btf} program (type TRACING, expected attach type TRACE_RAW_TP, loaded with
   * the target's BTF id). Uses BPF_LINK_CREATE where the kernel accepts it for raw tracepoints
   * (recent kernels) and otherwise falls back to BPF_RAW_TRACEPOINT_OPEN with no name (5.5+).
   */
  public static BpfLink attachTracing(BpfProgram program) {
    String subject = "tp_btf attach of program '" + program.name() + "'";
    int progFd = program.acquireFd();
    try {
      BpfAttr link = new BpfAttr(Bpf.LinkCreate.SIZE);
      link.putInt(Bpf.LinkCreate.PROG_FD, progFd)
          .putInt(Bpf.LinkCreate.ATTACH_TYPE, BpfConstants.ATTACH_TYPE_TRACE_RAW_TP);
      long fd = Bpf.invoke(Bpf.LINK_CREATE, link);
      if (fd >= 0) {
        return new BpfLink(new KernelFd((int) fd, subject), null, subject);
      }
      try {
        return rawTracepointOpen(progFd, subject);
      } catch (BpfSyscallException e) {
        e.addSuppressed(new BpfSyscallException("BPF_LINK_CREATE", subject, (int) -fd));
        throw e;
      }
    } finally {
      program.releaseFd();
    }
  }

  /**
   * Attaches a cgroup socket program ({@code cgroup/sock_create}, {@code cgroup/post_bind4},
   * ...) to the cgroup v2 directory {@code cgroupDir}, at the attach type it was loaded for, with
   * BPF_LINK_CREATE (5.7+): it then runs for the sockets of every process in that cgroup or below,
   * beside any program others attached there, until the link is closed.
   */
  public static BpfLink attachCgroup(BpfProgram program, java.nio.file.Path cgroupDir) {
    String subject = "cgroup attach of program '" + program.name() + "' to " + cgroupDir;
    int dirFd = Libc.openDirectory(cgroupDir.toString(), subject);
    int progFd = program.acquireFd();
    try {
      BpfAttr link = new BpfAttr(Bpf.LinkCreate.SIZE);
      link.putInt(Bpf.LinkCreate.PROG_FD, progFd)
          .putInt(Bpf.LinkCreate.TARGET_FD, dirFd)
          .putInt(Bpf.LinkCreate.ATTACH_TYPE, program.expectedAttachType());
      int fd = Bpf.call(Bpf.LINK_CREATE, link, subject);
      return new BpfLink(new KernelFd(fd, subject), null, subject);
    } finally {
      program.releaseFd();
      Libc.closeQuietly(dirFd);
    }
  }

  /** The older way to attach tp_btf: BPF_RAW_TRACEPOINT_OPEN with no name. */
  static BpfLink attachTracingWithRawTracepointOpen(BpfProgram program) {
    String subject = "tp_btf attach of program '" + program.name() + "'";
    int progFd = program.acquireFd();
    try {
      return rawTracepointOpen(progFd, subject);
    } finally {
      program.releaseFd();
    }
  }

  private static BpfLink rawTracepointOpen(int progFd, String subject) {
    BpfAttr raw = new BpfAttr(Bpf.RawTracepointOpen.SIZE);
    raw.putPointer(Bpf.RawTracepointOpen.NAME, null).putInt(Bpf.RawTracepointOpen.PROG_FD, progFd);
    int fd = Bpf.call(Bpf.RAW_TRACEPOINT_OPEN, raw, subject);
    return new BpfLink(new KernelFd(fd, subject), null, subject);
  }

  /**
   * Attaches a classic tracepoint program (type TRACEPOINT) to {@code category/event}, e.g.
   * {@code skb/kfree_skb}. Needs tracefs for the event id. Opens a perf event for the tracepoint
   * and links the program with BPF_LINK_CREATE (5.15+), falling back to PERF_EVENT_IOC_SET_BPF.
   */
  public static BpfLink attachTracepoint(BpfProgram program, String category, String event) {
    return attachTracepoint(program, category, event, true);
  }

  /** {@code useLink=false} forces the pre-5.15 PERF_EVENT_IOC_SET_BPF path (for tests). */
  static BpfLink attachTracepoint(
      BpfProgram program, String category, String event, boolean useLink) {
    String subject = "tracepoint " + category + "/" + event + " (program '" + program.name() + "')";
    int id = PerfEvents.tracepointId(category, event);
    int progFd = program.acquireFd();
    try {
      KernelFd perfFd = new KernelFd(PerfEvents.openTracepoint(id, subject), subject);
      KernelFd linkFd = null;
      try {
        int perf = perfFd.get();
        long fd = -1;
        if (useLink) {
          BpfAttr link = new BpfAttr(Bpf.LinkCreate.SIZE);
          link.putInt(Bpf.LinkCreate.PROG_FD, progFd)
              .putInt(Bpf.LinkCreate.TARGET_FD, perf)
              .putInt(Bpf.LinkCreate.ATTACH_TYPE, BpfConstants.ATTACH_TYPE_PERF_EVENT);
          fd = Bpf.invoke(Bpf.LINK_CREATE, link);
        }
        if (fd >= 0) {
          linkFd = new KernelFd((int) fd, subject);
        } else {
          try {
            PerfEvents.ioctl(perf, PerfEvents.IOC_SET_BPF, progFd, "PERF_EVENT_IOC_SET_BPF", subject);
          } catch (BpfSyscallException e) {
            if (useLink) {
              e.addSuppressed(new BpfSyscallException("BPF_LINK_CREATE", subject, (int) -fd));
            }
            throw e;
          }
        }
        PerfEvents.ioctl(perf, PerfEvents.IOC_ENABLE, 0, "PERF_EVENT_IOC_ENABLE", subject);
        return new BpfLink(linkFd, perfFd, subject);
      } catch (RuntimeException e) {
        if (linkFd != null) {
          linkFd.close();
        }
        perfFd.close();
        throw e;
      }
    } finally {
      program.releaseFd();
    }
  }

  /** What is attached where, e.g. {@code tracepoint skb/kfree_skb (program 'drops')}. */
  public String description() {
    return description;
  }

  /** True once {@link #close()} has been called. */
  public boolean isClosed() {
    return (linkFd == null || linkFd.isClosed()) && (perfFd == null || perfFd.isClosed());
  }

  /** Detaches the program; idempotent. */
  @Override
  public void close() {
    if (linkFd != null) {
      linkFd.close();
    }
    if (perfFd != null) {
      perfFd.close();
    }
  }

  @Override
  public String toString() {
    return "BpfLink[" + description + (isClosed() ? ", closed]" : "]");
  }
}
