// A JVM that does nothing but wait for stdin to close: the host for the agent in benchmarks.
public class IdleApp {
  public static void main(String[] args) throws Exception {
    System.out.println("idle: ready");
    while (System.in.read() >= 0) {}
  }
}
