package io.netdrop.instrumentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketInstrumentation} from the real agent jar (shaded Byte Buddy, classes under
 * {@code inst/}) in forked Java 17 and Java 25 JVMs, running every JDK scenario and Netty epoll.
 */
class SocketInstrumentationIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Test
  void everyScenarioPassesOnJava17() {
    Path home = Path.of(System.getProperty("java.home"));
    assertEquals(17, Runtime.version().feature(), "failsafe runs on the default JDK 17");
    runScenarios(home, 17);
  }

  @Test
  void everyScenarioPassesOnJava25() {
    Path home = Path.of(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    assertTrue(Files.isExecutable(home.resolve("bin/java")), "no Java 25 at " + home);
    runScenarios(home, 25);
  }

  private static void runScenarios(Path javaHome, int feature) {
    Path agentJar = ForkedJvm.defaultAgentJar();
    ForkedJvm.Builder builder =
        ForkedJvm.builder()
            .withoutAgent()
            .javaHome(javaHome)
            .classpath(classpath())
            .mainClass(InstrumentationMain.class.getName(), agentJar.toString());
    if (feature >= 21) {
      builder.jvmArg("-XX:+EnableDynamicAgentLoading"); // the main self-attaches, as tests do
    }
    try (ForkedJvm jvm = builder.start()) {
      jvm.awaitLine(l -> l.equals("done"), TIMEOUT);
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      List<String> out = jvm.stdout();
      assertTrue(out.contains("loaded by AgentClassLoader"), jvm.describe());
      assertTrue(out.contains("problems: []"), jvm.describe());
      assertTrue(out.stream().anyMatch(l -> l.startsWith("java " + feature + ",")), jvm.describe());
      List<String> expected = new ArrayList<>();
      SocketScenarios.JDK.forEach(s -> expected.add("PASS " + s));
      expected.add("PASS nettyEpoll");
      List<String> results =
          out.stream().filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).collect(Collectors.toList());
      assertEquals(expected, results, jvm.describe());
      // Neither our problem lines nor a JVM warning about Byte Buddy (e.g. its use of Unsafe on 25).
      List<String> complaints =
          jvm.stderr().stream()
              .filter(l -> l.startsWith("netdrop:") || l.contains("net.bytebuddy"))
              .collect(Collectors.toList());
      assertEquals(List.of(), complaints, jvm.describe());
    }
  }

  /**
   * Test classes, agent classes (AgentClassLoader, ProcSockets), byte-buddy-agent and Netty; not
   * Byte Buddy itself nor the bootstrap module, which must come from the agent jar.
   */
  private static Path[] classpath() {
    List<Path> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(e).getFileName().toString();
      boolean byteBuddyItself = name.startsWith("byte-buddy-1");
      boolean bootstrapModule = e.contains("agent-bootstrap");
      boolean needed =
          e.contains("test-classes") || e.endsWith("classes") || name.startsWith("netdrop-agent-")
              || name.startsWith("byte-buddy-agent") || name.startsWith("netty-");
      if (needed && !byteBuddyItself && !bootstrapModule) {
        entries.add(Path.of(e));
      }
    }
    return entries.toArray(new Path[0]);
  }
}
