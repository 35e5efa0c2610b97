package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netdrop.kernel.CgroupV2;
import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The agent under a real {@code -javaagent} in a forked JVM, and the jar's command line. */
class AgentStartIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Runs the JVM as user nobody, without capabilities (setpriv is in util-linux). */
  private static final String[] UNPRIVILEGED = {
    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"
  };
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String NOT_STARTED_SUFFIX = "; the application continues without netdrop";

  @Test
  void startsAndLetsTheApplicationRun() {
    assertStartsAndAppRuns(ForkedJvm.builder());
  }

  @Test
  void startsAndLetsTheApplicationRunOnJava25() {
    Path java25 = Paths.get(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    assumeTrue(Files.isExecutable(java25.resolve("bin/java")), "no Java 25 at " + java25);
    assertStartsAndAppRuns(ForkedJvm.builder().javaHome(java25));
  }

  private static void assertStartsAndAppRuns(ForkedJvm.Builder builder) {
    try (ForkedJvm jvm = builder.mainClass(WaitingApp.class.getName()).start()) {
      jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> lines = netdropLines(jvm);
      assertEquals(2, lines.size(), jvm.describe());
      assertTrue(lines.get(0).startsWith(WATCHING), jvm.describe());
      // This kernel (6.18) loads nd_release: closed connections leave the kernel maps in batches.
      assertTrue(
          lines.get(0).contains(", closed connections released in batches (nd_release), "),
          jvm.describe());
      assertTrue(lines.get(1).startsWith("netdrop: totals "), jvm.describe());
      assertEquals(List.of("app: ready", "app: got bye"), jvm.stdout(), jvm.describe());
    }
  }

  @Test
  void putsTheBridgeOnTheBootstrapClassPath() {
    try (ForkedJvm jvm = ForkedJvm.builder().mainClass(HelloApp.class.getName()).start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(List.of("app: hello", "app: bootstrap class visible"), jvm.stdout(), jvm.describe());
    }
  }

  @Test
  void reportsNotLinuxOnceAndTheApplicationStillRuns() {
    try (ForkedJvm jvm =
        ForkedJvm.builder().systemProperty("os.name", "Windows 11").mainClass(HelloApp.class.getName()).start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> lines = netdropLines(jvm);
      assertEquals(1, lines.size(), jvm.describe());
      assertTrue(lines.get(0).startsWith("netdrop: not started: "), jvm.describe());
      assertTrue(lines.get(0).contains("not Linux"), jvm.describe());
      assertTrue(lines.get(0).endsWith(NOT_STARTED_SUFFIX), jvm.describe());
      assertTrue(jvm.stdout().contains("app: hello"), jvm.describe());
    }
  }

  @Test
  void reportsMissingPrivilegesOnceAndTheApplicationStillRuns() {
    try (ForkedJvm jvm =
        ForkedJvm.builder().launcher(UNPRIVILEGED).mainClass(WaitingApp.class.getName()).start()) {
      String line = jvm.awaitLine(l -> l.startsWith("netdrop: not started: "), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(
          "netdrop: not started: privileges: missing CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN)"
              + NOT_STARTED_SUFFIX,
          line,
          jvm.describe());
      assertEquals(List.of(line), netdropLines(jvm), jvm.describe());
      assertEquals(List.of("app: ready", "app: got bye"), jvm.stdout(), jvm.describe());
    }
  }

  @Test
  void reportsAMissingKernelBtfOnceAndTheApplicationStillRuns() {
    assertNotStartedWithOneLine(
        "btf-path=/nonexistent/vmlinux",
        "netdrop: not started: kernel BTF: no /nonexistent/vmlinux (a kernel built without"
            + " CONFIG_DEBUG_INFO_BTF; netdrop.btf-path can name a BTF file for it)");
  }

  @Test
  void reportsACorruptKernelBtfOnceAndTheApplicationStillRuns() throws IOException {
    Path corrupt = Files.createTempFile("netdrop-corrupt", ".btf");
    try {
      byte[] btf = Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux"));
      Files.write(corrupt, java.util.Arrays.copyOf(btf, 4096)); // the header promises far more
      String line = assertNotStartedWithOneLine("btf-path=" + corrupt, null);
      assertTrue(line.startsWith("netdrop: not started: kernel BTF: " + corrupt + " is not usable BTF: "), line);
    } finally {
      Files.deleteIfExists(corrupt);
    }
  }

  /** Starts an app with {@code agentArgs}; asserts exactly one netdrop line, equal to {@code expected} unless null. */
  private static String assertNotStartedWithOneLine(String agentArgs, String expected) {
    try (ForkedJvm jvm =
        ForkedJvm.builder().agentArgs(agentArgs).mainClass(WaitingApp.class.getName()).start()) {
      String line = jvm.awaitLine(l -> l.startsWith("netdrop: not started: "), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(List.of(line), netdropLines(jvm), jvm.describe());
      assertTrue(line.endsWith(NOT_STARTED_SUFFIX), line);
      if (expected != null) {
        assertEquals(expected + NOT_STARTED_SUFFIX, line, jvm.describe());
      }
      assertEquals(List.of("app: ready", "app: got bye"), jvm.stdout(), jvm.describe());
      return line;
    }
  }

  @Test
  void doctorNamesWhatIsMissingAndExitsNonZero() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .withoutAgent()
            .launcher(UNPRIVILEGED)
            .executableJar(ForkedJvm.defaultAgentJar(), "doctor")
            .start()) {
      assertEquals(1, jvm.waitFor(TIMEOUT), jvm.describe());
      assertTrue(jvm.stdout().contains("ok    kernel BTF            /sys/kernel/btf/vmlinux, "
          + io.netdrop.bpf.btf.Btf.loadVmlinux().typeCount() + " types"), jvm.describe());
      assertTrue(
          jvm.stdout().contains(
              "FAIL  privileges            missing CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN)"),
          jvm.describe());
      assertEquals("netdrop cannot run here: see FAIL above", jvm.stdout().get(jvm.stdout().size() - 1));
    }
  }

  @Test
  void reportsEachBadSettingInOneLineAndStartsWithItsDefault() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .agentArgs("scan-interval-ms=abc,scan-interval=5")
            .systemProperty("netdrop.fold-ms", "-1")
            .mainClass(WaitingApp.class.getName())
            .start()) {
      jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> lines = netdropLines(jvm);
      assertEquals(5, lines.size(), jvm.describe());
      assertEquals(
          List.of(
              "netdrop: unknown setting 'scan-interval' in agent arguments (known: "
                  + io.netdrop.config.NetdropConfig.SETTINGS.stream()
                      .map(io.netdrop.config.Setting::name)
                      .collect(Collectors.joining(", "))
                  + "); ignoring it",
              "netdrop: netdrop.scan-interval-ms: 'abc' is not a whole number of milliseconds"
                  + " (from the agent arguments); using the default 1000",
              "netdrop: netdrop.fold-ms: '-1' is out of range: expected 0 to 3600000 milliseconds"
                  + " (from system property netdrop.fold-ms); using the default 1000"),
          lines.subList(0, 3),
          jvm.describe());
      assertTrue(lines.get(3).startsWith(WATCHING), jvm.describe());
      assertTrue(lines.get(4).startsWith("netdrop: totals "), jvm.describe());
      assertEquals(List.of("app: ready", "app: got bye"), jvm.stdout(), jvm.describe());
    }
  }

  @Test
  void saysNothingOfBadSettingsWhenDisabled() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .agentArgs("enabled=false,scan-interval-ms=abc")
            .mainClass(HelloApp.class.getName())
            .start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(List.of(), netdropLines(jvm), jvm.describe());
      assertTrue(jvm.stdout().contains("app: hello"), jvm.describe());
    }
  }

  @Test
  void staysSilentWhenDisabled() {
    try (ForkedJvm jvm =
        ForkedJvm.builder().systemProperty("netdrop.enabled", "false").mainClass(HelloApp.class.getName()).start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(List.of(), netdropLines(jvm), jvm.describe());
      assertTrue(jvm.stdout().contains("app: hello"), jvm.describe());
    }
  }

  @Test
  void startsOnlyOnceWhenTheAgentIsGivenTwice() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .jvmArg("-javaagent:" + ForkedJvm.defaultAgentJar())
            .mainClass(WaitingApp.class.getName())
            .start()) {
      jvm.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> lines = netdropLines(jvm);
      assertEquals(1, lines.stream().filter(l -> l.startsWith(WATCHING)).count(), jvm.describe());
      assertTrue(
          lines.contains(
              "netdrop: not started: another netdrop agent is already running in this JVM"
                  + NOT_STARTED_SUFFIX),
          jvm.describe());
    }
  }

  @Test
  void versionCommandPrintsTheManifestVersion() throws IOException {
    String version;
    try (JarFile jar = new JarFile(ForkedJvm.defaultAgentJar().toFile())) {
      version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
    try (ForkedJvm jvm =
        ForkedJvm.builder().withoutAgent().executableJar(ForkedJvm.defaultAgentJar(), "version").start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(List.of("netdrop " + version), jvm.stdout(), jvm.describe());
    }
  }

  @Test
  void doctorLoadsAndAttachesTheProgramOnThisHost() {
    // This machine and CI run everything in the host's root cgroup: by default the doctor says only
    // the connect hook goes there, and why.
    assertTrue(
        CgroupV2.ownDirectory().map(CgroupV2::isHierarchyRoot).orElse(false),
        "this test expects to run in the root cgroup");
    try (ForkedJvm jvm =
        ForkedJvm.builder().withoutAgent().executableJar(ForkedJvm.defaultAgentJar(), "doctor").start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> out = jvm.stdout();
      assertTrue(out.stream().noneMatch(l -> l.startsWith("FAIL")), jvm.describe());
      assertTrue(out.stream().anyMatch(l -> l.startsWith("ok    load and attach")), jvm.describe());
      assertTrue(
          out.stream()
              .anyMatch(
                  l -> l.startsWith(
                      "ok    socket registration   sockets registered from Java: the JVM is in the"
                          + " host's root cgroup, where kernel hooks would run for every process of"
                          + " the host; set netdrop.cgroup-hooks=on to use them, connects learned in"
                          + " tcp_connect() (nd_sock_ops alone on the root cgroup: it decides"
                          + " nothing); each socket open, bind and accept costs its thread 2 to 5"
                          + " system calls more and a bound port is registered right after bind()"
                          + " returns")),
          jvm.describe());
      assertTrue(
          out.contains("ok    connection release    closed connections released in batches (nd_release)"),
          jvm.describe());
      assertEquals("netdrop can run here", out.get(out.size() - 1), jvm.describe());
    }
  }

  @Test
  void doctorAttachesTheCgroupProgramsWhenAskedTo() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .withoutAgent()
            .systemProperty("netdrop.cgroup-hooks", "on")
            .executableJar(ForkedJvm.defaultAgentJar(), "doctor")
            .start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      // This machine kind has cgroup v2 and cgroup socket programs: the cheap registration path.
      assertTrue(
          jvm.stdout().stream()
              .anyMatch(
                  l -> l.startsWith("ok    socket registration")
                      && l.contains("sockets registered in the kernel at creation")
                      && l.contains("connects learned in tcp_connect()")
                      && l.contains("accepts registered in getpeername()")
                      && l.contains("every process of the host runs (netdrop.cgroup-hooks=on)")),
          jvm.describe());
    }
  }

  @Test
  void unknownCommandPrintsUsageAndExitsWithTwo() {
    try (ForkedJvm jvm =
        ForkedJvm.builder().withoutAgent().executableJar(ForkedJvm.defaultAgentJar(), "frobnicate").start()) {
      assertAll(
          () -> assertEquals(2, jvm.waitFor(TIMEOUT), jvm.describe()),
          () -> assertEquals("netdrop: unknown command 'frobnicate'", jvm.stderr().get(0), jvm.describe()),
          () -> assertTrue(jvm.stderr().stream().anyMatch(l -> l.startsWith("usage:")), jvm.describe()));
    }
  }

  /** netdrop's own stderr lines; JVM warnings (e.g. JDK 17's CDS note) are left to the JVM. */
  private static List<String> netdropLines(ForkedJvm jvm) {
    return jvm.stderr().stream().filter(l -> l.startsWith("netdrop:")).collect(Collectors.toList());
  }
}
