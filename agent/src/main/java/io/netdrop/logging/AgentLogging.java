package io.netdrop.logging;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * netdrop's own slf4j with its simple binding, both inside the agent class loader: where the
 * diagnostics of the libraries netdrop carries (the OpenTelemetry SDK, JNA) go, through {@link
 * PatchLogger}, instead of the application's {@code java.util.logging}. Each is one line on stderr,
 * {@code netdrop: WARN HttpExporter - Failed to export logs. ...} (a stack trace may follow).
 *
 * <p>slf4j-simple reads its {@code simplelogger.properties} through the thread's context class
 * loader, which is the application's: {@link #configure} hands it netdrop's instead, once, before
 * anything logs. (Its {@code org.slf4j.simpleLogger.*} system properties, being global, still
 * apply.)
 */
public final class AgentLogging {
  /** The levels of the {@code log-level} setting, most verbose last. */
  public static final List<String> LEVELS = List.of("off", "error", "warn", "info", "debug", "trace");
  /** Default level: {@code warn}; the SDK's info messages repeat what netdrop's own lines say. */
  public static final String DEFAULT_LEVEL = "warn";

  private static final String CONFIGURATION_FILE = "simplelogger.properties";
  private static final ThreadLocal<List<Runnable>> HELD = new ThreadLocal<>();
  private static boolean configured;

  private AgentLogging() {}

  /**
   * Sets up netdrop's slf4j at {@code level} (one of {@link #LEVELS}); the first call, or the
   * first message logged, decides, and later calls change nothing.
   */
  public static synchronized void configure(String level) {
    if (configured) {
      return;
    }
    configured = true;
    byte[] properties = properties(level);
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(
        new ClassLoader(AgentLogging.class.getClassLoader()) {
          @Override
          public InputStream getResourceAsStream(String name) {
            return CONFIGURATION_FILE.equals(name)
                ? new ByteArrayInputStream(properties)
                : super.getResourceAsStream(name);
          }
        });
    try {
      LoggerFactory.getILoggerFactory(); // binds slf4j-simple, which reads its configuration now
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /**
   * Runs {@code work}, holding back what the libraries log on this thread meanwhile: written once
   * it returns, dropped if it throws, for a caller that reports the failure in one line of its own
   * (autoconfigure, failing, also logs the closing of everything it had built).
   */
  public static <T> T holdingMessages(Supplier<T> work) {
    List<Runnable> outer = HELD.get();
    List<Runnable> held = new ArrayList<>();
    HELD.set(held);
    T result;
    try {
      result = work.get();
    } finally {
      HELD.set(outer);
    }
    held.forEach(outer == null ? Runnable::run : outer::add);
    return result;
  }

  /** Whether {@code message} was held back by {@link #holdingMessages} (else the caller writes it now). */
  static boolean held(Runnable message) {
    List<Runnable> held = HELD.get();
    if (held == null) {
      return false;
    }
    held.add(message);
    return true;
  }

  /** The logger {@code name} of netdrop's slf4j, configured at the default level if nothing configured it before. */
  static Logger logger(String name) {
    synchronized (AgentLogging.class) {
      if (!configured) {
        configure(DEFAULT_LEVEL);
      }
    }
    return LoggerFactory.getLogger(name);
  }

  static byte[] properties(String level) {
    String l = level.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      throw new IllegalArgumentException("not a log level: " + level + " (expected one of " + LEVELS + ")");
    }
    Properties p = new Properties();
    p.setProperty("org.slf4j.simpleLogger.defaultLogLevel", l);
    // What the logging and logging-otlp exporters write is output the user asked for, not a diagnostic.
    p.setProperty("org.slf4j.simpleLogger.log.io.opentelemetry.exporter.logging", "info");
    p.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    // slf4j-simple has no pattern: its date, a literal here, is the "netdrop:" every netdrop line begins with.
    p.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    p.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "'netdrop:'");
    p.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    p.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    p.setProperty("org.slf4j.simpleLogger.levelInBrackets", "false");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
