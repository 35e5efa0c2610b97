package io.netdrop.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSigner;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The isolated class loader of the agent: it loads classes and resources from the {@code inst/}
 * directory of the agent jar, where classes are stored as {@code *.classdata} so that no other
 * class loader can see them.
 *
 * <p>Its parent is the platform class loader, so the application's classes (and its own copies of
 * libraries we also use) are invisible to the agent and ours are invisible to it. The bootstrap
 * class path is still searched through the parent, which is how agent code reaches the
 * {@code io.netdrop.bootstrap} classes once premain has appended the jar to it; without that
 * ({@code java -jar}) this loader loads them from the top level of the jar itself.
 *
 * <p>Resources are served under their original names: {@code getResource("a/B.class")} reads
 * {@code inst/a/B.classdata}, and {@code getResource("com/sun/jna/linux-x86-64/libjnidispatch.so")}
 * returns a {@code jar:} URL into the agent jar (JNA extracts its native library from it). Every
 * class gets the agent jar as its code source. Multi-release ({@code META-INF/versions}) entries
 * are not served: the build drops them.
 */
public final class AgentClassLoader extends ClassLoader {
  /** Directory in the agent jar holding everything this loader serves. */
  public static final String PREFIX = "inst/";
  /** Suffix replacing {@code .class} under {@link #PREFIX}. */
  public static final String CLASS_SUFFIX = ".classdata";

  private static final String BOOTSTRAP_PACKAGE = "io.netdrop.bootstrap.";

  static {
    registerAsParallelCapable();
  }

  private final JarFile jar;
  private final String jarUrl;
  private final ProtectionDomain protectionDomain;
  private final Manifest manifest;

  /**
   * Creates a loader over {@code jar}, which must stay open for as long as the loader is used.
   *
   * @throws IOException if the jar's manifest cannot be read
   */
  public AgentClassLoader(JarFile jar) throws IOException {
    super("netdrop-agent", ClassLoader.getPlatformClassLoader());
    this.jar = jar;
    URL location = new File(jar.getName()).toURI().toURL();
    this.jarUrl = "jar:" + location.toExternalForm() + "!/";
    this.protectionDomain =
        new ProtectionDomain(new CodeSource(location, (CodeSigner[]) null), null, this, null);
    Manifest m = jar.getManifest();
    this.manifest = m == null ? new Manifest() : m;
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/');
    JarEntry entry = jar.getJarEntry(PREFIX + path + CLASS_SUFFIX);
    if (entry == null && name.startsWith(BOOTSTRAP_PACKAGE)) {
      // Reached only when the bootstrap class path lacks the agent jar (java -jar, tests): then
      // this loader is the single loader of these classes, so there is still one copy.
      entry = jar.getJarEntry(path + ".class");
    }
    if (entry == null) {
      throw new ClassNotFoundException(name);
    }
    byte[] bytes;
    try (InputStream in = jar.getInputStream(entry)) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new ClassNotFoundException(name + ": cannot read " + entry.getName() + " from " + jar.getName(), e);
    }
    definePackageFor(name);
    return defineClass(name, bytes, 0, bytes.length, protectionDomain);
  }

  private void definePackageFor(String className) {
    int dot = className.lastIndexOf('.');
    if (dot < 0) {
      return;
    }
    String pkg = className.substring(0, dot);
    if (getDefinedPackage(pkg) != null) {
      return;
    }
    // Our own packages carry the agent's version; third-party packages get no attributes rather
    // than ours, since the build does not keep their manifests.
    Attributes a = pkg.startsWith("io.netdrop.") ? manifest.getMainAttributes() : new Attributes();
    try {
      definePackage(
          pkg,
          a.getValue(Attributes.Name.SPECIFICATION_TITLE),
          a.getValue(Attributes.Name.SPECIFICATION_VERSION),
          a.getValue(Attributes.Name.SPECIFICATION_VENDOR),
          a.getValue(Attributes.Name.IMPLEMENTATION_TITLE),
          a.getValue(Attributes.Name.IMPLEMENTATION_VERSION),
          a.getValue(Attributes.Name.IMPLEMENTATION_VENDOR),
          null);
    } catch (IllegalArgumentException racedWithAnotherThread) {
      // Another thread defined it first; the result is the same.
    }
  }

  @Override
  protected URL findResource(String name) {
    String entryName = entryName(name);
    if (entryName == null || jar.getJarEntry(entryName) == null) {
      return null;
    }
    try {
      return new URL(jarUrl + entryName);
    } catch (MalformedURLException e) {
      throw new UncheckedIOException("cannot build a URL for " + entryName + " in " + jar.getName(), e);
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return url == null ? Collections.emptyEnumeration() : Collections.enumeration(Collections.singleton(url));
  }

  private static String entryName(String resourceName) {
    String name = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
    if (name.isEmpty() || ('/' + name + '/').contains("/../")) {
      return null;
    }
    if (name.endsWith(".class")) {
      return PREFIX + name.substring(0, name.length() - ".class".length()) + CLASS_SUFFIX;
    }
    return PREFIX + name;
  }

  @Override
  public String toString() {
    return "AgentClassLoader[" + jar.getName() + "]";
  }
}
