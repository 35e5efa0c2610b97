package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AgentClassLoader} over a small jar laid out like the agent jar. */
class AgentClassLoaderTest {
  private static final String GREETER = "io.netdrop.agent.fixture.Greeter";
  private static final byte[] PAYLOAD = {1, 2, 3, 4};

  @TempDir Path dir;
  private Path jarPath;
  private JarFile jar;
  private AgentClassLoader loader;

  @BeforeEach
  void buildJar() throws IOException {
    jarPath = dir.resolve("agent.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.8.7");
    try (OutputStream file = Files.newOutputStream(jarPath);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      put(out, "inst/" + GREETER.replace('.', '/') + ".classdata", classBytes(GREETER));
      put(out, "inst/com/example/native/libthing.so", PAYLOAD);
      put(out, "inst/META-INF/services/java.lang.Runnable", "a.B\n".getBytes(StandardCharsets.UTF_8));
      put(out, "io/netdrop/bootstrap/AgentPresence.class", classBytes("io.netdrop.bootstrap.AgentPresence"));
    }
    jar = new JarFile(jarPath.toFile());
    loader = new AgentClassLoader(jar);
  }

  @AfterEach
  void closeJar() throws IOException {
    jar.close();
  }

  private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
    out.putNextEntry(new JarEntry(name));
    out.write(bytes);
    out.closeEntry();
  }

  private static byte[] classBytes(String name) throws IOException {
    try (InputStream in = AgentClassLoaderTest.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
      assertNotNull(in, name);
      return in.readAllBytes();
    }
  }

  @Test
  void definesClassdataEntriesAsItsOwnClasses() throws Exception {
    Class<?> greeter = loader.loadClass(GREETER);
    assertAll(
        () -> assertSame(loader, greeter.getClassLoader()),
        () -> assertNotSame(Class.forName(GREETER), greeter, "must not come from the application loader"),
        () -> assertEquals("hello from " + loader, greeter.getMethod("greet").invoke(null)));
  }

  @Test
  void givesClassesTheJarAsCodeSource() throws Exception {
    URL location = loader.loadClass(GREETER).getProtectionDomain().getCodeSource().getLocation();
    assertEquals(jarPath.toUri().toURL(), location);
  }

  @Test
  void definesPackagesWithTheAgentVersionForOwnPackages() throws Exception {
    Package pkg = loader.loadClass(GREETER).getPackage();
    assertNotNull(pkg);
    assertEquals("9.8.7", pkg.getImplementationVersion());
  }

  @Test
  void doesNotSeeTheApplicationClassPath() {
    assertThrows(ClassNotFoundException.class, () -> loader.loadClass(AgentClassLoaderTest.class.getName()));
  }

  @Test
  void stillLoadsPlatformClassesThroughItsParent() throws Exception {
    assertSame(String.class, loader.loadClass("java.lang.String"));
    assertSame(java.sql.Connection.class, loader.loadClass("java.sql.Connection"));
  }

  @Test
  void servesBootstrapClassesFromTheTopLevelWhenTheBootstrapPathLacksThem() throws Exception {
    Class<?> presence = loader.loadClass("io.netdrop.bootstrap.AgentPresence");
    assertSame(loader, presence.getClassLoader());
  }

  @Test
  void servesResourcesUnderTheirOriginalNames() throws Exception {
    URL url = loader.getResource("com/example/native/libthing.so");
    assertNotNull(url);
    assertEquals("jar", url.getProtocol());
    try (InputStream in = url.openStream()) {
      assertArrayEquals(PAYLOAD, in.readAllBytes());
    }
    try (InputStream in = loader.getResourceAsStream("/com/example/native/libthing.so")) {
      assertNotNull(in, "a leading slash is tolerated");
    }
  }

  @Test
  void servesClassFilesAsResourcesFromClassdata() throws Exception {
    try (InputStream in = loader.getResourceAsStream(GREETER.replace('.', '/') + ".class")) {
      assertNotNull(in);
      assertArrayEquals(classBytes(GREETER), in.readAllBytes());
    }
  }

  @Test
  void servesServiceFilesThroughGetResources() throws Exception {
    List<URL> urls = Collections.list(loader.getResources("META-INF/services/java.lang.Runnable"));
    assertEquals(1, urls.size());
    assertTrue(urls.get(0).toString().endsWith("!/inst/META-INF/services/java.lang.Runnable"), urls.toString());
  }

  @Test
  void findsNoMissingOrEscapingResources() {
    assertAll(
        () -> assertNull(loader.getResource("com/example/missing.txt")),
        () -> assertNull(loader.getResource("../io/netdrop/bootstrap/AgentPresence.class")),
        () -> assertTrue(Collections.list(loader.getResources("nope")).isEmpty()));
  }
}
