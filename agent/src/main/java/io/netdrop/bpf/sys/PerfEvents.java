package io.netdrop.bpf.sys;

import com.sun.jna.LastErrorException;
import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfSyscallException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** perf_event_open(2) for classic tracepoints, and the ioctls that attach a program to one. */
public final class PerfEvents {
  public static final long IOC_SET_BPF = 0x40042408L;
  public static final long IOC_ENABLE = 0x2400L;

  private static final int TYPE_TRACEPOINT = 2;
  private static final int ATTR_SIZE = 128; // PERF_ATTR_SIZE_VER8; older kernels accept the zero tail
  private static final int ATTR_TYPE = 0;
  private static final int ATTR_SIZE_FIELD = 4;
  private static final int ATTR_CONFIG = 8;
  private static final long FLAG_FD_CLOEXEC = 8;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");
  private static final List<Path> TRACEFS_ROOTS =
      List.of(Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing"));

  private PerfEvents() {}

  /**
   * The id of tracepoint {@code category/event} from tracefs ({@code events/<c>/<e>/id}); throws
   * {@link BpfException} if the names are not plain identifiers or tracefs lacks the event.
   */
  public static int tracepointId(String category, String event) {
    if (!NAME.matcher(category).matches() || !NAME.matcher(event).matches()) {
      throw new BpfException(
          "invalid tracepoint name '" + category + "/" + event + "': expected [A-Za-z0-9_]+");
    }
    for (Path root : TRACEFS_ROOTS) {
      Path idFile = root.resolve("events").resolve(category).resolve(event).resolve("id");
      try {
        String text = new String(Files.readAllBytes(idFile), StandardCharsets.US_ASCII).trim();
        return Integer.parseInt(text);
      } catch (NoSuchFileException e) {
        // try the next tracefs location
      } catch (IOException | NumberFormatException e) {
        throw new BpfException("cannot read tracepoint id from " + idFile + ": " + e, e);
      }
    }
    throw new BpfException(
        "tracepoint "
            + category
            + "/"
            + event
            + " not found: no events/"
            + category
            + "/"
            + event
            + "/id under "
            + TRACEFS_ROOTS
            + " (is tracefs mounted, and does this kernel have the event?)");
  }

  /** Opens a perf event for tracepoint {@code id} on CPU 0, all processes, close-on-exec. */
  public static int openTracepoint(int id, String subject) {
    BpfAttr attr = new BpfAttr(ATTR_SIZE);
    attr.putInt(ATTR_TYPE, TYPE_TRACEPOINT).putInt(ATTR_SIZE_FIELD, ATTR_SIZE);
    attr.putLong(ATTR_CONFIG, id);
    try {
      // A BPF program on a tracepoint runs on every CPU; the perf event's cpu only has to be valid.
      long fd =
          Libc.Variadic.INSTANCE.syscall(
              Arch.current().perfEventOpenSyscall(), attr.memory(), -1L, 0L, -1L, FLAG_FD_CLOEXEC);
      return (int) fd;
    } catch (LastErrorException e) {
      throw new BpfSyscallException("perf_event_open", subject, e.getErrorCode());
    } finally {
      java.lang.ref.Reference.reachabilityFence(attr);
    }
  }

  /** ioctl(fd, request, arg); throws naming {@code requestName} and {@code subject} on failure. */
  public static void ioctl(int fd, long request, long arg, String requestName, String subject) {
    try {
      Libc.Variadic.INSTANCE.ioctl(fd, request, arg);
    } catch (LastErrorException e) {
      throw new BpfSyscallException(requestName, subject, e.getErrorCode());
    }
  }
}
