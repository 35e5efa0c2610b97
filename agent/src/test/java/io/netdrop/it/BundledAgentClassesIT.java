package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An application whose own executable ("fat") jar bundles copies of netdrop's classes, run with
 * {@code -javaagent:netdrop-agent.jar} or attached to: the agent from the agent jar starts and
 * reports drops, and the application behaves exactly as without the agent. Needs root and the
 * kernel features of the agent (BTF, Linux 5.17+ drop reasons).
 *
 * <p>The JVM loads an agent's entry class through the system class loader, which searches the
 * application jar first. Before this was handled, the application's copy ran, took the
 * application jar for the agent jar and appended it to the bootstrap class path: every
 * application class was then loaded by the bootstrap loader, and netdrop ran from the
 * application's copies of itself and of JNA.
 *
 * <p>The application ({@code src/test/fatjar-app}) and an "older" netdrop entry point with
 * other behaviour ({@code src/test/fatjar-stub}) are compiled here and packed with JNA 5.11 and
 * parts of this build into jars under {@code target/fatjar-it}.
 */
class BundledAgentClassesIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String APP = "io.netdrop.it.fatjar.FatJarApp";
  private static final String WATCHING = "netdrop: watching kfree_skb drops";
  private static final String NOT_STARTED = "netdrop: not started: ";

  private static Path work;
  private static Path appClasses;
  private static Path stubClasses;
  private static Path agentJar;
  private static Path libraryJar;
  private static Path jnaJar;
  private static String jnaVersion;

  @BeforeAll
  static void compileTheApplicationAndTheStub() throws IOException {
    agentJar = ForkedJvm.defaultAgentJar().toAbsolutePath();
    libraryJar = Paths.get(required("netdrop.it.agent.library.jar"));
    jnaJar = Paths.get(required("netdrop.it.app.jna.jar"));
    jnaVersion = required("netdrop.it.app.jna.version");
    work = ForkedJvm.moduleDir().resolve("target/fatjar-it");
    appClasses = compile("fatjar-app", "app-classes");
    stubClasses = compile("fatjar-stub", "stub-classes");
  }

  /** The case the JMH bench jar hit: the application depends on netdrop-agent and shades it. */
  @Test
  void agentStartsFromTheAgentJarWhenTheApplicationShadesTheAgentLibrary() throws IOException {
    Path jar =
        appJar(
            "shades-library.jar",
            fromJar(libraryJar, name -> true),
            fromJar(agentJar, name -> name.startsWith("io/netdrop/bootstrap/")),
            fromJar(jnaJar, name -> true));
    assertRunsUnchangedWithTheAgentStarted(jar);
  }

  /** Even the agent jar's own entry point in the application jar does not decide what runs. */
  @Test
  void agentStartsFromTheAgentJarWhenTheApplicationBundlesTheEntryPointToo() throws IOException {
    Path jar = appJarWithTheEntryPoint();
    assertTrue(hasEntry(jar, "io/netdrop/agent/AgentEntryPoint.class"), "the test jar must hold the entry point");
    assertRunsUnchangedWithTheAgentStarted(jar);
  }

  @Test
  void anOlderEntryPointAndLoaderBundledByTheApplicationNeverRun() throws IOException {
    Path jar = appJar("older-stub.jar", fromDir(stubClasses), fromJar(jnaJar, name -> true));
    AppRun with = assertRunsUnchangedWithTheAgentStarted(jar);
    assertTrue(with.stderr.stream().noneMatch(l -> l.startsWith("stub: ")), with.output);
  }

  @Test
  void dynamicAttachStartsFromTheAttachedJarWhenTheApplicationBundlesTheEntryPoint() throws IOException {
    Path jar = appJarWithTheEntryPoint();
    AppRun without = run(jar, Mode.WITHOUT_AGENT);
    AppRun attached = run(jar, Mode.ATTACH);
    assertUnchangedAndStarted(without, attached);
  }

  /** Where no agent jar can be found at all, the entry point says so in one line. */
  @Test
  void entryPointWithoutAnAgentJarNamesWhereItWasLoadedFrom() throws IOException {
    Path jar = appJarWithTheEntryPoint();
    try (ForkedJvm cli =
        ForkedJvm.builder().withoutAgent().classpath(jar).mainClass("io.netdrop.agent.AgentEntryPoint", "version").start()) {
      assertEquals(1, cli.waitFor(TIMEOUT), cli.describe());
      assertEquals(
          List.of("netdrop: the entry point io.netdrop.agent.AgentEntryPoint was loaded from " + jar.toAbsolutePath()
              + ", which is not a netdrop agent jar (does the application jar bundle netdrop's classes?), and no"
              + " netdrop agent jar is on the system class path; remove io/netdrop/agent/ from the application jar"),
          cli.stderr(),
          cli.describe());
      assertEquals(List.of(), cli.stdout(), cli.describe());
    }
  }

  private static Path appJarWithTheEntryPoint() throws IOException {
    return appJar(
        "bundles-entry-point.jar",
        // The agent jar's top level: entry point, AgentClassLoader, bootstrap bridge.
        fromJar(agentJar, name -> !name.startsWith("inst/")),
        fromJar(libraryJar, name -> true),
        fromJar(jnaJar, name -> true));
  }

  private static AppRun assertRunsUnchangedWithTheAgentStarted(Path appJar) throws IOException {
    AppRun without = run(appJar, Mode.WITHOUT_AGENT);
    AppRun with = run(appJar, Mode.JAVAAGENT);
    assertUnchangedAndStarted(without, with);
    return with;
  }

  private static void assertUnchangedAndStarted(AppRun without, AppRun with) {
    assertAll(
        () -> assertEquals(0, without.exitCode, without.output),
        () -> assertEquals(0, with.exitCode, with.output),
        () -> assertEquals(without.stdout, with.stdout, "stdout differs with the agent" + with.output),
        () -> assertEquals(without.appStderr(), with.appStderr(), "stderr differs with the agent" + with.output));
    assertEquals(
        List.of(
            "app: main class loaded by the system loader: true",
            "app: own class file found: true",
            "app: jna " + jnaVersion + " loaded by the system loader: true",
            "app: bootstrap loader sees the application: false",
            "app: bootstrap loader sees netdrop internals: false",
            "app: ready",
            "app: connect failed ConnectException",
            "app: bye"),
        with.stdout,
        with.output);
    List<String> netdrop = with.netdropLines();
    assertAll(
        () -> assertTrue(netdrop.stream().anyMatch(l -> l.startsWith(WATCHING)), with.output),
        () -> assertTrue(netdrop.stream().noneMatch(l -> l.startsWith(NOT_STARTED)), with.output),
        () -> assertTrue(netdrop.stream().noneMatch(l -> l.contains("unavailable")), with.output),
        () -> assertTrue(
            netdrop.stream().anyMatch(l -> l.startsWith("netdrop: totals socket=") && l.contains(" NO_SOCKET=1;")),
            with.output));
    // netdrop's own JNA, from the agent jar's inst/ directory: not the application's 5.11.
    String jna = netdrop.stream().filter(l -> l.startsWith("netdrop: debug: JNA ")).findFirst().orElse("none");
    assertTrue(jna.contains("from jar:file:" + agentJar + "!/inst/com/sun/jna/Native.class"), jna + with.output);
    assertTrue(!jna.startsWith("netdrop: debug: JNA " + jnaVersion + " "), jna);
  }

  private enum Mode { WITHOUT_AGENT, JAVAAGENT, ATTACH }

  /** Runs the application jar, makes it connect to a closed port, and collects what it printed. */
  private static AppRun run(Path appJar, Mode mode) throws IOException {
    ForkedJvm.Builder builder = ForkedJvm.builder().executableJar(appJar);
    if (mode == Mode.JAVAAGENT) {
      builder.agentArgs("debug=true");
    } else {
      builder.withoutAgent();
    }
    int closed = closedPort();
    try (ForkedJvm app = builder.start()) {
      app.awaitLine("app: ready"::equals, TIMEOUT);
      if (mode == Mode.ATTACH) {
        attach(app.pid());
      }
      if (mode != Mode.WITHOUT_AGENT) {
        app.awaitLine(l -> l.startsWith(WATCHING) || l.startsWith(NOT_STARTED), TIMEOUT);
      }
      app.writeLine("connect " + closed);
      app.awaitLine(l -> l.startsWith("app: connect "), TIMEOUT);
      if (mode != Mode.WITHOUT_AGENT && app.stderr().stream().anyMatch(l -> l.startsWith(WATCHING))) {
        app.awaitLine(l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
      }
      app.writeLine("exit");
      int exitCode = app.waitFor(TIMEOUT);
      return new AppRun(exitCode, app.stdout(), app.stderr(), app.describe());
    }
  }

  private static void attach(long pid) {
    try (ForkedJvm attach =
        ForkedJvm.builder()
            .withoutAgent()
            .executableJar(agentJar, "attach", Long.toString(pid), "debug=true")
            .start()) {
      assertEquals(0, attach.waitFor(TIMEOUT), attach.describe());
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    assertNotNull(value, property + " is set by failsafe");
    return value;
  }

  private static Path compile(String sourceDir, String outputDir) throws IOException {
    Path sources = ForkedJvm.moduleDir().resolve("src/test").resolve(sourceDir);
    Path out = work.resolve(outputDir);
    Files.createDirectories(out);
    List<String> args = new ArrayList<>(List.of("--release", "17", "-d", out.toString()));
    try (Stream<Path> files = Files.walk(sources)) {
      files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).forEach(args::add);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "the tests need a JDK (javax.tools) to compile " + sources);
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, args.toArray(new String[0]));
    assertEquals(0, rc, "cannot compile " + sources + ":\n" + diagnostics.toString(StandardCharsets.UTF_8));
    return out;
  }

  /** Writes entries into the jar being built; the first part to write a name wins, like shading. */
  private interface Part {
    void writeTo(JarOutputStream out, Set<String> written) throws IOException;
  }

  /** An executable jar: the application's classes, then the parts, each entry once. */
  private static Path appJar(String name, Part... parts) throws IOException {
    Path jar = work.resolve(name);
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, APP);
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      Set<String> written = new HashSet<>();
      written.add(JarFile.MANIFEST_NAME);
      fromDir(appClasses).writeTo(out, written);
      for (Part part : parts) {
        part.writeTo(out, written);
      }
    }
    return jar;
  }

  private static Part fromJar(Path source, Predicate<String> include) {
    return (out, written) -> {
      try (JarFile in = new JarFile(source.toFile())) {
        for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
          JarEntry entry = entries.nextElement();
          if (!entry.isDirectory() && shaded(entry.getName()) && include.test(entry.getName())) {
            try (InputStream data = in.getInputStream(entry)) {
              copy(entry.getName(), data, out, written);
            }
          }
        }
      }
    };
  }

  private static Part fromDir(Path dir) {
    return (out, written) -> {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
      }
      for (Path f : files) {
        try (InputStream data = Files.newInputStream(f)) {
          copy(dir.relativize(f).toString().replace('\\', '/'), data, out, written);
        }
      }
    };
  }

  /** What a shading build keeps: no signatures, module descriptors or multi-release entries. */
  private static boolean shaded(String name) {
    return !name.equals(JarFile.MANIFEST_NAME)
        && !name.matches("META-INF/[^/]+\\.(SF|DSA|RSA)")
        && !name.endsWith("module-info.class")
        && !name.startsWith("META-INF/versions/");
  }

  private static void copy(String name, InputStream data, JarOutputStream out, Set<String> written) throws IOException {
    if (written.add(name)) {
      out.putNextEntry(new JarEntry(name));
      data.transferTo(out);
      out.closeEntry();
    }
  }

  private static boolean hasEntry(Path jar, String name) throws IOException {
    try (JarFile f = new JarFile(jar.toFile())) {
      return f.getJarEntry(name) != null;
    }
  }
}
