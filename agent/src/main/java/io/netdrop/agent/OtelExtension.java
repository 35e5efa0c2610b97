package io.netdrop.agent;

import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.io.File;
import java.lang.instrument.Instrumentation;

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
 * not the jar file's, so the jar is found again by the setting that named it: {@code
 * otel.javaagent.extensions} (system property, then {@code OTEL_JAVAAGENT_EXTENSIONS}, then the
 * agent's configuration file), a comma-separated list of jars and directories of jars. An
 * extension embedded in the OTel agent jar ({@code extensions/}) is not supported. With the same
 * setting, {@code -javaagent:netdrop-agent.jar} steps aside (see {@link AgentEntryPoint}).
 */
public final class OtelExtension implements AgentListener {
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
      String setting = AgentEntryPoint.otelExtensions();
      File jar = AgentEntryPoint.netdropJarAmong(setting);
      if (jar == null) {
        AgentEntryPoint.notStarted(
            "no netdrop agent jar among the OpenTelemetry Java agent's extensions ("
                + AgentEntryPoint.OTEL_EXTENSIONS + "=" + setting + ")");
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
}
