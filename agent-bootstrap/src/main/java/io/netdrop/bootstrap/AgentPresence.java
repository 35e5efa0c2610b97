package io.netdrop.bootstrap;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records, once per JVM, that a netdrop agent has started.
 *
 * <p>This class is loaded by the bootstrap class loader, so there is exactly one copy of it in the
 * JVM even when the agent is given twice ({@code -javaagent} twice, or {@code -javaagent} plus a
 * dynamic attach): each copy of the agent has its own isolated class loader, but they all see this
 * class. Only the first {@link #claim()} wins, which keeps two loaders from attaching the same BPF
 * program twice.
 */
public final class AgentPresence {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private AgentPresence() {}

  /**
   * Claims the right to start netdrop in this JVM.
   *
   * @return {@code true} for the first caller in this JVM, {@code false} for every later caller
   */
  public static boolean claim() {
    return STARTED.compareAndSet(false, true);
  }

  /** Returns whether some agent has already claimed this JVM. */
  public static boolean isClaimed() {
    return STARTED.get();
  }
}
