package io.netdrop.telemetry.otel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Class loaders that hold an application's own copy of the OpenTelemetry API and SDK (and the
 * test classes, for {@link ApplicationUnderTest}), beside the test's copy: the version the tests
 * are built with, or the older one Maven copies to {@code target/test-libs/clash}.
 */
final class ApplicationCopies {
  private ApplicationCopies() {}

  /** The OpenTelemetry jars of the test class path (netdrop's version). */
  static ClassLoader current() {
    List<Path> jars = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Paths.get(e).getFileName().toString();
      // Not the test kit: its context storage provider would be the application's.
      if (name.startsWith("opentelemetry-") && !name.startsWith("opentelemetry-sdk-testing")) {
        jars.add(Paths.get(e));
      }
    }
    return loader("application-otel-current", jars);
  }

  /** OpenTelemetry 1.40 (api, context, sdk), as an application older than netdrop has it. */
  static ClassLoader v140() {
    Path dir = moduleDir().resolve("target/test-libs/clash");
    try (Stream<Path> files = Files.list(dir)) {
      return loader(
          "application-otel-1.40",
          files.filter(p -> p.getFileName().toString().startsWith("opentelemetry-")).sorted().toList());
    } catch (IOException e) {
      throw new UncheckedIOException("no " + dir + ": run mvn generate-test-resources", e);
    }
  }

  private static ClassLoader loader(String name, List<Path> jars) {
    if (jars.isEmpty()) {
      throw new IllegalStateException("no OpenTelemetry jars for " + name);
    }
    List<URL> urls = new ArrayList<>();
    try {
      for (Path j : jars) {
        urls.add(j.toUri().toURL());
      }
      urls.add(moduleDir().resolve("target/test-classes").toUri().toURL());
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
    return new URLClassLoader(name, urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  private static Path moduleDir() {
    return Paths.get(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }
}
