package io.netdrop.agent;

import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;

/**
 * netdrop as an extension of the OpenTelemetry Java agent, from the same jar:
 * {@code java -javaagent:opentelemetry-javaagent.jar -Dotel.javaagent.extensions=netdrop-agent.jar}.
 *
 * <p>The OTel agent finds this class through {@code META-INF/services} at the top level of the
 * netdrop agent jar and calls {@link #afterAgent} at the end of its premain, once its SDK is set up.
 * netdrop then starts as with {@code -javaagent}, with its settings from {@code -Dnetdrop.*} and
 * {@code NETDROP_*}, and its copy of the OpenTelemetry API is bridged to the agent's SDK the same
 * way as beside the agent. When netdrop cannot start it prints one line and the agent and the
 * application run on.
 *
 * <p>The OTel agent loads this class from its own extension class loader, through a URL that is
 * not the jar file's, so the jar is found again by the setting that named it: {@value
 * #EXTENSIONS} (system property, then {@code OTEL_JAVAAGENT_EXTENSIONS}, then the agent's
 * configuration file), a comma-separated list of jars and directories of jars. An extension
 * embedded in the OTel agent jar ({@code extensions/}) is not supported.
 */
public final class OtelExtension implements AgentListener {
  /** The OTel agent's setting that lists extension jars and directories. */
  static final String EXTENSIONS = "otel.javaagent.extensions";
  private static final String CONFIGURATION_FILE = "otel.javaagent.configuration-file";
  /** Holds the agent's Instrumentation; on the bootstrap class path since the agent's premain. */
  private static final String INSTRUMENTATION_HOLDER = "io.opentelemetry.javaagent.bootstrap.InstrumentationHolder";

  /** Called by {@link java.util.ServiceLoader}. */
  public OtelExtension() {}

  /** Starts netdrop; returns normally in every case. The SDK is not used: netdrop's API copy is bridged to it. */
  @Override
  public void afterAgent(AutoConfiguredOpenTelemetrySdk sdk) {
    try {
      Instrumentation inst = instrumentation();
      if (inst == null) {
        AgentEntryPoint.notStarted("the OpenTelemetry Java agent holds no Instrumentation (" + INSTRUMENTATION_HOLDER + ")");
        return;
      }
      String setting = setting(EXTENSIONS);
      File jar = netdropJar(setting);
      if (jar == null) {
        AgentEntryPoint.notStarted(
            "no netdrop agent jar among the OpenTelemetry Java agent's extensions (" + EXTENSIONS + "=" + setting + ")");
        return;
      }
      AgentEntryPoint.startAsExtension(jar, inst);
    } catch (Throwable t) {
      AgentEntryPoint.notStarted(AgentEntryPoint.reason(AgentEntryPoint.unwrap(t)));
    }
  }

  private static Instrumentation instrumentation() throws ReflectiveOperationException {
    // By name, so building netdrop needs no OTel agent internals; null: the bootstrap class path.
    Class<?> holder = Class.forName(INSTRUMENTATION_HOLDER, false, null);
    return (Instrumentation) holder.getMethod("getInstrumentation").invoke(null);
  }

  /** The last netdrop agent jar among the extensions, or null. */
  static File netdropJar(String extensions) {
    File found = null;
    for (File candidate : extensionJars(extensions)) {
      if (AgentEntryPoint.isAgentJar(candidate)) {
        found = candidate;
      }
    }
    return found;
  }

  /** The jars an extensions setting names, read as the OTel agent reads it. */
  static List<File> extensionJars(String extensions) {
    List<File> jars = new ArrayList<>();
    if (extensions == null) {
      return jars;
    }
    for (String location : extensions.split(",")) {
      if (location.isEmpty()) {
        continue;
      }
      File file = new File(location);
      if (file.isDirectory()) {
        File[] inDirectory = file.listFiles(f -> f.isFile() && f.getName().endsWith(".jar"));
        if (inDirectory != null) {
          Arrays.sort(inDirectory);
          jars.addAll(Arrays.asList(inDirectory));
        }
      } else if (file.isFile() && file.getName().endsWith(".jar")) {
        jars.add(file);
      }
    }
    return jars;
  }

  /** An OTel agent setting: system property, then environment variable, then configuration file. */
  private static String setting(String name) {
    String value = System.getProperty(name);
    if (value == null) {
      value = System.getenv(name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_'));
    }
    return value != null ? value : configurationFile().getProperty(name);
  }

  private static Properties configurationFile() {
    Properties properties = new Properties();
    String path = System.getProperty(CONFIGURATION_FILE);
    if (path == null) {
      path = System.getenv("OTEL_JAVAAGENT_CONFIGURATION_FILE");
    }
    if (path == null) {
      return properties;
    }
    File file = new File(path.replaceFirst("^~", Matcher.quoteReplacement(System.getProperty("user.home"))));
    try (InputStream in = Files.newInputStream(file.toPath());
        InputStreamReader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | RuntimeException e) {
      // The agent itself reports an unreadable configuration file.
    }
    return properties;
  }
}
