package io.netdrop.telemetry.otel;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches the classes the JVM defines for the application's copy of the OpenTelemetry API: the
 * first class loader (not netdrop's) that defines one of {@link #API_CLASSES}, and each that
 * defines {@value #CONTEXT_STORAGE}, which the API creates on the first use of its context ({@code
 * Context.current()}, {@code makeCurrent()}). Transforms nothing; per class it costs a prefix
 * check, so it can stay registered as a {@link ClassFileTransformer} for as long as needed.
 */
final class ApplicationApiWatch implements ClassFileTransformer {
  /** Loaded with the API's first use: any implementation of it, the global, a span. */
  static final Set<String> API_CLASSES =
      Set.of(
          "io/opentelemetry/api/OpenTelemetry",
          "io/opentelemetry/api/GlobalOpenTelemetry",
          "io/opentelemetry/api/trace/Span");
  /** Loaded (and then initialized) by the first use of the API's context. */
  static final String CONTEXT_STORAGE = "io/opentelemetry/context/LazyStorage";

  private static final String PREFIX = "io/opentelemetry/";

  private final ClassLoader netdrop;
  private final Runnable changed;
  private final AtomicReference<ClassLoader> api = new AtomicReference<>();
  private final Set<ClassLoader> contexts = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /**
   * @param netdrop netdrop's class loader, whose own API copy is not the application's
   * @param changed run on the defining thread when something was seen: must be cheap
   */
  ApplicationApiWatch(ClassLoader netdrop, Runnable changed) {
    this.netdrop = Objects.requireNonNull(netdrop, "netdrop");
    this.changed = Objects.requireNonNull(changed, "changed");
  }

  @Override
  public byte[] transform(
      ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] classFile) {
    if (className != null && redefined == null && className.startsWith(PREFIX)) {
      seen(loader, className);
    }
    return null;
  }

  /** Looks at the classes defined before the watch began. */
  void scan(Class<?>[] loaded) {
    for (Class<?> c : loaded) {
      String name = c.getName();
      if (name.startsWith("io.opentelemetry.")) {
        seen(c.getClassLoader(), name.replace('.', '/'));
      }
    }
  }

  /** Notes that {@code loader} defined the class {@code internalName}. */
  void seen(ClassLoader loader, String internalName) {
    if (loader == null || loader == netdrop || loader instanceof ApplicationApiLoader) {
      return;
    }
    if (internalName.equals(CONTEXT_STORAGE)) {
      contexts.add(loader);
      changed.run();
    } else if (API_CLASSES.contains(internalName) && api.compareAndSet(null, loader)) {
      changed.run();
    }
  }

  /** The first application class loader seen defining the API, or null. */
  ClassLoader api() {
    return api.get();
  }

  /** Whether the API's context storage was created in {@code contextLoader}. */
  boolean contextInUse(ClassLoader contextLoader) {
    return contexts.contains(contextLoader);
  }
}
