package io.netdrop.agent;

import com.sun.jna.Function;
import com.sun.jna.Native;
import java.lang.reflect.Field;

/**
 * An application with its own JNA on the class path, for ClassLoaderIsolationIT: it reports which
 * JNA it got, makes a native call with it, and tries to reach classes of the agent.
 */
public final class JnaApp {
  private JnaApp() {}

  public static void main(String[] args) throws Exception {
    // Native.VERSION is a compile-time constant: read it reflectively to get the loaded jar's value.
    Field version = Native.class.getField("VERSION"); // declared by a package-private interface
    version.setAccessible(true);
    System.out.println("app: jna version " + version.get(null));
    System.out.println("app: jna from " + Native.class.getProtectionDomain().getCodeSource().getLocation());
    System.out.println("app: getpid " + Function.getFunction("c", "getpid").invokeInt(new Object[0]));
    for (String agentClass : args) {
      try {
        Class.forName(agentClass);
        System.out.println("app: can load " + agentClass);
      } catch (ClassNotFoundException e) {
        System.out.println("app: cannot load " + agentClass);
      }
    }
  }
}
