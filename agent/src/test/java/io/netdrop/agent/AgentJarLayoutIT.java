package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged agent jar: what sits at the top level, what under {@code inst/}, and the manifest. */
class AgentJarLayoutIT {
  /** The classes the system and bootstrap class loaders (and the OTel agent's extension loader) may load from the jar. */
  private static final Pattern TOP_LEVEL_CLASS =
      Pattern.compile("io/netdrop/agent/(AgentEntryPoint|AgentClassLoader|OtelExtension|package-info)(\\$.*)?\\.class"
          + "|io/netdrop/bootstrap/.+\\.class");

  /** Where the OpenTelemetry Java agent looks for its extensions' listeners. */
  private static final String AGENT_LISTENER_SERVICE = "META-INF/services/io.opentelemetry.javaagent.extension.AgentListener";

  /**
   * Premain-, Agent- and Main-Class. By name: failsafe puts the library artifact on the class path,
   * which leaves the entry point out (see below).
   */
  private static final String ENTRY_POINT = "io.netdrop.agent.AgentEntryPoint";

  private static JarFile jar;
  private static List<String> files;

  @BeforeAll
  static void openJar() throws IOException {
    jar = new JarFile(ForkedJvm.defaultAgentJar().toFile());
    files = jar.stream().filter(e -> !e.isDirectory()).map(JarEntry::getName).collect(Collectors.toList());
  }

  @AfterAll
  static void closeJar() throws IOException {
    jar.close();
  }

  @Test
  void topLevelHoldsOnlyPremainLoaderAndBootstrapClasses() {
    List<String> topLevel = files.stream().filter(n -> !n.startsWith("inst/")).collect(Collectors.toList());
    List<String> unexpected =
        topLevel.stream()
            .filter(n -> !n.equals("META-INF/MANIFEST.MF") && !n.equals(AGENT_LISTENER_SERVICE))
            .filter(n -> !TOP_LEVEL_CLASS.matcher(n).matches())
            .collect(Collectors.toList());
    assertEquals(List.of(), unexpected, "entries outside inst/ that should not be there");
    assertAll(
        () -> assertTrue(topLevel.contains("io/netdrop/agent/AgentEntryPoint.class")),
        () -> assertTrue(topLevel.contains("io/netdrop/agent/AgentClassLoader.class")),
        () -> assertTrue(topLevel.contains("io/netdrop/bootstrap/AgentPresence.class")));
  }

  @Test
  void topLevelRegistersTheOtelAgentExtensionAndNothingElseAsAService() throws IOException {
    List<String> services =
        files.stream().filter(n -> n.startsWith("META-INF/services/")).collect(Collectors.toList());
    assertEquals(List.of(AGENT_LISTENER_SERVICE), services);
    try (InputStream in = jar.getInputStream(jar.getJarEntry(AGENT_LISTENER_SERVICE))) {
      assertEquals("io.netdrop.agent.OtelExtension", new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
    }
    assertTrue(files.contains("io/netdrop/agent/OtelExtension.class"));
  }

  @Test
  void everythingElseIsClassdataUnderInst() {
    List<String> plainClassesUnderInst =
        files.stream().filter(n -> n.startsWith("inst/") && n.endsWith(".class")).collect(Collectors.toList());
    assertEquals(List.of(), plainClassesUnderInst, "class files under inst/ would be visible to other loaders");
    assertAll(
        () -> assertTrue(files.contains("inst/io/netdrop/agent/internal/AgentStarter.classdata")),
        () -> assertTrue(files.contains("inst/io/netdrop/config/NetdropConfig.classdata")),
        () -> assertTrue(files.contains("inst/io/netdrop/bpf/BpfException.classdata")),
        () -> assertTrue(files.contains("inst/com/sun/jna/Native.classdata")),
        () -> assertTrue(files.contains("inst/com/sun/jna/linux-x86-64/libjnidispatch.so")),
        () -> assertTrue(files.contains("inst/bpf/netdrop.bpf.o")));
  }

  @Test
  void bootstrapClassesAreNotDuplicatedUnderInst() {
    List<String> duplicated =
        files.stream().filter(n -> n.startsWith("inst/io/netdrop/bootstrap/")).collect(Collectors.toList());
    assertEquals(List.of(), duplicated);
  }

  @Test
  void carriesNoModuleOrMultiReleaseEntriesTheLoaderWouldIgnore() {
    List<String> ignored =
        files.stream()
            .filter(n -> n.contains("module-info") || n.contains("META-INF/versions/"))
            .collect(Collectors.toList());
    assertEquals(List.of(), ignored);
  }

  @Test
  void libraryArtifactLeavesOutTheEntryPointAndTheOtelExtensionSoAnApplicationThatShadesItCannotShadowThem() throws IOException {
    String library = System.getProperty("netdrop.it.agent.library.jar");
    assertNotNull(library, "netdrop.it.agent.library.jar is set by failsafe");
    try (JarFile lib = new JarFile(library)) {
      List<String> entryPoint =
          lib.stream()
              .map(JarEntry::getName)
              .filter(n -> n.startsWith("io/netdrop/agent/AgentEntryPoint")
                  || n.startsWith("io/netdrop/agent/OtelExtension")
                  || n.equals(AGENT_LISTENER_SERVICE))
              .collect(Collectors.toList());
      assertAll(
          () -> assertEquals(List.of(), entryPoint),
          () -> assertNotNull(lib.getJarEntry("io/netdrop/agent/AgentClassLoader.class"), "the rest of the agent is there"),
          () -> assertNotNull(lib.getJarEntry("io/netdrop/agent/internal/AgentStarter.class"), "the rest of the agent is there"));
    }
  }

  @Test
  void manifestDeclaresEntryPointsAndCapabilities() throws IOException {
    Attributes main = jar.getManifest().getMainAttributes();
    assertAll(
        () -> assertEquals(ENTRY_POINT, main.getValue("Premain-Class")),
        () -> assertEquals(ENTRY_POINT, main.getValue("Agent-Class")),
        () -> assertEquals(ENTRY_POINT, main.getValue("Main-Class")),
        () -> assertEquals("true", main.getValue("Can-Retransform-Classes")),
        () -> assertEquals("true", main.getValue("Can-Redefine-Classes")),
        () -> assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access")),
        () -> assertNotNull(System.getProperty("netdrop.it.project.version"), "set by failsafe"),
        () -> assertEquals(System.getProperty("netdrop.it.project.version"), main.getValue("Implementation-Version")));
  }
}
