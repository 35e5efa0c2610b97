package io.netdrop.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Runs a command of the host (ip, cc, stat) to its end. */
final class Commands {
  private Commands() {}

  /**
   * Returns the command's output (stdout and stderr together).
   *
   * @throws IOException if it exits with a status other than 0
   */
  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
