package io.netdrop.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.testing.ForkedJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An application whose own class path holds other versions of Byte Buddy, JNA, slf4j and the
 * OpenTelemetry API and SDK runs unchanged under the agent — the same stdout and exit code as
 * without it — while the agent still reports its drops; on this JDK and on Java 25. Needs root and
 * the kernel features of the agent (BTF, Linux 5.17+ drop reasons).
 *
 * <p>The application ({@code src/test/clash-app}) is compiled here against the jars Maven copies
 * to {@code target/test-libs/clash}: declaring them as test dependencies would override the
 * versions the agent itself is built and shaded with.
 */
class LibraryClashIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String APP = "io.netdrop.it.clash.LibraryClashApp";
  private static final String WATCHING = "netdrop: watching kfree_skb drops";

  private static List<Path> libraries;
  private static Path appClasses;

  static Stream<Path> javaHomes() {
    Path java25 = Paths.get(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    if (!Files.isExecutable(java25.resolve("bin/java"))) {
      fail("no Java 25 at " + java25 + " (set netdrop.it.java25.home)");
    }
    return Stream.of(Paths.get(System.getProperty("java.home")), java25);
  }

  @BeforeAll
  static void compileTheApplication() throws IOException {
    Path libDir = Paths.get(System.getProperty("netdrop.it.app.clash.dir", "target/test-libs/clash"));
    try (Stream<Path> jars = Files.list(libDir)) {
      libraries = jars.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
    }
    Path source = ForkedJvm.moduleDir().resolve("src/test/clash-app/io/netdrop/it/clash/LibraryClashApp.java");
    appClasses = ForkedJvm.moduleDir().resolve("target/clash-app-classes");
    Files.createDirectories(appClasses);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "the tests need a JDK (javax.tools) to compile the clash application");
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null, diagnostics, diagnostics,
            "--release", "17", // the same class files run on Java 17 and 25
            "-d", appClasses.toString(),
            "-cp", libraries.stream().map(Path::toString).collect(Collectors.joining(":")),
            source.toString());
    assertEquals(0, rc, "cannot compile " + source + ":\n" + diagnostics.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "java.home={0}")
  @MethodSource("javaHomes")
  void applicationWithItsOwnLibraryVersionsRunsUnchangedAndTheAgentStillReportsDrops(Path javaHome) throws IOException {
    AppRun without = run(javaHome, false);
    AppRun with = run(javaHome, true);

    assertAll(
        () -> assertEquals(0, without.exitCode, without.output),
        () -> assertEquals(0, with.exitCode, with.output),
        () -> assertEquals(without.stdout, with.stdout, "stdout differs with the agent" + with.output),
        () -> assertEquals(without.appStderr(), with.appStderr(), "stderr differs with the agent" + with.output),
        () -> assertTrue(with.stdout.contains("app: connect failed ConnectException"), with.output));
    for (Map.Entry<String, String> lib : expectedJars().entrySet()) {
      assertTrue(
          with.stdout.stream().anyMatch(l -> l.startsWith("app: " + lib.getKey() + " from " + lib.getValue())),
          lib + " not used by the application" + with.output);
    }
    assertTrue(with.stdout.contains("app: byte-buddy io.netdrop.it.clash.Generated says made by byte buddy"), with.output);
    assertTrue(with.stdout.contains("app: jna getpid() is this process: true"), with.output);
    assertTrue(with.stdout.contains("[main] INFO io.netdrop.it.clash.LibraryClashApp - logged through slf4j"), with.output);
    assertTrue(
        with.stdout.contains("app: opentelemetry span current=true exported=1 name=work valid=true app.step=[1]"),
        with.output);
    // Before the start-up line only what netdrop says about the application's OpenTelemetry 1.40.
    List<String> netdrop = with.netdropLines().stream().filter(l -> !l.startsWith("netdrop: OpenTelemetry: ")).toList();
    assertTrue(netdrop.get(0).startsWith(WATCHING), with.output);
    assertTrue(with.netdropLines().stream().anyMatch(l -> l.startsWith("netdrop: totals socket=") && l.contains(" NO_SOCKET=1;")), with.output);
  }

  /** Library name as the app prints it, and the jar (name prefix) it must come from. */
  private static Map<String, String> expectedJars() {
    Map<String, String> versions = new LinkedHashMap<>();
    for (String pair : System.getProperty("netdrop.it.app.clash.versions", "").split(",")) {
      String[] kv = pair.split("=", 2);
      if (kv.length == 2) {
        versions.put(kv[0], kv[1]);
      }
    }
    assertEquals(4, versions.size(), "netdrop.it.app.clash.versions is not set by failsafe: " + versions);
    Map<String, String> jars = new LinkedHashMap<>();
    jars.put("byte-buddy", "byte-buddy-" + versions.get("byte-buddy") + ".jar");
    jars.put("jna", "jna-" + versions.get("jna") + ".jar");
    jars.put("slf4j", "slf4j-api-" + versions.get("slf4j") + ".jar bound to org.slf4j.simple.SimpleLoggerFactory from slf4j-simple-"
        + versions.get("slf4j") + ".jar");
    jars.put("opentelemetry", "opentelemetry-sdk-" + versions.get("opentelemetry") + ".jar and opentelemetry-api-"
        + versions.get("opentelemetry") + ".jar");
    return jars;
  }

  /** Runs the app once, makes it connect to a closed port, and collects what it printed. */
  private static AppRun run(Path javaHome, boolean withAgent) throws IOException {
    List<Path> classpath = new ArrayList<>();
    classpath.add(appClasses);
    classpath.addAll(libraries);
    ForkedJvm.Builder builder =
        ForkedJvm.builder().javaHome(javaHome).classpath(classpath.toArray(new Path[0])).mainClass(APP);
    if (!withAgent) {
      builder.withoutAgent();
    }
    int closed = closedPort();
    try (ForkedJvm app = builder.start()) {
      app.awaitLine("app: ready"::equals, TIMEOUT);
      if (withAgent) {
        app.awaitLine(l -> l.startsWith(WATCHING), TIMEOUT);
      }
      app.writeLine("connect " + closed);
      app.awaitLine(l -> l.startsWith("app: connect "), TIMEOUT);
      if (withAgent) {
        String drop =
            app.awaitLine(l -> l.contains(" drop NO_SOCKET tcp ") && l.contains("> 127.0.0.1:" + closed + " "), TIMEOUT);
        assertTrue(drop.contains(" netdrop: drop "), drop);
      }
      app.writeLine("exit");
      int exitCode = app.waitFor(TIMEOUT);
      return new AppRun(exitCode, app.stdout(), app.stderr(), app.describe());
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
