package io.netdrop.bpf;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kernel-side preparation shared by the integration tests (they run as root). */
final class KernelSetup {
  private static final Path STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
  private static final Path TRACEFS = Path.of("/sys/kernel/tracing");

  private KernelSetup() {}

  interface MountLib extends Library {
    int mount(String source, String target, String type, long flags, String data);
  }

  /** Turns on kernel.bpf_stats_enabled; closing restores the previous value. */
  static AutoCloseable enableBpfStats() throws IOException {
    String previous = Files.readString(STATS).trim();
    Files.writeString(STATS, "1");
    return () -> Files.writeString(STATS, previous);
  }

  /** Mounts tracefs at /sys/kernel/tracing when a container left it unmounted. */
  static void ensureTracefs() {
    if (Files.isDirectory(TRACEFS.resolve("events"))) {
      return;
    }
    MountLib lib = Native.load(Platform.C_LIBRARY_NAME, MountLib.class);
    if (lib.mount("tracefs", TRACEFS.toString(), "tracefs", 0, null) != 0) {
      throw new IllegalStateException("cannot mount tracefs: errno " + Native.getLastError());
    }
  }

  /** Sends UDP datagrams to a closed loopback port: each is freed with kfree_skb(NO_SOCKET). */
  static void causeUdpDrops(int count) throws IOException {
    int closedPort;
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      closedPort = probe.getLocalPort();
    }
    byte[] payload = "drop me".getBytes(StandardCharsets.US_ASCII);
    try (DatagramSocket sender = new DatagramSocket()) {
      for (int i = 0; i < count; i++) {
        sender.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), closedPort));
      }
    }
  }

  /** The id of BTF type {@code kind}/{@code name} in the running kernel's vmlinux BTF. */
  static int vmlinuxBtfId(int kind, String name) throws IOException {
    ByteBuffer btf = ByteBuffer.wrap(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")))
        .order(ByteOrder.nativeOrder());
    if ((btf.getShort(0) & 0xffff) != 0xeb9f) {
      throw new IllegalStateException("vmlinux BTF has a bad magic");
    }
    int headerLength = btf.getInt(4);
    int typeStart = headerLength + btf.getInt(8);
    int typeEnd = typeStart + btf.getInt(12);
    int stringStart = headerLength + btf.getInt(16);
    byte[] wanted = name.getBytes(StandardCharsets.US_ASCII);
    int id = 1;
    for (int pos = typeStart; pos < typeEnd; id++) {
      int nameOff = btf.getInt(pos);
      int info = btf.getInt(pos + 4);
      int typeKind = (info >>> 24) & 0x1f;
      int vlen = info & 0xffff;
      if (typeKind == kind && nameMatches(btf, stringStart + nameOff, wanted)) {
        return id;
      }
      pos += 12 + extraBytes(typeKind, vlen);
    }
    throw new IllegalStateException("no BTF type " + name + " of kind " + kind + " in vmlinux");
  }

  private static boolean nameMatches(ByteBuffer btf, int at, byte[] wanted) {
    for (int i = 0; i < wanted.length; i++) {
      if (btf.get(at + i) != wanted[i]) {
        return false;
      }
    }
    return btf.get(at + wanted.length) == 0;
  }

  private static int extraBytes(int kind, int vlen) {
    switch (kind) {
      case 1: // INT
      case 14: // VAR
      case 17: // DECL_TAG
        return 4;
      case 3: // ARRAY
        return 12;
      case 4: // STRUCT
      case 5: // UNION
      case 15: // DATASEC
      case 19: // ENUM64
        return 12 * vlen;
      case 6: // ENUM
      case 13: // FUNC_PROTO
        return 8 * vlen;
      default:
        return 0;
    }
  }
}
