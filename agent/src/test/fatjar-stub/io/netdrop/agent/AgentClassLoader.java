package io.netdrop.agent;

/** An "older" AgentClassLoader whose constructor differs from the real one's. */
public final class AgentClassLoader extends ClassLoader {
  public AgentClassLoader(String name) {
    super(name, null);
    System.err.println("stub: the application's old AgentClassLoader was created");
  }
}
