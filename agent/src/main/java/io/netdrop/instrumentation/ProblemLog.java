package io.netdrop.instrumentation;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;
import java.lang.instrument.Instrumentation;

/**
 * Collects what went wrong while instrumenting and prints each distinct problem once, as one
 * {@code netdrop: instrumentation: ...} line. It is Byte Buddy's listener for transformation,
 * retransformation and installation errors, none of which may reach the application; it also
 * remembers which classes were instrumented.
 */
final class ProblemLog
    implements AgentBuilder.Listener, AgentBuilder.RedefinitionStrategy.Listener, AgentBuilder.InstallationListener {
  private final PrintStream out;
  private final Set<String> problems = new LinkedHashSet<>();
  private final Set<String> instrumented = new LinkedHashSet<>();

  ProblemLog(PrintStream out) {
    this.out = out;
  }

  /** Records {@code problem} and prints it the first time it is seen. */
  void report(String problem) {
    String line = problem.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    boolean first;
    synchronized (problems) {
      first = problems.add(line);
    }
    if (first) {
      out.println("netdrop: instrumentation: " + line);
    }
  }

  List<String> problems() {
    synchronized (problems) {
      return new ArrayList<>(problems);
    }
  }

  List<String> instrumented() {
    synchronized (instrumented) {
      return new ArrayList<>(instrumented);
    }
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.toString() : t.getClass().getSimpleName() + ": " + message;
  }

  // AgentBuilder.Listener

  @Override
  public void onDiscovery(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded) {}

  @Override
  public void onTransformation(
      TypeDescription type, ClassLoader classLoader, JavaModule module, boolean loaded, DynamicType dynamicType) {
    synchronized (instrumented) {
      instrumented.add(type.getName());
    }
  }

  @Override
  public void onIgnored(TypeDescription type, ClassLoader classLoader, JavaModule module, boolean loaded) {}

  @Override
  public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
    report("cannot instrument " + typeName + ": " + describe(throwable));
  }

  @Override
  public void onComplete(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded) {}

  // AgentBuilder.RedefinitionStrategy.Listener

  @Override
  public void onBatch(int index, List<Class<?>> batch, List<Class<?>> types) {}

  @Override
  public Iterable<? extends List<Class<?>>> onError(
      int index, List<Class<?>> batch, Throwable throwable, List<Class<?>> types) {
    report("cannot retransform " + batch + ": " + describe(throwable));
    return List.of();
  }

  @Override
  public void onComplete(int amount, List<Class<?>> types, Map<List<Class<?>>, Throwable> failures) {}

  // AgentBuilder.InstallationListener

  @Override
  public void onBeforeInstall(Instrumentation instrumentation, ResettableClassFileTransformer transformer) {}

  @Override
  public void onInstall(Instrumentation instrumentation, ResettableClassFileTransformer transformer) {}

  @Override
  public Throwable onError(
      Instrumentation instrumentation, ResettableClassFileTransformer transformer, Throwable throwable) {
    report("cannot install: " + describe(throwable));
    return SUPPRESS_ERROR;
  }

  @Override
  public void onReset(Instrumentation instrumentation, ResettableClassFileTransformer transformer) {}

  @Override
  public void onBeforeWarmUp(Set<Class<?>> types, ResettableClassFileTransformer transformer) {}

  @Override
  public void onWarmUpError(Class<?> type, ResettableClassFileTransformer transformer, Throwable throwable) {
    report("cannot warm up on " + type.getName() + ": " + describe(throwable));
  }

  @Override
  public void onAfterWarmUp(Map<Class<?>, byte[]> types, ResettableClassFileTransformer transformer, boolean transformed) {}
}
