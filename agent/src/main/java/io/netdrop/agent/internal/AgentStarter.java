package io.netdrop.agent.internal;

import com.sun.jna.Function;
import com.sun.jna.Native;
import io.netdrop.bootstrap.AgentPresence;
import io.netdrop.bpf.BpfException;
import io.netdrop.config.NetdropConfig;
import io.netdrop.logging.AgentLogging;
import java.io.PrintStream;
import java.lang.instrument.Instrumentation;

/**
 * Starts netdrop inside the agent class loader. Only the configuration is read on the caller's
 * thread; the kernel work runs on a daemon thread so the application's start is never delayed,
 * and any failure there is reported as one line while the application runs on.
 */
public final class AgentStarter {
  private AgentStarter() {}

  /**
   * Starts netdrop; called reflectively by {@code AgentEntryPoint} for premain and agentmain.
   *
   * @throws BpfException if another netdrop agent already runs in this JVM
   */
  public static void start(Instrumentation inst, String agentArgs, boolean dynamicAttach) {
    NetdropConfig config = NetdropConfig.load(agentArgs);
    if (!config.enabled()) {
      return;
    }
    AgentLogging.configure(config.logLevel()); // before JNA or the OpenTelemetry SDK log anything
    if (!AgentPresence.claim()) {
      throw new BpfException("another netdrop agent is already running in this JVM");
    }
    PrintStream log = System.err;
    config.problems().forEach(p -> log.println("netdrop: " + p)); // each setting with a problem has its default
    if (config.debug()) {
      log.println("netdrop: debug: " + config + (dynamicAttach ? " (dynamic attach)" : ""));
      // Loads JNA in this class loader now, so broken isolation or native extraction shows up at
      // start rather than at the first syscall.
      log.println("netdrop: debug: " + describeJna());
    }
    Thread starter = new Thread(() -> run(config, inst, log), "netdrop-start");
    starter.setDaemon(true);
    starter.start();
  }

  private static void run(NetdropConfig config, Instrumentation inst, PrintStream log) {
    // An OpenTelemetry Java agent named after netdrop on the command line must have installed its
    // bridge before netdrop's OpenTelemetry API copy first runs, or netdrop never sees its spans
    // (OtelJavaAgent). The application's main waits for every premain too, so this loses nothing
    // of the application; without later agents it costs two polls.
    if (!OtelJavaAgent.awaitPremainsDone(OtelJavaAgent.DEFAULT_PREMAIN_TIMEOUT)) {
      log.println(
          "netdrop: another agent's premain still runs after " + OtelJavaAgent.DEFAULT_PREMAIN_TIMEOUT.toSeconds()
              + " s; starting anyway (an OpenTelemetry Java agent may then not see netdrop's drops)");
    }
    NetdropRuntime runtime;
    try {
      runtime = NetdropRuntime.start(config, inst, log);
    } catch (Throwable t) {
      log.println(
          "netdrop: not started: " + describe(t) + "; the application continues without netdrop");
      return;
    }
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "netdrop-shutdown"));
    } catch (IllegalStateException shuttingDown) {
      runtime.close(); // the application finished before netdrop was ready
      return;
    }
    runtime.announce();
  }

  /** Makes one native call; e.g. {@code JNA 5.19.1 (native 7.0.4), getpid()=42, from jar:...}. */
  private static String describeJna() {
    int pid = Function.getFunction("c", "getpid").invokeInt(new Object[0]);
    return "JNA " + Native.VERSION + " (native " + Native.VERSION_NATIVE + "), getpid()=" + pid
        + ", from " + AgentStarter.class.getClassLoader().getResource("com/sun/jna/Native.class");
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.toString() : m;
  }
}
