package io.netdrop.agent.internal;

import io.netdrop.bootstrap.AgentPresence;
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
   */
  public static void start(Instrumentation inst, String agentArgs, boolean dynamicAttach) {
    NetdropConfig config = NetdropConfig.load(agentArgs);
    if (!config.enabled()) {
      return;
    }
    if (!AgentPresence.claim()) {
      throw new IllegalStateException("another netdrop agent is already running in this JVM");
    }
    if (config.debug()) {
      System.err.println("netdrop: debug: " + config + (dynamicAttach ? " (dynamic attach)" : ""));
      // Loads JNA in this class loader now, so a broken isolation or native extraction shows up
      // at start rather than at the first syscall.
      System.err.println("netdrop: debug: " + NativeAccess.describe());
    }
    System.err.println("netdrop: started");
  }
}
