package io.netdrop.instrumentation;

import io.netdrop.agent.AgentClassLoader;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * Forked-JVM main for {@link SocketInstrumentationIT}: does what premain will do with the real
 * agent jar (bootstrap classes appended, {@code SocketInstrumentation} loaded from {@code inst/}
 * by an {@link AgentClassLoader}, Byte Buddy shaded inside it), runs every scenario and prints
 * {@code PASS <name>} or {@code FAIL <name>: <why>}, then {@code done}.
 *
 * <p>Usage: {@code InstrumentationMain <agent jar>}.
 */
public final class InstrumentationMain {
  private InstrumentationMain() {}

  public static void main(String[] args) throws Exception {
    Instrumentation inst = ByteBuddyAgent.install();
    inst.appendToBootstrapClassLoaderSearch(new JarFile(args[0]));
    TestInstrumentation.openForTests(inst, InstrumentationMain.class.getModule());

    AgentClassLoader loader = new AgentClassLoader(new JarFile(args[0]));
    Class<?> type = loader.loadClass("io.netdrop.instrumentation.SocketInstrumentation");
    long start = System.nanoTime();
    Object installed = type.getMethod("install", Instrumentation.class).invoke(null, inst);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("java " + Runtime.version().feature() + ", install took " + millis + " ms");
    System.out.println("loaded by " + type.getClassLoader().getClass().getSimpleName());
    System.out.println("problems: " + type.getMethod("problems").invoke(installed));

    RecordingEvents recorder = RecordingEvents.install();
    List<String> scenarios = new ArrayList<>(SocketScenarios.JDK);
    scenarios.add("nettyEpoll");
    for (String name : scenarios) {
      try {
        if (name.equals("nettyEpoll")) {
          NettyScenarios.epollClientAndServer(recorder);
        } else {
          SocketScenarios.run(name, recorder);
        }
        System.out.println("PASS " + name);
      } catch (Throwable t) {
        System.out.println("FAIL " + name + ": " + String.valueOf(t).replace('\n', ' '));
      }
    }
    System.out.println("instrumented: " + type.getMethod("instrumentedClasses").invoke(installed));
    System.out.println("done");
  }
}
