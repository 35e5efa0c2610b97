package io.netdrop.examples.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A demo app in a child JVM with the OpenTelemetry Java agent and netdrop as two {@code
 * -javaagent}s, every signal exported as OTLP/JSON on its output ({@code logging-otlp}), which
 * goes to a log file. The jars come from the system properties {@code netdrop.agent.jar} and
 * {@code otel.agent.jar} (failsafe sets them).
 */
public final class DemoApp implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final List<String> command;

  private DemoApp(Process process, Path log, List<String> command) {
    this.process = process;
    this.log = log;
    this.command = command;
  }

  /** Starts {@code java <agents> <exporters> args...}, output to {@code log}. */
  public static DemoApp start(Path log, String serviceName, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-javaagent:" + jar("otel.agent.jar"));
    cmd.add("-javaagent:" + jar("netdrop.agent.jar"));
    for (String signal : List.of("traces", "metrics", "logs")) {
      cmd.add("-Dotel." + signal + ".exporter=logging-otlp");
    }
    cmd.add("-Dotel.service.name=" + serviceName);
    cmd.add("-Dotel.metric.export.interval=1000");
    cmd.add("-Dotel.bsp.schedule.delay=200");
    cmd.add("-Dotel.blrp.schedule.delay=200");
    cmd.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new DemoApp(p, log, List.copyOf(cmd));
  }

  private static Path jar(String property) {
    String v = System.getProperty(property);
    if (v == null || !Files.isRegularFile(Path.of(v))) {
      throw new IllegalStateException(property + "=" + v + ": no such jar; build from the root (mvn verify)");
    }
    return Path.of(v).toAbsolutePath();
  }

  /** The output so far. */
  public List<String> lines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Waits until a line matches; fails with the output if the app exits or time runs out. */
  public String awaitLine(Predicate<String> matcher, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String l : lines()) {
        if (matcher.test(l)) {
          return l;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("the app exited (" + process.exitValue() + ") first" + describe());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no matching line within " + timeout + describe());
      }
      Thread.sleep(200);
    }
  }

  /** Stops the app with SIGTERM (so both agents export what they hold) and returns its output. */
  public List<String> stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("the app did not stop within " + timeout + describe());
    }
    return lines();
  }

  /** The command and the output's non-export lines, for failure messages. */
  public String describe() {
    StringBuilder b = new StringBuilder("\ncommand: ").append(String.join(" ", command)).append("\n--- output (exports left out) ---\n");
    for (String l : lines()) {
      if (!l.contains("{\"resource\"")) {
        b.append(l).append('\n');
      }
    }
    return b.append("--- end ---").toString();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
