package io.netdrop.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsUsageWithoutArguments() {
    assertEquals(0, run());
    assertTrue(out().startsWith("usage: java -jar netdrop-agent.jar <command>"), out());
    assertEquals("", err());
  }

  @Test
  void printsUsageForHelp() {
    assertEquals(0, run("help"));
    assertEquals(Cli.USAGE + System.lineSeparator(), out());
  }

  @Test
  void printsVersion() {
    assertEquals(0, run("version"));
    assertEquals("netdrop " + Cli.version() + System.lineSeparator(), out());
  }

  @Test
  void runsTheDoctorWhichLoadsTheProgramOnThisHost() {
    assertEquals(0, run("doctor"), out());
    assertTrue(out().contains("ok    load and attach"), out());
    assertTrue(out().endsWith("netdrop can run here" + System.lineSeparator()), out());
  }

  @Test
  void routesAttachToTheAttachCommand() {
    assertEquals(2, run("attach"));
    assertEquals("", out());
    assertEquals(
        "netdrop: attach needs the process id of a running JVM" + System.lineSeparator()
            + AttachCommand.USAGE_LINE + System.lineSeparator(),
        err());
  }

  @Test
  void listsAttachInTheUsage() {
    assertTrue(Cli.USAGE.contains("  attach    load netdrop into a running JVM: attach <pid> [key=value,...]"), Cli.USAGE);
  }

  @Test
  void rejectsUnknownCommandWithUsageAndExitCodeTwo() {
    assertEquals(2, run("frobnicate"));
    assertEquals("", out());
    assertTrue(err().startsWith("netdrop: unknown command 'frobnicate'"), err());
    assertTrue(err().contains(Cli.USAGE), err());
  }
}
