package io.netdrop.telemetry.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiLinkageTest {
  private static byte[] classFile(String name) throws IOException {
    try (InputStream in = ApiLinkageTest.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
      return in.readAllBytes();
    }
  }

  @Test
  void everyApplicationSideClassLinksAgainstTheApiItWasBuiltWith() throws IOException {
    ClassLoader api = ApplicationCopies.current();
    for (String c : ApplicationOtel.APPLICATION_SIDE) {
      assertEquals(List.of(), ApiLinkage.missing(classFile(c), api), c);
    }
  }

  @Test
  void namesWhatApi140LacksForLogRecordsAndNothingForSpansOrMetrics() throws IOException {
    ClassLoader api = ApplicationCopies.v140();
    assertEquals(
        List.of("LogRecordBuilder.setEventName(String)"),
        ApiLinkage.missing(classFile("io.netdrop.telemetry.otel.OtelDrops"), api));
    for (String c : List.of("OtelCurrentSpan", "ApplicationDrops", "LinkedApplicationApi", "DropMetrics")) {
      assertEquals(List.of(), ApiLinkage.missing(classFile("io.netdrop.telemetry.otel." + c), api), c);
    }
  }

  @Test
  void namesEveryApiClassALoaderWithoutTheApiLacks() throws IOException {
    List<String> missing =
        ApiLinkage.missing(classFile("io.netdrop.telemetry.otel.OtelCurrentSpan"), ClassLoader.getPlatformClassLoader());
    assertEquals(
        List.of("io.opentelemetry.context.Context", "io.opentelemetry.api.trace.Span", "io.opentelemetry.api.trace.SpanContext"),
        missing);
  }

  /**
   * The classes defined again for the application's API are another runtime package than
   * netdrop's: they must not use a package-private class or member of netdrop's side.
   */
  @Test
  void applicationSideClassesUseOnlyPublicClassesAndMembersOfNetdropsSide() throws IOException {
    Set<String> sideNames = new HashSet<>();
    for (String c : ApplicationOtel.APPLICATION_SIDE) {
      sideNames.add(c.substring(c.lastIndexOf('.') + 1));
    }
    for (String c : ApplicationOtel.APPLICATION_SIDE) {
      List<String> inaccessible = new ArrayList<>();
      for (String m : ApiLinkage.missing(classFile(c), ApiLinkageTest.class.getClassLoader(), "io/netdrop/")) {
        String owner = m.startsWith("io.") ? m.substring(m.lastIndexOf('.') + 1) : m.substring(0, m.indexOf('.'));
        if (!sideNames.contains(owner.split("\\$")[0])) {
          inaccessible.add(m);
        }
      }
      assertEquals(List.of(), inaccessible, c);
    }
  }

  @Test
  void namesPackagePrivateMembersAsMissing() throws IOException {
    // OtelDrops.attributes(Map) is package-private: a class in another runtime package cannot call it.
    List<String> missing =
        ApiLinkage.missing(classFile("io.netdrop.telemetry.otel.OtelDrops"), ApiLinkageTest.class.getClassLoader(), "io/netdrop/");
    assertTrue(missing.contains("OtelDrops.attributes(Map)"), missing.toString());
  }

  @Test
  void writesDescriptorsAsJavaDoes() {
    assertEquals("(String, long, TimeUnit)", ApiLinkage.readable("(Ljava/lang/String;JLjava/util/concurrent/TimeUnit;)V"));
    assertEquals("()", ApiLinkage.readable("()Z"));
    assertEquals("(int[][], Attributes[])", ApiLinkage.readable("([[I[Lio/opentelemetry/api/common/Attributes;)V"));
  }

  @Test
  void rejectsWhatIsNotAClassFile() {
    IOException e = assertThrows(IOException.class, () -> ApiLinkage.missing(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, null));
    assertTrue(e.getMessage().contains("not a class file"), e.getMessage());
  }
}
