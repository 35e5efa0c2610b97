package io.netdrop.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OtelJavaAgent#awaitPremainsDone} with real {@code -javaagent} premains: a thread started
 * by the first agent's premain, as netdrop's start thread is, waits for the premain of an agent
 * named after it, as the OTel agent is in {@code -javaagent:netdrop-agent.jar
 * -javaagent:opentelemetry-javaagent.jar}.
 */
class PremainWaitIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static Path waiterJar;
  private static Path slowJar;

  @BeforeAll
  static void agentJars() throws IOException {
    Path dir = Files.createDirectories(ForkedJvm.moduleDir().resolve("target/premain-wait-it"));
    waiterJar = manifestOnlyJar(dir.resolve("waiter.jar"), PremainWaitApp.Waiter.class);
    slowJar = manifestOnlyJar(dir.resolve("slow.jar"), PremainWaitApp.Slow.class);
  }

  @Test
  void returnsOnlyAfterTheLaterAgentsPremainReturned() {
    assertEquals("waiter: done=true slow-premain-returned=true", run(10_000));
  }

  @Test
  void givesUpAfterTheTimeoutWhileAPremainStillRuns() {
    assertEquals("waiter: done=false slow-premain-returned=false", run(200));
  }

  private static String run(long timeoutMillis) {
    try (ForkedJvm app =
        ForkedJvm.builder()
            .withoutAgent()
            .jvmArg("-javaagent:" + waiterJar + "=" + timeoutMillis)
            .jvmArg("-javaagent:" + slowJar)
            .classpath(ForkedJvm.moduleDir().resolve("target/test-classes"), ForkedJvm.moduleDir().resolve("target/classes"))
            .mainClass(PremainWaitApp.class.getName())
            .start()) {
      String line = app.awaitLine(l -> l.startsWith("waiter: "), TIMEOUT);
      assertEquals(0, app.waitFor(TIMEOUT), app.describe());
      return line;
    }
  }

  /** An agent jar holding only its manifest: the JVM loads the premain class from the class path. */
  private static Path manifestOnlyJar(Path jar, Class<?> premainClass) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", premainClass.getName());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream unused = new JarOutputStream(out, manifest)) {
      // the manifest is all
    }
    return jar;
  }
}
