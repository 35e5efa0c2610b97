package io.netdrop.it;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One finished run of a test application, for comparing its output with and without the agent:
 * netdrop's own lines apart from the application's.
 */
final class AppRun {
  final int exitCode;
  final List<String> stdout;
  final List<String> stderr;
  /** ForkedJvm#describe of the run, for assertion messages. */
  final String output;

  AppRun(int exitCode, List<String> stdout, List<String> stderr, String output) {
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
    this.output = output;
  }

  List<String> netdropLines() {
    return stderr.stream().filter(AppRun::isNetdrop).collect(Collectors.toList());
  }

  /**
   * stderr without netdrop's lines and the JVM's own notes, which an agent changes: JDK 17's CDS
   * note when the bootstrap class path is appended, and on JDK 24+ the one native-access warning
   * per JVM, which names whichever JNA loads first (docs/configuration.md).
   */
  List<String> appStderr() {
    return stderr.stream()
        .filter(l -> !isNetdrop(l))
        .filter(l -> !l.startsWith("WARNING: ") && !l.startsWith("OpenJDK 64-Bit Server VM warning: ") && !l.isBlank())
        .collect(Collectors.toList());
  }

  private static boolean isNetdrop(String line) {
    return line.startsWith("netdrop: ") || line.contains(" netdrop: drop ");
  }
}
