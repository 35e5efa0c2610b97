package io.netdrop.agent;

/** A tiny application for the forked-JVM tests: reports what it can see, then exits 0. */
public final class HelloApp {
  private HelloApp() {}

  public static void main(String[] args) {
    System.out.println("app: hello");
    System.out.println("app: bootstrap class " + (bootstrapSees("io.netdrop.bootstrap.AgentPresence") ? "visible" : "missing"));
  }

  private static boolean bootstrapSees(String name) {
    try {
      Class.forName(name, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
