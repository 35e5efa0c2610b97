package io.netdrop.instrumentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The exact bridge calls of JDK socket APIs, instrumented inside this test JVM. */
class JdkSocketInstrumentationTest {
  private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
  private static SocketInstrumentation instrumentation;
  private RecordingEvents recorder;

  @BeforeAll
  static void install() {
    instrumentation =
        SocketInstrumentation.install(TestInstrumentation.get(), new PrintStream(LOG, true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void uninstall() {
    instrumentation.uninstall();
  }

  @BeforeEach
  void record() {
    recorder = RecordingEvents.install();
  }

  @AfterEach
  void stopRecording() {
    RecordingEvents.uninstall();
  }

  @Test
  void installsWithoutProblemsAndInstrumentsTheLoadedJdkSocketClasses() {
    assertEquals(List.of(), instrumentation.problems());
    assertEquals("", LOG.toString(StandardCharsets.UTF_8));
    assertTrue(
        instrumentation.instrumentedClasses().containsAll(JdkSocketHooks.all().keySet()),
        "instrumented: " + instrumentation.instrumentedClasses());
  }

  @Test
  void socketConnectToClosedPortReportsOpenedConnectingClosing() throws Exception {
    SocketScenarios.socketConnectToClosedPort(recorder);
  }

  @Test
  void socketAndServerSocketReportOpenedBoundAcceptedUsedClosingWithRealDescriptors() throws Exception {
    SocketScenarios.socketAndServerSocket(recorder);
  }

  @Test
  void socketChannelsReportTheSameLifeCycleWithTheChannelsDescriptors() throws Exception {
    SocketScenarios.socketChannels(recorder);
  }

  @Test
  void nonBlockingConnectIsBoundOnceWhenFinishConnectCompletes() throws Exception {
    SocketScenarios.nonBlockingSocketChannelConnect(recorder);
  }

  @Test
  void datagramChannelIsBoundByItsFirstSend() throws Exception {
    SocketScenarios.datagramChannels(recorder);
  }

  @Test
  void datagramSocketIsBoundOnBindAndByItsFirstSend() throws Exception {
    SocketScenarios.datagramSocket(recorder);
  }

  @Test
  void unixDomainSocketChannelsReportKindUnix() throws Exception {
    SocketScenarios.unixDomainSocketChannels(recorder);
  }

  @Test
  void aFailingCallbackNeverReachesTheApplication() throws Exception {
    RecordingEvents.installThrowing();
    int port;
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = listener.getLocalPort();
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
          Socket server = listener.accept()) {
        client.getOutputStream().write(1);
        assertEquals(1, server.getInputStream().read());
      }
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (ConnectException expected) {
      // the application sees its own exception, not netdrop's
    }
  }
}
