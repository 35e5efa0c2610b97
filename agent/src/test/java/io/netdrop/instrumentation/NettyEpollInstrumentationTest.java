package io.netdrop.instrumentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Netty's epoll transport, matched by name, instrumented inside this test JVM. */
class NettyEpollInstrumentationTest {
  private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
  private static SocketInstrumentation instrumentation;

  @BeforeAll
  static void install() {
    instrumentation =
        SocketInstrumentation.install(TestInstrumentation.get(), new PrintStream(LOG, true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void uninstall() {
    instrumentation.uninstall();
  }

  @AfterEach
  void stopRecording() {
    RecordingEvents.uninstall();
  }

  @Test
  void epollClientAndServerReportEachSocketsLifeCycleWithTheirRealDescriptors() throws Exception {
    NettyScenarios.epollClientAndServer(RecordingEvents.install());
    assertEquals(List.of(), instrumentation.problems(), LOG.toString(StandardCharsets.UTF_8));
    assertTrue(
        instrumentation.instrumentedClasses().containsAll(NettySocketHooks.all().keySet()),
        "instrumented: " + instrumentation.instrumentedClasses());
  }
}
