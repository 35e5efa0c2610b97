package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;

/**
 * The getpeername() call of the accept hook, through the JDK's JNI method and through JNA, on
 * real sockets (no BPF: CreationSlotsIT proves the kernel side). An IT because it opens {@code
 * java.io} and {@code sun.nio.ch} in its JVM, which unit tests check are closed.
 */
class GetpeernameIT {
  @Test
  void theJdksCallIsTakenWhereInstrumentationOpensSunNioCh() {
    Instrumentation inst = ByteBuddyAgent.install();
    Getpeername call = Getpeername.open(inst, FileDescriptors.open(inst));
    assertNotSame(Getpeername.jna(), call);
    assertTrue(call.jdk());
    answersOnlyForAConnectedSocket(call);
    assertTrue(call.jdk(), "no call fell back to JNA");
  }

  @Test
  void jnasCallAnswersTheSame() {
    assertFalse(Getpeername.jna().jdk());
    answersOnlyForAConnectedSocket(Getpeername.jna());
  }

  @Test
  void withoutReadableDescriptorsItIsJnasCall() {
    Instrumentation inst = ByteBuddyAgent.install();
    // A native socket has only a number, which the JDK's method cannot take without a descriptor.
    assertSame(Getpeername.jna(), Getpeername.open(inst, FileDescriptors.unavailable()));
  }

  private static void answersOnlyForAConnectedSocket(Getpeername call) {
    FileDescriptors fds = FileDescriptors.reflective();
    int listener = SocketCalls.nativeTcpSocket();
    int client = SocketCalls.nativeTcpSocket();
    int unconnected = SocketCalls.nativeTcpSocket();
    int accepted = -1;
    try {
      int port = SocketCalls.bindLoopbackV4(listener);
      assertTrue(SocketCalls.listen(listener, 1));
      assertTrue(SocketCalls.connectLoopbackV4(client, port));
      accepted = SocketCalls.acceptNative(listener);
      assertTrue(call.call(accepted, null), "an accepted socket, by number");
      if (fds.available()) {
        assertTrue(call.call(accepted, fds.wrap(accepted)), "an accepted socket, by descriptor");
      }
      assertTrue(call.call(client, null), "a connected client");
      assertFalse(call.call(unconnected, null), "no peer: ENOTCONN");
      assertFalse(call.call(listener, null), "a listener has no peer");
      assertFalse(call.call(-1, null));
    } finally {
      for (int fd : new int[] {client, accepted, listener, unconnected}) {
        if (fd >= 0) {
          SocketCalls.closeNative(fd);
        }
      }
    }
  }
}
