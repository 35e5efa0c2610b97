package io.netdrop.logging;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * loader, which is the application's: netdrop hands it its own instead, once, when the first
 * message is to be written. (Its {@code org.slf4j.simpleLogger.*} system properties, being global,
 * still apply.)
 */
public final class AgentLogging {
  /** The levels of the {@code log-level} setting, most verbose last. */
  public static final List<String> LEVELS = List.of("off", "error", "warn", "info", "debug", "trace");
  /** Default level: {@code warn}; the SDK's info messages repeat what netdrop's own lines say. */
  public static final String DEFAULT_LEVEL = "warn";

  private static final String CONFIGURATION_FILE = "simplelogger.properties";
  /** The logging exporters' output is what the user asked for: at {@code info} whatever the level. */
  private static final String LOGGING_EXPORTERS = "io.opentelemetry.exporter.logging";
  private static final String SIMPLE_LOGGER_PROPERTIES = "org.slf4j.simpleLogger.";
  private static final ThreadLocal<List<Runnable>> HELD = new ThreadLocal<>();
  private static String level;
  /** The lowest {@code java.util.logging} level {@link #level} writes; {@code MAX_VALUE} for off. */
  private static int lowest = Integer.MAX_VALUE;
  /** Whether {@code -Dorg.slf4j.simpleLogger.*} may set other levels: then slf4j alone decides. */
  private static boolean levelsSetElsewhere;
  private static boolean bound;

  private AgentLogging() {}

  /**
   * Sets netdrop's slf4j to {@code level} (one of {@link #LEVELS}); the first call, or the first
   * message logged, decides, and later calls change nothing. slf4j itself is bound (and reads its
   * configuration) only when a message may be written: its simple binding keeps a {@code
   * SimpleDateFormat}, with the locale and time-zone data that brings, for the JVM's life (about
   * 1 MB, in a JVM that may never need it).
   *
   * @throws IllegalArgumentException if {@code level} is not one of {@link #LEVELS}
   */
  public static synchronized void configure(String level) {
    if (AgentLogging.level != null) {
      return;
    }
    String l = checked(level);
    AgentLogging.level = l;
    lowest = lowestJulLevel(l);
    levelsSetElsewhere =
        System.getProperties().stringPropertyNames().stream().anyMatch(n -> n.startsWith(SIMPLE_LOGGER_PROPERTIES));
  }

  /**
   * Whether logger {@code name} might write a message at {@code java.util.logging} level {@code
   * julLevel}; false only when it surely would not, answered without binding slf4j.
   */
  static boolean mightLog(String name, int julLevel) {
    synchronized (AgentLogging.class) {
      if (level == null) {
        configure(DEFAULT_LEVEL);
      }
      return julLevel >= lowest
          || levelsSetElsewhere
          || (julLevel >= 800 && name.startsWith(LOGGING_EXPORTERS)); // INFO
    }
  }

  /** The logger {@code name} of netdrop's slf4j, bound at the level configured (the default if none was). */
  static Logger logger(String name) {
    synchronized (AgentLogging.class) {
      if (level == null) {
        configure(DEFAULT_LEVEL);
      }
      if (!bound) {
        bind(level);
        bound = true;
      }
    }
    return LoggerFactory.getLogger(name);
  }

  private static void bind(String level) {
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

  private static String checked(String level) {
    String l = level.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      throw new IllegalArgumentException("not a log level: " + level + " (expected one of " + LEVELS + ")");
    }
    return l;
  }

  /** As {@link PatchLogger#isLoggable} maps {@code java.util.logging} levels to slf4j's. */
  private static int lowestJulLevel(String level) {
    switch (level) {
      case "error":
        return 1000; // SEVERE
      case "warn":
        return 900; // WARNING
      case "info":
        return 800; // INFO
      case "debug":
        return 500; // FINE
      case "trace":
        return Integer.MIN_VALUE;
      default:
        return Integer.MAX_VALUE; // off
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

  static byte[] properties(String level) {
    String l = checked(level);
    // Written by hand, not with Properties#store, whose date comment loads the time-zone names.
    // Nothing here needs escaping in the properties format.
    String text =
        "org.slf4j.simpleLogger.defaultLogLevel=" + l + "\n"
            // What the logging and logging-otlp exporters write is output the user asked for, not a diagnostic.
            + "org.slf4j.simpleLogger.log." + LOGGING_EXPORTERS + "=info\n"
            + "org.slf4j.simpleLogger.logFile=System.err\n"
            // slf4j-simple has no pattern: its date, a literal here, is the "netdrop:" every netdrop line begins with.
            + "org.slf4j.simpleLogger.showDateTime=true\n"
            + "org.slf4j.simpleLogger.dateTimeFormat='netdrop:'\n"
            + "org.slf4j.simpleLogger.showThreadName=false\n"
            + "org.slf4j.simpleLogger.showShortLogName=true\n"
            + "org.slf4j.simpleLogger.levelInBrackets=false\n";
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }
}
