package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.testing.ForkedJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The creator lookup under Java 25 (Temurin at /usr/lib/jvm/temurin-25-jdk-amd64; the test fails,
 * it does not skip, when that JDK is missing): it chooses the DROP_METHOD_INFO walk, and every
 * strategy gives the same answers as on 17 ({@link CreatorsTest}).
 */
class CreatorsJava25IT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Path JAVA25 =
      Path.of(System.getProperty("netdrop.it.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));

  @Test
  void choosesTheDropMethodInfoWalkOnJava25AndEveryStrategyAgrees() {
    assertTrue(Files.isExecutable(JAVA25.resolve("bin/java")), "no Java 25 at " + JAVA25);
    Path module = ForkedJvm.moduleDir();
    try (ForkedJvm probe =
        ForkedJvm.builder()
            .javaHome(JAVA25)
            .withoutAgent()
            .classpath(module.resolve("target/test-classes"), module.resolve("target/classes"))
            .mainClass(CreatorsProbe.class.getName())
            .start()) {
      assertEquals(0, probe.waitFor(TIMEOUT), probe.describe());
      String app = CreatorsProbe.class.getName();
      List<String> expected = new ArrayList<>(List.of("chosen DROP_METHOD_INFO_WALK"));
      for (String s : List.of("DROP_METHOD_INFO_WALK", "CLASS_CONTEXT", "STACK_WALK")) {
        expected.addAll(
            List.of(
                s + " depth0 " + app,
                s + " depth10 " + app,
                s + " depth300 " + app,
                s + " lambda " + app,
                s + " none null"));
      }
      assertEquals(expected, probe.stdout(), probe.describe());
    }
  }
}
