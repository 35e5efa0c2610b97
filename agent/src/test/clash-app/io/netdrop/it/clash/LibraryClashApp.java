package io.netdrop.it.clash;

import com.sun.jna.Function;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application with its own Byte Buddy, JNA, slf4j and OpenTelemetry, for LibraryClashIT. It
 * uses each library, printing only what is the same in every run (jar names, results), so its
 * stdout with the agent can be compared with its stdout without it. Then, on stdin commands, it
 * connects to a port ({@code connect N}) and exits ({@code exit}).
 *
 * <p>Not compiled by Maven: LibraryClashIT compiles it against the jars in target/test-libs/clash,
 * which are never dependencies of the agent module.
 */
public final class LibraryClashApp {
  private LibraryClashApp() {}

  public static void main(String[] args) throws Exception {
    byteBuddy();
    jna();
    slf4j();
    openTelemetry();
    System.out.println("app: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] cmd = line.trim().split("\\s+");
      if (cmd[0].equals("connect")) {
        connect(Integer.parseInt(cmd[1]));
      } else if (cmd[0].equals("exit")) {
        break;
      } else {
        System.out.println("app: unknown " + line);
      }
    }
    System.out.println("app: bye");
  }

  private static void byteBuddy() throws Exception {
    // An explicit class file version: Byte Buddy 1.14 predates Java 25 and would refuse "this VM's".
    Class<?> type =
        new ByteBuddy(ClassFileVersion.JAVA_V17)
            .subclass(Object.class)
            .name("io.netdrop.it.clash.Generated")
            .method(ElementMatchers.named("toString"))
            .intercept(FixedValue.value("made by byte buddy"))
            .make()
            .load(LibraryClashApp.class.getClassLoader())
            .getLoaded();
    System.out.println("app: byte-buddy from " + jar(ByteBuddy.class));
    System.out.println("app: byte-buddy " + type.getName() + " says " + type.getDeclaredConstructor().newInstance());
  }

  private static void jna() {
    int pid = Function.getFunction("c", "getpid").invokeInt(new Object[0]);
    System.out.println("app: jna from " + jar(Function.class));
    System.out.println("app: jna getpid() is this process: " + (pid == ProcessHandle.current().pid()));
  }

  private static void slf4j() {
    // slf4j-simple writes to stderr by default; stdout keeps the whole comparison in one stream.
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.out");
    Logger log = LoggerFactory.getLogger(LibraryClashApp.class);
    System.out.println("app: slf4j from " + jar(Logger.class) + " bound to " + LoggerFactory.getILoggerFactory().getClass().getName()
        + " from " + jar(LoggerFactory.getILoggerFactory().getClass()));
    log.info("logged through slf4j");
  }

  private static void openTelemetry() {
    List<SpanData> exported = new ArrayList<>();
    SpanExporter inMemory =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            exported.addAll(spans);
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(inMemory)).build())
            .buildAndRegisterGlobal(); // fails if anyone else already registered a global in our copy
    Tracer tracer = GlobalOpenTelemetry.getTracer("clash-app");
    Span span = tracer.spanBuilder("work").setAttribute("app.step", 1L).startSpan();
    boolean current;
    try (Scope scope = span.makeCurrent()) {
      current = Span.current() == span;
    }
    span.end();
    sdk.getSdkTracerProvider().shutdown();
    System.out.println("app: opentelemetry from " + jar(OpenTelemetrySdk.class) + " and " + jar(Span.class));
    System.out.println("app: opentelemetry span current=" + current + " exported=" + exported.size()
        + " name=" + exported.get(0).getName() + " valid=" + exported.get(0).getSpanContext().isValid()
        + " app.step=" + exported.get(0).getAttributes().asMap().values());
  }

  private static void connect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      System.out.println("app: connect ok");
    } catch (IOException e) {
      System.out.println("app: connect failed " + e.getClass().getSimpleName());
    }
  }

  private static String jar(Class<?> type) {
    try {
      return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
    } catch (Exception e) {
      return "unknown (" + e + ")";
    }
  }
}
