package io.netdrop.telemetry.otel;

import io.netdrop.kernel.Housekeeping;
import io.netdrop.sockets.CurrentSpan;
import io.netdrop.telemetry.DropSink;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * netdrop's OpenTelemetry through the application's own copy of the API, for an application that
 * uses the OpenTelemetry API (and SDK) itself, without the OpenTelemetry Java agent: its spans
 * live in its own copy of {@code io.opentelemetry.context}, which netdrop's copy cannot see.
 *
 * <p>As soon as an application class loader defines the API ({@link ApplicationApiWatch}, also
 * after netdrop started), netdrop's application-side classes are defined again in an {@link
 * ApplicationApiLoader} over that class loader and checked against its API ({@link ApiLinkage}).
 * Then:
 *
 * <ul>
 *   <li>once the application uses its context, the socket hooks read its current span;
 *   <li>a drop on one of its spans becomes a span event on it while it records;
 *   <li>child spans, log records and metrics go to the application's {@code GlobalOpenTelemetry}
 *       once it registered an SDK there (checked every {@value #CHECK_MILLIS} ms and before each
 *       drop), and to netdrop's own SDK until then — or for good, for what the application's API
 *       is too old for: a child span there has the application's span as its parent, by its ids.
 * </ul>
 *
 * Each switch happens once. Nothing here blocks the application: the watch runs a prefix check per
 * class defined, the rest runs on netdrop's threads.
 */
public final class ApplicationOtel implements AutoCloseable {
  /** How often the application's {@code GlobalOpenTelemetry} and class loaders are looked at. */
  public static final long CHECK_MILLIS = 1_000;

  private static final String PACKAGE = "io.netdrop.telemetry.otel.";
  private static final String LINKED = PACKAGE + "LinkedApplicationApi";
  /** Without these the application's API is of no use: they read and write its spans. */
  private static final List<String> REQUIRED =
      List.of(PACKAGE + "OtelCurrentSpan", PACKAGE + "ApplicationDrops", LINKED);
  private static final String DROPS = PACKAGE + "OtelDrops";
  private static final String METRICS = PACKAGE + "DropMetrics";
  /** netdrop's classes that the application's API copy gets its own definition of. */
  static final Set<String> APPLICATION_SIDE =
      Set.of(PACKAGE + "OtelCurrentSpan", PACKAGE + "ApplicationDrops", LINKED, DROPS, METRICS);

  private static final String GLOBAL = "io.opentelemetry.api.GlobalOpenTelemetry";
  private static final String CONTEXT = "io.opentelemetry.context.Context";

  private final ApplicationApi.Settings base;
  private final SwitchingCurrentSpan spans;
  private final SwitchingDrops drops;
  private final Runnable ownMetricsOff;
  private final Consumer<String> log;
  private final Instrumentation inst;
  private final ApplicationApiWatch watch;
  private volatile Thread checker;
  private volatile boolean closed;
  private boolean transformerRemoved;

  // Written under the lock; volatile where the watch reads them on application threads.
  private ApplicationApi api;
  private ApplicationApi.Settings settings;
  private volatile CurrentSpan pendingSpans;
  private volatile ClassLoader contextLoader;
  private volatile boolean globalPending;
  private boolean gaveUp;
  private volatile boolean starting;
  private volatile boolean applicationFailed;
  private volatile String description;

  /**
   * @param inst where the watch is registered, or null to look only when {@link #step} is called
   * @param base what to write; its flags of what links are filled in here
   * @param spans switched to the application's current span
   * @param drops switched to the application's drop sink; its {@code own} must be {@code base}'s fallback
   * @param ownMetricsOff unregisters netdrop's own metrics once the application's SDK has them
   * @param log takes the few lines this writes
   */
  ApplicationOtel(
      Instrumentation inst, ApplicationApi.Settings base, SwitchingCurrentSpan spans, SwitchingDrops drops,
      Runnable ownMetricsOff, Consumer<String> log) {
    this.inst = inst;
    this.base = Objects.requireNonNull(base, "base");
    this.spans = Objects.requireNonNull(spans, "spans");
    this.drops = Objects.requireNonNull(drops, "drops");
    this.ownMetricsOff = Objects.requireNonNull(ownMetricsOff, "ownMetricsOff");
    this.log = Objects.requireNonNull(log, "log");
    this.watch = new ApplicationApiWatch(ApplicationOtel.class.getClassLoader(), this::seen);
  }

  /**
   * Starts watching: looks at the classes loaded so far and binds at once if the application's API
   * is among them, then watches on a daemon thread until every switch is done. That thread sleeps
   * until the watch sees the API, then looks at GlobalOpenTelemetry every {@value #CHECK_MILLIS}
   * ms until it is set.
   */
  void start() {
    if (inst != null) {
      inst.addTransformer(watch);
      watch.scan(inst.getAllLoadedClasses());
    }
    starting = true; // what is bound now, netdrop's start-up line says; problems get their own line
    try {
      begin();
    } finally {
      starting = false;
    }
  }

  /** Binds now if the watch saw the API, else watches on a daemon thread. */
  void begin() {
    if (step()) {
      removeTransformer();
      return;
    }
    Thread t = Housekeeping.thread(this::run, "netdrop-otel-application");
    checker = t;
    t.start();
  }

  private void run() {
    while (!closed && !step()) {
      if ((api != null && pendingSpans == null) || gaveUp) {
        removeTransformer(); // nothing more to watch for; only GlobalOpenTelemetry is still checked
      }
      if (globalPending) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS));
      } else {
        LockSupport.park(); // only the watch (or close) has news
      }
    }
    removeTransformer();
  }

  /** On the thread defining a watched class: switches the current span if that was the wait. */
  private void seen() {
    CurrentSpan p = pendingSpans;
    ClassLoader ctx = contextLoader;
    if (p != null && ctx != null && watch.contextInUse(ctx)) {
      spans.switchTo(p);
    }
    Thread t = checker;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  ApplicationApiWatch watch() {
    return watch;
  }

  /** Does what is due; true once nothing is left to do. */
  synchronized boolean step() {
    if (closed || gaveUp) {
      return true;
    }
    if (api == null) {
      ClassLoader seen = watch.api();
      if (seen == null) {
        return false;
      }
      bind(seen);
      if (gaveUp) {
        return true;
      }
    }
    CurrentSpan p = pendingSpans;
    if (p != null && watch.contextInUse(contextLoader)) {
      spans.switchTo(p);
      pendingSpans = null;
    }
    checkGlobal();
    return pendingSpans == null && !globalPending;
  }

  private void bind(ClassLoader seen) {
    String version = "of unknown version";
    try {
      Class<?> global = Class.forName(GLOBAL, false, seen);
      ClassLoader apiLoader = global.getClassLoader();
      ClassLoader context = Class.forName(CONTEXT, false, apiLoader).getClassLoader();
      String v = global.getPackage().getImplementationVersion();
      version = v == null ? version : v;
      ApplicationApiLoader loader =
          new ApplicationApiLoader(apiLoader, ApplicationOtel.class.getClassLoader(), APPLICATION_SIDE);
      List<String> required = missing(loader, REQUIRED, apiLoader);
      if (!required.isEmpty()) {
        giveUp("the application's OpenTelemetry API " + version + " lacks " + String.join(", ", required)
            + ", so drops are not put on its spans");
        return;
      }
      List<String> dropsMissing = missing(loader, List.of(DROPS), apiLoader);
      List<String> metricsMissing = missing(loader, List.of(METRICS), apiLoader);
      settings =
          new ApplicationApi.Settings(
              base.version(), base.traces(), base.logs(), base.childSpanWindowMillis(), base.redacted(),
              base.counts(), base.fallback(), dropsMissing.isEmpty(), metricsMissing.isEmpty());
      ApplicationApi linked =
          (ApplicationApi) loader.loadClass(LINKED).getConstructor(ApplicationApi.Settings.class).newInstance(settings);
      DropSink applicationDrops = linked.drops();
      api = linked;
      contextLoader = context;
      globalPending = true;
      drops.switchTo(
          drop -> {
            if (applicationFailed) {
              drops.own(drop);
              return;
            }
            if (globalPending) {
              checkGlobal();
            }
            try {
              applicationDrops.accept(drop);
            } catch (LinkageError e) { // ApiLinkage missed it (an SDK older than its API, say)
              applicationFailed = true;
              log.accept("netdrop: OpenTelemetry: the application's OpenTelemetry failed (" + e
                  + "); netdrop's own SDK takes the drops from now on");
              drops.own(drop);
            }
          });
      if (apiLoader.getResource(ApplicationApiWatch.CONTEXT_STORAGE + ".class") == null) {
        watch.seen(context, ApplicationApiWatch.CONTEXT_STORAGE); // an API that names it otherwise
      }
      pendingSpans = linked.currentSpan();
      description = "the application's OpenTelemetry API " + version;
      if (!starting) {
        log.accept("netdrop: OpenTelemetry: drops go onto the application's own spans, through its OpenTelemetry API " + version);
      }
      List<String> lacking = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      if (!dropsMissing.isEmpty() && (base.traces() || base.logs())) {
        lacking.addAll(dropsMissing);
        kept.add(dropSignals());
      }
      if (!metricsMissing.isEmpty() && base.counts() != null) {
        metricsMissing.stream().filter(m -> !lacking.contains(m)).forEach(lacking::add);
        kept.add("metrics");
      }
      if (!lacking.isEmpty()) {
        log.accept("netdrop: OpenTelemetry: the application's API " + version + " lacks " + String.join(", ", lacking)
            + ", so " + String.join(" and ", kept) + " go to netdrop's own SDK");
      }
    } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
      giveUp("cannot use the application's OpenTelemetry API " + version + " (" + e + ")");
    }
  }

  private static List<String> missing(ApplicationApiLoader loader, List<String> classes, ClassLoader api)
      throws IOException {
    List<String> missing = new ArrayList<>();
    for (String c : classes) {
      for (String m : ApiLinkage.missing(loader.classFile(c), api)) {
        if (!missing.contains(m)) {
          missing.add(m);
        }
      }
    }
    return missing;
  }

  private void giveUp(String why) {
    gaveUp = true;
    log.accept("netdrop: OpenTelemetry: " + why + "; netdrop's own SDK takes its telemetry");
  }

  /** Adopts the application's GlobalOpenTelemetry if it has been set since the last look. */
  private synchronized void checkGlobal() {
    if (!globalPending || api == null || closed) {
      return;
    }
    ApplicationApi.Global g;
    try {
      g = api.adoptGlobal();
    } catch (RuntimeException | LinkageError e) {
      globalPending = false;
      log.accept("netdrop: OpenTelemetry: cannot use the application's GlobalOpenTelemetry (" + e
          + "); netdrop's own SDK takes child spans, log records and metrics");
      return;
    }
    if (g == ApplicationApi.Global.NOT_SET) {
      return;
    }
    globalPending = false;
    if (g != ApplicationApi.Global.ADOPTED) {
      return;
    }
    List<String> taken = new ArrayList<>();
    if (settings.globalDrops() && (base.traces() || base.logs())) {
      taken.add(dropSignals());
    }
    boolean metrics = settings.globalMetrics() && base.counts() != null;
    if (metrics) {
      ownMetricsOff.run();
      taken.add("metrics");
    }
    if (!taken.isEmpty()) {
      description += " and its GlobalOpenTelemetry";
      if (starting) {
        return;
      }
      log.accept("netdrop: OpenTelemetry: the application's GlobalOpenTelemetry takes netdrop's "
          + String.join(" and ", taken));
    }
  }

  private String dropSignals() {
    return base.traces() && base.logs() ? "child spans and log records" : base.traces() ? "child spans" : "log records";
  }

  /** For the start-up line, e.g. {@code the application's OpenTelemetry API 1.63.0}; null before it is bound. */
  String description() {
    return description;
  }

  private synchronized void removeTransformer() {
    if (inst != null && !transformerRemoved) {
      transformerRemoved = true;
      inst.removeTransformer(watch);
    }
  }

  /** Stops watching and unregisters netdrop's metrics from the application's SDK. */
  @Override
  public void close() {
    closed = true;
    Thread t = checker;
    if (t != null) {
      LockSupport.unpark(t);
    }
    removeTransformer();
    synchronized (this) {
      if (api != null) {
        api.close();
      }
    }
  }
}
