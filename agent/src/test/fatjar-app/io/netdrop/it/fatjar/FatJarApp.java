package io.netdrop.it.fatjar;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The application of BundledAgentClassesIT, packed into one jar with copies of netdrop's classes:
 * prints what its class loaders see (the same with and without the agent, unless the agent harms
 * it), then follows commands on stdin: {@code connect <port>}, {@code exit}.
 *
 * <p>It uses JNA by reflection so it compiles without it; the jar holds its own JNA.
 */
public final class FatJarApp {
  private FatJarApp() {}

  public static void main(String[] args) throws Exception {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    System.out.println("app: main class loaded by the system loader: " + (FatJarApp.class.getClassLoader() == system));
    System.out.println("app: own class file found: " + (FatJarApp.class.getResource("FatJarApp.class") != null));
    Class<?> jna = Class.forName("com.sun.jna.Native");
    Field version = jna.getField("VERSION"); // declared by a package-private interface
    version.setAccessible(true);
    System.out.println("app: jna " + version.get(null) + " loaded by the system loader: " + (jna.getClassLoader() == system));
    System.out.println("app: bootstrap loader sees the application: " + bootstrapSees(FatJarApp.class.getName()));
    System.out.println("app: bootstrap loader sees netdrop internals: " + bootstrapSees("io.netdrop.agent.internal.AgentStarter"));
    System.out.println("app: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
      if (line.startsWith("connect ")) {
        connect(Integer.parseInt(line.substring("connect ".length())));
      }
    }
    System.out.println("app: bye");
  }

  private static void connect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      System.out.println("app: connect succeeded");
    } catch (IOException e) {
      System.out.println("app: connect failed " + e.getClass().getSimpleName());
    }
  }

  private static boolean bootstrapSees(String name) {
    try {
      Class.forName(name, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
