package io.netdrop.agent.internal;

import com.sun.jna.Function;
import com.sun.jna.Native;
import io.netdrop.bootstrap.AgentPresence;
import io.netdrop.bpf.BpfException;
import io.netdrop.config.NetdropConfig;
import java.lang.instrument.Instrumentation;

/**
 * Starts netdrop inside the agent class loader. A stub for now: it resolves the configuration and
 * announces the start; loading and attaching the BPF program comes with the integration.
 */
public final class AgentStarter {
  private AgentStarter() {}

  /**
   * Starts netdrop; called reflectively by {@code NetdropAgent} for premain and agentmain.
   *
   * <p>Must not block the JVM: slow work belongs on a daemon thread. Any exception thrown here is
   * reported by the caller as a single "netdrop: not started" line.
   *
   * @throws io.netdrop.config.ConfigException if a setting is invalid
   * @throws BpfException if another netdrop agent already runs in this JVM
   */
  public static void start(Instrumentation inst, String agentArgs, boolean dynamicAttach) {
    NetdropConfig config = NetdropConfig.load(agentArgs);
    if (!config.enabled()) {
      return;
    }
    if (!AgentPresence.claim()) {
      throw new BpfException("another netdrop agent is already running in this JVM");
    }
    if (config.debug()) {
      System.err.println("netdrop: debug: " + config + (dynamicAttach ? " (dynamic attach)" : ""));
      // Loads JNA in this class loader now, so broken isolation or native extraction shows up at
      // start rather than at the first syscall.
      System.err.println("netdrop: debug: " + describeJna());
    }
    System.err.println("netdrop: started");
  }

  /** Makes one native call; returns e.g. {@code JNA 5.19.1 (native 7.0.4), getpid()=42, from jar:...}. */
  private static String describeJna() {
    int pid = Function.getFunction("c", "getpid").invokeInt(new Object[0]);
    return "JNA " + Native.VERSION + " (native " + Native.VERSION_NATIVE + "), getpid()=" + pid
        + ", from " + AgentStarter.class.getClassLoader().getResource("com/sun/jna/Native.class");
  }
}
