package io.netdrop.examples.netty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The nftables rule that puts the "payments service" behind a firewall: a table of its own,
 * {@code netdrop_demo_<pid>}, whose one rule drops TCP packets to 127.0.0.1 on the payments port.
 * Added when the app starts (unless {@code --no-nft}; needs root), deleted when it stops.
 * It touches loopback only, and one port on which nothing listens.
 */
final class FirewallRule implements AutoCloseable {

  private final int port;
  private final String table = "netdrop_demo_" + ProcessHandle.current().pid();
  private final boolean installed;
  private final String problem;

  FirewallRule(boolean nft) throws IOException {
    this.port = freePort();
    String failure = null;
    if (nft) {
      try {
        nft("add table ip " + table);
        nft("add chain ip " + table + " input { type filter hook input priority 0 ; policy accept ; }");
        nft("add rule ip " + table + " input ip daddr 127.0.0.1 tcp dport " + port + " drop");
      } catch (IOException e) {
        failure = e.getMessage();
        deleteQuietly();
      }
    } else {
      failure = "--no-nft: no rule added by the app";
    }
    this.installed = failure == null;
    this.problem = failure;
  }

  /** The firewalled port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Whether the app added the rule. */
  public boolean installed() {
    return installed;
  }

  /** Why the rule is not there, or null. */
  public String problem() {
    return problem;
  }

  @Override
  public void close() {
    if (installed) {
      deleteQuietly();
    }
  }

  private void deleteQuietly() {
    try {
      nft("delete table ip " + table);
    } catch (IOException e) {
      // nothing to delete
    }
  }

  /**
   * A port below the ephemeral range that no TCP socket uses right now. Chosen without opening a
   * socket on it: a socket of this app on the port would be the one the drops are reported on.
   */
  static int freePort() throws IOException {
    Set<Integer> used = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (Files.isReadable(p)) {
        List<String> lines = Files.readAllLines(p);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
          String[] f = line.trim().split("\\s+");
          used.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
        }
      }
    }
    Random random = new Random();
    for (int i = 0; i < 100; i++) {
      int port = 20_000 + random.nextInt(10_000);
      if (!used.contains(port)) {
        return port;
      }
    }
    throw new IOException("no free TCP port between 20000 and 29999");
  }

  private static void nft(String command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("nft"));
    cmd.add(command);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run nft (" + e.getMessage() + "); install nftables", e);
    }
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("nft " + command + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running nft", e);
    }
  }
}
