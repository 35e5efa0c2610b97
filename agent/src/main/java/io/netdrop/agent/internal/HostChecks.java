package io.netdrop.agent.internal;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.bpf.sys.BpfConstants;
import io.netdrop.kernel.Capabilities;
import io.netdrop.kernel.KernelVersion;
import io.netdrop.kernel.Tracefs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What netdrop needs from the host, checked in order: the agent stops at the first failed check
 * and names it in one line; {@code doctor} prints them all.
 */
final class HostChecks {
  private static final int RING_PROBE_BYTES = 64 * 1024; // a multiple of 4 KiB and 64 KiB pages

  private final Path btfPath;
  private Btf btf;
  private Map<String, Long> reasons = Map.of();
  private int tracepointParams;

  /** Checks against the kernel BTF at {@code btfPath} (normally /sys/kernel/btf/vmlinux). */
  HostChecks(Path btfPath) {
    this.btfPath = btfPath;
  }

  /** The kernel BTF, once the BTF check has passed. */
  Btf btf() {
    return btf;
  }

  /** {@code enum skb_drop_reason} of the running kernel, once its check has passed. */
  Map<String, Long> reasonEnum() {
    return reasons;
  }

  /** Runs the checks; with {@code stopAtFailure} it returns at the first failed one. */
  List<HostCheck> run(boolean stopAtFailure) {
    List<HostCheck> out = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      HostCheck c = check(i);
      out.add(c);
      if (stopAtFailure && c.failed()) {
        break;
      }
    }
    return out;
  }

  private HostCheck check(int i) {
    try {
      switch (i) {
        case 0:
          return os();
        case 1:
          return arch();
        case 2:
          return kernel();
        case 3:
          return kernelBtf();
        case 4:
          return tracepoint();
        case 5:
          return reasons();
        case 6:
          return rxSk();
        case 7:
          return capabilities();
        default:
          return ringBuffer();
      }
    } catch (RuntimeException e) {
      return HostCheck.fail("check " + i, String.valueOf(e.getMessage()));
    }
  }

  private static HostCheck os() {
    String os = System.getProperty("os.name", "");
    return os.startsWith("Linux")
        ? HostCheck.ok("operating system", os)
        : HostCheck.fail("operating system", os + " is not Linux");
  }

  private static HostCheck arch() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    boolean known = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
    return known
        ? HostCheck.ok("architecture", arch)
        : HostCheck.fail("architecture", arch + " is not supported (x86_64 and aarch64 are)");
  }

  private static HostCheck kernel() {
    KernelVersion v = KernelVersion.running();
    String text = v.major() + "." + v.minor() + "." + v.patch();
    // Some distributions backport drop reasons (5.15.58+, RHEL 9): the BTF check decides.
    return v.atLeast(5, 17)
        ? HostCheck.ok("kernel", "Linux " + text)
        : HostCheck.warn("kernel", "Linux " + text + " is older than 5.17; works only with backported drop reasons");
  }

  private HostCheck kernelBtf() {
    if (!Files.isReadable(btfPath)) {
      return HostCheck.fail(
          "kernel BTF",
          "no " + btfPath + " (a kernel built without CONFIG_DEBUG_INFO_BTF; netdrop.btf-path can"
              + " name a BTF file for it)");
    }
    try {
      btf = Btf.load(btfPath);
    } catch (BpfException e) {
      return HostCheck.fail("kernel BTF", btfPath + " is not usable BTF: " + e.getMessage());
    }
    return HostCheck.ok("kernel BTF", btfPath + ", " + btf.typeCount() + " types");
  }

  private HostCheck tracepoint() {
    tracepointParams = btf.funcProtoParamCount("btf_trace_kfree_skb").orElse(0);
    if (tracepointParams == 0) {
      return HostCheck.fail("kfree_skb tracepoint", "kernel BTF has no btf_trace_kfree_skb");
    }
    if (tracepointParams < 4) {
      return HostCheck.fail(
          "kfree_skb tracepoint", "kfree_skb carries no drop reason (needs Linux 5.17 or later)");
    }
    return HostCheck.ok("kfree_skb tracepoint", "tp_btf, " + (tracepointParams - 1) + " arguments");
  }

  private HostCheck reasons() {
    reasons = btf.enumerators("skb_drop_reason");
    return reasons.isEmpty()
        ? HostCheck.fail("drop reasons", "kernel BTF has no enum skb_drop_reason (needs Linux 5.17+)")
        : HostCheck.ok("drop reasons", reasons.size() + " values in enum skb_drop_reason");
  }

  private HostCheck rxSk() {
    return tracepointParams >= 5
        ? HostCheck.ok("rx_sk argument", "present (Linux 6.11+): drops name the receiving socket")
        : HostCheck.warn("rx_sk argument", "absent (before Linux 6.11): using skb->sk instead");
  }

  private static HostCheck capabilities() {
    Capabilities caps = Capabilities.ofCurrentProcess();
    return caps.canLoadTracing()
        ? HostCheck.ok("privileges", "may load tracing programs")
        : HostCheck.fail("privileges", "missing " + caps.missingForTracing());
  }

  private static HostCheck ringBuffer() {
    try (BpfMap probe =
        BpfMap.create("nd_probe", BpfConstants.MAP_TYPE_RINGBUF, 0, 0, RING_PROBE_BYTES, 0)) {
      return HostCheck.ok("ring buffer", "BPF_MAP_TYPE_RINGBUF available");
    } catch (RuntimeException e) {
      return HostCheck.fail("ring buffer", "cannot create a BPF ring buffer: " + e.getMessage());
    }
  }

  /** Where tracefs is mounted: only the classic-tracepoint fallback needs it. */
  static HostCheck tracefs() {
    return Tracefs.root()
        .map(p -> HostCheck.ok("tracefs", "mounted at " + p + " (needed only by the tracepoint fallback)"))
        .orElseGet(() -> HostCheck.warn("tracefs", "not mounted (needed only by the tracepoint fallback)"));
  }
}
