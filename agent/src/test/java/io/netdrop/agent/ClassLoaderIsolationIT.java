package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import io.netdrop.testing.ForkedJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An application bundling another JNA version keeps its own, while the agent uses the copy in its
 * jar and none of the agent's classes leak to the application.
 */
class ClassLoaderIsolationIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String[] AGENT_CLASSES = {
    "io.netdrop.bpf.BpfException", "io.netdrop.config.NetdropConfig", "io.netdrop.agent.internal.AgentStarter"
  };

  @Test
  void applicationKeepsItsOwnJnaAndCannotSeeTheAgentsClasses() {
    Path appJna = Paths.get(System.getProperty("netdrop.it.app.jna.jar", "target/test-libs/missing.jar"));
    String appJnaVersion = System.getProperty("netdrop.it.app.jna.version");
    assertTrue(Files.isRegularFile(appJna), "application JNA jar missing: " + appJna);
    // The agent bundles the JNA this module compiles against; the application's must differ.
    assertNotEquals(Native.VERSION, appJnaVersion);

    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .agentArgs("debug=true") // makes the agent load its JNA and make a native call at start
            .classpath(ForkedJvm.moduleDir().resolve("target/test-classes"), appJna)
            .mainClass(JnaApp.class.getName(), AGENT_CLASSES)
            .start()) {
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      String agentJna = jvm.awaitLine(l -> l.startsWith("netdrop: debug: JNA "), Duration.ZERO);
      assertAll(
          () -> assertTrue(agentJna.startsWith("netdrop: debug: JNA " + Native.VERSION + " "), jvm.describe()),
          () -> assertTrue(agentJna.contains("getpid()=" + jvm.pid() + ","), jvm.describe()),
          () -> assertTrue(agentJna.contains("netdrop-agent.jar!/inst/com/sun/jna/"), jvm.describe()),
          () -> assertTrue(jvm.stdout().contains("app: jna version " + appJnaVersion), jvm.describe()),
          () -> assertTrue(jvm.stdout().contains("app: jna from " + appJna.toUri().toURL()), jvm.describe()),
          () -> assertTrue(jvm.stdout().contains("app: getpid " + jvm.pid()), jvm.describe()));
      for (String agentClass : AGENT_CLASSES) {
        assertTrue(jvm.stdout().contains("app: cannot load " + agentClass), jvm.describe());
      }
    }
  }
}
