package io.netdrop.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * Entry point of the netdrop agent jar: {@code -javaagent:netdrop-agent.jar[=key=value,...]},
 * dynamic attach, and {@code java -jar netdrop-agent.jar <command>}.
 *
 * <p>This class and {@link AgentClassLoader} are the only classes the system class loader loads
 * from the agent jar. Everything else is loaded by an {@link AgentClassLoader}, so an application
 * that bundles its own JNA (or any other library we use) keeps its own version.
 *
 * <p>Starting the agent never throws into the JVM and never blocks it: when netdrop cannot start
 * (not Linux, a bad setting, any error) it prints exactly one line to stderr, {@code netdrop: not
 * started: <reason>; the application continues without netdrop}, and returns.
 */
public final class NetdropAgent {
  private static final String STARTER = "io.netdrop.agent.internal.AgentStarter";
  private static final String CLI = "io.netdrop.agent.internal.Cli";

  private NetdropAgent() {}

  /** Called by the JVM for {@code -javaagent}; returns normally in every case. */
  public static void premain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, false);
  }

  /** Called by the JVM on dynamic attach; returns normally in every case. */
  public static void agentmain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, true);
  }

  /** Runs a command-line subcommand ({@code help}, {@code version}, {@code doctor}) and exits with its code. */
  public static void main(String[] args) {
    int code;
    try {
      AgentClassLoader loader = new AgentClassLoader(openAgentJar());
      Method run = loader.loadClass(CLI).getMethod("run", String[].class);
      code = (Integer) run.invoke(null, (Object) args);
    } catch (Throwable t) {
      System.err.println("netdrop: " + reason(unwrap(t)));
      code = 1;
    }
    System.exit(code);
  }

  private static void start(String agentArgs, Instrumentation inst, boolean dynamicAttach) {
    try {
      String os = System.getProperty("os.name", "");
      if (!os.startsWith("Linux")) {
        notStarted("the operating system is '" + os + "', not Linux (netdrop needs Linux eBPF)");
        return;
      }
      JarFile agentJar = openAgentJar();
      AgentClassLoader loader = new AgentClassLoader(agentJar);
      // After this, io.netdrop.bootstrap classes resolve to one bootstrap-loaded copy for every
      // class loader, including advice woven into JDK classes.
      inst.appendToBootstrapClassLoaderSearch(agentJar);
      loader
          .loadClass(STARTER)
          .getMethod("start", Instrumentation.class, String.class, boolean.class)
          .invoke(null, inst, agentArgs, dynamicAttach);
    } catch (Throwable t) {
      notStarted(reason(unwrap(t)));
    }
  }

  private static JarFile openAgentJar() throws Exception {
    CodeSource source = NetdropAgent.class.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    if (location == null) {
      throw new IllegalStateException("cannot find the agent jar: " + NetdropAgent.class + " has no code source");
    }
    File file;
    try {
      file = new File(location.toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot find the agent jar: unusable location " + location, e);
    }
    if (!file.isFile()) {
      throw new IllegalStateException("cannot find the agent jar: " + file + " is not a jar file");
    }
    return new JarFile(file, false);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof InvocationTargetException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String reason(Throwable t) {
    String message = t.getMessage();
    String text = message == null || message.isBlank() ? t.getClass().getName() : message;
    // An exception from our own code already names what is wrong; for anything else the type helps.
    if (message != null && !t.getClass().getName().startsWith("io.netdrop.")) {
      text = t.getClass().getSimpleName() + ": " + message;
    }
    return text;
  }

  private static void notStarted(String reason) {
    // One line, whatever the message holds, so log scrapers see one event.
    String line = reason.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    System.err.println("netdrop: not started: " + line + "; the application continues without netdrop");
  }
}
