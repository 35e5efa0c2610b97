package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.it.JulApp;
import io.netdrop.testing.ForkedJvm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The libraries inside the agent jar log through netdrop's own slf4j, never the application's
 * {@code java.util.logging}: the build relocated their {@code java.util.logging.Logger} to {@code
 * io.netdrop.logging.PatchLogger}, which has every method they call.
 */
class AgentLoggingIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String JUL_LOGGER = "java/util/logging/Logger";
  private static final String PATCH_LOGGER = "io/netdrop/logging/PatchLogger";

  /** Every class of the jar: name, and the members of JUL's Logger or PatchLogger it uses. */
  private static final List<String> julUsers = new ArrayList<>();
  private static final Set<String> patchLoggerCalls = new TreeSet<>();
  private static final Set<String> patchLoggerMembers = new TreeSet<>();

  @BeforeAll
  static void readTheJar() throws IOException {
    try (JarFile jar = new JarFile(ForkedJvm.defaultAgentJar().toFile())) {
      for (JarEntry e : jar.stream().toList()) {
        if (!e.getName().endsWith(".classdata") && !e.getName().endsWith(".class")) {
          continue;
        }
        try (InputStream in = jar.getInputStream(e)) {
          scan(new ClassReader(in.readAllBytes()));
        }
      }
    }
  }

  private static void scan(ClassReader reader) {
    String self = reader.getClassName();
    reader.accept(
        new ClassVisitor(Opcodes.ASM9) {
          @Override
          public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            if (self.equals(PATCH_LOGGER) && (access & Opcodes.ACC_PUBLIC) != 0) {
              patchLoggerMembers.add(name + ":" + descriptor);
            }
            note(descriptor);
            return null;
          }

          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            if (self.equals(PATCH_LOGGER) && (access & Opcodes.ACC_PUBLIC) != 0) {
              patchLoggerMembers.add(name + descriptor);
            }
            note(descriptor);
            return new MethodVisitor(Opcodes.ASM9) {
              @Override
              public void visitMethodInsn(int op, String owner, String name, String descriptor, boolean itf) {
                call(owner, name + descriptor);
              }

              @Override
              public void visitFieldInsn(int op, String owner, String name, String descriptor) {
                call(owner, name + ":" + descriptor);
              }

              @Override
              public void visitTypeInsn(int op, String type) {
                note(type);
              }
            };
          }

          private void call(String owner, String member) {
            note(owner);
            note(member);
            if (owner.equals(PATCH_LOGGER) && !self.equals(PATCH_LOGGER)) {
              patchLoggerCalls.add(member);
            }
          }

          private void note(String text) {
            if (text != null && text.contains(JUL_LOGGER + ";") || JUL_LOGGER.equals(text)) {
              julUsers.add(self);
            }
          }
        },
        ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
  }

  @Test
  void noClassInTheJarUsesTheJvmWideLogger() {
    assertEquals(List.of(), julUsers.stream().distinct().toList());
  }

  @Test
  void theLibrariesReallyCallPatchLogger() {
    assertTrue(patchLoggerCalls.contains("getLogger(Ljava/lang/String;)L" + PATCH_LOGGER + ";"), patchLoggerCalls.toString());
    assertTrue(
        patchLoggerCalls.contains("log(Ljava/util/logging/Level;Ljava/lang/String;Ljava/lang/Throwable;)V"),
        patchLoggerCalls.toString());
  }

  @Test
  void patchLoggerHasEveryMemberTheLibrariesCall() {
    Set<String> missing = new TreeSet<>(patchLoggerCalls);
    missing.removeAll(patchLoggerMembers);
    assertEquals(Set.of(), missing, "called on PatchLogger but not there (NoSuchMethodError at run time)");
  }

  @Test
  void nothingOfNetdropReachesTheApplicationsLogging() {
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .agentArgs("debug=true,log-level=trace") // JNA and the SDK say all they have to say
            .systemProperty("otel.metrics.exporter", "logging") // and the SDK writes through its logger
            .systemProperty("otel.metric.export.interval", "200")
            .mainClass(JulApp.class.getName())
            .start()) {
      jvm.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      jvm.awaitLine(l -> l.startsWith("netdrop: INFO LoggingMetricExporter - "), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      String records = jvm.stdout().get(jvm.stdout().size() - 1);
      assertAll(
          () -> assertEquals("app: ready", jvm.stdout().get(0), jvm.describe()),
          () -> assertTrue(records.startsWith("app: jul records from [app"), jvm.describe()),
          () -> assertFalse(
              records.contains("io.opentelemetry") || records.contains("com.sun.jna") || records.contains("io.netdrop"),
              jvm.describe()),
          // Their words are netdrop's lines now, at the level log-level allows.
          () -> assertTrue(jvm.stderr().stream().anyMatch(l -> l.startsWith("netdrop: DEBUG Native - ")), jvm.describe()));
    }
  }

  /**
   * slf4j-simple is bound only when a library has something to write at the level set: bound, it
   * keeps a SimpleDateFormat (for the "netdrop:" prefix) and the locale and time-zone data behind it
   * for the JVM's life. At the default level nothing writes, at debug JNA does.
   */
  @ParameterizedTest(name = "log-level={0}")
  @CsvSource({"warn, false", "debug, true"})
  void slf4jIsBoundOnlyOnceSomethingIsWritten(String level, boolean written, @TempDir Path dir) throws IOException {
    Path classLog = dir.resolve("classes.log");
    try (ForkedJvm jvm =
        ForkedJvm.builder()
            .agentArgs("log-level=" + level)
            .jvmArg("-Xlog:class+load=info:file=" + classLog)
            .mainClass(WaitingApp.class.getName())
            .start()) {
      jvm.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertEquals(written, jvm.stderr().stream().anyMatch(l -> l.startsWith("netdrop: DEBUG Native - ")), jvm.describe());
    }
    List<String> loaded;
    try (Stream<String> lines = Files.lines(classLog)) {
      loaded =
          lines.filter(l -> l.contains(" org.slf4j.simple.SimpleLogger ") || l.contains(" java.text.SimpleDateFormat "))
              .collect(Collectors.toList());
    }
    assertEquals(written ? 2 : 0, loaded.size(), loaded.toString());
  }
}
