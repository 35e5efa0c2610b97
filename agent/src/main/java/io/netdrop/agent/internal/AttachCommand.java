package io.netdrop.agent.internal;

import io.netdrop.config.ConfigException;
import io.netdrop.config.NetdropConfig;
import io.netdrop.kernel.Capabilities;
import io.netdrop.kernel.KernelFormatException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * {@code java -jar netdrop-agent.jar attach <pid> [key=value,...]}: loads this agent jar into a
 * running JVM with the JDK Attach API, passing the agent arguments.
 *
 * <p>Everything that can be checked before touching the target is checked first (the arguments,
 * that the process exists, runs a JVM, belongs to a user this command may attach to and has the
 * capabilities netdrop needs, that this Java runtime has {@code jdk.attach}), so each failure is
 * one line on stderr naming the cause.
 * The HotSpot attach handshake signals the target with SIGQUIT, which would kill a process that is
 * not a JVM: that is one more reason to look at the process before attaching.
 *
 * <p>Exit codes: {@value #OK} loaded; {@value #FAILED} attach or load failed; {@value #USAGE} bad
 * arguments; {@value #NO_JVM} no such process, or it is not a JVM.
 */
public final class AttachCommand {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NO_JVM = 3;

  static final String USAGE_LINE = "usage: java -jar netdrop-agent.jar attach <pid> [key=value,...]";
  private static final String ATTACH_MODULE = "jdk.attach";
  private static final String VIRTUAL_MACHINE = "com.sun.tools.attach.VirtualMachine";
  private static final int MIN_JAVA = 17;

  private final Path proc;
  private final long self;

  AttachCommand(Path proc, long self) {
    this.proc = proc;
    this.self = self;
  }

  /** Runs {@code attach} with the words after the command name; returns the exit code. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    return new AttachCommand(Paths.get("/proc"), ProcessHandle.current().pid()).execute(args, out, err);
  }

  int execute(List<String> args, PrintStream out, PrintStream err) {
    try {
      Request request = Request.parse(args);
      if (request.pid == self) {
        throw new Failure(USAGE, "cannot attach to this command's own process " + self);
      }
      Target target = inspect(request.pid);
      Path jar = agentJar(AttachCommand.class);
      String summary = attach(target, jar, request.agentArgs);
      out.println(summary);
      return OK;
    } catch (Failure f) {
      err.println("netdrop: " + oneLine(f.getMessage()));
      if (f.code == USAGE) {
        err.println(USAGE_LINE);
      }
      return f.code;
    }
  }

  /** The parsed command line: a process id and the agent arguments (null for none). */
  static final class Request {
    final long pid;
    final String agentArgs;

    private Request(long pid, String agentArgs) {
      this.pid = pid;
      this.agentArgs = agentArgs;
    }

    /**
     * @throws Failure with {@link #USAGE} for a missing or malformed pid, extra words, or agent
     *     arguments that name an unknown setting or an invalid value
     */
    static Request parse(List<String> args) {
      if (args.isEmpty()) {
        throw new Failure(USAGE, "attach needs the process id of a running JVM");
      }
      if (args.size() > 2) {
        throw new Failure(
            USAGE,
            "attach takes a pid and one comma-separated argument string, got "
                + args.size() + " words: " + String.join(" ", args));
      }
      long pid;
      try {
        pid = Long.parseLong(args.get(0).strip());
      } catch (NumberFormatException e) {
        throw new Failure(USAGE, "'" + args.get(0) + "' is not a process id");
      }
      if (pid <= 0) {
        throw new Failure(USAGE, "'" + args.get(0) + "' is not a process id (must be positive)");
      }
      String agentArgs = args.size() == 2 && !args.get(1).isBlank() ? args.get(1).strip() : null;
      try {
        // The target resolves them again with its own properties and environment; checking them
        // alone here catches typos before anything is loaded into someone else's JVM.
        NetdropConfig.load(agentArgs, Map.of(), Map.of()).requireValid();
      } catch (ConfigException e) {
        throw new Failure(USAGE, "bad agent arguments: " + e.getMessage());
      }
      return new Request(pid, agentArgs);
    }
  }

  /** What {@code /proc} says about the process we are about to attach to. */
  static final class Target {
    final long pid;
    final String name;
    final long uid;

    Target(long pid, String name, long uid) {
      this.pid = pid;
      this.name = name;
      this.uid = uid;
    }
  }

  /**
   * @throws Failure with {@link #NO_JVM} if the process does not exist or maps no libjvm.so, or
   *     {@link #FAILED} if it runs as a user this command may not attach to
   */
  Target inspect(long pid) {
    Path dir = proc.resolve(Long.toString(pid));
    Optional<String> status = read(dir.resolve("status"));
    if (status.isEmpty()) {
      throw new Failure(NO_JVM, "no process with pid " + pid);
    }
    String name = field(status.get(), "Name:").orElse("?");
    long uid = effectiveUid(status.get(), pid);
    long ourUid = effectiveUid(read(proc.resolve("self/status")).orElse(""), self);
    // The target JVM accepts an attach only from its own effective uid or root.
    if (ourUid != 0 && ourUid != uid) {
      throw new Failure(
          FAILED,
          "cannot attach to process " + pid + " (" + name + "): it runs as uid " + uid
              + " and this command as uid " + ourUid + "; run the command as "
              + (uid == 0 ? "root" : "uid " + uid + " or root"));
    }
    Optional<String> maps = read(dir.resolve("maps"));
    if (maps.isEmpty()) {
      // Unreadable (hardened /proc) or the process just exited: let the attach itself decide.
      return new Target(pid, name, uid);
    }
    if (!maps.get().contains("/libjvm.so")) {
      throw new Failure(NO_JVM, "process " + pid + " (" + name + ") is not a Java virtual machine (no libjvm.so mapped)");
    }
    // The agent would only print "not started" in the target's stderr, where the user may not look.
    String missing = missingCapabilities(status.get());
    if (!missing.isEmpty()) {
      throw new Failure(
          FAILED,
          "process " + pid + " (" + name + ") lacks " + missing
              + ", which netdrop needs in the JVM it runs in; nothing was loaded");
    }
    return new Target(pid, name, uid);
  }

  private static String missingCapabilities(String status) {
    try {
      return Capabilities.parse(status).missingForTracing();
    } catch (KernelFormatException e) {
      return ""; // no CapEff line: let the agent check for itself
    }
  }

  private static long effectiveUid(String status, long pid) {
    String[] ids = field(status, "Uid:").orElse("").split("\\s+");
    if (ids.length < 2) {
      throw new Failure(FAILED, "cannot read the user of process " + pid + " from /proc");
    }
    return Long.parseLong(ids[1]); // real, effective, saved, filesystem
  }

  private static Optional<String> field(String status, String key) {
    try (Stream<String> lines = status.lines()) {
      return lines.filter(l -> l.startsWith(key)).map(l -> l.substring(key.length()).strip()).findFirst();
    }
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * Returns the jar {@code type} was loaded from: the agent jar, which the agent class loader
   * gives every class as its code source.
   *
   * @throws Failure if {@code type} was not loaded from a jar file
   */
  static Path agentJar(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    Path path = null;
    try {
      path = location == null ? null : Paths.get(location.toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      // reported below
    }
    if (path == null || !Files.isRegularFile(path)) {
      throw new Failure(
          FAILED, "not running from the agent jar (classes come from " + location + "); run java -jar netdrop-agent.jar attach");
    }
    return path.toAbsolutePath();
  }

  /**
   * Attaches and loads the agent; returns the line saying what was done.
   *
   * <p>The Attach API is reached reflectively: {@code jdk.attach} is defined to the application
   * class loader, which the isolated agent class loader does not delegate to, and a JRE lacks it.
   */
  private static String attach(Target target, Path jar, String agentArgs) {
    Module module =
        ModuleLayer.boot()
            .findModule(ATTACH_MODULE)
            .orElseThrow(
                () ->
                    new Failure(
                        FAILED,
                        "this Java runtime (" + System.getProperty("java.home") + ") has no " + ATTACH_MODULE
                            + " module (a JRE, or --limit-modules); run the command with the java of a JDK"));
    String pid = Long.toString(target.pid);
    Class<?> vmClass;
    Object vm;
    try {
      vmClass = Class.forName(VIRTUAL_MACHINE, true, module.getClassLoader());
      vm = vmClass.getMethod("attach", String.class).invoke(null, pid);
    } catch (InvocationTargetException e) {
      throw attachFailure(target, e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw attachFailure(target, e);
    }
    try {
      Properties props = (Properties) call(vmClass, vm, "getSystemProperties");
      String javaVersion = props.getProperty("java.version", "?");
      if (featureVersion(props.getProperty("java.specification.version")) < MIN_JAVA) {
        throw new Failure(
            FAILED, "process " + pid + " runs Java " + javaVersion + "; netdrop needs Java " + MIN_JAVA + " or later");
      }
      vmClass.getMethod("loadAgent", String.class, String.class).invoke(vm, jar.toString(), agentArgs);
      return "netdrop: loaded " + jar + " into process " + pid + " (" + describe(props) + ")"
          + (agentArgs == null ? "" : " with arguments '" + agentArgs + "'")
          + "; it starts in the background and reports on that process's stderr";
    } catch (InvocationTargetException e) {
      throw loadFailure(target, e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (e instanceof Failure) {
        throw (Failure) e;
      }
      throw loadFailure(target, e);
    } finally {
      try {
        call(vmClass, vm, "detach");
      } catch (ReflectiveOperationException | RuntimeException e) {
        // The target drops the connection on its own; nothing for the user to do.
      }
    }
  }

  private static Object call(Class<?> type, Object target, String method) throws ReflectiveOperationException {
    return type.getMethod(method).invoke(target);
  }

  private static String describe(Properties props) {
    String command = props.getProperty("sun.java.command", "").strip();
    String main = command.isEmpty() ? "unknown main class" : command.split("\\s+")[0];
    return "Java " + props.getProperty("java.version", "?") + ", " + main;
  }

  private static int featureVersion(String specification) {
    if (specification == null) {
      return Integer.MAX_VALUE; // unknown: let the load itself decide
    }
    try {
      String s = specification.startsWith("1.") ? specification.substring(2) : specification;
      return Integer.parseInt(s.split("\\.")[0]);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  private static Failure attachFailure(Target target, Throwable cause) {
    String type = cause.getClass().getSimpleName();
    String hint =
        "AttachNotSupportedException".equals(type)
            ? " (a JVM started with -XX:+DisableAttachMechanism, or one that does not respond, refuses attach)"
            : "";
    return new Failure(
        FAILED,
        "cannot attach to process " + target.pid + " (" + target.name + "): " + message(cause) + hint);
  }

  private static Failure loadFailure(Target target, Throwable cause) {
    // AgentInitializationException: agentmain threw (ours never does); AgentLoadException and
    // IOException: the target could not load the jar or the connection broke.
    return new Failure(FAILED, "process " + target.pid + " could not load the agent: " + message(cause));
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** A failure with the exit code it maps to; its message is the line shown to the user. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;

    Failure(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}
