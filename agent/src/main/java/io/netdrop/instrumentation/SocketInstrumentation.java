package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.utility.JavaModule;

/**
 * Byte Buddy advice in the JDK's socket implementations ({@code sun.nio.ch.NioSocketImpl},
 * {@code SocketChannelImpl}, {@code ServerSocketChannelImpl}, {@code DatagramChannelImpl}) and in
 * Netty's native-transport sockets ({@code io.netty.channel.unix.Socket}, plus the io_uring
 * transport's connect, accept and completion handlers), reporting each socket's life cycle —
 * opened, connecting, bound, accepted, used, closing — to the static methods of
 * {@code io.netdrop.bootstrap.NetdropBridge}.
 *
 * <p>The advice is inlined (no new classes, methods or fields: already-loaded JDK classes are
 * retransformed in place), calls only the bridge, allocates nothing on the read/write path, and
 * swallows anything it throws. Failures to instrument a class are printed once each as
 * {@code netdrop: instrumentation: ...} and never thrown.
 */
public final class SocketInstrumentation {
  private static final String BRIDGE = "io.netdrop.bootstrap.NetdropBridge";

  private final Instrumentation inst;
  private final ResettableClassFileTransformer transformer;
  private final ProblemLog log;

  private SocketInstrumentation(Instrumentation inst, ResettableClassFileTransformer transformer, ProblemLog log) {
    this.inst = inst;
    this.transformer = transformer;
    this.log = log;
  }

  /**
   * Installs the transformers and retransforms the target classes that are already loaded;
   * classes loaded later (Netty, or the JDK classes on first use) are transformed as they load.
   * Safe from premain and agentmain: it returns in well under a second and never throws because a
   * class could not be instrumented (that is printed to {@code System.err}).
   *
   * <p>The agent jar must already be on the bootstrap class path
   * ({@link Instrumentation#appendToBootstrapClassLoaderSearch}) so that advice inside
   * {@code java.base} can see the bridge; install gives {@code java.base} (and any named module it
   * instruments) a read edge to the bridge's module. Events go to whatever callback is given to
   * {@code NetdropBridge.install}; until then the bridge ignores them.
   *
   * @throws NullPointerException if {@code inst} is null
   * @throws IllegalStateException if the JVM cannot retransform classes or the bridge is not on
   *     the bootstrap class path
   */
  public static SocketInstrumentation install(Instrumentation inst) {
    return install(inst, System.err);
  }

  /** As {@link #install(Instrumentation)}, printing problems to {@code log}. */
  static SocketInstrumentation install(Instrumentation inst, PrintStream log) {
    Objects.requireNonNull(inst, "inst");
    Objects.requireNonNull(log, "log");
    if (!inst.isRetransformClassesSupported()) {
      throw new IllegalStateException(
          "this Instrumentation cannot retransform classes (the agent manifest needs Can-Retransform-Classes: true)");
    }
    Class<?> bridge = bootstrapBridge();
    Module bridgeModule = bridge.getModule();
    // Advice inlined into java.base calls the bridge, which lives in the bootstrap loader's
    // unnamed module; a named module reads it only after this.
    inst.redefineModule(Object.class.getModule(), Set.of(bridgeModule), Map.of(), Map.of(), Set.of(), Map.of());

    ProblemLog problems = new ProblemLog(log);
    Map<String, List<Hook>> hooks = new LinkedHashMap<>(JdkSocketHooks.all());
    hooks.putAll(NettySocketHooks.all());
    hooks.putAll(NettyIoUringHooks.all());

    AgentBuilder builder =
        newAgentBuilder()
            .disableClassFormatChanges()
            // Inlined advice needs no helper classes; this also keeps Byte Buddy off sun.misc.Unsafe
            // (which Java 24+ warns about).
            .with(AgentBuilder.InjectionStrategy.Disabled.INSTANCE)
            .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
            .with((AgentBuilder.RedefinitionStrategy.Listener) problems)
            .with((AgentBuilder.Listener) problems)
            .with((AgentBuilder.InstallationListener) problems)
            // Netty on the module path: let its module read the bridge too.
            .with(new AgentBuilder.Listener.ModuleReadEdgeCompleting(inst, false, Set.of(JavaModule.of(bridgeModule))))
            // Replaces the default, which ignores every bootstrap class: ours are all named here,
            // so every other class is passed over on a name comparison.
            .ignore(not(namedOneOf(hooks.keySet().toArray(new String[0]))))
            // Runs the transformation once now, so that Byte Buddy's own classes are loaded before
            // a socket class is loaded by some thread in the middle of its own class loading.
            .warmUp(loadedJdkTargets());
    for (Map.Entry<String, List<Hook>> entry : hooks.entrySet()) {
      TypeHooks typeHooks = new TypeHooks(entry.getKey(), entry.getValue(), problems);
      builder = builder.type(named(typeHooks.typeName())).transform(typeHooks);
    }
    return new SocketInstrumentation(inst, builder.installOn(inst), problems);
  }

  /**
   * Creates the builder with Byte Buddy's "safe" mode on while its class injectors initialise, so
   * they never touch {@code sun.misc.Unsafe} (Java 24+ prints a warning for that); we inject no
   * classes. The property is read once by our shaded copy's static initialisers and restored at
   * once, so an application's own Byte Buddy is unaffected.
   */
  private static AgentBuilder newAgentBuilder() {
    String property = "net.bytebuddy.safe";
    String previous = System.getProperty(property);
    System.setProperty(property, "true");
    try {
      return new AgentBuilder.Default();
    } finally {
      if (previous == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, previous);
      }
    }
  }

  /**
   * Loads the bridge from the bootstrap class loader, the only loader every advised class (in
   * java.base or in an application loader) can reach.
   */
  private static Class<?> bootstrapBridge() {
    try {
      return Class.forName(BRIDGE, true, null);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          BRIDGE + " is not on the bootstrap class path; append the agent jar with"
              + " Instrumentation.appendToBootstrapClassLoaderSearch before installing", e);
    }
  }

  /** The JDK classes to warm up with; all of them are in java.base, so they always load. */
  private static List<Class<?>> loadedJdkTargets() {
    List<Class<?>> types = new ArrayList<>();
    for (String name : JdkSocketHooks.all().keySet()) {
      try {
        types.add(Class.forName(name, false, null));
      } catch (ClassNotFoundException e) {
        // A JDK without this class: its hooks then report the problem if it ever loads.
      }
    }
    return types;
  }

  /** Returns the problems printed so far (one line each; empty when everything was instrumented). */
  public List<String> problems() {
    return log.problems();
  }

  /** Returns the binary names of the classes instrumented so far. */
  public List<String> instrumentedClasses() {
    return log.instrumented();
  }

  /**
   * Removes the transformers and restores the original code of the classes they changed; for
   * tests. Problems restoring are printed, not thrown.
   */
  public void uninstall() {
    try {
      transformer.reset(inst, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
    } catch (RuntimeException e) {
      log.report("cannot uninstall: " + e);
    }
  }
}
