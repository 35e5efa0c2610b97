package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Native;
import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.testing.ForkedJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FileDescriptor-based events in a JVM where java.io is open to netdrop, as the agent arranges. */
class FileDescriptorsIT {
  private static Path codeSource(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static List<String> run(String... jvmArgs) throws Exception {
    ForkedJvm.Builder b = ForkedJvm.builder().withoutAgent()
        .classpath(ForkedJvm.moduleDir().resolve("target/test-classes"),
            ForkedJvm.moduleDir().resolve("target/classes"),
            codeSource(Native.class), codeSource(SocketEvents.class))
        .mainClass(FileDescriptorApp.class.getName());
    for (String a : jvmArgs) {
      b.jvmArg(a);
    }
    try (ForkedJvm jvm = b.start()) {
      assertEquals(0, jvm.waitFor(Duration.ofSeconds(60)), String.join("\n", jvm.stderr()));
      return jvm.stdout();
    }
  }

  @Test
  void readsTheDescriptorAndRecordsTheSocketWhenJavaIoIsOpen() throws Exception {
    List<String> out = run("--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
    assertEquals("available=true", out.get(0));
    assertEquals("stdout=1", out.get(1));
    assertEquals("fdMatches=true", out.get(2));
    assertEquals("inodeMatches=true", out.get(3));
    assertEquals(out.get(5).substring("expected=".length()), out.get(4).substring("record=".length()));
  }

  @Test
  void ignoresFileDescriptorsQuietlyWhenJavaIoIsClosed() throws Exception {
    List<String> out = run("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
    assertEquals("available=false", out.get(0));
    assertEquals("stdout=-1", out.get(1));
    assertEquals("record=none", out.get(4));
  }
}
