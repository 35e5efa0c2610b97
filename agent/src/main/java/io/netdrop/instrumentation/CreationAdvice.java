package io.netdrop.instrumentation;

import io.netdrop.bootstrap.NetdropBridge;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code sun.nio.ch.Net.socket}/{@code serverSocket}: a socket is about to be
 * created on this thread, so the kernel may register it inside socket(2) (see {@code
 * io.netdrop.sockets.CreationSlots}). Only bootstrap classes may be referenced here.
 */
final class CreationAdvice {
  private CreationAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter() {
    NetdropBridge.creating();
  }
}
