package io.netdrop.logging;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;

/**
 * Stands in for {@code java.util.logging.Logger} in the libraries the agent jar carries: the build
 * relocates every reference to that class in them (the OpenTelemetry SDK, JNA) to this one, as the
 * OpenTelemetry Java agent does for its own, so that their messages go to netdrop's slf4j ({@link
 * AgentLogging}) rather than to the JVM-wide {@code LogManager}, which belongs to the application.
 *
 * <p>It has the public methods of {@code java.util.logging.Logger} with the same signatures;
 * {@code AgentLoggingIT} checks that every one the relocated classes call exists. Levels map as
 * SEVERE to error, WARNING to warn, INFO to info, CONFIG and FINE to debug, FINER and FINEST to
 * trace. Handlers, filters, parents and levels set on a logger are accepted and ignored: the
 * configuration is netdrop's.
 */
@SuppressWarnings({"unused", "deprecation"}) // the relocated libraries call what they call
public final class PatchLogger {
  public static final String GLOBAL_LOGGER_NAME = "global";
  private static final Handler[] NO_HANDLERS = new Handler[0];

  private final String name;
  private volatile Logger delegate;

  private PatchLogger(String name) {
    this.name = name == null ? "" : name;
  }

  public static PatchLogger getLogger(String name) {
    return new PatchLogger(name);
  }

  public static PatchLogger getLogger(String name, String resourceBundleName) {
    return new PatchLogger(name);
  }

  public static PatchLogger getGlobal() {
    return new PatchLogger(GLOBAL_LOGGER_NAME);
  }

  public static PatchLogger getAnonymousLogger() {
    return new PatchLogger("");
  }

  public static PatchLogger getAnonymousLogger(String resourceBundleName) {
    return new PatchLogger("");
  }

  public String getName() {
    return name;
  }

  private Logger delegate() {
    Logger d = delegate;
    if (d == null) {
      // Resolved at the first message, not in getLogger: libraries take their loggers in static
      // initializers, before netdrop has configured its slf4j.
      d = AgentLogging.logger(name.isEmpty() ? "netdrop" : name);
      delegate = d;
    }
    return d;
  }

  // ---- levels ----

  public boolean isLoggable(Level level) {
    int v = level.intValue();
    if (v == Level.OFF.intValue() || !AgentLogging.mightLog(name, v)) {
      return false; // slf4j stays unbound while nothing is written
    }
    Logger d = delegate();
    if (v >= Level.SEVERE.intValue()) {
      return d.isErrorEnabled();
    }
    if (v >= Level.WARNING.intValue()) {
      return d.isWarnEnabled();
    }
    if (v >= Level.INFO.intValue()) {
      return d.isInfoEnabled();
    }
    if (v >= Level.FINE.intValue()) {
      return d.isDebugEnabled();
    }
    return d.isTraceEnabled();
  }

  public Level getLevel() {
    return null; // inherited, as a JUL logger without its own level says
  }

  public void setLevel(Level level) {}

  // ---- logging ----

  public void log(LogRecord record) {
    write(record.getLevel(), format(record.getMessage(), record.getParameters()), record.getThrown());
  }

  public void log(Level level, String msg) {
    write(level, msg, null);
  }

  public void log(Level level, Supplier<String> msgSupplier) {
    if (isLoggable(level)) {
      write(level, msgSupplier.get(), null);
    }
  }

  public void log(Level level, String msg, Object param1) {
    if (isLoggable(level)) {
      write(level, format(msg, new Object[] {param1}), null);
    }
  }

  public void log(Level level, String msg, Object[] params) {
    if (isLoggable(level)) {
      write(level, format(msg, params), null);
    }
  }

  public void log(Level level, String msg, Throwable thrown) {
    write(level, msg, thrown);
  }

  public void log(Level level, Throwable thrown, Supplier<String> msgSupplier) {
    if (isLoggable(level)) {
      write(level, msgSupplier.get(), thrown);
    }
  }

  public void logp(Level level, String sourceClass, String sourceMethod, String msg) {
    log(level, msg);
  }

  public void logp(Level level, String sourceClass, String sourceMethod, Supplier<String> msgSupplier) {
    log(level, msgSupplier);
  }

  public void logp(Level level, String sourceClass, String sourceMethod, String msg, Object param1) {
    log(level, msg, param1);
  }

  public void logp(Level level, String sourceClass, String sourceMethod, String msg, Object[] params) {
    log(level, msg, params);
  }

  public void logp(Level level, String sourceClass, String sourceMethod, String msg, Throwable thrown) {
    log(level, msg, thrown);
  }

  public void logp(
      Level level, String sourceClass, String sourceMethod, Throwable thrown, Supplier<String> msgSupplier) {
    log(level, thrown, msgSupplier);
  }

  public void logrb(Level level, String sourceClass, String sourceMethod, String bundleName, String msg) {
    log(level, msg);
  }

  public void logrb(
      Level level, String sourceClass, String sourceMethod, String bundleName, String msg, Object param1) {
    log(level, msg, param1);
  }

  public void logrb(
      Level level, String sourceClass, String sourceMethod, String bundleName, String msg, Object[] params) {
    log(level, msg, params);
  }

  public void logrb(
      Level level, String sourceClass, String sourceMethod, String bundleName, String msg, Throwable thrown) {
    log(level, msg, thrown);
  }

  public void logrb(
      Level level, String sourceClass, String sourceMethod, ResourceBundle bundle, String msg, Object... params) {
    log(level, msg, params);
  }

  public void logrb(Level level, ResourceBundle bundle, String msg, Object... params) {
    log(level, msg, params);
  }

  public void logrb(
      Level level, String sourceClass, String sourceMethod, ResourceBundle bundle, String msg, Throwable thrown) {
    log(level, msg, thrown);
  }

  public void logrb(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    log(level, msg, thrown);
  }

  public void severe(String msg) {
    log(Level.SEVERE, msg);
  }

  public void severe(Supplier<String> msgSupplier) {
    log(Level.SEVERE, msgSupplier);
  }

  public void warning(String msg) {
    log(Level.WARNING, msg);
  }

  public void warning(Supplier<String> msgSupplier) {
    log(Level.WARNING, msgSupplier);
  }

  public void info(String msg) {
    log(Level.INFO, msg);
  }

  public void info(Supplier<String> msgSupplier) {
    log(Level.INFO, msgSupplier);
  }

  public void config(String msg) {
    log(Level.CONFIG, msg);
  }

  public void config(Supplier<String> msgSupplier) {
    log(Level.CONFIG, msgSupplier);
  }

  public void fine(String msg) {
    log(Level.FINE, msg);
  }

  public void fine(Supplier<String> msgSupplier) {
    log(Level.FINE, msgSupplier);
  }

  public void finer(String msg) {
    log(Level.FINER, msg);
  }

  public void finer(Supplier<String> msgSupplier) {
    log(Level.FINER, msgSupplier);
  }

  public void finest(String msg) {
    log(Level.FINEST, msg);
  }

  public void finest(Supplier<String> msgSupplier) {
    log(Level.FINEST, msgSupplier);
  }

  public void entering(String sourceClass, String sourceMethod) {
    log(Level.FINER, "ENTRY");
  }

  public void entering(String sourceClass, String sourceMethod, Object param1) {
    log(Level.FINER, "ENTRY {0}", param1);
  }

  public void entering(String sourceClass, String sourceMethod, Object[] params) {
    log(Level.FINER, "ENTRY", params);
  }

  public void exiting(String sourceClass, String sourceMethod) {
    log(Level.FINER, "RETURN");
  }

  public void exiting(String sourceClass, String sourceMethod, Object result) {
    log(Level.FINER, "RETURN {0}", result);
  }

  public void throwing(String sourceClass, String sourceMethod, Throwable thrown) {
    log(Level.FINER, "THROW", thrown);
  }

  // ---- configuration, accepted and ignored ----

  public Handler[] getHandlers() {
    return NO_HANDLERS;
  }

  public void addHandler(Handler handler) {}

  public void removeHandler(Handler handler) {}

  public boolean getUseParentHandlers() {
    return false;
  }

  public void setUseParentHandlers(boolean useParentHandlers) {}

  public Filter getFilter() {
    return null;
  }

  public void setFilter(Filter newFilter) {}

  public PatchLogger getParent() {
    return null;
  }

  public void setParent(PatchLogger parent) {}

  public ResourceBundle getResourceBundle() {
    return null;
  }

  public String getResourceBundleName() {
    return null;
  }

  public void setResourceBundle(ResourceBundle bundle) {}

  private void write(Level level, String msg, Throwable thrown) {
    int v = level.intValue();
    if (v == Level.OFF.intValue() || !AgentLogging.mightLog(name, v)
        || AgentLogging.held(() -> write(level, msg, thrown))) {
      return;
    }
    Logger d = delegate();
    if (v >= Level.SEVERE.intValue()) {
      d.error(msg, thrown);
    } else if (v >= Level.WARNING.intValue()) {
      d.warn(msg, thrown);
    } else if (v >= Level.INFO.intValue()) {
      d.info(msg, thrown);
    } else if (v >= Level.FINE.intValue()) {
      d.debug(msg, thrown);
    } else {
      d.trace(msg, thrown);
    }
  }

  /** As {@code java.util.logging.Formatter#formatMessage}: {@code {0}}-style parameters, else the message as it is. */
  static String format(String msg, Object[] params) {
    if (msg == null || params == null || params.length == 0
        || !(msg.contains("{0") || msg.contains("{1") || msg.contains("{2") || msg.contains("{3"))) {
      return msg;
    }
    try {
      return MessageFormat.format(msg, params);
    } catch (IllegalArgumentException e) {
      return msg;
    }
  }
}
