package io.netdrop.agent.internal;

import com.sun.jna.Function;
import com.sun.jna.Native;

/** Loads JNA's native dispatch library and describes which copy of JNA the agent uses. */
final class NativeAccess {
  private NativeAccess() {}

  /**
   * Makes one native call and returns e.g. {@code JNA 5.19.1 (native 7.0.3), getpid()=42, from
   * jar:file:/.../netdrop-agent.jar!/inst/com/sun/jna/Native.classdata}.
   */
  static String describe() {
    int pid = Function.getFunction("c", "getpid").invokeInt(new Object[0]);
    return "JNA " + Native.VERSION + " (native " + Native.VERSION_NATIVE + "), getpid()=" + pid
        + ", from " + NativeAccess.class.getClassLoader().getResource("com/sun/jna/Native.class");
  }
}
