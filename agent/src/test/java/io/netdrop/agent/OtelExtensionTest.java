package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link OtelExtension} finds its own jar again among the OTel agent's extensions, and how
 * premain sees that netdrop runs as an extension ({@link AgentEntryPoint}).
 */
class OtelExtensionTest {
  @TempDir Path dir;
  private Path netdrop;
  private Path other;
  private Path extensions;

  @BeforeEach
  void jars() throws IOException {
    netdrop = jar(dir.resolve("netdrop-agent.jar"), AgentEntryPoint.class.getName(), "inst/io/netdrop/agent/internal/AgentStarter.classdata");
    other = jar(dir.resolve("other-extension.jar"), null, "com/acme/Extension.class");
    extensions = Files.createDirectories(dir.resolve("extensions"));
    Files.copy(other, extensions.resolve("a-other.jar"));
    Files.copy(netdrop, extensions.resolve("b-netdrop.jar"));
    Files.writeString(extensions.resolve("notes.txt"), "not a jar");
  }

  @Test
  void findsTheNetdropJarNamedAmongOtherExtensions() {
    assertEquals(netdrop.toFile(), AgentEntryPoint.netdropJarAmong(other + "," + netdrop));
  }

  @Test
  void findsTheNetdropJarInAnExtensionsDirectory() {
    assertEquals(extensions.resolve("b-netdrop.jar").toFile(), AgentEntryPoint.netdropJarAmong(extensions.toString()));
  }

  @Test
  void readsDirectoriesAsTheOtelAgentDoesJarsOnlyAndSkipsEmptyEntries() {
    List<File> jars = AgentEntryPoint.extensionJars("," + extensions + ",," + dir.resolve("missing.jar"));
    assertEquals(List.of(extensions.resolve("a-other.jar").toFile(), extensions.resolve("b-netdrop.jar").toFile()), jars);
  }

  @Test
  void findsNothingWithoutTheSettingOrWithoutANetdropJar() {
    assertNull(AgentEntryPoint.netdropJarAmong(null));
    assertNull(AgentEntryPoint.netdropJarAmong(other.toString()));
  }

  @Test
  void readsTheExtensionsFromTheOtelAgentsConfigurationFileWhenNoPropertyOrVariableSetsThem() throws IOException {
    Path config = dir.resolve("otel.properties");
    Files.writeString(config, "otel.service.name=x\notel.javaagent.extensions=" + netdrop.toString().replace("\\", "/") + "\n");
    System.setProperty("otel.javaagent.configuration-file", config.toString());
    try {
      assertEquals(netdrop.toString(), AgentEntryPoint.otelExtensions());
    } finally {
      System.clearProperty("otel.javaagent.configuration-file");
    }
  }

  @Test
  void theSystemPropertyComesFirst() {
    System.setProperty("otel.javaagent.extensions", other.toString());
    try {
      assertEquals(other.toString(), AgentEntryPoint.otelExtensions());
    } finally {
      System.clearProperty("otel.javaagent.extensions");
    }
  }

  private static Path jar(Path path, String premainClass, String entry) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (premainClass != null) {
      manifest.getMainAttributes().putValue("Premain-Class", premainClass);
    }
    try (OutputStream file = Files.newOutputStream(path);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      out.putNextEntry(new JarEntry(entry));
      out.closeEntry();
    }
    return path;
  }
}
