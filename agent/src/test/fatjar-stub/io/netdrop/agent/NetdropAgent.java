package io.netdrop.agent;

import java.lang.instrument.Instrumentation;

/**
 * An "older" netdrop entry point with the name earlier agent jars used, as an application jar
 * might still bundle it: if the JVM ever ran it for the agent, the output would show it.
 */
public final class NetdropAgent {
  private NetdropAgent() {}

  public static void premain(String agentArgs, Instrumentation inst) {
    System.err.println("stub: the application's old NetdropAgent.premain ran");
    new AgentClassLoader("the application's copy");
  }

  public static void agentmain(String agentArgs, Instrumentation inst) {
    System.err.println("stub: the application's old NetdropAgent.agentmain ran");
  }
}
