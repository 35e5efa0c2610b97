package io.netdrop.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttachCommandTest {
  private static final long SELF = ProcessHandle.current().pid();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(AttachCommand command, String... args) {
    return command.execute(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int run(String... args) {
    return run(new AttachCommand(Paths.get("/proc"), SELF), args);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void assertUsageError(String firstLine) {
    assertEquals("netdrop: " + firstLine + System.lineSeparator() + AttachCommand.USAGE_LINE + System.lineSeparator(), err());
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void rejectsAMissingPidWithUsageAndExitCodeTwo() {
    assertEquals(AttachCommand.USAGE, run());
    assertUsageError("attach needs the process id of a running JVM");
  }

  @Test
  void rejectsAPidThatIsNotANumber() {
    assertEquals(AttachCommand.USAGE, run("java"));
    assertUsageError("'java' is not a process id");
  }

  @Test
  void rejectsANonPositivePid() {
    assertEquals(AttachCommand.USAGE, run("0"));
    assertUsageError("'0' is not a process id (must be positive)");
  }

  @Test
  void rejectsExtraWordsAfterTheAgentArguments() {
    assertEquals(AttachCommand.USAGE, run("42", "debug=true", "scan-interval-ms=100"));
    assertUsageError(
        "attach takes a pid and one comma-separated argument string, got 3 words: 42 debug=true scan-interval-ms=100");
  }

  @Test
  void rejectsAnUnknownSettingBeforeLookingAtTheProcess() {
    // pid 1 would fail differently (not a JVM): the arguments are checked first.
    assertEquals(AttachCommand.USAGE, run("1", "debgu=true"));
    assertTrue(err().startsWith("netdrop: bad agent arguments: unknown setting 'debgu' in agent arguments"), err());
  }

  @Test
  void refusesABadValueRatherThanFallingBackToItsDefault() {
    assertEquals(AttachCommand.USAGE, run("1", "fold-ms=soon,debug=maybe"));
    assertUsageError(
        "bad agent arguments: netdrop.fold-ms: 'soon' is not a whole number of milliseconds (from the agent arguments)"
            + " (and 1 more problem)");
  }

  @Test
  void rejectsAnArgumentThatIsNotKeyValue() {
    assertEquals(AttachCommand.USAGE, run("1", "debug"));
    assertTrue(err().startsWith("netdrop: bad agent arguments: agent argument 'debug' is not key=value"), err());
  }

  @Test
  void rejectsAnInvalidValue() {
    assertEquals(AttachCommand.USAGE, run("1", "scan-interval-ms=soon"));
    assertTrue(err().startsWith("netdrop: bad agent arguments: netdrop.scan-interval-ms: 'soon'"), err());
  }

  @Test
  void treatsBlankAgentArgumentsAsNone() {
    assertNull(AttachCommand.Request.parse(List.of("42", "  ")).agentArgs);
    assertEquals("debug=true", AttachCommand.Request.parse(List.of(" 42 ", " debug=true ")).agentArgs);
    assertEquals(42, AttachCommand.Request.parse(List.of(" 42 ")).pid);
  }

  @Test
  void refusesToAttachToItsOwnProcess() {
    assertEquals(AttachCommand.USAGE, run(Long.toString(SELF)));
    assertUsageError("cannot attach to this command's own process " + SELF);
  }

  @Test
  void reportsAProcessThatDoesNotExistWithExitCodeThree() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertEquals(0, gone.waitFor());
    assertEquals(AttachCommand.NO_JVM, run(Long.toString(gone.pid())));
    assertEquals("netdrop: no process with pid " + gone.pid() + System.lineSeparator(), err());
  }

  @Test
  void reportsAProcessThatIsNotAJvmWithoutSignallingIt() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      awaitExec(sleep.pid(), "sleep");
      assertEquals(AttachCommand.NO_JVM, run(Long.toString(sleep.pid())));
      assertEquals(
          "netdrop: process " + sleep.pid() + " (sleep) is not a Java virtual machine (no libjvm.so mapped)"
              + System.lineSeparator(),
          err());
      // The HotSpot handshake sends SIGQUIT, which would have killed it.
      assertTrue(sleep.isAlive(), "sleep was signalled");
    } finally {
      sleep.destroyForcibly();
    }
  }

  @Test
  void refusesAProcessOfAnotherUserWhenNotRoot(@TempDir Path proc) throws IOException {
    status(proc, "self", "java", 1001);
    status(proc, "4242", "java", 1000);
    assertEquals(AttachCommand.FAILED, run(new AttachCommand(proc, 77), "4242"));
    assertEquals(
        "netdrop: cannot attach to process 4242 (java): it runs as uid 1000 and this command as uid 1001;"
            + " run the command as uid 1000 or root" + System.lineSeparator(),
        err());
  }

  @Test
  void rootMayAttachToAnotherUsersJvm(@TempDir Path proc) throws IOException {
    status(proc, "self", "java", 0);
    status(proc, "4242", "java", 1000);
    Files.writeString(proc.resolve("4242/maps"), "7f00-7f01 r-xp 0 08:01 1 /opt/jdk/lib/server/libjvm.so\n");
    AttachCommand.Target target = new AttachCommand(proc, 77).inspect(4242);
    assertEquals(1000, target.uid);
    assertEquals("java", target.name);
  }

  @Test
  void refusesAJvmWithoutTheCapabilitiesNetdropNeeds(@TempDir Path proc) throws IOException {
    status(proc, "self", "java", 0);
    status(proc, "4242", "java", 1000);
    Files.writeString(proc.resolve("4242/status"), "CapEff:\t0000000000000000\n", StandardOpenOption.APPEND);
    Files.writeString(proc.resolve("4242/maps"), "7f00-7f01 r-xp 0 08:01 1 /opt/jdk/lib/server/libjvm.so\n");
    assertEquals(AttachCommand.FAILED, run(new AttachCommand(proc, 77), "4242"));
    assertEquals(
        "netdrop: process 4242 (java) lacks CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN), which netdrop needs in the JVM"
            + " it runs in; nothing was loaded" + System.lineSeparator(),
        err());
  }

  @Test
  void rejectsRunningOutsideTheAgentJar() {
    // In unit tests this class comes from target/classes, not from a jar.
    AttachCommand.Failure f =
        assertThrows(AttachCommand.Failure.class, () -> AttachCommand.agentJar(AttachCommand.class));
    assertEquals(AttachCommand.FAILED, f.code);
    assertTrue(f.getMessage().startsWith("not running from the agent jar (classes come from file:"), f.getMessage());
  }

  @Test
  void findsTheJarAClassWasLoadedFrom() {
    Path jar = AttachCommand.agentJar(Test.class);
    assertTrue(jar.getFileName().toString().startsWith("junit-jupiter-api-"), jar.toString());
    assertTrue(jar.isAbsolute(), jar.toString());
  }

  private static void status(Path proc, String pid, String name, long uid) throws IOException {
    Files.createDirectories(proc.resolve(pid));
    Files.writeString(
        proc.resolve(pid).resolve("status"),
        "Name:\t" + name + "\nState:\tS (sleeping)\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n");
  }

  /** Waits until the child has exec'd, so /proc shows the program rather than the forked JVM. */
  private static void awaitExec(long pid, String name) throws Exception {
    Path comm = Paths.get("/proc", Long.toString(pid), "comm");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.readString(comm).strip().equals(name)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("process " + pid + " never became " + name);
      }
      Thread.sleep(10);
    }
  }
}
