package io.netdrop.instrumentation;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * Prepares the test JVM the way premain prepares an application: an {@link Instrumentation} from
 * Byte Buddy's self-attach, the {@code io.netdrop.bootstrap} classes on the bootstrap class path,
 * and (for the tests only) {@code java.io}, {@code java.net} and {@code sun.nio.ch} opened so that
 * descriptors can be compared by reflection.
 */
final class TestInstrumentation {
  private static Instrumentation inst;

  private TestInstrumentation() {}

  static synchronized Instrumentation get() {
    if (inst == null) {
      Instrumentation i = ByteBuddyAgent.install();
      appendBootstrapClasses(i);
      openForTests(i, TestInstrumentation.class.getModule());
      inst = i;
    }
    return inst;
  }

  /** Opens the JDK packages whose private fields the tests read to {@code module}. */
  static void openForTests(Instrumentation i, Module module) {
    Set<Module> us = Set.of(module);
    i.redefineModule(
        Object.class.getModule(),
        Set.of(),
        Map.of(),
        Map.of("java.io", us, "java.net", us, "sun.nio.ch", us),
        Set.of(),
        Map.of());
  }

  /** Appends the jar (or a jar made from the class directory) holding the bootstrap classes. */
  private static void appendBootstrapClasses(Instrumentation i) {
    String resource = "io/netdrop/bootstrap/NetdropBridge.class";
    URL url = ClassLoader.getSystemResource(resource);
    if (url == null) {
      throw new IllegalStateException(resource + " is not on the test class path");
    }
    try {
      Path jar;
      if (url.getProtocol().equals("jar")) {
        String file = url.getPath().substring("file:".length(), url.getPath().indexOf("!/"));
        jar = Path.of(new URL("file:" + file).toURI());
      } else {
        Path classes = Path.of(url.toURI());
        for (int k = 0; k < 4; k++) {
          classes = classes.getParent();
        }
        jar = jarOf(classes.resolve("io/netdrop/bootstrap"), classes);
      }
      i.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path jarOf(Path dir, Path root) throws IOException {
    Path jar = Files.createTempFile("netdrop-bootstrap", ".jar");
    jar.toFile().deleteOnExit();
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jo = new JarOutputStream(out)) {
      for (Path f : files) {
        jo.putNextEntry(new JarEntry(root.relativize(f).toString().replace(File.separatorChar, '/')));
        jo.write(Files.readAllBytes(f));
        jo.closeEntry();
      }
    }
    return jar;
  }
}
