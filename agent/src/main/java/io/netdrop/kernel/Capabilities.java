package io.netdrop.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * The effective capability set ({@code CapEff}) of a process, and what it allows netdrop to do.
 * Capability numbers are those of {@code include/uapi/linux/capability.h}.
 */
public final class Capabilities {

  public static final int CAP_NET_ADMIN = 12;
  public static final int CAP_SYS_ADMIN = 21;
  public static final int CAP_PERFMON = 38;
  public static final int CAP_BPF = 39;

  private static final Path SELF_STATUS = Path.of("/proc/self/status");
  private static final String CAP_EFF = "CapEff:";

  private final long effective;

  private Capabilities(long effective) {
    this.effective = effective;
  }

  /**
   * The effective capabilities of this JVM, from {@code /proc/self/status}.
   *
   * @throws KernelFormatException if the file cannot be read or has no valid {@code CapEff} line
   */
  public static Capabilities ofCurrentProcess() {
    try {
      return parse(Files.readString(SELF_STATUS));
    } catch (IOException e) {
      throw new KernelFormatException("cannot read " + SELF_STATUS + ": " + e, e);
    }
  }

  /**
   * Reads the {@code CapEff:} line (a 64-bit hex mask) of a {@code /proc/<pid>/status} text.
   *
   * @throws KernelFormatException if there is no such line or its value is not a hex mask
   */
  public static Capabilities parse(String procStatusText) {
    if (procStatusText == null) {
      throw new KernelFormatException("process status text is null");
    }
    for (String line : procStatusText.split("\n", -1)) {
      if (line.startsWith(CAP_EFF)) {
        String hex = line.substring(CAP_EFF.length()).strip();
        if (hex.isEmpty() || hex.length() > 16) {
          throw new KernelFormatException("CapEff is not a 64-bit hex mask: '" + hex + "'");
        }
        try {
          return new Capabilities(Long.parseUnsignedLong(hex, 16));
        } catch (NumberFormatException e) {
          throw new KernelFormatException("CapEff is not a 64-bit hex mask: '" + hex + "'", e);
        }
      }
    }
    throw new KernelFormatException("process status has no CapEff line");
  }

  /**
   * True if the capability is in the effective set.
   *
   * @throws IllegalArgumentException if {@code capability} is not in 0..63
   */
  public boolean has(int capability) {
    if (capability < 0 || capability > 63) {
      throw new IllegalArgumentException("capability number out of range 0..63: " + capability);
    }
    return (effective & (1L << capability)) != 0;
  }

  /**
   * True if this process may load tracing BPF programs and open perf events: {@code CAP_SYS_ADMIN},
   * or {@code CAP_BPF} together with {@code CAP_PERFMON} (kernel 5.8+; older kernels know only
   * {@code CAP_SYS_ADMIN}, which this check does not look at).
   */
  public boolean canLoadTracing() {
    return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
  }

  /**
   * True if this process may load and attach cgroup socket programs ({@code cgroup/sock_create},
   * {@code sockops}, ...): the kernel asks for {@code CAP_NET_ADMIN} (or {@code CAP_SYS_ADMIN}) on
   * top of {@code CAP_BPF}.
   */
  public boolean canAttachCgroupPrograms() {
    return has(CAP_NET_ADMIN) || has(CAP_SYS_ADMIN);
  }

  /**
   * What must be granted for {@link #canLoadTracing()}, for an error message: e.g.
   * {@code "CAP_PERFMON (or CAP_SYS_ADMIN)"}; empty if nothing is missing.
   */
  public String missingForTracing() {
    if (canLoadTracing()) {
      return "";
    }
    StringJoiner missing = new StringJoiner(", ", "", " (or CAP_SYS_ADMIN)");
    if (!has(CAP_BPF)) {
      missing.add("CAP_BPF");
    }
    if (!has(CAP_PERFMON)) {
      missing.add("CAP_PERFMON");
    }
    return missing.toString();
  }

  @Override
  public String toString() {
    return "Capabilities[CapEff=" + String.format("%016x", effective) + "]";
  }
}
