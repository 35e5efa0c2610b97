package io.netdrop.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A JVM in a child process, by default running with the real agent jar ({@code -javaagent}), with
 * its stdout and stderr collected line by line.
 *
 * <p>Typical use in an integration test:
 *
 * <pre>{@code
 * try (ForkedJvm jvm = ForkedJvm.builder().mainClass("my.App").start()) {
 *   jvm.awaitLine(l -> l.equals("netdrop: started"), Duration.ofSeconds(30));
 *   assertEquals(0, jvm.waitFor(Duration.ofSeconds(30)));
 * }
 * }</pre>
 *
 * <p>Lines are collected by two daemon threads into lists that are safe to read from any thread.
 * Every failure ({@link #awaitLine}, {@link #waitFor}) is an {@link AssertionError} carrying the
 * output so far. {@link #close()} kills the process and its descendants.
 */
public final class ForkedJvm implements AutoCloseable {
  /** System property overriding the default agent jar; failsafe sets it to the built jar. */
  public static final String AGENT_JAR_PROPERTY = "netdrop.it.agent.jar";

  private final Process process;
  private final List<String> command;
  private final Object lock = new Object();
  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final List<String> all = new ArrayList<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;
  private final Writer stdin;
  private int streamsOpen = 2;

  private ForkedJvm(Process process, List<String> command) {
    this.process = process;
    this.command = command;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.stdoutReader = reader(process.getInputStream(), stdout, "stdout");
    this.stderrReader = reader(process.getErrorStream(), stderr, "stderr");
  }

  /** Returns a builder with the defaults described on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the module directory ({@code basedir}, set by surefire and failsafe; else the working directory). */
  public static Path moduleDir() {
    return Paths.get(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  /** Returns the agent jar the builder uses by default. */
  public static Path defaultAgentJar() {
    String configured = System.getProperty(AGENT_JAR_PROPERTY);
    return configured != null ? Paths.get(configured) : moduleDir().resolve("target/netdrop-agent.jar");
  }

  private Thread reader(InputStream in, List<String> lines, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (lock) {
                    lines.add(line);
                    all.add(line);
                    lock.notifyAll();
                  }
                }
              } catch (IOException e) {
                // The process was killed while we read; what we have is all there is.
              } finally {
                synchronized (lock) {
                  streamsOpen--;
                  lock.notifyAll();
                }
              }
            },
            "forked-jvm-" + process.pid() + "-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Returns the child's process id. */
  public long pid() {
    return process.pid();
  }

  /** Returns a snapshot of the stdout lines so far. */
  public List<String> stdout() {
    synchronized (lock) {
      return List.copyOf(stdout);
    }
  }

  /** Returns a snapshot of the stderr lines so far. */
  public List<String> stderr() {
    synchronized (lock) {
      return List.copyOf(stderr);
    }
  }

  /**
   * Waits until a line on stdout or stderr matches and returns the first such line, in order of
   * arrival.
   *
   * @throws AssertionError with the output so far if no line matches within {@code timeout}, or
   *     the process closed both streams first
   */
  public String awaitLine(Predicate<String> matcher, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      int checked = 0;
      while (true) {
        for (; checked < all.size(); checked++) {
          if (matcher.test(all.get(checked))) {
            return all.get(checked);
          }
        }
        if (streamsOpen == 0) {
          throw new AssertionError("the process ended its output without a matching line" + describeLocked());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching line within " + timeout + describeLocked());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for a line" + describeLocked(), e);
        }
      }
    }
  }

  /** Writes {@code line} and a newline to the child's stdin and flushes. */
  public void writeLine(String line) {
    try {
      stdin.write(line);
      stdin.write('\n');
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to the stdin of process " + pid() + describe(), e);
    }
  }

  /**
   * Waits for the process to exit and for its output to be read, and returns the exit code.
   *
   * @throws AssertionError with the output so far if it does not exit within {@code timeout}; the
   *     process is then killed
   */
  public int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        close();
        throw new AssertionError("process did not exit within " + timeout + describe());
      }
      stdoutReader.join(5_000);
      stderrReader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the process" + describe(), e);
    }
    return process.exitValue();
  }

  /** Returns the command line and the output so far, for failure messages. */
  public String describe() {
    synchronized (lock) {
      return describeLocked();
    }
  }

  private String describeLocked() {
    return "\ncommand: " + String.join(" ", command)
        + "\n--- stdout ---\n" + String.join("\n", stdout)
        + "\n--- stderr ---\n" + String.join("\n", stderr)
        + "\n--- end ---";
  }

  /** Kills the process and its descendants; safe to call more than once. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Builds the command line of a {@link ForkedJvm}. */
  public static final class Builder {
    private final List<String> launcher = new ArrayList<>();
    private Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    private Path agentJar = defaultAgentJar();
    private String agentArgs;
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> classpath = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private String mainClass;
    private Path executableJar;
    private final List<String> args = new ArrayList<>();

    private Builder() {
      classpath.add(moduleDir().resolve("target/test-classes").toString());
    }

    /** Uses {@code javaHome/bin/java} instead of the current JVM's {@code java.home}. */
    public Builder javaHome(Path javaHome) {
      this.java = javaHome.resolve("bin").resolve("java");
      return this;
    }

    /** Uses this agent jar instead of {@link #defaultAgentJar()}. */
    public Builder agentJar(Path jar) {
      this.agentJar = Objects.requireNonNull(jar);
      return this;
    }

    /** Passes {@code -javaagent:<jar>=<args>}; null means no arguments. */
    public Builder agentArgs(String agentArgs) {
      this.agentArgs = agentArgs;
      return this;
    }

    /** Runs without {@code -javaagent}. */
    public Builder withoutAgent() {
      this.agentJar = null;
      return this;
    }

    /** Adds {@code -Dname=value}. */
    public Builder systemProperty(String name, String value) {
      systemProperties.put(name, value);
      return this;
    }

    /** Adds a raw JVM option such as {@code -Xmx64m}, placed before {@code -javaagent}. */
    /**
     * Runs the JVM through a launcher command, e.g. {@code setpriv --reuid=65534 ...} to drop
     * privileges, or {@code ip netns exec NAME} to start it in another network namespace.
     */
    public Builder launcher(String... command) {
      this.launcher.clear();
      this.launcher.addAll(List.of(command));
      return this;
    }

    public Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    /** Replaces the default class path ({@code target/test-classes}) with these entries. */
    public Builder classpath(Path... entries) {
      classpath.clear();
      for (Path p : entries) {
        classpath.add(p.toAbsolutePath().toString());
      }
      return this;
    }

    /** Sets an environment variable of the child (it inherits the rest). */
    public Builder environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** Runs {@code mainClass} with {@code args}. */
    public Builder mainClass(String mainClass, String... args) {
      this.mainClass = mainClass;
      this.executableJar = null;
      this.args.clear();
      this.args.addAll(List.of(args));
      return this;
    }

    /** Runs {@code java -jar jar args} (the class path is then not passed). */
    public Builder executableJar(Path jar, String... args) {
      this.executableJar = jar;
      this.mainClass = null;
      this.args.clear();
      this.args.addAll(List.of(args));
      return this;
    }

    /**
     * Starts the process.
     *
     * @throws IllegalStateException if no main class or jar was given, or the java executable or
     *     agent jar does not exist
     */
    public ForkedJvm start() {
      if (mainClass == null && executableJar == null) {
        throw new IllegalStateException("neither mainClass nor executableJar was given");
      }
      if (!Files.isExecutable(java)) {
        throw new IllegalStateException("no java executable at " + java);
      }
      if (agentJar != null && !Files.isRegularFile(agentJar)) {
        throw new IllegalStateException("agent jar " + agentJar + " does not exist; run mvn package first");
      }
      List<String> cmd = new ArrayList<>(launcher);
      cmd.add(java.toString());
      cmd.addAll(jvmArgs);
      systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
      if (agentJar != null) {
        cmd.add("-javaagent:" + agentJar.toAbsolutePath() + (agentArgs == null ? "" : "=" + agentArgs));
      }
      if (executableJar != null) {
        cmd.add("-jar");
        cmd.add(executableJar.toAbsolutePath().toString());
      } else {
        cmd.add("-cp");
        cmd.add(classpath.stream().collect(Collectors.joining(File.pathSeparator)));
        cmd.add(mainClass);
      }
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().putAll(environment);
      try {
        return new ForkedJvm(pb.start(), List.copyOf(cmd));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
      }
    }
  }
}
