package io.netdrop.drops;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.BpfLink;
import io.netdrop.bpf.BpfMap;
import io.netdrop.bpf.BpfObject;
import io.netdrop.bpf.BpfProgram;
import io.netdrop.bpf.btf.Btf;
import io.netdrop.config.AttachMode;
import io.netdrop.sockets.PidNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * netdrop's kernel side, loaded and attached: the drop program on {@code skb:kfree_skb} and the
 * connect tracker on {@code net:net_dev_queue}, with the maps they share (see bpf/netdrop.bpf.c).
 *
 * <p>The attach mode picks the program variant: {@code tp_btf} (needs only BTF) with or without
 * the {@code rx_sk} argument depending on the running kernel's tracepoint prototype, or the
 * classic tracefs tracepoint; {@code auto} tries tp_btf first and falls back.
 */
public final class DropProgram implements AutoCloseable {
  /** Resource path of the clang-built object inside the agent jar. */
  public static final String OBJECT_RESOURCE = "/bpf/netdrop.bpf.o";

  /** Settings the kernel side reads from its {@code config} map (struct nd_config). */
  public record Settings(
      int ringBufferBytes, int eventsPerSecond, int eventBurst, int wakeupBytes, AttachMode mode) {

    /** The kernel-side settings of {@code config}. */
    public static Settings of(io.netdrop.config.NetdropConfig config) {
      return new Settings(
          config.ringBufferBytes(),
          config.eventsPerSecond(),
          config.eventBurst(),
          config.wakeupBytes(),
          config.attach());
    }
  }

  private final BpfObject object;
  private final List<BpfLink> links = new ArrayList<>();
  private String attachDescription = "";
  /** The per-packet connect tracker (nd_net_dev_queue[_tp]), until nd_sock_ops replaces it. */
  private BpfLink packetConnectTracker;

  private DropProgram(BpfObject object) {
    this.object = object;
  }

  /**
   * Loads the object, writes the config for this JVM and attaches both hooks.
   *
   * @throws BpfException naming what failed (and, with {@code auto}, why each mode failed)
   */
  public static DropProgram load(Btf kernelBtf, Settings settings, PidNamespace pidns) {
    byte[] elf = readObject();
    BpfObject object = BpfObject.open(elf, kernelBtf, Map.of("events", settings.ringBufferBytes()));
    DropProgram program = new DropProgram(object);
    try {
      program.writeConfig(settings, pidns, kernelBtf);
      program.attach(kernelBtf, settings.mode());
      return program;
    } catch (RuntimeException e) {
      program.close();
      throw e;
    }
  }

  static byte[] readObject() {
    try (InputStream in = DropProgram.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new BpfException("BPF object " + OBJECT_RESOURCE + " is missing from the agent jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new BpfException("cannot read BPF object " + OBJECT_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  private void writeConfig(Settings s, PidNamespace pidns, Btf kernelBtf) {
    // struct nd_config of bpf/netdrop.h
    ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
    b.putLong(pidns.dev()).putLong(pidns.ino()).putInt(pidns.pid());
    b.putInt(s.eventsPerSecond()).putInt(s.eventBurst()).putInt(s.wakeupBytes());
    b.putInt(emptyPurgeReason(kernelBtf)).putInt(0);
    object.map("config").update(new byte[4], b.array(), 0);
  }

  /** The running kernel's value of SKB_DROP_REASON_QUEUE_PURGE, or 0 (none) if it has no such reason. */
  static int emptyPurgeReason(Btf kernelBtf) {
    Long value = kernelBtf.enumerators("skb_drop_reason").get("SKB_DROP_REASON_QUEUE_PURGE");
    return value == null ? 0 : value.intValue();
  }

  private void attach(Btf kernelBtf, AttachMode mode) {
    if (mode == AttachMode.TRACEPOINT) {
      attachTracepoints();
      return;
    }
    try {
      attachTpBtf(kernelBtf);
    } catch (BpfException e) {
      if (mode == AttachMode.TP_BTF) {
        throw e;
      }
      closeLinks();
      try {
        attachTracepoints();
      } catch (BpfException fallback) {
        throw new BpfException(
            "cannot attach: tp_btf failed (" + e.getMessage() + "), tracepoint failed ("
                + fallback.getMessage() + ")",
            fallback);
      }
    }
  }

  private void attachTpBtf(Btf kernelBtf) {
    // "net: add rx_sk to trace_kfree_skb" (6.11) added a fifth prototype argument.
    int params = kernelBtf.funcProtoParamCount("btf_trace_kfree_skb").orElse(0);
    if (params < 4) {
      throw new BpfException(
          "kernel tracepoint kfree_skb has no drop reason (needs Linux 5.17 or later)");
    }
    String drop = params >= 5 ? "nd_kfree_skb" : "nd_kfree_skb_norx";
    packetConnectTracker = BpfLink.attachTracing(object.loadProgram("nd_net_dev_queue"));
    links.add(packetConnectTracker);
    links.add(BpfLink.attachTracing(object.loadProgram(drop)));
    attachDescription = "tp_btf/kfree_skb (" + drop + ")";
  }

  private void attachTracepoints() {
    BpfProgram connect = object.loadProgram("nd_net_dev_queue_tp");
    packetConnectTracker = BpfLink.attachTracepoint(connect, "net", "net_dev_queue");
    links.add(packetConnectTracker);
    BpfProgram drop = object.loadProgram("nd_kfree_skb_tp");
    links.add(BpfLink.attachTracepoint(drop, "skb", "kfree_skb"));
    attachDescription = "tracepoint/skb/kfree_skb (nd_kfree_skb_tp)";
  }

  /**
   * Attaches {@code nd_sock_create}, {@code nd_post_bind4/6} and {@code nd_sock_ops} to the cgroup
   * v2 directory {@code cgroupDir}, so that sockets created by armed threads of this JVM are
   * registered inside socket(2), the ports of our sockets inside bind(2) (see {@code
   * io.netdrop.sockets.CreationSlots}) and connect() tuples inside tcp_connect(). Detached with the other hooks on {@link #close()}, or
   * earlier by closing the returned links; on failure none stays attached.
   *
   * @throws BpfException if a program does not load or attach here
   */
  public List<BpfLink> attachSocketHooks(java.nio.file.Path cgroupDir) {
    return attachCgroupPrograms(
        cgroupDir, List.of("nd_sock_create", "nd_post_bind4", "nd_post_bind6", "nd_sock_ops"));
  }

  /**
   * Attaches {@code nd_getpeername4/6} to the cgroup v2 directory {@code cgroupDir}: an accepted
   * socket is registered inside one getpeername() of an armed thread (see {@code
   * io.netdrop.sockets.CreationSlots#describeAccepted}). Apart from {@link #attachSocketHooks} so
   * that a kernel without these hooks (before 5.8) keeps the others; on failure none stays attached.
   *
   * @throws BpfException if a program does not load or attach here
   */
  public List<BpfLink> attachAcceptHooks(java.nio.file.Path cgroupDir) {
    return attachCgroupPrograms(cgroupDir, List.of("nd_getpeername4", "nd_getpeername6"));
  }

  /**
   * Attaches {@code nd_sock_ops} alone to the cgroup v2 directory {@code cgroupDir}: connect()
   * tuples learned inside tcp_connect() where the other cgroup programs are not wanted (the host's
   * root cgroup). A sockops program decides nothing for the call it observes, unlike {@code
   * sock_create}, {@code post_bind} and {@code getpeername} programs. On failure it stays detached.
   *
   * @throws BpfException if the program does not load or attach here
   */
  public List<BpfLink> attachConnectHook(java.nio.file.Path cgroupDir) {
    return attachCgroupPrograms(cgroupDir, List.of("nd_sock_ops"));
  }

  private List<BpfLink> attachCgroupPrograms(java.nio.file.Path cgroupDir, List<String> names) {
    List<BpfLink> attached = new ArrayList<>();
    try {
      for (String name : names) {
        attached.add(BpfLink.attachCgroup(object.loadProgram(name), cgroupDir));
      }
    } catch (RuntimeException e) {
      attached.forEach(BpfLink::close);
      throw e;
    }
    links.addAll(attached);
    return attached;
  }

  /**
   * Loads {@code nd_release}, which removes a batch of closed sockets' tuples and ports in one
   * system call (see {@code io.netdrop.sockets.KernelRelease}); it attaches nowhere. Freed with the
   * other programs on {@link #close()}.
   *
   * @throws BpfException if this kernel refuses it (BPF_PROG_TYPE_SYSCALL needs 5.14, bpf_loop 5.17)
   */
  public BpfProgram loadReleaseProgram() {
    return object.loadProgram("nd_release");
  }

  /**
   * Detaches the per-packet connect tracker on net_dev_queue, which every packet the host sends
   * pays for; call once {@code nd_sock_ops} is attached and proved to learn connects. Idempotent.
   */
  public void detachPacketConnectTracker() {
    if (packetConnectTracker != null) {
      packetConnectTracker.close();
      links.remove(packetConnectTracker);
      packetConnectTracker = null;
    }
  }

  /**
   * Lets go of the kernel's BTF and the parsed object once every program is attached (several
   * megabytes of heap for the rest of the JVM's life otherwise); no program can be attached after.
   */
  public void finishLoading() {
    object.finishLoading();
  }

  /** How many programs are attached now (drop hooks and socket hooks). */
  public int attachedPrograms() {
    int n = 0;
    for (BpfLink link : List.copyOf(links)) {
      if (!link.isClosed()) {
        n++;
      }
    }
    return n;
  }

  /** Which hook and program variant are attached, for the start-up line and the doctor. */
  public String attachDescription() {
    return attachDescription;
  }

  /** A map of the object by its name in bpf/netdrop.bpf.c. */
  public BpfMap map(String name) {
    return object.map(name);
  }

  private void closeLinks() {
    for (BpfLink link : links) {
      link.close();
    }
    links.clear();
  }

  /** Detaches the hooks first (no more drops arrive), then frees programs and maps. Idempotent. */
  @Override
  public void close() {
    closeLinks();
    object.close();
  }
}
