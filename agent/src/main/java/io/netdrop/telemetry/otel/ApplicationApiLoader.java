package io.netdrop.telemetry.otel;

import java.io.IOException;
import java.io.InputStream;
import java.security.ProtectionDomain;
import java.util.Objects;
import java.util.Set;

/**
 * Defines a few of netdrop's classes a second time, from netdrop's own class files, so that they
 * link against the application's copy of the OpenTelemetry API instead of netdrop's: {@code
 * io.opentelemetry.*} comes from the application's class loader, the classes named at creation
 * (and their nested classes) are defined here, and every other class comes from netdrop's class
 * loader.
 *
 * <p>The classes defined here are in another runtime package than netdrop's classes of the same
 * package name: between the two sides only public types and members work, and netdrop's side
 * sees these classes only through interfaces it defines ({@link ApplicationApi}, {@code
 * CurrentSpan}, {@code DropSink}).
 */
final class ApplicationApiLoader extends ClassLoader {
  private static final String OTEL_PACKAGES = "io.opentelemetry.";
  private static final ProtectionDomain DOMAIN = ApplicationApiLoader.class.getProtectionDomain();

  static {
    registerAsParallelCapable();
  }

  private final ClassLoader application;
  private final ClassLoader netdrop;
  private final Set<String> own;

  /**
   * @param application the class loader that defines the application's {@code io.opentelemetry.*}
   * @param netdrop netdrop's class loader, which serves the class files of {@code own}
   * @param own binary names of the top-level classes to define here
   */
  ApplicationApiLoader(ClassLoader application, ClassLoader netdrop, Set<String> own) {
    super("netdrop-application-otel", netdrop);
    this.application = Objects.requireNonNull(application, "application");
    this.netdrop = Objects.requireNonNull(netdrop, "netdrop");
    this.own = Set.copyOf(own);
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        if (isOwn(name)) {
          c = define(name);
        } else if (name.startsWith(OTEL_PACKAGES)) {
          c = Class.forName(name, false, application);
        } else {
          c = netdrop.loadClass(name);
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  private boolean isOwn(String name) {
    int nested = name.indexOf('$');
    return own.contains(nested < 0 ? name : name.substring(0, nested));
  }

  /** The class file of {@code name} as netdrop's class loader serves it. */
  byte[] classFile(String name) throws IOException {
    String resource = name.replace('.', '/') + ".class";
    try (InputStream in = netdrop.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("netdrop's class loader has no " + resource);
      }
      return in.readAllBytes();
    }
  }

  private Class<?> define(String name) throws ClassNotFoundException {
    byte[] bytes;
    try {
      bytes = classFile(name);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
    return defineClass(name, bytes, 0, bytes.length, DOMAIN);
  }

  @Override
  public String toString() {
    return "ApplicationApiLoader[" + application + "]";
  }
}
