package io.netdrop.agent;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;

/**
 * Entry point of the netdrop agent jar: {@code -javaagent:netdrop-agent.jar[=key=value,...]},
 * dynamic attach, and {@code java -jar netdrop-agent.jar <command>}; {@link OtelExtension} starts
 * netdrop through it inside the OpenTelemetry Java agent.
 *
 * <p>The JVM loads this class through the system class loader, which searches the application's
 * class path before the agent jar. An application jar that bundles netdrop's classes (a shaded
 * "fat" jar) must therefore never decide what runs as the agent:
 *
 * <ul>
 *   <li>This class is not in the {@code netdrop-agent} library artifact, only in the agent jar, and
 *       its name differs from the entry point of earlier builds ({@code NetdropAgent}), so shading
 *       the library, of this or an older version, leaves the JVM nothing to pick but this jar's copy.
 *   <li>Should an application bundle this class anyway (the agent jar itself, shaded), the copy that
 *       runs finds the real agent jar (the last netdrop agent jar on the system class path, where
 *       the JVM appends {@code -javaagent} and attached jars) and loads everything from that file.
 *   <li>It refers to no other netdrop class by name: {@link AgentClassLoader} and all that follows
 *       are loaded from the agent jar by its path, never through the system class loader.
 * </ul>
 *
 * <p>What this class needs from the agent jar is its contract with other versions of itself: the
 * manifest names it as {@code Premain-Class}, {@value #LOADER} has a public {@code (JarFile)}
 * constructor, and {@value #STARTER} and {@value #CLI} keep their entry methods.
 *
 * <p>When the OpenTelemetry Java agent's {@code otel.javaagent.extensions} names a netdrop agent
 * jar, netdrop runs inside that agent ({@link OtelExtension}) and premain only says so in one line:
 * appended to the bootstrap class path by premain, this jar would make the OTel agent fail to load
 * its extension and to start.
 *
 * <p>Starting the agent never throws into the JVM and never blocks it: when netdrop cannot start
 * (not Linux, no agent jar, any error) it prints exactly one line to stderr,
 * {@code netdrop: not started: <reason>; the application continues without netdrop}, and returns.
 */
public final class AgentEntryPoint {
  private static final String LOADER = "io.netdrop.agent.AgentClassLoader";
  private static final String STARTER = "io.netdrop.agent.internal.AgentStarter";
  private static final String CLI = "io.netdrop.agent.internal.Cli";
  /** An entry that only a laid-out agent jar holds (not the library artifact, not a fat jar). */
  private static final String AGENT_JAR_MARKER = "inst/io/netdrop/agent/internal/AgentStarter.classdata";
  /** The OpenTelemetry Java agent's setting that lists extension jars and directories. */
  static final String OTEL_EXTENSIONS = "otel.javaagent.extensions";
  private static final String OTEL_CONFIGURATION_FILE = "otel.javaagent.configuration-file";
  private static final String SELF_RESOURCE = AgentEntryPoint.class.getName().replace('.', '/') + ".class";

  private AgentEntryPoint() {}

  /** Called by the JVM for {@code -javaagent}; returns normally in every case. */
  public static void premain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, false);
  }

  /** Called by the JVM on dynamic attach; returns normally in every case. */
  public static void agentmain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, true);
  }

  /** Runs a command-line subcommand ({@code help}, {@code version}, {@code doctor}, {@code attach}) and exits with its code. */
  public static void main(String[] args) {
    System.exit(runCli(args));
  }

  private static int runCli(String[] args) {
    try {
      JarFile agentJar = findAgentJar();
      if (agentJar == null) {
        System.err.println("netdrop: " + noAgentJar());
        return 1;
      }
      Method run = agentClassLoader(agentJar).loadClass(CLI).getMethod("run", String[].class);
      return (Integer) run.invoke(null, (Object) args);
    } catch (Throwable t) {
      System.err.println("netdrop: " + reason(unwrap(t)));
      return 1;
    }
  }

  private static void start(String agentArgs, Instrumentation inst, boolean dynamicAttach) {
    try {
      if (!onLinux()) {
        return;
      }
      JarFile agentJar = findAgentJar();
      if (agentJar == null) {
        // Nothing was added to any class path: the application runs exactly as without netdrop.
        notStarted(noAgentJar());
        return;
      }
      File extension = dynamicAttach ? null : netdropJarAmong(otelExtensions());
      if (extension != null) {
        // Appended to the bootstrap class path now, this jar would hand the OTel agent's extension
        // loader (which asks the bootstrap loader first) an OtelExtension it cannot link, and the
        // OTel agent would fail to start. netdrop starts inside that agent instead.
        agentJar.close();
        System.err.println(
            "netdrop: -javaagent ignored: " + OTEL_EXTENSIONS + " names the netdrop agent jar " + extension
                + ", which starts netdrop inside the OpenTelemetry Java agent");
        return;
      }
      startFrom(agentJar, agentArgs, inst, dynamicAttach);
    } catch (Throwable t) {
      notStarted(reason(unwrap(t)));
    }
  }

  /**
   * Starts netdrop from {@code agentFile} inside the OpenTelemetry Java agent, with settings from
   * {@code -Dnetdrop.*} and {@code NETDROP_*} only; called by {@link OtelExtension}. Returns
   * normally in every case, like premain.
   */
  static void startAsExtension(File agentFile, Instrumentation inst) {
    try {
      if (!onLinux()) {
        return;
      }
      if (!isAgentJar(agentFile)) {
        notStarted(agentFile + " is not a netdrop agent jar");
        return;
      }
      startFrom(new JarFile(agentFile, false), null, inst, false);
    } catch (Throwable t) {
      notStarted(reason(unwrap(t)));
    }
  }

  private static boolean onLinux() {
    String os = System.getProperty("os.name", "");
    if (!os.startsWith("Linux")) {
      notStarted("the operating system is '" + os + "', not Linux (netdrop needs Linux eBPF)");
      return false;
    }
    return true;
  }

  private static void startFrom(JarFile agentJar, String agentArgs, Instrumentation inst, boolean dynamicAttach)
      throws Exception {
    // Loaded before the jar joins the bootstrap class path, so AgentClassLoader comes from the
    // holder below (this jar) rather than from whatever that path holds.
    ClassLoader loader = agentClassLoader(agentJar);
    // After this, io.netdrop.bootstrap classes resolve to one bootstrap-loaded copy for every
    // class loader, including advice woven into JDK classes, and an application's bundled copy
    // of them is never used (parents are asked first).
    inst.appendToBootstrapClassLoaderSearch(agentJar);
    loader
        .loadClass(STARTER)
        .getMethod("start", Instrumentation.class, String.class, boolean.class)
        .invoke(null, inst, agentArgs, dynamicAttach);
  }

  /**
   * Returns the netdrop agent jar to run: the one this class was loaded from if that is an agent
   * jar, else the last agent jar on the system class path, else null.
   */
  private static JarFile findAgentJar() throws IOException {
    File own = ownLocation();
    if (own != null && isAgentJar(own)) {
      return new JarFile(own, false);
    }
    // The application's class path holds a copy of this class. The JVM appends the -javaagent
    // (or attached) jar to the end of the system class path, so the real jar is the last
    // netdrop agent jar among all the copies.
    List<File> candidates = copiesOnSystemClassPath();
    Collections.reverse(candidates);
    for (File candidate : candidates) {
      if (isAgentJar(candidate)) {
        return new JarFile(candidate, false);
      }
    }
    return null;
  }

  private static String noAgentJar() {
    File own = ownLocation();
    return "the entry point " + AgentEntryPoint.class.getName() + " was loaded from "
        + (own == null ? "an unknown location" : own.toString())
        + ", which is not a netdrop agent jar (does the application jar bundle netdrop's classes?), and no netdrop"
        + " agent jar is on the system class path; remove io/netdrop/agent/ from the application jar";
  }

  /** The jar or directory this class was loaded from, or null if unknown. */
  private static File ownLocation() {
    CodeSource source = AgentEntryPoint.class.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    return location == null ? null : toFile(location);
  }

  private static List<File> copiesOnSystemClassPath() throws IOException {
    List<File> jars = new ArrayList<>();
    Enumeration<URL> copies = ClassLoader.getSystemClassLoader().getResources(SELF_RESOURCE);
    while (copies.hasMoreElements()) {
      URL copy = copies.nextElement();
      if (!"jar".equals(copy.getProtocol())) {
        continue; // a class directory: never an agent jar
      }
      // Only parses the URL (jar:<file url>!/entry); nothing is opened here.
      JarURLConnection connection = (JarURLConnection) copy.openConnection();
      File jar = toFile(connection.getJarFileURL());
      if (jar != null) {
        jars.add(jar);
      }
    }
    return jars;
  }

  private static File toFile(URL url) {
    if (!"file".equals(url.getProtocol())) {
      return null;
    }
    try {
      return new File(url.toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The OpenTelemetry Java agent's extensions setting, read as that agent reads it: system
   * property, environment variable, then its configuration file; null if unset.
   */
  static String otelExtensions() {
    String value = otelSetting(OTEL_EXTENSIONS);
    if (value != null) {
      return value;
    }
    String file = otelSetting(OTEL_CONFIGURATION_FILE);
    if (file == null) {
      return null;
    }
    Properties properties = new Properties();
    Path path = Paths.get(file.replaceFirst("^~", Matcher.quoteReplacement(System.getProperty("user.home", "~"))));
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | RuntimeException e) {
      return null; // the OTel agent itself reports an unreadable configuration file
    }
    return properties.getProperty(OTEL_EXTENSIONS);
  }

  private static String otelSetting(String name) {
    String value = System.getProperty(name);
    return value != null ? value : System.getenv(name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_'));
  }

  /** The last netdrop agent jar among the jars an extensions setting names, or null. */
  static File netdropJarAmong(String extensions) {
    File found = null;
    for (File jar : extensionJars(extensions)) {
      if (isAgentJar(jar)) {
        found = jar;
      }
    }
    return found;
  }

  /** The jars an extensions setting names: comma-separated jars and directories of jars, as the OTel agent reads it. */
  static List<File> extensionJars(String extensions) {
    List<File> jars = new ArrayList<>();
    for (String location : extensions == null ? new String[0] : extensions.split(",")) {
      File file = new File(location);
      if (location.isEmpty()) {
        continue;
      } else if (file.isDirectory()) {
        File[] inside = file.listFiles(f -> f.isFile() && f.getName().endsWith(".jar"));
        if (inside != null) {
          Arrays.sort(inside);
          jars.addAll(Arrays.asList(inside));
        }
      } else if (file.isFile() && file.getName().endsWith(".jar")) {
        jars.add(file);
      }
    }
    return jars;
  }

  /** A netdrop agent jar: a file whose manifest names this class as the agent and that holds the {@code inst/} layout. */
  static boolean isAgentJar(File file) {
    if (!file.isFile()) {
      return false;
    }
    try (JarFile jar = new JarFile(file, false)) {
      Manifest manifest = jar.getManifest();
      return manifest != null
          && AgentEntryPoint.class.getName().equals(manifest.getMainAttributes().getValue("Premain-Class"))
          && jar.getJarEntry(AGENT_JAR_MARKER) != null;
    } catch (IOException | SecurityException e) {
      return false; // not a readable jar: not ours
    }
  }

  /** Creates the agent's {@link AgentClassLoader}, its class read from {@code agentJar} itself. */
  private static ClassLoader agentClassLoader(JarFile agentJar) throws Exception {
    URL location = new File(agentJar.getName()).toURI().toURL();
    // The holder sees the agent jar's top level (this class, AgentClassLoader, the bootstrap
    // bridge) and the JDK, never the application; it stays open as AgentClassLoader's definer.
    @SuppressWarnings("resource")
    URLClassLoader holder =
        new URLClassLoader("netdrop-agent-entry", new URL[] {location}, ClassLoader.getPlatformClassLoader());
    Class<?> loaderClass = Class.forName(LOADER, true, holder);
    return (ClassLoader) loaderClass.getConstructor(JarFile.class).newInstance(agentJar);
  }

  static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof InvocationTargetException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  static String reason(Throwable t) {
    String message = t.getMessage();
    String text = message == null || message.isBlank() ? t.getClass().getName() : message;
    // An exception from our own code already names what is wrong; for anything else the type
    // helps.
    if (message != null && !t.getClass().getName().startsWith("io.netdrop.")) {
      text = t.getClass().getSimpleName() + ": " + message;
    }
    return text;
  }

  static void notStarted(String reason) {
    // One line, whatever the message holds, so log scrapers see one event.
    String line = reason.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    System.err.println("netdrop: not started: " + line + "; the application continues without netdrop");
  }
}
